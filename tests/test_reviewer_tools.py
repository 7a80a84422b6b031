"""Tools for reviewers: render --check, schema, diagram, explain."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from helpers import EXAMPLES, EXAMPLES_DIR, MINIMAL
from rsqgen import deploy, spec
from rsqgen.cli import app
from rsqgen.render import diagram
from rsqgen.spec.schema import spec_schema
from typer.testing import CliRunner

runner = CliRunner()


# --- render --check --------------------------------------------------------------------------


def test_check_passes_when_current_and_fails_with_a_diff_when_not(write_spec, tmp_path):
    spec_path = write_spec(MINIMAL)
    out = tmp_path / "out"
    assert runner.invoke(app, ["render", str(spec_path), "-o", str(out)]).exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    ok = runner.invoke(app, ["render", str(spec_path), "-o", str(out), "--check"])
    assert ok.exit_code == 0 and "is current" in ok.output
    spec_path.write_text(MINIMAL.replace("rate(5 minutes)", "rate(10 minutes)"))
    stale = runner.invoke(app, ["render", str(spec_path), "-o", str(out), "--check"])
    assert stale.exit_code == 1
    assert '-      schedule_expression = "rate(5 minutes)"' in stale.output
    assert '+      schedule_expression = "rate(10 minutes)"' in stale.output
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # nothing written


def test_check_sees_a_hand_edit_and_a_file_the_spec_no_longer_needs(write_spec, tmp_path):
    spec_path = write_spec(MINIMAL + "notifications:\n  ops: {emails: [a@example.com]}\n")
    out = tmp_path / "out"
    assert runner.invoke(app, ["render", str(spec_path), "-o", str(out)]).exit_code == 0
    (out / "outputs.tf").write_text("# edited\n")
    spec_path.write_text(MINIMAL)  # no topics any more: modules/notifications goes away
    result = runner.invoke(app, ["render", str(spec_path), "-o", str(out), "--check"])
    assert result.exit_code == 1
    assert "+++ /dev/null" in result.output and "a/modules/notifications/main.tf" in result.output
    assert "-# edited" in result.output
    assert "a render would refuse to write it" in result.output and "outputs.tf" in result.output
    assert ".rsqgen-manifest.json" not in result.output  # the hashes are noise next to the real diff


def test_check_on_a_missing_folder_says_so_without_a_diff(write_spec, tmp_path):
    result = runner.invoke(app, ["render", str(write_spec(MINIMAL)), "-o", str(tmp_path / "none"), "--check"])
    assert result.exit_code == 1 and "does not exist: run `rsqgen render" in result.output
    assert "--- /dev/null" not in result.output and not (tmp_path / "none").exists()


def test_pre_commit_hook_runs_render_check():
    hooks = yaml.safe_load((Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "rsqgen-check" and hook["entry"] == "rsqgen render --check" and hook["pass_filenames"] is False


# --- schema ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator():
    schema = spec_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("example", EXAMPLES)
def test_examples_match_the_schema(validator, example):
    doc = spec.load_spec(EXAMPLES_DIR / example / "spec.yaml").document.data
    errors = sorted(validator.iter_errors(doc), key=str)
    assert not errors, [e.message for e in errors]


SHAPE_ERRORS = [
    "unknown-top-key", "unknown-query-key", "version-2", "version-string", "warehouses-list", "nodes-string",
    "enabled-yes", "empty-queries", "missing-warehouses", "name-too-long", "query-name-too-long", "account-id-short",
    "account-id-number", "bad-email", "operator-root-arn", "operator-malformed-arn", "region-unknown", "password-field",
    "cluster-id-uppercase",
]  # fmt: skip


@pytest.mark.parametrize("name", SHAPE_ERRORS)
def test_bad_specs_fail_the_schema(validator, name):
    from rsqgen.spec.yamlsrc import load_yaml_file

    doc = load_yaml_file(Path(__file__).resolve().parent / "bad_specs" / f"{name}.yaml").data
    assert list(validator.iter_errors(doc)), f"{name} passes the schema"


def test_schema_command_prints_the_schema(tmp_path):
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == spec_schema()
    assert runner.invoke(app, ["schema", "-o", str(tmp_path / "s.json")]).exit_code == 0
    assert json.loads((tmp_path / "s.json").read_text())["$id"].endswith("spec-v1.json")


# --- diagram ---------------------------------------------------------------------------------


def _deployment(name: str):
    return deploy.decide(spec.load_spec(EXAMPLES_DIR / name / "spec.yaml"))


def test_mermaid_shows_the_trust_set_up():
    text = diagram.to_mermaid(diagram.build(_deployment("seed")))
    assert text.startswith("flowchart LR\n")
    assert 'user_test_user -- "sts:AssumeRole" --> role' in text
    for svc in ("events", "redshift", "redshift_serverless"):
        assert f'svc_{svc}_amazonaws_com -- "assumes" --> role' in text
    assert 'q_top5_sales -- "runs as" --> role' in text
    assert 'q_top5_sales -- "fired" --> topic_ops' in text
    assert "wh_test_cluster[(" in text


def test_mermaid_labels_are_escaped(write_spec):
    text = MINIMAL.replace("rate(5 minutes)", "cron(0 10 ? * 6#3 *)").replace("  - user: test-user", '  - user: "a.b"\n  - user: a_b')
    d = deploy.decide(spec.load_spec(write_spec(text)))
    out = diagram.to_mermaid(diagram.build(d))
    assert "6#35;3" in out  # '#' would start an entity
    assert "user_a_b[" in out and "user_a_b_2[" in out  # names differing in punctuation stay two nodes


def test_generated_readme_embeds_the_diagram(rendered):
    readme = (rendered["seed"] / "README.md").read_text()
    assert "```mermaid\nflowchart LR\n" in readme


def test_dot_svg_and_png(tmp_path):
    if diagram.find_dot() is None:
        pytest.fail("Graphviz `dot` is required for this test; `make test` installs it", pytrace=False)
    spec_path = str(EXAMPLES_DIR / "multi" / "spec.yaml")
    svg = runner.invoke(app, ["diagram", spec_path, "--format", "svg", "-o", str(tmp_path / "d.svg")])
    assert svg.exit_code == 0, svg.output
    text = (tmp_path / "d.svg").read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "schedule role" in text and "Redshift Data API" in text
    png = runner.invoke(app, ["diagram", spec_path, "--format", "png", "-o", str(tmp_path / "d.png")])
    assert png.exit_code == 0 and (tmp_path / "d.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_png_without_dot_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = runner.invoke(app, ["diagram", str(EXAMPLES_DIR / "seed" / "spec.yaml"), "-f", "png", "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 3 and "Graphviz `dot` is needed" in result.output
    assert not (tmp_path / "x.png").exists()


# --- explain ---------------------------------------------------------------------------------


def test_explain_gives_next_runs_in_utc_and_the_queries_zone():
    result = runner.invoke(app, ["explain", str(EXAMPLES_DIR / "scheduler" / "spec.yaml"), "--now", "2026-11-28T00:00:00Z"])
    assert result.exit_code == 0, result.output
    out = result.output
    # Saturday 2026-11-28: the next weekday 07:30 in Tokyo is Monday 30th = Sunday 22:30 UTC.
    assert "next      2026-11-29 22:30 UTC = 2026-11-30 07:30 JST" in out
    assert "2026-12-01 22:30 UTC = 2026-12-02 07:30 JST" in out
    assert "next      2026-11-28 22:00 UTC" in out  # the UTC rule
    assert "arn:aws:iam::111122223333:user/etl-operator" in out
    assert "redshift:GetClusterCredentials" in out and "no AWS managed policy" in out


def test_explain_says_a_disabled_query_will_not_run():
    out = runner.invoke(app, ["explain", str(EXAMPLES_DIR / "multi" / "spec.yaml"), "--now", "2026-11-28T00:00:00Z"]).output
    assert "legacy-export: EventBridge rule QS2-legacy-export, DISABLED: it will not run" in out


def test_explain_rejects_a_time_without_zone():
    result = runner.invoke(app, ["explain", str(EXAMPLES_DIR / "seed" / "spec.yaml"), "--now", "2026-11-28T00:00:00"])
    assert result.exit_code == 2 and "has no time zone" in result.output


def test_explain_does_not_crash_on_a_rate_beyond_the_calendar(write_spec):
    """A new user found exit 70 here: rate(99999999999999999999 minutes)."""
    for schedule in ("rate(99999999999999999999 minutes)", "rate(3000000 days)"):
        result = runner.invoke(app, ["explain", str(write_spec(MINIMAL.replace("rate(5 minutes)", schedule))), "--now", "2026-11-28T00:00:00Z"])
        assert result.exit_code == 0, result.output
        assert "beyond the year 9999" in result.output

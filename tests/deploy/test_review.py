"""`rsqgen review` on plan JSON that real terraform produced against moto: a create, an edit
(schedule, SQL, disable), and a trust-widening edit (a new operator)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from helpers.motoserver import (
    OVERRIDE_FILE,
    MotoServer,
    fake_aws_env,
    find_moto_server,
    provider_override,
)
from helpers.tfrun import TfRun
from rsqgen import core
from rsqgen.cli import app
from rsqgen.spec.yamlsrc import load_yaml_file
from rsqgen.tools import review
from typer.testing import CliRunner

pytestmark = [pytest.mark.deploy, pytest.mark.terraform]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "existing-cluster"


@pytest.fixture(scope="module")
def plans(tmp_path_factory, terraform):
    """Plan JSON documents: create (empty account), edit and widen (after applying the create)."""
    binary = find_moto_server()
    if binary is None:
        pytest.fail("moto_server is required (pip install 'moto[server]'; `make test` installs it)", pytrace=False)
    work = tmp_path_factory.mktemp("review")
    server = MotoServer(binary, work / "moto.log")
    server.start()
    try:
        iam = server.client("iam", "eu-west-1")
        iam.create_user(UserName="alice")  # the spec's existing user
        spec_dir = work / "spec"
        shutil.copytree(EXAMPLE, spec_dir)
        out = work / "out"
        core.write(core.render_spec(spec_dir / "spec.yaml"), out)
        (out / OVERRIDE_FILE).write_text(provider_override(server.url))
        tf = TfRun(terraform.binary, out, fake_aws_env(terraform.env(work)))
        tf.init()
        docs = {"create": tf.plan("create.tfplan").doc}
        tf.apply("create.tfplan")

        def edited(change) -> dict:
            # rsqgen's YAML 1.2 reader: PyYAML's 1.1 safe_load would turn the `on:` key into True.
            data = load_yaml_file(EXAMPLE / "spec.yaml").data
            change(data)
            (spec_dir / "spec.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
            core.write(core.render_spec(spec_dir / "spec.yaml"), out)
            return tf.plan("edit.tfplan").doc

        def edit(data: dict) -> None:
            data["queries"]["refresh-daily-sales"]["schedule"] = "daily at 04:00"
            data["queries"]["refresh-daily-sales"]["sql"] = "-- one statement: the Data API runs one per rule\nREFRESH MATERIALIZED VIEW reporting.daily_sales;"
            data["queries"]["vacuum-events"]["enabled"] = False

        def widen(data: dict) -> None:
            data["operators"].append({"user": "mallory"})

        docs["edit"] = edited(edit)
        docs["widen"] = edited(widen)
        (work / "widen.json").write_text(json.dumps(docs["widen"]))
        docs["widen_path"] = work / "widen.json"
        yield docs
    finally:
        server.stop()


def test_create_lists_every_trusted_principal_and_grant_first(plans):
    r = review.review(plans["create"])
    text = review.to_markdown(r)
    assert r.counts["add"] > 10 and r.counts["destroy"] == 0
    assert text.index("## Security-relevant changes") < text.index("## Scheduled queries")
    trust = next(s for s in r.security if "aws_iam_role.this" in s)
    assert "AWS: arn:aws:iam::111122223333:user/alice" in trust and "Service: events.amazonaws.com" in trust
    assert any("aws_iam_role_policy.this" in s and "redshift:GetClusterCredentials" in s for s in r.security)
    assert any("aws_sns_topic_policy" in s and "topic policy" in s for s in r.security)
    assert "`QS2-refresh-daily-sales` added (rule): `cron(30 2 * * ? *)`, enabled" in r.queries


def test_edit_shows_schedule_sql_and_state_changes_and_nothing_security_relevant(plans):
    r = review.review(plans["edit"])
    assert "`QS2-refresh-daily-sales` schedule changed: `cron(30 2 * * ? *)` → `cron(0 4 * * ? *)`" in r.queries
    assert "`QS2-vacuum-events` disabled" in r.queries
    assert "`QS2-refresh-daily-sales` SQL changed" in r.queries
    (name, diff), = r.sql_diffs
    assert name == "QS2-refresh-daily-sales" and "+-- one statement: the Data API runs one per rule" in diff
    assert r.security == [], r.security  # same grants, same principals


def test_trust_widening_is_flagged_and_fails_ci(plans):
    r = review.review(plans["widen"])
    assert any("newly trusts" in s and "user/mallory" in s for s in r.security), r.security
    assert any("new IAM user `mallory`" in s for s in r.security)
    assert any("joins group" in s and "mallory" in s for s in r.security)
    result = CliRunner().invoke(app, ["review", str(plans["widen_path"]), "--fail-on", "security"])
    assert result.exit_code == 1
    assert result.output.index("Security-relevant changes") < result.output.index("Scheduled queries")
    ok = CliRunner().invoke(app, ["review", str(plans["widen_path"])])
    assert ok.exit_code == 0


def test_review_rejects_what_is_not_a_plan(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"not": "a plan"}')
    result = CliRunner().invoke(app, ["review", str(bad)])
    assert result.exit_code == 2 and "not a Terraform plan" in result.output

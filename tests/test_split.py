"""`render --split warehouse`: what goes into which stack, and how a query stack reads the base
stack's resources. tests/deploy/test_split_stacks_deploy.py applies the stacks in order against the emulator."""

from __future__ import annotations

import shutil

import pytest
from helpers import EXAMPLES_DIR
from rsqgen import core, deploy
from rsqgen.cli import app
from typer.testing import CliRunner


@pytest.fixture(scope="module")
def team_split(tmp_path_factory):
    """examples/team with its queries spread over two existing clusters and a remote state."""
    folder = tmp_path_factory.mktemp("split")
    text = (EXAMPLES_DIR / "team" / "spec.yaml").read_text()
    text = text.replace("  analytics-dwh:\n    type: cluster\n", "  analytics-dwh:\n    type: cluster\n  finance-dwh:\n    type: cluster\n")
    text = text.replace("    sql: CALL finance.refresh_daily_revenue();", "    warehouse: finance-dwh\n    sql: CALL finance.refresh_daily_revenue();")
    text += "backend:\n  s3: {bucket: acme-tfstate, key: rsqgen/analytics.tfstate, region: eu-west-1}\n"
    (folder / "spec.yaml").write_text(text)
    return core.render_spec(folder / "spec.yaml").deployment, core.render_trees(folder / "spec.yaml", split="warehouse")


def test_the_base_holds_what_queries_share_and_each_stack_its_queries(team_split):
    whole, stacks = team_split
    assert list(stacks) == ["base", "analytics-dwh", "finance-dwh"]
    base = stacks["base"]
    assert base.deployment.role == whole.role and base.deployment.topics == whole.topics
    assert base.deployment.queries == ()  # no warehouse is created here
    assert not [f for f in base.files if f.startswith(("modules/scheduled-query/", "modules/scheduler-query/", "modules/query-status/"))]
    assert [q.key for q in stacks["finance-dwh"].deployment.queries] == ["daily-revenue"]
    assert sorted(q.key for q in stacks["analytics-dwh"].deployment.queries) == ["hourly-sessions", "weekly-cohorts"]


def test_a_query_stack_reads_the_base_by_name_and_makes_nothing_shared(team_split):
    whole, stacks = team_split
    main = stacks["analytics-dwh"].files["main.tf"].decode()
    assert 'data "aws_iam_role" "schedule"' in main and f'name = "{whole.role.name}"' in main
    assert "role_arn            = data.aws_iam_role.schedule.arn" in main
    assert 'data "aws_sns_topic" "this"' in main and '"chatops" = "arn:aws:sns:eu-west-1:123456789012:chatbot-data-alerts"' in main
    assert 'data "aws_kms_alias" "schedules"' in main and '"alias/analytics-rsqgen"' in main  # kms_key: shared
    assert f'group_name              = "{whole.schedule_group}"' in main
    for shared in ('module "schedule_role"', 'module "operators"', 'module "notifications"', 'module "schedule_group"', 'module "kms_key"', "depends_on"):
        assert shared not in main
    assert sorted(f.split("/")[1] for f in stacks["analytics-dwh"].files if f.startswith("modules/") and f.endswith("main.tf")) == [
        "query-status", "scheduled-query", "scheduler-query",
    ]


def test_each_stack_has_its_own_state(team_split):
    _, stacks = team_split
    for name, r in stacks.items():
        assert f'key          = "rsqgen/analytics/{name}.tfstate"' in r.files["backend.tf"].decode()


@pytest.mark.parametrize("stack", ["base", "analytics-dwh", "finance-dwh"])
def test_each_stack_validates(terraform, team_split, tmp_path, stack, checkov_bin, monkeypatch):
    monkeypatch.setenv("RSQGEN_CHECKOV", checkov_bin)
    _, stacks = team_split
    core.write(stacks[stack], tmp_path / stack)
    report = core.validate(tmp_path / stack)
    failed = [(r.name, r.status, r.detail) for r in report.results if r.status not in ("PASSED", "SKIPPED")]
    assert failed == [], failed


def test_a_warehouse_named_base_cannot_be_split(tmp_path):
    shutil.copytree(EXAMPLES_DIR / "existing-cluster", tmp_path / "spec")
    path = tmp_path / "spec" / "spec.yaml"
    key = core.render_spec(path).deployment.warehouses[0].key
    path.write_text(path.read_text().replace(f"{key}:", "base:").replace(f"warehouse: {key}", "warehouse: base"))
    with pytest.raises(deploy.StackError, match="named 'base'"):
        core.render_trees(path, split="warehouse")
    result = CliRunner().invoke(app, ["render", str(path), "--split", "warehouse", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "named 'base'" in result.output and not (tmp_path / "out").exists()
    other = CliRunner().invoke(app, ["render", str(path), "--split", "query", "-o", str(tmp_path / "out")])
    assert other.exit_code == 2 and "--split 'query' is not supported" in other.output


def test_a_query_stack_reads_only_its_own_warehouse(tmp_path):
    trees = core.render_trees(EXAMPLES_DIR / "multi" / "spec.yaml", split="warehouse")
    cluster_stack = trees["acme-dwh"].files["main.tf"].decode()
    assert "aws_redshiftserverless_workgroup" not in cluster_stack  # acme-adhoc is another stack's
    assert 'data "aws_redshiftserverless_workgroup" "this"' in trees["acme-adhoc"].files["main.tf"].decode()

"""What the generated configuration does, read from the values Terraform itself plans (offline, no
AWS), checked against expectations written from the spec and AWS's rules as a reviewer would state
them, never from rsqgen's own Deployment and never from golden bytes:

- a rule's name, its Data API statement name and the status rule's filter are `QS2-<key>`;
- a Scheduler schedule runs in its spec's time zone, with statement name `QS2-<key>`;
- `enabled: false` plans a DISABLED rule or schedule, and nothing is forced on;
- the operators may manage `QS2-*` rules only, and assume and pass exactly the schedule role;
- the role trusts exactly the console's services (+ Scheduler when used) and each operator's ARN;
- a query connects with exactly its spec's database and user, and runs exactly its SQL.
"""

from __future__ import annotations

import json

import pytest
from helpers.offline_plan import by_type, offline_plan
from rsqgen import core

pytestmark = pytest.mark.terraform

ACCOUNT = "111122223333"
REGION = "eu-west-1"
SPEC = f"""\
version: 1
name: acme
region: {REGION}
account_id: "{ACCOUNT}"
warehouses:
  dwh: {{}}
operators:
  - user: ops-alice
  - role: arn:aws:iam::{ACCOUNT}:role/DataEngineer
notifications:
  pager:
    emails: [pager@example.com]
queries:
  nightly-load:
    warehouse: dwh
    database: sales
    auth: {{db_user: etl_user}}
    sql: "CALL etl.load('${{not_a_var}}');"
    schedule: cron(15 2 * * ? *)
    enabled: false
    notify: {{topic: pager, on: [failed]}}
  tokyo-report:
    warehouse: dwh
    database: reports
    auth: {{db_user: report_user}}
    sql: [DELETE FROM r.daily;, INSERT INTO r.daily SELECT 1;]
    scheduler: scheduler
    timezone: Asia/Tokyo
    schedule: cron(0 9 ? * MON-FRI *)
"""
CONSOLE_SERVICES = {"events.amazonaws.com", "redshift.amazonaws.com", "redshift-serverless.amazonaws.com"}


@pytest.fixture(scope="module")
def plan(terraform, tmp_path_factory):
    folder = tmp_path_factory.mktemp("behaviour")
    (folder / "spec.yaml").write_text(SPEC)
    core.write(core.render_spec(folder / "spec.yaml"), folder / "out")
    return offline_plan(terraform, folder / "out")


def one(items: list[dict], **match) -> dict:
    found = [i for i in items if all(i.get(k) == v for k, v in match.items())]
    assert len(found) == 1, f"expected one match for {match}, found {len(found)}"
    return found[0]


def test_rule_name_statement_name_and_disabled_state(plan):
    rule = one(by_type(plan, "aws_cloudwatch_event_rule"), name="QS2-nightly-load")
    assert rule["state"] == "DISABLED"  # enabled: false is not forced on
    assert rule["schedule_expression"] == "cron(15 2 * * ? *)"
    (target,) = [t for t in by_type(plan, "aws_cloudwatch_event_target") if t["rule"] == "QS2-nightly-load" and t.get("redshift_target")]
    redshift = target["redshift_target"][0]
    assert redshift["statement_name"] == "QS2-nightly-load"  # the console lists it only when they match
    assert (redshift["database"], redshift["db_user"]) == ("sales", "etl_user")
    assert redshift["sql"] == "CALL etl.load('${not_a_var}');"  # exactly the spec's text
    assert target["arn"] == f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:dwh"


def test_failure_alert_filters_on_the_statement_name(plan):
    rules = [r for r in by_type(plan, "aws_cloudwatch_event_rule") if r.get("event_pattern")]
    (status,) = rules
    pattern = json.loads(status["event_pattern"])
    assert pattern["detail"]["statementName"] == ["QS2-nightly-load"]
    assert sorted(pattern["detail"]["state"]) == ["ABORTED", "FAILED"]
    assert status["state"] == "DISABLED"  # follows its query


def test_scheduler_keeps_the_time_zone_and_the_statement_name(plan):
    schedule = one(by_type(plan, "aws_scheduler_schedule"), name="QS2-tokyo-report")
    assert schedule["schedule_expression_timezone"] == "Asia/Tokyo"
    assert schedule["schedule_expression"] == "cron(0 9 ? * MON-FRI *)"
    assert schedule["state"] == "ENABLED"
    request = json.loads(schedule["target"][0]["input"])
    assert request["StatementName"] == "QS2-tokyo-report"
    assert request["Sqls"] == ["DELETE FROM r.daily;", "INSERT INTO r.daily SELECT 1;"]
    assert (request["Database"], request["DbUser"], request["ClusterIdentifier"]) == ("reports", "report_user", "dwh")


def test_role_trusts_exactly_the_services_and_each_operator(plan):
    (role,) = by_type(plan, "aws_iam_role")
    trust = json.loads(role["assume_role_policy"])
    principals: dict[str, set[str]] = {}
    for st in trust["Statement"]:
        assert st["Effect"] == "Allow" and st["Action"] == "sts:AssumeRole"
        for kind, values in st["Principal"].items():
            principals.setdefault(kind, set()).update([values] if isinstance(values, str) else values)
    assert principals == {
        "Service": CONSOLE_SERVICES | {"scheduler.amazonaws.com"},  # Scheduler only because a query uses it
        "AWS": {f"arn:aws:iam::{ACCOUNT}:user/ops-alice", f"arn:aws:iam::{ACCOUNT}:role/DataEngineer"},
    }


def test_operators_manage_only_console_rules_and_only_this_role(plan):
    (group_policy,) = by_type(plan, "aws_iam_group_policy")
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/acme-redshift-scheduler"
    statements = json.loads(group_policy["policy"])["Statement"]
    resources: dict[str, set[str]] = {}
    for st in statements:
        assert st["Effect"] == "Allow"
        actions = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
        for action in actions:
            resources.setdefault(action, set()).update([st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"])
    assert resources["sts:AssumeRole"] == {role_arn}
    assert resources["iam:PassRole"] == {role_arn}
    listing = {"events:ListRules", "events:ListRuleNamesByTarget"}  # no resource type: "*" only
    rule_actions = {a: r for a, r in resources.items() if a.startswith("events:") and a not in listing}
    assert rule_actions and all(r == {f"arn:aws:events:{REGION}:{ACCOUNT}:rule/QS2-*"} for r in rule_actions.values()), rule_actions
    assert all(resources[a] == {"*"} for a in listing)


@pytest.fixture(scope="module")
def rule_only_plan(terraform, tmp_path_factory):
    """The spec without its Scheduler query: the role's policy then holds no value known only
    after apply (the Scheduler key's ARN), so Terraform plans it in full."""
    folder = tmp_path_factory.mktemp("behaviour-rules")
    (folder / "spec.yaml").write_text(SPEC[: SPEC.index("  tokyo-report:")])
    core.write(core.render_spec(folder / "spec.yaml"), folder / "out")
    return offline_plan(terraform, folder / "out")


def test_role_policy_waits_for_the_scheduler_key_when_a_query_uses_it(plan):
    (inline,) = [r for r in plan["resource_changes"] if r["type"] == "aws_iam_role_policy"]
    assert inline["change"]["after_unknown"].get("policy") is True


def test_role_may_run_statements_on_the_cluster_and_get_credentials_for_exactly_its_users(rule_only_plan):
    (inline,) = by_type(rule_only_plan, "aws_iam_role_policy")
    grants = {}
    for st in json.loads(inline["policy"])["Statement"]:
        actions = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
        for a in actions:
            grants.setdefault(a, set()).update([st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"])
    cluster = f"arn:aws:redshift:{REGION}:{ACCOUNT}"
    assert grants["redshift:GetClusterCredentials"] == {f"{cluster}:dbuser:dwh/etl_user", f"{cluster}:dbname:dwh/sales"}
    assert grants["redshift-data:ExecuteStatement"] == {f"{cluster}:cluster:dwh"}
    assert "redshift-data:BatchExecuteStatement" not in grants  # no batch in this spec
    wildcard = {a for a, r in grants.items() if "*" in r}
    assert wildcard <= {"redshift-data:CancelStatement", "redshift-data:DescribeStatement", "redshift-data:GetStatementResult", "redshift-data:ListStatements"}

"""The Redshift console's scheduled-query journey, as IAM requests, evaluated against the policies
terraform itself plans for a rendered spec (offline), with an IAM evaluator (tests/helpers/iam_eval,
conditions and policy variables included), not substring checks.

Each step says who makes it (the operator as signed in; the operator after assuming the schedule
role, as the console does to show history; EventBridge in its own session of the role) and how we
know the console makes it: [D] AWS documentation, [E] a reported console error, [I] inference.
Sources: docs/aws-behaviour.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from helpers.iam_eval import Request, evaluate
from helpers.offline_plan import by_type, offline_plan
from rsqgen import core

pytestmark = pytest.mark.terraform

ACCOUNT, REGION = "111122223333", "eu-west-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/journey-redshift-scheduler"
OPERATOR = f"arn:aws:iam::{ACCOUNT}:user/ops-alice"
SPEC = f"""\
version: 1
name: journey
region: {REGION}
account_id: "{ACCOUNT}"
warehouses:
  dwh: {{}}
operators:
  - user: ops-alice
queries:
  nightly:
    warehouse: dwh
    database: sales
    auth: {{db_user: etl}}
    sql: SELECT 1;
    schedule: cron(0 2 * * ? *)
"""
ROLE_ID = "AROAEXAMPLESCHEDULER1"
OPERATOR_SESSION = f"{ROLE_ID}:ops-alice"  # aws:userid of a role session: "<role id>:<session name>"
EVENTBRIDGE_SESSION = f"{ROLE_ID}:a1b2c3d4e5f60718"  # EventBridge's own session: another name
RULE = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/QS2-nightly"
NEW_RULE = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/QS2-made-in-the-console"


@dataclass(frozen=True)
class Step:
    id: str
    who: str  # operator | operator-as-role | eventbridge-as-role
    action: str
    resource: str
    context: dict = field(default_factory=dict)
    basis: str = ""


OWNED_BY_EVENTBRIDGE = {"redshift-data:statement-owner-iam-userid": EVENTBRIDGE_SESSION}
STEPS = [
    Step("list rules", "operator", "events:ListRules", "*", basis="[D] no resource type; the console lists QS2- rules"),
    Step("list rules of a cluster", "operator", "events:ListRuleNamesByTarget", "*", basis="[I] a cluster's Schedules tab"),
    Step("open rule", "operator", "events:DescribeRule", RULE, basis="[I]"),
    Step("open targets", "operator", "events:ListTargetsByRule", RULE, basis="[I] SQL, database and role are in the target"),
    Step("form: roles", "operator", "iam:ListRoles", "*", basis="[I] role picker"),
    Step("form: clusters", "operator", "redshift:DescribeClusters", "*", basis="[I] QEv2's managed policies grant it"),
    Step("form: workgroups", "operator", "redshift-serverless:ListWorkgroups", "*", basis="[I]"),
    Step("form: secrets", "operator", "secretsmanager:ListSecrets", "*", basis="[I] secret picker"),
    Step("form: topics", "operator", "sns:ListTopics", "*", basis="[I] SNS picker"),
    Step("create: assume role", "operator", "sts:AssumeRole", ROLE, basis="[D] creation fails without the trust entry"),
    Step("create: pass role", "operator", "iam:PassRole", ROLE, {"iam:PassedToService": "events.amazonaws.com"}, basis="[D]"),
    Step("create: rule", "operator", "events:PutRule", NEW_RULE, basis="[E] 'not authorized to perform: events:PutRule on ...rule/QS2-...'"),
    Step("create: target", "operator", "events:PutTargets", NEW_RULE, basis="[D] rule + Redshift Data API target"),
    Step("edit", "operator", "events:PutRule", RULE, basis="[D]"),
    Step("edit target", "operator", "events:PutTargets", RULE, basis="[D]"),
    Step("disable", "operator", "events:DisableRule", RULE, basis="[I]"),
    Step("enable", "operator", "events:EnableRule", RULE, basis="[I]"),
    Step("delete: targets", "operator", "events:RemoveTargets", RULE, basis="[D] DeleteRule needs the targets removed"),
    Step("delete: rule", "operator", "events:DeleteRule", RULE, basis="[D]"),
    Step("history: list runs", "operator-as-role", "redshift-data:ListStatements", "*", basis="[D] view-history page"),
    Step("history: a run EventBridge made", "operator-as-role", "redshift-data:DescribeStatement", "*", OWNED_BY_EVENTBRIDGE, basis="[D] the seed's pitfall"),
    Step("history: its result", "operator-as-role", "redshift-data:GetStatementResult", "*", OWNED_BY_EVENTBRIDGE, basis="[I]"),
    Step("run: execute", "eventbridge-as-role", "redshift-data:ExecuteStatement", f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:dwh", basis="[D]"),
    Step("run: credentials", "eventbridge-as-role", "redshift:GetClusterCredentials", f"arn:aws:redshift:{REGION}:{ACCOUNT}:dbuser:dwh/etl", basis="[D]"),
    Step("run: database", "eventbridge-as-role", "redshift:GetClusterCredentials", f"arn:aws:redshift:{REGION}:{ACCOUNT}:dbname:dwh/sales", basis="[D]"),
]
CONTEXT = {
    "operator": {"aws:userid": "AIDAEXAMPLEOPERATOR01", "aws:username": "ops-alice", "aws:PrincipalArn": OPERATOR},
    "operator-as-role": {"aws:userid": OPERATOR_SESSION, "aws:PrincipalArn": ROLE},
    "eventbridge-as-role": {"aws:userid": EVENTBRIDGE_SESSION, "aws:PrincipalArn": ROLE},
}


@pytest.fixture(scope="module")
def policies(terraform, tmp_path_factory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("journey")
    (folder / "spec.yaml").write_text(SPEC)
    core.write(core.render_spec(folder / "spec.yaml"), folder / "out")
    plan = offline_plan(terraform, folder / "out")
    ((role,), (inline,), (group,)) = by_type(plan, "aws_iam_role"), by_type(plan, "aws_iam_role_policy"), by_type(plan, "aws_iam_group_policy")
    return {
        "trust": json.loads(role["assume_role_policy"]),
        "role": json.loads(inline["policy"]),
        "operators": json.loads(group["policy"]),
    }


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.id)
def test_the_console_journey_is_allowed(policies, step):
    policy = policies["operators"] if step.who == "operator" else policies["role"]
    decision = evaluate([policy], Request(step.action, step.resource, {**CONTEXT[step.who], **step.context}))
    assert decision.allowed, f"{step.id} ({step.basis}): {decision}"


def test_the_operators_may_not_touch_other_rules_or_pass_the_role_elsewhere(policies):
    ops = [policies["operators"]]
    other = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/billing-nightly"
    assert not evaluate(ops, Request("events:PutRule", other, CONTEXT["operator"])).allowed
    assert not evaluate(ops, Request("events:DeleteRule", other, CONTEXT["operator"])).allowed
    passed_to_lambda = {**CONTEXT["operator"], "iam:PassedToService": "lambda.amazonaws.com"}
    assert not evaluate(ops, Request("iam:PassRole", ROLE, passed_to_lambda)).allowed
    assert not evaluate(ops, Request("redshift-data:ExecuteStatement", f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:dwh", CONTEXT["operator"])).allowed


def test_the_run_gains_nothing_beyond_its_query(policies):
    role = [policies["role"]]
    run = CONTEXT["eventbridge-as-role"]
    assert not evaluate(role, Request("redshift:GetClusterCredentials", f"arn:aws:redshift:{REGION}:{ACCOUNT}:dbuser:dwh/admin", run)).allowed
    assert not evaluate(role, Request("redshift-data:ExecuteStatement", f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:other", run)).allowed
    assert not evaluate(role, Request("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:x", run)).allowed


def _assumes(trust: dict, principal: dict[str, str], context: dict) -> bool:
    return evaluate([trust], Request("sts:AssumeRole", ROLE, context, principal=principal)).allowed


@pytest.mark.parametrize(
    "principal, context, allowed",
    [
        ({"Service": "events.amazonaws.com"}, {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": RULE}, True),
        ({"Service": "events.amazonaws.com"}, {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": NEW_RULE}, True),  # console-made
        ({"Service": "events.amazonaws.com"}, {"aws:SourceAccount": "444455556666", "aws:SourceArn": "arn:aws:events:eu-west-1:444455556666:rule/QS2-x"}, False),
        ({"Service": "events.amazonaws.com"}, {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/other"}, False),
        ({"Service": "redshift.amazonaws.com"}, {}, True),
        ({"AWS": OPERATOR}, {}, True),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:user/mallory"}, {}, False),
    ],
    ids=["eventbridge rule", "console-made rule", "another account", "not a console rule", "redshift", "operator", "stranger"],
)
def test_who_may_assume_the_schedule_role(policies, principal, context, allowed):
    """Confused-deputy protection: EventBridge only for this account's QS2- rules."""
    assert _assumes(policies["trust"], principal, context) is allowed

"""The deploy stage decides names, ARNs and policies: least privilege, console-compatible."""

from __future__ import annotations

import json

import pytest
from helpers import MINIMAL, spec_text
from rsqgen import aws, values
from rsqgen.deploy import fit_name
from rsqgen.values import resolve

ACCOUNT = "111122223333"
SERVICES = ["events.amazonaws.com", "redshift-serverless.amazonaws.com", "redshift.amazonaws.com"]
UNSCOPED = set(aws.DATA_API_UNSCOPED_ACTIONS)


def _spec(operators: str = "  - user: test-user\n", queries: int = 1, extra_query: str = "") -> str:
    head = MINIMAL.split("operators:")[0]
    body = head + "operators:\n" + operators + "queries:\n"
    for i in range(queries):
        body += (
            f"  q{i}:\n    warehouse: test-cluster\n    database: dev\n    auth: {{db_user: u{i % 3}}}\n"
            f"    sql: SELECT {i};\n    schedule: rate({i + 2} minutes)\n" + extra_query
        )
    return body


def statements(policy: dict) -> dict[str, dict]:
    return {s["Sid"]: s for s in policy["Statement"]}


def test_trust_policy_is_the_three_services_and_each_operators_exact_arn(decided):
    d = decided(
        _spec(
            "  - user: test-user\n  - user: alice\n    existing: true\n"
            "  - role: arn:aws:iam::111122223333:role/DataEngineer\n"
        )
    )
    trust = d.role.trust_policy()
    by_sid = {s["Sid"]: s for s in trust["Statement"]}
    humans = [s for s in trust["Statement"] if "AWS" in s["Principal"]]
    assert by_sid["TrustedServices"]["Principal"]["Service"] == ["redshift-serverless.amazonaws.com", "redshift.amazonaws.com"]
    assert "Condition" not in by_sid["TrustedServices"]
    # EventBridge only for this account's QS2- rules (confused-deputy protection, docs/aws-behaviour.md)
    assert by_sid["EventBridgeRules"]["Principal"]["Service"] == "events.amazonaws.com"
    assert by_sid["EventBridgeRules"]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ["111122223333"]},
        "ArnLike": {"aws:SourceArn": ["arn:aws:events:ap-northeast-1:111122223333:rule/QS2-*"]},
    }
    assert set(by_sid) == {"TrustedServices", "EventBridgeRules", "Operators"}  # no scheduler here
    assert humans[0]["Principal"]["AWS"] == [
        "arn:aws:iam::111122223333:role/DataEngineer",
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:iam::111122223333:user/test-user",
    ]
    assert all(s["Action"] == "sts:AssumeRole" and s["Effect"] == "Allow" for s in trust["Statement"])
    text = json.dumps(trust)
    assert ":root" not in text and '"*"' not in text


def test_scheduler_service_is_trusted_only_when_a_query_uses_it(decided):
    assert "scheduler.amazonaws.com" not in decided(MINIMAL).role.trusted_services


def test_account_is_a_placeholder_when_the_spec_does_not_give_it(decided):
    d = decided(MINIMAL.replace('account_id: "111122223333"\n', ""))
    assert d.account_id is None
    assert d.role.operator_arns == (f"arn:aws:iam::{values.ACCOUNT}:user/test-user",)
    assert resolve(d.role.operator_arns, "999999999999") == ["arn:aws:iam::999999999999:user/test-user"]


def test_every_operator_can_assume_the_role(decided):
    d = decided(_spec("  - user: test-user\n  - user: alice\n    existing: true\n"))
    assert d.operators.users == {"alice": False, "test-user": True}  # both join the group
    assume = statements(d.operators.group_policy())["AssumeScheduleRole"]
    assert assume["Action"] == ["sts:AssumeRole"]
    assert assume["Resource"] == [d.role.arn] == ["arn:aws:iam::111122223333:role/demo-redshift-scheduler"]
    trusted = set(d.role.operator_arns)
    assert {f"arn:aws:iam::{ACCOUNT}:user/{u}" for u in d.operators.users} <= trusted


def test_role_operators_are_trusted_but_not_put_in_a_group(decided):
    d = decided(_spec("  - role: arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_X_1\n"))
    assert d.operators.users == {}
    assert d.operators.role_arns == ("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_X_1",)
    assert d.role.operator_arns == d.operators.role_arns


def test_db_user_grants_are_exactly_the_dbuser_and_dbname_arns(decided):
    d = decided(MINIMAL)
    st = statements(d.role.permissions_policy())
    assert set(st) == {"RunStatements", "ReadScheduledStatements", "DatabaseUserCredentials"}
    assert st["RunStatements"]["Action"] == ["redshift-data:ExecuteStatement"]
    assert st["RunStatements"]["Resource"] == ["arn:aws:redshift:ap-northeast-1:111122223333:cluster:test-cluster"]
    assert st["DatabaseUserCredentials"]["Action"] == ["redshift:GetClusterCredentials"]
    assert st["DatabaseUserCredentials"]["Resource"] == [
        "arn:aws:redshift:ap-northeast-1:111122223333:dbname:test-cluster/dev",
        "arn:aws:redshift:ap-northeast-1:111122223333:dbuser:test-cluster/rsadmin",
    ]


def test_wildcard_resource_only_for_resourceless_data_api_actions(decided):
    d = decided(_spec(queries=7))
    for policy in (d.role.permissions_policy(), d.operators.group_policy()):
        for s in policy["Statement"]:
            assert all(a != "*" and not a.endswith(":*") for a in s["Action"]), s
            if "*" in s["Resource"]:
                # only actions with no resource type, and only list actions for operators
                assert set(s["Action"]) <= UNSCOPED | set(aws.CONSOLE_LIST_ACTIONS + aws.CONSOLE_FORM_LIST_ACTIONS), s
                # no statement-owner condition: operators read runs EventBridge made (docs/aws-behaviour.md)
                assert "Condition" not in s, s


def test_no_aws_managed_policy_anywhere_in_the_output(rendered):
    for folder in rendered.values():
        for path in folder.rglob("*.tf"):
            text = path.read_text()
            assert "arn:aws:iam::aws:policy" not in text, path
            assert "FullAccess" not in text, path
            assert "managed_policy_arns" not in text and "is_enabled" not in text, path


@pytest.mark.parametrize("n", [1, 2, 25])
def test_roles_and_policies_do_not_grow_with_queries(decided, n):
    from rsqgen import render

    d = decided(_spec(queries=n))
    files = render.render(d)
    main = files["main.tf"].decode()
    assert main.count('module "schedule_role"') == 1
    assert main.count('module "operators"') == 1
    assert len(d.role.statements) == 3  # run, read own, db credentials, whatever n is
    db = statements(d.role.permissions_policy())["DatabaseUserCredentials"]["Resource"]
    users = {f"u{i % 3}" for i in range(n)}
    assert len(db) == len(users) + 1  # one dbuser ARN per distinct user, one dbname ARN
    assert main.count('"QS2-') == n
    role_resources = sum(f.decode().count('resource "aws_iam_role"') for name, f in files.items() if name.endswith(".tf"))
    assert role_resources == 1


def test_rule_name_statement_name_and_rule_arn_agree(decided):
    d = decided(MINIMAL)
    (q,) = d.queries
    assert q.rule_name == "QS2-top5-sales"
    assert q.rule_arn == "arn:aws:events:ap-northeast-1:111122223333:rule/QS2-top5-sales"


def test_rendered_module_uses_the_rule_name_as_statement_name(rendered):
    text = (rendered["seed"] / "modules/scheduled-query/main.tf").read_text()
    assert "statement_name = aws_cloudwatch_event_rule.this.name" in text


def test_names_fit_aws_limits_with_a_stable_suffix():
    long = "a" * 31 + "-" + "b" * 60 + "-status"
    fitted = fit_name(long, 64)
    assert len(fitted) == 64 and fitted == fit_name(long, 64)
    assert fitted != fit_name(long.replace("b", "c"), 64)
    assert fit_name("short", 64) == "short"


def test_longest_names_fit(decided):
    name = "n" + "x" * 30
    key = "k" * 60
    text = MINIMAL.replace("name: demo", f"name: {name}").replace("top5-sales:", f"{key}:")
    text += "notifications:\n  ops: {emails: [a@example.com]}\n"
    text = text.replace("schedule: rate(5 minutes)", "schedule: rate(5 minutes)\n    notify: {topic: ops, on: [failed, trigger]}")
    d = decided(text)
    (q,) = d.queries
    assert len(q.rule_name) == 64
    assert len(q.statuses[0].rule_name) <= aws.RULE_NAME_MAX
    assert len(d.role.name) <= aws.IAM_ROLE_NAME_MAX
    assert len(d.operators.group_name) <= aws.IAM_GROUP_NAME_MAX


def test_notifications_publishers_are_exactly_the_rules_that_use_them(decided):
    text = MINIMAL + spec_text(
        """
        notifications:
          ops: {emails: [ops@example.com]}
          idle: {}
        """
    )
    text = text.replace("schedule: rate(5 minutes)", "schedule: rate(5 minutes)\n    notify: {topic: ops, on: [trigger, failed]}")
    d = decided(text)
    topics = {t.key: t for t in d.topics}
    (q,) = d.queries
    (status,) = q.statuses
    assert topics["ops"].publisher_rule_arns == tuple(sorted([q.rule_arn, status.rule_arn]))
    assert status.states == ("FAILED", "ABORTED") and q.with_event
    assert topics["idle"].publisher_rule_arns == ()
    assert any("idle" in w for w in d.warnings)


@pytest.mark.parametrize("key_length", range(47, 61))
def test_status_rule_names_fit_eventbridge_at_every_length(decided, key_length):
    """EventBridge rule names are at most 64 characters; the status rule's name (spec name + query
    + "-status") crosses that limit somewhere in this range and must be shortened, still unique."""
    key = "k" * (key_length - 2) + "-a"
    text = MINIMAL.replace("name: demo", "name: abc").replace("top5-sales:", f"{key}:\n    warehouse: test-cluster\n    database: dev\n    auth: {{db_user: u}}\n    sql: SELECT 2;\n    schedule: rate(1 day)\n    notify: {{topic: ops, on: [failed]}}\n  {key[:-1]}b:")
    text += "notifications:\n  ops: {emails: [a@example.com]}\n"
    text = text.replace("schedule: rate(5 minutes)", "schedule: rate(5 minutes)\n    notify: {topic: ops, on: [failed]}")
    d = decided(text)
    names = [s.rule_name for q in d.queries for s in q.statuses]
    assert all(len(n) <= 64 for n in names), names  # EventBridge's limit, written here on purpose
    assert len(set(names)) == 2


def test_operators_may_pass_the_role_to_eventbridge_only(decided):
    d = decided(MINIMAL)
    (passrole,) = [s for s in d.operators.statements if "iam:PassRole" in s.actions]
    assert passrole.resources == (d.role.arn,)
    assert passrole.conditions == {"StringEquals": {"iam:PassedToService": ["events.amazonaws.com"]}}

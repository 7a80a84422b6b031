"""The history log group's resource policy, judged as AWS would judge EventBridge's two requests
(CreateLogStream, then PutLogEvents; see helpers/eventbridge.py for the sources of that model)."""

from __future__ import annotations

import pytest
from helpers.eventbridge import logs_allow
from test_history_spec import SPEC

from rsqgen.deploy import decide
from rsqgen.spec import load_spec_text

ACCOUNT = "111122223333"


@pytest.fixture(scope="module")
def history():
    return decide(load_spec_text(SPEC, "spec.yaml")).history


def test_eventbridge_may_deliver_the_history_rules_events(history):
    assert logs_allow([history.writer_policy()], history.rule_arn, history.log_group_arn) == {"logs:CreateLogStream": True, "logs:PutLogEvents": True}


@pytest.mark.parametrize(
    "rule_arn",
    [f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/QS2-made-by-hand", "arn:aws:events:eu-west-1:444455556666:rule/demo-history"],
    ids=["another rule of the account", "the same name in another account"],
)
def test_no_other_rule_puts_events_into_the_history(history, rule_arn):
    assert logs_allow([history.writer_policy()], rule_arn, history.log_group_arn)["logs:PutLogEvents"] is False


def test_only_this_groups_streams_are_named(history):
    other = history.log_group_arn.replace("/history", "/other")
    assert logs_allow([history.writer_policy()], history.rule_arn, other) == {"logs:CreateLogStream": False, "logs:PutLogEvents": False}


def test_the_policy_rendered_before_the_fix_is_refused_by_the_same_model(history):
    """The model tells the two apart: 0.1's one statement (both actions, aws:SourceAccount and
    aws:SourceArn) cannot create the log stream, so no event was ever kept."""
    old = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com", "delivery.logs.amazonaws.com"]},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": f"{history.log_group_arn}:*",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnEquals": {"aws:SourceArn": history.rule_arn}},
        }],
    }  # fmt: skip
    assert logs_allow([old], history.rule_arn, history.log_group_arn)["logs:CreateLogStream"] is False


def test_no_source_account_condition_and_not_under_aws_events(history):
    conditions = [k for s in history.writer_policy()["Statement"] for block in s.get("Condition", {}).values() for k in block]
    assert "aws:SourceAccount" not in conditions
    assert not history.log_group.startswith("/aws/events/") and history.log_group == "/rsqgen/demo/history"

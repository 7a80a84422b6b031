"""The judgements `rsqgen doctor` makes from documents it reads (no account needed): who a trust
policy names, and whether a topic policy lets a rule publish. tests/deploy/test_doctor.py runs the
command against the emulator."""

from __future__ import annotations

from rsqgen.live.doctor import _allows_publish, _trusts

PRINCIPALS = {"arn:aws:iam::111122223333:role/team/DataEngineer", "arn:aws:iam::111122223333:user/alice"}


def test_a_role_session_is_trusted_through_its_role_whatever_the_role_s_path():
    assert _trusts(PRINCIPALS, "arn:aws:sts::111122223333:assumed-role/DataEngineer/alice@example.com")
    assert not _trusts(PRINCIPALS, "arn:aws:sts::111122223333:assumed-role/DataEngineerX/s")
    assert not _trusts(PRINCIPALS, "arn:aws:sts::444455556666:assumed-role/DataEngineer/s")  # another account


def test_a_user_is_trusted_by_its_own_arn_only():
    assert _trusts(PRINCIPALS, "arn:aws:iam::111122223333:user/alice")
    assert not _trusts(PRINCIPALS, "arn:aws:iam::111122223333:user/team/bob")
    assert not _trusts(PRINCIPALS, "arn:aws:iam::111122223333:root")


def test_a_topic_policy_allows_exactly_the_rules_it_names():
    topic, rule = "arn:aws:sns:eu-west-1:111122223333:ops", "arn:aws:events:eu-west-1:111122223333:rule/QS2-a"
    statement = {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish", "Resource": topic}
    assert _allows_publish({"Statement": [statement | {"Condition": {"ArnEquals": {"aws:SourceArn": [rule]}}}]}, topic, rule)
    assert not _allows_publish({"Statement": [statement | {"Condition": {"ArnEquals": {"aws:SourceArn": [rule + "x"]}}}]}, topic, rule)
    assert _allows_publish({"Statement": [statement | {"Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:events:eu-west-1:111122223333:rule/QS2-*"}}}]}, topic, rule)
    assert not _allows_publish({"Statement": [statement | {"Principal": {"Service": "sns.amazonaws.com"}}]}, topic, rule)
    assert not _allows_publish({"Statement": []}, topic, rule)

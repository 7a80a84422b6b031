"""Unit tests of iam_eval on examples from the IAM User Guide (URLs at each test)."""

from __future__ import annotations

import pytest
from helpers.iam_eval import Request, evaluate, statement_applies

ACCOUNT = "111122223333"


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allowed(doc, action, resource="*", **context):
    return evaluate([doc], Request(action, resource, context)).allowed


# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
# (String condition operators, the aws:PrincipalTag/job-category example)
JOB_CATEGORY = policy(
    {
        "Effect": "Allow",
        "Action": "iam:*AccessKey*",
        "Resource": f"arn:aws:iam::{ACCOUNT}:user/*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
    }
)


def test_string_equals_on_a_principal_tag():
    user = f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert allowed(JOB_CATEGORY, "iam:CreateAccessKey", user, **{"aws:PrincipalTag/job-category": "iamuser-admin"})
    assert not allowed(JOB_CATEGORY, "iam:CreateAccessKey", user, **{"aws:PrincipalTag/job-category": "dev"})
    # "If the key that you specify in a policy condition is not present in the request context,
    # the values do not match and the condition is false."
    assert not allowed(JOB_CATEGORY, "iam:CreateAccessKey", user)
    # Condition key names are case-insensitive, values are not.
    assert allowed(JOB_CATEGORY, "iam:ListAccessKeys", user, **{"AWS:principaltag/JOB-CATEGORY": "iamuser-admin"})
    assert not allowed(JOB_CATEGORY, "iam:ListAccessKeys", user, **{"aws:PrincipalTag/job-category": "IAMUSER-ADMIN"})
    # The action wildcard, and actions are case-insensitive.
    assert allowed(JOB_CATEGORY, "IAM:updateaccesskey", user, **{"aws:PrincipalTag/job-category": "iamuser-admin"})
    assert not allowed(JOB_CATEGORY, "iam:CreateUser", user, **{"aws:PrincipalTag/job-category": "iamuser-admin"})


def test_negated_operator_is_true_when_the_key_is_missing():
    # Same page: "If the policy condition requires that the key is not matched, such as
    # StringNotLike or ArnNotLike, and the right key is not present, the condition is true."
    doc = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotLike": {"aws:PrincipalTag/team": "ops*"}}})
    assert allowed(doc, "s3:GetObject")
    assert allowed(doc, "s3:GetObject", **{"aws:PrincipalTag/team": "dev"})
    assert not allowed(doc, "s3:GetObject", **{"aws:PrincipalTag/team": "ops-eu"})


# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
# (the ${aws:username} home-folder example)
HOME_FOLDER = policy(
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket",
     "Condition": {"StringLike": {"s3:prefix": ["${aws:username}/*"]}}},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/*"},
)  # fmt: skip


def test_policy_variables_in_resource_and_condition():
    assert allowed(HOME_FOLDER, "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/david/notes.txt", **{"aws:username": "david"})
    assert not allowed(HOME_FOLDER, "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/maria/notes.txt", **{"aws:username": "david"})
    assert allowed(HOME_FOLDER, "s3:ListBucket", "arn:aws:s3:::amzn-s3-demo-bucket", **{"aws:username": "david", "s3:prefix": "david/2026/"})
    assert not allowed(HOME_FOLDER, "s3:ListBucket", "arn:aws:s3:::amzn-s3-demo-bucket", **{"aws:username": "david", "s3:prefix": "maria/"})
    # A variable whose key is missing makes the element match nothing (roles have no aws:username).
    assert not allowed(HOME_FOLDER, "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/david/notes.txt")


def test_variable_value_is_literal_and_defaults_apply():
    # A value substituted from the context is not a wildcard; ${*} is a literal asterisk.
    doc = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/${*}"})
    assert allowed(doc, "s3:GetObject", "arn:aws:s3:::b/a*/*", **{"aws:username": "a*"})
    assert not allowed(doc, "s3:GetObject", "arn:aws:s3:::b/abc/x", **{"aws:username": "a*"})
    # Default values: "${aws:PrincipalTag/team, 'company-wide'}" (same page, "Specifying default values").
    team = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team, 'company-wide'}/*"})
    assert allowed(team, "s3:GetObject", "arn:aws:s3:::b/company-wide/x")
    assert allowed(team, "s3:GetObject", "arn:aws:s3:::b/red/x", **{"aws:PrincipalTag/team": "red"})
    assert not allowed(team, "s3:GetObject", "arn:aws:s3:::b/company-wide/x", **{"aws:PrincipalTag/team": "red"})


def test_aws_userid_of_a_role_session():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable
    # For an assumed role, aws:userid is "role-id:caller-specified-role-session-name".
    doc = policy({"Effect": "Allow", "Action": "redshift-data:DescribeStatement", "Resource": "*",
                  "Condition": {"StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}}})  # fmt: skip
    own = {"aws:userid": "AROAEXAMPLEID:alice", "redshift-data:statement-owner-iam-userid": "AROAEXAMPLEID:alice"}
    other = {"aws:userid": "AROAEXAMPLEID:alice", "redshift-data:statement-owner-iam-userid": "AROAEXAMPLEID:events-session"}
    assert allowed(doc, "redshift-data:DescribeStatement", **own)
    assert not allowed(doc, "redshift-data:DescribeStatement", **other)
    prefix = policy({"Effect": "Allow", "Action": "redshift-data:DescribeStatement", "Resource": "*",
                     "Condition": {"StringLike": {"redshift-data:statement-owner-iam-userid": "AROAEXAMPLEID:*"}}})  # fmt: skip
    assert allowed(prefix, "redshift-data:DescribeStatement", **other)
    assert not allowed(prefix, "redshift-data:DescribeStatement", **{"redshift-data:statement-owner-iam-userid": "AROAOTHERROLE:x"})


# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
INSTANCE_TYPES = policy(
    {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*",
     "Condition": {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}}
)  # fmt: skip


def test_if_exists():
    assert allowed(INSTANCE_TYPES, "ec2:RunInstances", **{"ec2:InstanceType": "t2.micro"})
    assert not allowed(INSTANCE_TYPES, "ec2:RunInstances", **{"ec2:InstanceType": "m5.large"})
    assert allowed(INSTANCE_TYPES, "ec2:RunInstances")  # the key is absent: IfExists is true


def test_null_and_bool():
    # Null: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
    temporary_only = policy({"Effect": "Allow", "Action": "ec2:*", "Resource": "*", "Condition": {"Null": {"aws:TokenIssueTime": "false"}}})
    assert allowed(temporary_only, "ec2:DescribeInstances", **{"aws:TokenIssueTime": "2026-01-01T00:00:00Z"})
    assert not allowed(temporary_only, "ec2:DescribeInstances")
    # Bool: aws:SecureTransport, e.g. a Deny of plain HTTP (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-securetransport)
    https_only = policy(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    )
    assert allowed(https_only, "s3:GetObject", **{"aws:SecureTransport": True})
    decision = evaluate([https_only], Request("s3:GetObject", "*", {"aws:SecureTransport": False}))
    assert (decision.allowed, decision.reason) == (False, "explicit-deny")
    assert allowed(https_only, "s3:GetObject")  # key absent: Bool is false, the Deny does not apply


# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
def test_for_all_values_and_for_any_value():
    all_of = policy({"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
                     "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}})  # fmt: skip
    assert allowed(all_of, "ec2:CreateTags", **{"aws:TagKeys": ["environment"]})
    assert not allowed(all_of, "ec2:CreateTags", **{"aws:TagKeys": ["environment", "owner"]})
    # Documented pitfall: ForAllValues is true when the key is missing or empty.
    assert allowed(all_of, "ec2:CreateTags")
    assert allowed(all_of, "ec2:CreateTags", **{"aws:TagKeys": []})
    any_of = policy({"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
                     "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}})  # fmt: skip
    assert allowed(any_of, "ec2:CreateTags", **{"aws:TagKeys": ["owner", "environment"]})
    assert not allowed(any_of, "ec2:CreateTags", **{"aws:TagKeys": ["owner"]})
    assert not allowed(any_of, "ec2:CreateTags")
    none_of = policy({"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
                      "Condition": {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["owner"]}}})  # fmt: skip
    assert allowed(none_of, "ec2:CreateTags", **{"aws:TagKeys": ["environment"]})
    assert not allowed(none_of, "ec2:CreateTags", **{"aws:TagKeys": ["environment", "owner"]})


def test_values_are_or_keys_and_operators_are_and():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
    doc = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {
        "StringEquals": {"aws:PrincipalTag/dept": ["a", "b"], "aws:PrincipalTag/role": "audit"},
        "Bool": {"aws:SecureTransport": "true"}}})  # fmt: skip
    ok = {"aws:PrincipalTag/dept": "b", "aws:PrincipalTag/role": "audit", "aws:SecureTransport": True}
    assert allowed(doc, "s3:GetObject", **ok)
    assert not allowed(doc, "s3:GetObject", **{**ok, "aws:PrincipalTag/dept": "c"})
    assert not allowed(doc, "s3:GetObject", **{**ok, "aws:PrincipalTag/role": "x"})
    assert not allowed(doc, "s3:GetObject", **{**ok, "aws:SecureTransport": False})


# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
def test_arn_like_checks_each_segment():
    doc = policy({"Effect": "Allow", "Action": "sns:Publish", "Resource": "*",
                  "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:events:*:{ACCOUNT}:rule/QS2-*"}}})  # fmt: skip
    assert allowed(doc, "sns:Publish", **{"aws:SourceArn": f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/QS2-daily"})
    assert not allowed(doc, "sns:Publish", **{"aws:SourceArn": f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/QS-daily"})
    assert not allowed(doc, "sns:Publish", **{"aws:SourceArn": "arn:aws:events:eu-west-1:444455556666:rule/QS2-daily"})
    # "*" in the region segment does not swallow the account segment.
    tricky = policy({"Effect": "Allow", "Action": "sns:Publish", "Resource": "*",
                     "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:events:*:rule/x"}}})  # fmt: skip
    assert not allowed(tricky, "sns:Publish", **{"aws:SourceArn": f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/x"})


def test_resource_wildcards_stay_in_their_segment():
    doc = policy({"Effect": "Allow", "Action": "events:PutRule", "Resource": f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/QS2-*"})
    assert allowed(doc, "events:PutRule", f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/QS2-x")
    assert not allowed(doc, "events:PutRule", f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/QS-x")
    assert not allowed(doc, "events:PutRule", f"arn:aws:events:us-east-1:{ACCOUNT}:rule/QS2-x")
    star = policy({"Effect": "Allow", "Action": "events:ListRules", "Resource": "*"})
    assert allowed(star, "events:ListRules", "*")


def test_explicit_deny_wins_and_not_action():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    # ("Allow all actions except IAM")
    doc = policy(
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
    )
    assert allowed(doc, "s3:GetObject")
    assert not allowed(doc, "iam:CreateUser")
    assert evaluate([doc], Request("iam:CreateUser")).reason == "implicit-deny"
    assert evaluate([doc], Request("s3:DeleteBucket")).reason == "explicit-deny"


def test_not_resource():
    doc = policy({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret-bucket/*"})
    assert allowed(doc, "s3:GetObject", "arn:aws:s3:::public/x")
    assert not allowed(doc, "s3:GetObject", "arn:aws:s3:::secret-bucket/x")


def test_trust_policy_principal_and_source_account():
    # https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
    statement = {"Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole",
                 "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}  # fmt: skip
    scheduler = {"Service": "scheduler.amazonaws.com"}
    assert statement_applies(statement, Request("sts:AssumeRole", principal=scheduler, context={"aws:SourceAccount": ACCOUNT}))
    assert not statement_applies(statement, Request("sts:AssumeRole", principal=scheduler, context={"aws:SourceAccount": "444455556666"}))
    assert not statement_applies(statement, Request("sts:AssumeRole", principal={"Service": "events.amazonaws.com"}, context={"aws:SourceAccount": ACCOUNT}))


def test_unimplemented_operators_are_refused():
    doc = policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}})
    with pytest.raises(NotImplementedError):
        evaluate([doc], Request("s3:GetObject", "*", {"aws:CurrentTime": "2026-06-01T00:00:00Z"}))

"""rsqgen adopt's mapping, one console shape at a time: a rule or schedule as the API returns it ->
the spec entry a person would write and the imports, or a refusal that names why. The spec it
writes is read back by the spec loader: SQL byte for byte, kept names and target ids."""

from __future__ import annotations

import json

import pytest
from rsqgen import deploy
from rsqgen.live.adopt import (
    Adoption,
    Found,
    Refused,
    from_rule,
    from_schedule,
    key_and_name,
    operators_from_trust,
    spec_text,
)
from rsqgen.spec import load_spec_text

REGION, ACCOUNT = "eu-west-1", "111122223333"
CLUSTER = f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:analytics-prod"
WORKGROUP = f"arn:aws:redshift-serverless:{REGION}:{ACCOUNT}:workgroup/0f0f0f0f-1111-2222-3333-444444444444"
WORKGROUPS = {WORKGROUP: "reporting"}
ROLE = f"arn:aws:iam::{ACCOUNT}:role/AmazonRedshift-CommandsAccessRole"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:ops-alerts"
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:redshift/etl-AbCdEf"


def rule(name="QS2-daily", **extra):
    return {"Name": name, "Arn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}", "ScheduleExpression": "cron(0 2 * * ? *)", "State": "ENABLED", **extra}


def data_target(name="QS2-daily", target_id="QS2-daily", arn=CLUSTER, **params):
    return {"Id": target_id, "Arn": arn, "RoleArn": ROLE, "RedshiftDataParameters": {"Database": "dev", "StatementName": name, "Sql": "SELECT 1;", **params}}


def mapped(r=None, *targets, prefix="QS2-") -> Found:
    found = from_rule(r or rule(), list(targets) or [data_target(DbUser="etl")], prefix, REGION, WORKGROUPS)
    assert isinstance(found, Found), found
    return found


def refused(r=None, *targets, prefix="QS2-") -> str:
    got = from_rule(r or rule(), list(targets), prefix, REGION, WORKGROUPS)
    assert isinstance(got, Refused), got
    return got.why


# ---------------------------------------------------------------------------------------------
# Rules


def test_a_database_user_rule_keeps_its_target_id_and_imports_rule_and_target():
    f = mapped()
    assert f.entry == {"warehouse": "analytics-prod", "database": "dev", "auth": {"db_user": "etl"}, "sql": "SELECT 1;",
                       "schedule": "cron(0 2 * * ? *)", "description": "", "target_id": "QS2-daily"}  # fmt: skip
    assert (f.key, f.warehouse_entry, f.role_arn) == ("daily", {}, ROLE)
    assert f.imports == [('module.scheduled_query["daily"].aws_cloudwatch_event_rule.this', "QS2-daily"),
                         ('module.scheduled_query["daily"].aws_cloudwatch_event_target.redshift', "QS2-daily/QS2-daily")]  # fmt: skip


def test_auth_follows_the_target_a_secret_or_the_role_itself():
    assert mapped(rule(), data_target(SecretManagerArn=SECRET)).entry["auth"] == {"secret_arn": SECRET}
    serverless = mapped(rule(), data_target(arn=WORKGROUP))
    assert (serverless.entry["auth"], serverless.warehouse, serverless.warehouse_entry) == ({"iam": True}, "reporting", {"type": "serverless"})


def test_state_description_retry_dead_letter_and_the_default_target_id():
    f = mapped(rule(State="DISABLED", Description="Nightly"), {**data_target(target_id="redshift-data", DbUser="etl"),
               "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 3}, "DeadLetterConfig": {"Arn": "arn:aws:sqs:eu-west-1:111122223333:dlq"}})  # fmt: skip
    assert f.entry["enabled"] is False and f.entry["description"] == "Nightly" and "target_id" not in f.entry
    assert f.entry["retry"] == {"max_event_age_seconds": 3600, "max_attempts": 3} and f.entry["dead_letter_queue_arn"].endswith(":dlq")


def test_a_name_that_is_no_query_key_is_kept_as_the_name():
    f = mapped(rule("QS2-Daily_Sales"), data_target("QS2-Daily_Sales", DbUser="etl"))
    assert (f.key, f.entry["name"]) == ("daily_sales", "QS2-Daily_Sales")
    assert f.imports[0] == ('module.scheduled_query["daily_sales"].aws_cloudwatch_event_rule.this', "QS2-Daily_Sales")
    assert key_and_name("QS2-daily", "QS2-") == ("daily", None) and key_and_name("QS2-___", "QS2-") is None


def test_an_sns_target_is_a_trigger_notification_of_an_existing_topic_with_its_id():
    f = mapped(rule(), data_target(DbUser="etl"), {"Id": "sns-1", "Arn": TOPIC})
    assert f.entry["notify"] == {"topic": "ops-alerts", "on": ["trigger"], "target_id": "sns-1"} and f.topics == {"ops-alerts": TOPIC}
    assert ('module.scheduled_query["daily"].aws_cloudwatch_event_target.trigger["sns-1"]', "QS2-daily/sns-1") in f.imports


def test_changes_made_on_purpose_are_listed():
    f = mapped(rule(), data_target(StatementName="other", WithEvent=True, DbUser="etl"))
    said = " ".join(f.changes)
    assert "'other'" in said and "WithEvent true becomes false" in said and "tagged" in said


@pytest.mark.parametrize(
    ("r", "targets", "prefix", "why"),
    [
        (rule(EventBusName="custom"), [data_target()], "QS2-", "another event bus"),
        ({**rule(), "ScheduleExpression": None, "EventPattern": "{}"}, [data_target()], "QS2-", "event pattern"),
        (rule("QS2-___"), [data_target("QS2-___")], "QS2-", "no query key"),
        (rule(), [{"Id": "sns", "Arn": TOPIC}], "QS2-", "no Redshift Data API target"),
        (rule(), [data_target(), data_target(target_id="2")], "QS2-", "2 Redshift Data API targets"),
        (rule(), [data_target(), {"Id": "fn", "Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"}], "QS2-", "another kind"),
        (rule(), [{**data_target(), "InputTransformer": {"InputTemplate": "x"}}], "QS2-", "InputTransformer"),
        (rule(), [{**data_target(), "Input": "{}"}], "QS2-", "Input"),
        (rule(), [data_target(Sqls=["SELECT 1;", "SELECT 2;"])], "QS2-", "Sqls"),
        (rule(), [data_target(Sql="")], "QS2-", "no SQL"),
        (rule(), [data_target(arn=CLUSTER.replace(REGION, "us-east-1"))], "QS2-", "us-east-1"),
        (rule(), [data_target(arn=WORKGROUP.replace("0f0f", "abab"))], "QS2-", "does not exist"),
        (rule(), [data_target(arn=f"arn:aws:rds:{REGION}:{ACCOUNT}:db:x")], "QS2-", "neither a Redshift cluster"),
        (rule("QS-daily"), [data_target("QS-daily", arn=WORKGROUP)], "QS-", "provisioned clusters only"),
        (rule(), [data_target(DbUser="etl", SecretManagerArn=SECRET)], "QS2-", "both a database user and a secret"),
        (rule(), [data_target(arn=WORKGROUP, DbUser="etl")], "QS2-", "Serverless workgroup as a database user"),
        (rule(), [data_target()] + [{"Id": f"s{i}", "Arn": TOPIC} for i in range(5)], "QS2-", "5 SNS targets"),
        (rule(), [data_target(), {"Id": "s", "Arn": TOPIC, "InputTransformer": {"InputTemplate": "x"}}], "QS2-", "SNS target s rewrites"),
        (rule(), [{**data_target(), "RedshiftDataParameters": {"Sql": "SELECT 1;", "StatementName": "QS2-daily"}}], "QS2-", "names no database"),
        (rule(), [data_target(DbUser=7)], "QS2-", "not of the shape EventBridge documents (DbUser)"),
    ],
)
def test_what_a_spec_cannot_express_is_refused_with_the_reason(r, targets, prefix, why):
    assert why in refused(r, *targets, prefix=prefix)


# ---------------------------------------------------------------------------------------------
# Scheduler schedules


def schedule(action="batchExecuteStatement", **request):
    body = {"ClusterIdentifier": "analytics-prod", "Database": "dev", "SecretArn": SECRET, "Sqls": ["BEGIN;", "CALL etl.load();", "COMMIT;"], "StatementName": "nightly", **request}
    return {"Name": "nightly", "GroupName": "default", "ScheduleExpression": "cron(0 1 * * ? *)", "ScheduleExpressionTimezone": "Europe/Berlin",
            "State": "ENABLED", "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
            "Target": {"Arn": f"arn:aws:scheduler:::aws-sdk:redshiftdata:{action}", "RoleArn": ROLE, "Input": json.dumps({k: v for k, v in body.items() if v is not None}),
                       "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}}}  # fmt: skip


def test_a_batch_schedule_in_its_time_zone_keeps_its_name_and_group():
    f = from_schedule(schedule(), "QS2-", REGION, WORKGROUPS, {"reporting"})
    assert isinstance(f, Found)
    assert f.entry == {"warehouse": "analytics-prod", "database": "dev", "auth": {"secret_arn": SECRET}, "sql": ["BEGIN;", "CALL etl.load();", "COMMIT;"],
                       "schedule": "cron(0 1 * * ? *)", "scheduler": "scheduler", "timezone": "Europe/Berlin", "description": "",
                       "flexible_window_minutes": 15, "name": "nightly"}  # fmt: skip
    assert (f.group, f.imports) == ("default", [('module.scheduler_query["nightly"].aws_scheduler_schedule.this', "default/nightly")])
    assert any("jsonencode" in c for c in f.changes)  # json.dumps' spacing is not Terraform's


def test_a_single_statement_schedule_on_a_workgroup_named_by_arn_or_name():
    for name in (WORKGROUP, "reporting"):
        f = from_schedule(schedule("executeStatement", ClusterIdentifier=None, SecretArn=None, Sqls=None, WorkgroupName=name, Sql="SELECT 1;"), "QS2-", REGION, WORKGROUPS, {"reporting"})
        assert (f.entry["sql"], f.warehouse, f.entry["auth"]) == ("SELECT 1;", "reporting", {"iam": True})


def test_a_retry_policy_member_left_out_is_awss_default_and_a_window_without_maximum_is_refused():
    partial = {**data_target(DbUser="etl"), "RetryPolicy": {"MaximumRetryAttempts": 2}}
    assert mapped(rule(), partial).entry["retry"] == {"max_event_age_seconds": 86400, "max_attempts": 2}
    s = schedule()
    s["FlexibleTimeWindow"] = {"Mode": "FLEXIBLE"}
    got = from_schedule(s, "QS2-", REGION, WORKGROUPS, set())
    assert isinstance(got, Refused) and "no maximum" in got.why


def test_a_schedule_of_another_target_is_not_a_scheduled_query():
    other = schedule()
    other["Target"]["Arn"] = "arn:aws:lambda:eu-west-1:111122223333:function:f"
    assert from_schedule(other, "QS2-", REGION, WORKGROUPS, set()) is None


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"Input": "not json"}, "not JSON"),
        ({"Input": json.dumps({"Database": "dev", "Sql": "SELECT 1;", "ClusterIdentifier": "c", "Parameters": []})}, "Parameters"),
        ({"Input": json.dumps({"Database": "dev", "ClusterIdentifier": "c", "Sql": "SELECT 1;"})}, "no SQL of the kind"),  # batch target, one Sql
        ({"Input": json.dumps({"Database": "dev", "ClusterIdentifier": "c", "WorkgroupName": "reporting", "Sqls": ["a;"]})}, "both a cluster and a workgroup"),
        ({"Input": json.dumps({"Database": "dev", "SecretArn": SECRET, "Sqls": ["a;"]})}, "no cluster or workgroup"),
        ({"Input": json.dumps({"Database": "dev", "WorkgroupName": "gone", "Sqls": ["a;"]})}, "does not exist"),
        ({"Input": json.dumps({"ClusterIdentifier": "c", "Sqls": ["a;"]})}, "no database"),
        ({"Input": json.dumps({"Database": "dev", "WorkgroupName": ["reporting"], "Sqls": ["a;"]})}, "WorkgroupName is not a string"),
        ({"Input": json.dumps({"Database": "dev", "ClusterIdentifier": "c", "Sqls": "a;"})}, "Sqls is not a list"),
    ],
)
def test_schedules_a_spec_cannot_express_are_refused(change, why):
    s = schedule()
    s["Target"] |= change
    got = from_schedule(s, "QS2-", REGION, WORKGROUPS, {"reporting"})
    assert isinstance(got, Refused) and why in got.why, got


# ---------------------------------------------------------------------------------------------
# Operators and the written spec


def test_operators_are_who_the_old_role_trusted_in_the_account():
    trust = {"Statement": [
        {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:user/alice", f"arn:aws:iam::{ACCOUNT}:user/team/bob", f"arn:aws:iam::{ACCOUNT}:role/DataEngineer",
                                                   f"arn:aws:iam::{ACCOUNT}:root", "arn:aws:iam::444455556666:user/eve"]}, "Action": "sts:AssumeRole"},
    ]}  # fmt: skip
    operators, notes = operators_from_trust(trust, ACCOUNT)
    assert operators == [{"user": "alice", "existing": True}, {"user": "bob", "existing": True, "path": "/team/"}, {"role": f"arn:aws:iam::{ACCOUNT}:role/DataEngineer"}]
    assert len(notes) == 2 and all("not an operator" in n for n in notes)


@pytest.mark.parametrize("sql", ["SELECT 1;", "SELECT 1;\n", "VACUUM events\n  TO 90 PERCENT;", "  SELECT 'a:b' -- x\n", "SELECT 1  \n  ;", "SELECT '#';\n\n", "SELECT 'é\t|';"])
def test_the_written_spec_reads_back_with_the_sql_byte_for_byte(sql):
    f = mapped(rule("QS2-Daily"), data_target("QS2-Daily", target_id="t-1", DbUser="etl", Sql=sql), {"Id": "sns-1", "Arn": TOPIC})
    s = from_schedule(schedule(), "QS2-", REGION, WORKGROUPS, set())
    result = Adoption(REGION, "QS2-", ACCOUNT, found=[f, s], operators=[{"user": "alice", "existing": True}], old_roles={ROLE: ["AmazonRedshiftFullAccess"]})
    text = spec_text(result, "legacy")
    d = deploy.decide(load_spec_text(text, "spec.yaml"))
    q = {q.key: q for q in d.queries}
    assert q["daily"].sql == (sql,) and q["daily"].rule_name == "QS2-Daily" and q["daily"].target_id == "t-1"
    assert q["daily"].triggers == (("sns-1", "ops-alerts"),)
    assert (q["nightly"].rule_name, d.schedule_group, d.schedule_group_created) == ("nightly", "default", False)
    assert "AmazonRedshift-CommandsAccessRole" in text.split("version:")[0]

"""Issue 3: every way teams run scheduled queries, each with exactly the grants it needs."""

from __future__ import annotations

import pytest
from helpers import MINIMAL
from rsqgen import spec
from rsqgen.errors import SpecError
from rsqgen.values import Ref

BASE = MINIMAL.replace("  test-cluster: {}", "  test-cluster: {}\n  wg1: {type: serverless}")
CREATED = MINIMAL.replace(
    "  test-cluster: {}",
    "  test-cluster:\n    create: {node_type: ra3.large, admin_user: rsadmin}\n"
    "  made-wg:\n    type: serverless\n    namespace: made-ns\n    create: {admin_user: rsadmin}",
)


def grants(d) -> dict[str, tuple[tuple[str, ...], tuple]]:
    return {s.sid: (s.actions, s.resources) for s in d.role.statements}


def with_query(base: str, **fields: str) -> str:
    """Replace the minimal query's fields (warehouse, auth, sql, schedule ...) with these lines."""
    text = base
    lines = {"warehouse": "test-cluster", "database": "dev", "auth": "{db_user: rsadmin}", "sql": "SELECT 1;", "schedule": "rate(5 minutes)"}
    lines.update(fields)
    head = text.split("queries:")[0]
    body = "queries:\n  top5-sales:\n" + "".join(f"    {k}: {v}\n" for k, v in lines.items())
    return head + body


CLUSTER_ARN = "arn:aws:redshift:ap-northeast-1:111122223333:cluster:test-cluster"
READ_OWN = "ReadScheduledStatements"


def test_db_user_grant(decided):
    g = grants(decided(with_query(BASE)))
    assert set(g) == {"RunStatements", READ_OWN, "DatabaseUserCredentials"}
    assert g["RunStatements"] == (("redshift-data:ExecuteStatement",), (CLUSTER_ARN,))
    assert g["DatabaseUserCredentials"][0] == ("redshift:GetClusterCredentials",)


def test_secret_grant_is_that_secret_only(decided):
    arn = "arn:aws:secretsmanager:ap-northeast-1:111122223333:secret:redshift/etl-AbCdEf"
    g = grants(decided(with_query(BASE, auth=f"{{secret_arn: {arn}}}")))
    assert set(g) == {"RunStatements", READ_OWN, "ReadDatabaseSecrets"}
    assert g["ReadDatabaseSecrets"] == (("secretsmanager:GetSecretValue",), (arn,))


def test_iam_on_a_cluster_grants_get_cluster_credentials_with_iam_on_the_dbname(decided):
    g = grants(decided(with_query(BASE, auth="{iam: true}")))
    assert set(g) == {"RunStatements", READ_OWN, "IamIdentityCredentials"}
    assert g["IamIdentityCredentials"] == (
        ("redshift:GetClusterCredentialsWithIAM",),
        ("arn:aws:redshift:ap-northeast-1:111122223333:dbname:test-cluster/dev",),
    )


def test_iam_on_serverless_grants_get_credentials_on_the_workgroup(decided):
    d = decided(with_query(BASE, warehouse="wg1", auth="{iam: true}"))
    g = grants(d)
    wg = Ref('data.aws_redshiftserverless_workgroup.this["wg1"].arn')
    assert set(g) == {"RunStatements", READ_OWN, "ServerlessCredentials"}
    assert g["ServerlessCredentials"] == (("redshift-serverless:GetCredentials",), (wg,))
    assert g["RunStatements"] == (("redshift-data:ExecuteStatement",), (wg,))
    assert d.queries[0].target_arn == wg and d.queries[0].workgroup_name == "wg1"


@pytest.mark.parametrize(
    "warehouse, secret",
    [
        ("test-cluster", 'module.redshift_cluster["test-cluster"].master_password_secret_arn'),
        ("made-wg", 'module.redshift_serverless["made-wg"].admin_password_secret_arn'),
    ],
)
def test_admin_secret_grant_is_the_managed_secret_of_that_warehouse(decided, warehouse, secret):
    d = decided(with_query(CREATED, warehouse=warehouse, auth="{admin_secret: true}"))
    g = grants(d)
    assert g["ReadDatabaseSecrets"] == (("secretsmanager:GetSecretValue",), (Ref(secret),))
    assert d.queries[0].auth == "admin_secret" and d.queries[0].secret_arn == Ref(secret)


def test_nothing_broader_slips_in_across_all_modes(decided):
    text = with_query(BASE)
    text += (
        "  by-secret:\n    warehouse: test-cluster\n    database: dev\n"
        "    auth: {secret_arn: arn:aws:secretsmanager:ap-northeast-1:111122223333:secret:s-AbCdEf}\n"
        "    sql: SELECT 2;\n    schedule: rate(1 hour)\n"
        "  by-iam:\n    warehouse: wg1\n    database: dev\n    auth: {iam: true}\n"
        "    sql: [SELECT 3;, SELECT 4;]\n    scheduler: scheduler\n    schedule: rate(1 day)\n"
    )
    d = decided(text)
    allowed = {
        "redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement",
        "redshift-data:CancelStatement", "redshift-data:DescribeStatement",
        "redshift-data:GetStatementResult", "redshift-data:ListStatements",
        "redshift:GetClusterCredentials", "secretsmanager:GetSecretValue",
        "redshift-serverless:GetCredentials", "kms:Decrypt",
    }  # fmt: skip
    actions = {a for s in d.role.statements for a in s.actions}
    assert actions == allowed
    for s in d.role.statements:
        assert "*" not in s.resources or s.sid == READ_OWN
    batch = grants(d)["RunBatchStatements"]
    assert batch[1] == (Ref('data.aws_redshiftserverless_workgroup.this["wg1"].arn'),)  # only where a batch runs


def test_scheduler_backend_trusts_scheduler_and_decrypts_only_its_key(decided):
    d = decided(with_query(BASE, scheduler="scheduler", timezone="Asia/Tokyo", schedule="daily at 09:00"))
    assert "scheduler.amazonaws.com" in d.role.trusted_services
    assert grants(d)["DecryptSchedulePayloads"] == (("kms:Decrypt",), (Ref("module.schedule_group.kms_key_arn"),))
    (q,) = d.queries
    assert (q.backend, q.timezone, q.schedule_expression) == ("scheduler", "Asia/Tokyo", "cron(0 9 * * ? *)")
    assert d.schedule_group == "demo-redshift-queries"


def test_batch_sql_runs_as_one_batch_on_the_scheduler(decided):
    d = decided(with_query(BASE, scheduler="scheduler", sql="[SELECT 1;, SELECT 2;]"))
    (q,) = d.queries
    assert q.sql == ("SELECT 1;", "SELECT 2;")
    assert grants(d)["RunBatchStatements"][0] == ("redshift-data:BatchExecuteStatement",)
    assert "RunStatements" not in grants(d)


def test_dead_letter_queue_and_retry(decided):
    d = decided(with_query(BASE, dead_letter_queue="true", retry="{max_attempts: 3, max_event_age_seconds: 600}"))
    (q,) = d.queries
    assert q.retry == (600, 3)
    assert q.dead_letter_arn == Ref("module.dead_letter_queue.arn")
    assert d.dead_letter_queue.source_rule_arns == (q.rule_arn,)
    assert "SendFailedInvocations" not in grants(d)  # a rule sends as events.amazonaws.com, via the queue policy


def test_dates_are_normalised_to_utc(decided):
    d = decided(with_query(BASE, scheduler="scheduler", start_date="2027-01-01T09:00:00+09:00", end_date="2027-06-01T00:00:00Z"))
    (q,) = d.queries
    assert (q.start_date, q.end_date) == ("2027-01-01T00:00:00Z", "2027-06-01T00:00:00Z")


def test_disabled_query(decided):
    (q,) = decided(with_query(BASE, enabled="false")).queries
    assert q.enabled is False


def test_sql_file_is_read_relative_to_the_spec(decided):
    (q,) = decided(with_query(BASE, sql_file="q.sql").replace("    sql: SELECT 1;\n", ""), **{"q.sql": "SELECT 42;\n"}).queries
    assert q.sql == ("SELECT 42;\n",)


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"warehouse": "wg1", "auth": "{db_user: x}"}, "Redshift Serverless does not take a database user"),
        ({"auth": "{admin_secret: true}"}, "is not created by this spec, so rsqgen does not know its admin secret"),
        ({"sql": "[SELECT 1;, SELECT 2;]"}, "cannot run on an EventBridge rule"),
        ({"timezone": "Asia/Tokyo"}, "EventBridge rules always run in UTC"),
        ({"scheduler": "scheduler", "timezone": "Mars/Olympus"}, "'Mars/Olympus' is not an IANA time zone"),
        ({"flexible_window_minutes": "5"}, "flexible_window_minutes needs the EventBridge Scheduler backend"),
        ({"scheduler": "scheduler", "flexible_window_minutes": "0"}, "out of range"),
        ({"dead_letter_queue": "true", "dead_letter_queue_arn": "arn:aws:sqs:ap-northeast-1:111122223333:q"}, "not both"),
        ({"scheduler": "scheduler", "start_date": "2027-02-01T00:00:00Z", "end_date": "2027-01-01T00:00:00Z"}, "end_date is not after start_date"),
        ({"scheduler": "scheduler", "start_date": "tomorrow"}, "is not an RFC 3339 time with a zone"),
        ({"schedule": "at(2027-01-01T00:00:00)"}, "scheduler"),
        ({"sql": "[" + ", ".join(["SELECT 1;"] * 41) + "]", "scheduler": "scheduler"}, "at most 40"),
        ({"retry": "{max_attempts: 186}"}, "out of range"),
        ({"auth": "{iam: false}"}, "iam: false selects no authentication"),
    ],
)
def test_rejected_combinations(write_spec, fields, expected):
    with pytest.raises(SpecError) as exc:
        spec.load_spec(write_spec(with_query(BASE, **fields)))
    assert expected in str(exc.value), str(exc.value)


def test_trigger_cannot_be_expressed_with_the_scheduler(write_spec):
    text = with_query(BASE, scheduler="scheduler", notify="{topic: ops, on: [trigger]}") + "notifications:\n  ops: {}\n"
    with pytest.raises(SpecError, match="'trigger' cannot be expressed with EventBridge Scheduler"):
        spec.load_spec(write_spec(text))

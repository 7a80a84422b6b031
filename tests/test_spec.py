"""Spec loading: good specs load; bad ones give file:line:col, key path, what and what is allowed."""

from __future__ import annotations

import pytest
from helpers import EXAMPLES, EXAMPLES_DIR, MINIMAL
from rsqgen import spec
from rsqgen.errors import SpecError


@pytest.mark.parametrize("example", EXAMPLES)
def test_examples_load(example):
    loaded = spec.load_spec(EXAMPLES_DIR / example / "spec.yaml")
    assert loaded.spec.version == 1 and loaded.queries


def test_minimal_spec_defaults(write_spec):
    loaded = spec.load_spec(write_spec(MINIMAL))
    q = loaded.spec.queries["top5-sales"]
    assert q.scheduler == "rule" and q.enabled is True and q.notify is None
    assert loaded.spec.warehouses["test-cluster"].type == "cluster"
    assert loaded.queries["top5-sales"].sql == ("SELECT 1;",)
    assert loaded.queries["top5-sales"].schedule.expression == "rate(5 minutes)"


def test_notify_on_key_is_not_a_yaml11_boolean(write_spec):
    text = MINIMAL + "notifications:\n  ops: {emails: [a@example.com]}\n"
    text = text.replace("schedule: rate(5 minutes)", "schedule: every 5 minutes\n    notify:\n      topic: ops\n      on: [failed]")
    loaded = spec.load_spec(write_spec(text))
    assert loaded.spec.queries["top5-sales"].notify.on == ["failed"]
    assert loaded.queries["top5-sales"].schedule.expression == "rate(5 minutes)"


def errors(write_spec, text: str, **files) -> list[str]:
    with pytest.raises(SpecError) as exc:
        spec.load_spec(write_spec(text, **files), display_name="spec.yaml")
    return [str(i) for i in exc.value.issues]


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("name: demo", "name: Demo", "spec.yaml:2:7: name: 'Demo' is not a valid name; 1-31 characters"),
        ('account_id: "111122223333"', "account_id: 111122223333", 'spec.yaml:4:13: account_id: expected a string, got the number 111122223333; quote it'),
        ('account_id: "111122223333"', 'account_id: "1111"', "spec.yaml:4:13: account_id: '1111' is not a valid account id; exactly 12 digits"),
        ("region: ap-northeast-1", "region: ap-northeast-9", "spec.yaml:3:9: region: 'ap-northeast-9' is not an AWS region; use a region code such as ap-northeast-3, ap-northeast-2, ap-northeast-1"),
        ("    schedule: rate(5 minutes)", "    shedule: rate(5 minutes)", "spec.yaml:15:5: queries.top5-sales.shedule: unknown key 'shedule'; did you mean 'schedule'?"),
        ("    warehouse: test-cluster", "    warehouse: test-clustr", "spec.yaml:11:16: queries.top5-sales.warehouse: unknown warehouse 'test-clustr'; did you mean 'test-cluster'?"),
        ("auth: {db_user: rsadmin}", "auth: {db_user: rsadmin, iam: true}", "spec.yaml:13:11: queries.top5-sales.auth: give exactly one authentication mode (got 2: db_user, iam)"),
        ("rate(5 minutes)", "cron(0 12 * * * *)", "spec.yaml:15:15: queries.top5-sales.schedule: 'cron(0 12 * * * *)' is not valid"),
        ("    sql: SELECT 1;", "    sql: [SELECT 1;, SELECT 2;]", "queries.top5-sales.sql: a list of statements (one batch) cannot run on an EventBridge rule"),
        ("rate(5 minutes)", "rate(5 minutes)\n    timezone: Asia/Tokyo", "queries.top5-sales.timezone: EventBridge rules always run in UTC"),
        ("  - user: test-user", "  - role: arn:aws:iam::111122223333:root", "spec.yaml:8:11: operators[0].role: 'arn:aws:iam::111122223333:root' is not a valid IAM role ARN"),
        ("  test-cluster: {}", "  Test_Cluster: {}", "spec.yaml:6:3: warehouses.Test_Cluster: 'Test_Cluster' is not a valid cluster identifier"),
        ("    sql: SELECT 1;", "    sql_file: ../outside.sql", "queries.top5-sales.sql_file: '../outside.sql' points outside the spec's folder"),
        ("    sql: SELECT 1;", "    sql_file: missing.sql", "queries.top5-sales.sql_file: 'missing.sql' does not exist"),
        ("  top5-sales:", "  Top5:", "spec.yaml:10:3: queries.Top5: 'Top5' is not a valid query name"),
    ],
)
def test_bad_specs(write_spec, old, new, expected):
    assert old in MINIMAL
    found = errors(write_spec, MINIMAL.replace(old, new))
    assert any(expected in e for e in found), found


def test_db_user_on_serverless_is_rejected(write_spec):
    text = MINIMAL.replace("  test-cluster: {}", "  test-cluster: {}\n  reporting: {type: serverless}").replace(
        "warehouse: test-cluster", "warehouse: reporting"
    )
    (msg,) = errors(write_spec, text)
    assert "queries.top5-sales.auth.db_user: Redshift Serverless does not take a database user" in msg
    assert "use iam: true" in msg


def test_missing_required_key_points_at_the_parent(write_spec):
    (msg,) = errors(write_spec, MINIMAL.replace("    database: dev\n", ""))
    assert msg.startswith("spec.yaml:10:3: queries.top5-sales: required key 'database' is missing")


def test_all_issues_reported_together_sorted_by_line(write_spec):
    text = MINIMAL.replace("warehouse: test-cluster", "warehouse: nope").replace("rate(5 minutes)", "rate(0 minutes)")
    found = errors(write_spec, text)
    assert len(found) == 2
    assert found[0].startswith("spec.yaml:11:") and found[1].startswith("spec.yaml:15:")


def test_sql_file_that_is_a_folder_says_so(write_spec, tmp_path):
    (tmp_path / "sql").mkdir()
    with pytest.raises(SpecError) as exc:
        spec.load_spec(write_spec(MINIMAL.replace("    sql: SELECT 1;", "    sql_file: sql")))
    assert "'sql' is a folder, not a file" in str(exc.value)


def test_sql_file_not_utf8_points_at_line_and_column(write_spec, tmp_path):
    (tmp_path / "q.sql").write_bytes(b"SELECT 1;\n-- caf\xe9\n")
    with pytest.raises(SpecError) as exc:
        spec.load_spec(write_spec(MINIMAL.replace("    sql: SELECT 1;", "    sql_file: q.sql")))
    assert "'q.sql' is not valid UTF-8 at q.sql:2:7 (byte 16)" in str(exc.value)


@pytest.mark.parametrize("extra, ok", [(0, True), (1, False)])
def test_inline_sql_length_limit_is_exact(write_spec, extra, ok):
    sql = "SELECT '" + "x" * (100_000 - 10 + extra) + "';"  # 100,000 characters, then one more
    assert len(sql) == 100_000 + extra
    text = MINIMAL.replace("    sql: SELECT 1;", f"    sql: \"{sql}\"")
    if ok:
        spec.load_spec(write_spec(text))
    else:
        with pytest.raises(SpecError, match="at most 100,000"):
            spec.load_spec(write_spec(text))


@pytest.mark.parametrize("rpus, ok", [(8, True), (16, True), (512, True), (1024, True), (4, False), (12, False), (1032, False)])
def test_serverless_base_capacity_is_8_to_1024_in_steps_of_8(write_spec, rpus, ok):
    text = MINIMAL.replace("  test-cluster: {}", f"  wg-one:\n    type: serverless\n    namespace: ns-one\n    create: {{admin_user: rsadmin, base_capacity: {rpus}}}").replace(
        "warehouse: test-cluster", "warehouse: wg-one").replace("auth: {db_user: rsadmin}", "auth: {iam: true}")
    if ok:
        spec.load_spec(write_spec(text))
    else:
        with pytest.raises(SpecError, match="is not a valid base capacity"):
            spec.load_spec(write_spec(text))

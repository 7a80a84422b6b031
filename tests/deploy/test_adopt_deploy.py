"""`rsqgen adopt` against the local emulator, then real terraform: the account is seeded the way the
console (and people) make scheduled queries; adopt runs as a user runs it (the CLI, AWS_ENDPOINT_URL,
fake keys); the first plan in its folder imports them, destroys and replaces nothing and changes in
place only what adopt's report lists; apply keeps SQL and schedules as they were; the second plan is
empty. What adopt cannot express is refused by name, the rest adopted (exit 1).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers.live import RSQGEN, live_env, rsqgen, rsqgen_json
from helpers.motoserver import (
    OVERRIDE_FILE,
    MotoServer,
    fake_aws_env,
    free_port,
    provider_override,
    running_moto,
)
from helpers.redshift_data import RedshiftDataStandIn
from helpers.serverless import ServerlessStandIn
from helpers.tfrun import TfRun

pytestmark = [pytest.mark.deploy, pytest.mark.terraform]

ACCOUNT = "111122223333"
REGION = "eu-west-1"
OLD_ROLE = "AmazonRedshift-CommandsAccessRole-20260101T000000"
ENGINEER = f"arn:aws:iam::{ACCOUNT}:role/DataEngineer"
# In-place changes adoption makes on purpose (adopt lists each): rsqgen's role, its tags
# (provider default_tags), the statement named like its rule, WithEvent as the spec says, and a
# schedule's request re-encoded (same request, jsonencode's key order).
ALLOWED_UPDATES = {"role_arn", "tags", "tags_all", "redshift_target", "target"}
ALLOWED_IN = {"redshift_target": {"statement_name", "with_event"}, "target": {"role_arn", "input"}}  # inside the blocks

MULTI_LINE_SQL = "VACUUM DELETE ONLY events\n  TO 90 PERCENT;"


@dataclass
class Account:
    server: MotoServer
    workgroups: ServerlessStandIn
    old_role_arn: str
    topic_arn: str
    workgroup_arn: str

    def env(self, **more: str) -> dict[str, str]:
        return live_env(self.server.url, REGION, serverless=self.workgroups.url, **more)


def seed(server: MotoServer, workgroups: ServerlessStandIn) -> Account:
    """What the console and people made by hand: a role trusted by the services and two operators,
    with a FullAccess policy; rules of each console shape; a Scheduler schedule with a batch."""
    iam, events, sns, scheduler = (server.client(s, REGION) for s in ("iam", "events", "sns", "scheduler"))
    iam.create_user(UserName="alice")
    iam.create_role(RoleName="DataEngineer", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": ["redshift.amazonaws.com", "events.amazonaws.com", "scheduler.amazonaws.com"]}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:user/alice", ENGINEER]}, "Action": "sts:AssumeRole"},
    ]}  # fmt: skip
    role_arn = iam.create_role(RoleName=OLD_ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=OLD_ROLE, PolicyArn="arn:aws:iam::aws:policy/AmazonRedshiftFullAccess")
    server.client("redshift", REGION).create_cluster(ClusterIdentifier="analytics-prod", NodeType="ra3.large", MasterUsername="owner", MasterUserPassword="Owner-password-1", ClusterType="single-node")
    workgroup_arn = workgroups.add("reporting", REGION, ACCOUNT)
    topic_arn = sns.create_topic(Name="ops-alerts")["TopicArn"]
    # The statement the EventBridge console adds when a rule gets an SNS target.
    publish = {"Sid": "AWSEvents_QS2-daily-sales", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish", "Resource": topic_arn}
    sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy", AttributeValue=json.dumps({"Version": "2012-10-17", "Statement": [publish]}))
    cluster = f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:analytics-prod"
    secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:redshift/maintenance-AbCdEf"

    def rule(name: str, schedule: str, *targets: dict, state: str = "ENABLED", description: str | None = None) -> None:
        events.put_rule(Name=name, ScheduleExpression=schedule, State=state, **({"Description": description} if description else {}))
        events.put_targets(Rule=name, Targets=list(targets))

    def data_target(name: str, target_id: str, arn: str = cluster, **params) -> dict:
        return {"Id": target_id, "Arn": arn, "RoleArn": role_arn, "RedshiftDataParameters": {"Database": "analytics", "StatementName": name, **params}}

    # Query editor v2: a database user and an SNS notification; a secret, disabled, a name with capitals; Serverless.
    rule("QS2-daily-sales", "cron(30 2 * * ? *)",
         data_target("QS2-daily-sales", "QS2-daily-sales", DbUser="etl", Sql="REFRESH MATERIALIZED VIEW reporting.daily_sales;"),
         {"Id": "QS2-daily-sales-sns", "Arn": topic_arn}, description="Refresh the daily sales view")
    rule("QS2-Vacuum_Events", "cron(0 3 ? * SUN *)", data_target("QS2-Vacuum_Events", "QS2-Vacuum_Events", SecretManagerArn=secret, Sql=MULTI_LINE_SQL, WithEvent=True), state="DISABLED")
    rule("QS2-weekly-report", "rate(7 days)", data_target("QS2-weekly-report", "redshift-data", arn=workgroup_arn, Sql="CALL reporting.weekly();"))
    # What a spec cannot express: refused, by name.
    rule("QS2-transformed", "rate(1 day)", {**data_target("QS2-transformed", "t1", Sql="SELECT 1;"), "InputTransformer": {"InputTemplate": '"x"'}})
    rule("QS2-batch", "rate(1 day)", data_target("QS2-batch", "t1", Sqls=["SELECT 1;", "SELECT 2;"]))
    rule("QS2-two-statements", "rate(1 day)", data_target("QS2-two-statements", "t1", DbUser="etl", Sql="VACUUM events;\nANALYZE events;"))
    rule("QS2-with-lambda", "rate(1 day)", data_target("QS2-with-lambda", "t1", Sql="SELECT 1;"), {"Id": "fn", "Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"})
    # Not a scheduled query (no Data API target), and a query editor v1 rule (QS-).
    rule("QS2-chat-only", "rate(1 hour)", {"Id": "sns", "Arn": topic_arn})
    rule("QS-test-cluster-schedule-query-1", "cron(0 0 * * ? *)", data_target("QS-test-cluster-schedule-query-1", "QS-target", DbUser="awsuser", Sql="SELECT * FROM tickit.sales LIMIT 5;"))
    # A Scheduler schedule with a batch, as people make them with the universal target.
    request = {"ClusterIdentifier": "analytics-prod", "Database": "analytics", "SecretArn": secret, "Sqls": ["BEGIN;", "CALL etl.load();", "COMMIT;"], "StatementName": "nightly-load"}
    scheduler.create_schedule(
        Name="nightly-load", GroupName="default", ScheduleExpression="cron(0 1 * * ? *)", ScheduleExpressionTimezone="Europe/Berlin",
        FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
        Target={"Arn": "arn:aws:scheduler:::aws-sdk:redshiftdata:batchExecuteStatement", "RoleArn": role_arn, "Input": json.dumps(request, indent=1)},
    )
    return Account(server, workgroups, role_arn, topic_arn, workgroup_arn)


@pytest.fixture(scope="module")
def account(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("adopt")
    # AWS managed policies exist (the hand-made role holds one): moto loads them when asked.
    with running_moto(tmp / "moto.log", account_id=ACCOUNT, env={"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}) as server:
        workgroups = ServerlessStandIn(account=ACCOUNT)
        workgroups.start()
        try:
            yield seed(server, workgroups)
        finally:
            workgroups.stop()


def terraform_in(folder: Path, account: Account, terraform, tmp: Path) -> TfRun:
    (folder / OVERRIDE_FILE).write_text(provider_override(account.server.url, {"redshiftserverless": account.workgroups.url}))
    config = tmp / f"tf-cli-{folder.name}"
    config.mkdir()
    tf = TfRun(terraform.binary, folder, fake_aws_env(terraform.env(config)))
    tf.init()
    return tf


def unknown_in(value) -> bool:
    """Whether an after_unknown value marks anything unknown (True at any depth)."""
    if isinstance(value, dict):
        return any(unknown_in(v) for v in value.values())
    if isinstance(value, list):
        return any(unknown_in(v) for v in value)
    return value is True


def changed_attributes(rc: dict) -> set[str]:
    """What an update changes: top-level attributes, and `block.attribute` inside the blocks of
    ALLOWED_IN; an attribute known only after apply (rsqgen's role ARN) counts as changed."""
    before, after = rc["change"].get("before") or {}, rc["change"].get("after") or {}
    unknown = rc["change"].get("after_unknown") or {}
    changed = set()
    for k in set(before) | set(after) | set(unknown):
        if k in ALLOWED_IN:
            old, new, unk = ((v.get(k) or [{}])[0] for v in (before, after, unknown))
            unk = unk if isinstance(unk, dict) else {}
            changed |= {f"{k}.{a}" for a in set(old) | set(new) | set(unk) if old.get(a) != new.get(a) or unknown_in(unk.get(a))}
        elif before.get(k) != after.get(k) or unknown_in(unknown.get(k)):
            changed.add(k)
    return changed


def allowed(change: str) -> bool:
    block, _, attribute = change.partition(".")
    return attribute in ALLOWED_IN.get(block, ()) if attribute else change in ALLOWED_UPDATES - set(ALLOWED_IN)


def test_adopt_imports_console_made_queries_and_replaces_nothing(account, terraform, tmp_path):
    out = tmp_path / "legacy"
    code, report = rsqgen_json(["adopt", "--region", REGION, "-o", str(out), "--name", "legacy", "--prefix", "QS2-"], account.env())
    assert code == 1, "four rules cannot be adopted: exit 1"
    assert report["not_adopted"] == [{"name": "QS-test-cluster-schedule-query-1", "why": "another console's prefix (QS-); leave out --prefix to adopt both consoles' schedules into one spec"}]
    assert {r["name"] for r in report["refused"]} == {"QS2-transformed", "QS2-batch", "QS2-with-lambda", "QS2-two-statements"}, report["refused"]
    why = {r["name"]: r["why"] for r in report["refused"]}
    assert "InputTransformer" in why["QS2-transformed"] and "Sqls" in why["QS2-batch"] and "lambda" in why["QS2-with-lambda"]
    assert "one statement" in why["QS2-two-statements"], why  # the spec's own check: it fails at every run
    assert {a["name"] for a in report["adopted"]} == {"QS2-daily-sales", "QS2-Vacuum_Events", "QS2-weekly-report", "nightly-load"}
    assert report["old_roles"] == [{"arn": account.old_role_arn, "managed_policies": ["AmazonRedshiftFullAccess"]}]
    assert (out / "spec.yaml").is_file() and (out / "imports.tf").is_file()

    again = rsqgen(["render", str(out / "spec.yaml"), "-o", str(out), "--check"], account.env())
    assert again.returncode == 0, f"the adopted folder is not what its spec renders to:\n{again.stdout}{again.stderr}"
    spec_text = (out / "spec.yaml").read_text()
    assert MULTI_LINE_SQL.split("\n")[1] in spec_text and "target_id: QS2-daily-sales" in spec_text and "name: QS2-Vacuum_Events" in spec_text

    tf = terraform_in(out, account, terraform, tmp_path)
    plan = tf.plan("adopt.tfplan")
    imported = {rc["address"]: rc for rc in plan.doc["resource_changes"] if rc.get("change", {}).get("importing")}
    assert len(imported) == report["imports"] == 2 + 1 + 2 + 2 + 1, sorted(imported)  # rules, targets, the SNS target, the schedule
    for address, rc in imported.items():
        action = "-".join(rc["change"]["actions"])
        assert action in ("no-op", "update"), f"{address} would be {action}: adopting must not replace or destroy"
        undocumented = {c for c in changed_attributes(rc) if not allowed(c)}
        assert not undocumented, f"{address}: undocumented in-place change {undocumented}"
    assert plan.counts()["delete"] == 0 and plan.counts()["replace"] == 0, plan.changes()
    created = {a for a, act in plan.changes().items() if act == "create"}
    assert not created & set(imported), "an imported resource is also created"
    assert all("schedule_role" in a or "operators" in a for a in created), f"adopt creates only rsqgen's role and operators group: {sorted(created)}"

    events, scheduler = (account.server.client(s, REGION) for s in ("events", "scheduler"))
    before = {r: events.list_targets_by_rule(Rule=r)["Targets"] for r in ("QS2-daily-sales", "QS2-Vacuum_Events", "QS2-weekly-report")}
    rules_before = {r: events.describe_rule(Name=r) for r in before}
    schedule_before = scheduler.get_schedule(Name="nightly-load", GroupName="default")

    tf.apply("adopt.tfplan")
    again = rsqgen(["render", str(out / "spec.yaml"), "-o", str(out)], account.env())
    assert again.returncode == 0 and (out / "imports.tf").is_file() and (out / "spec.yaml").is_file(), again.stderr
    assert tf.plan_exit_code() == 0, f"the second plan is not empty:\n{tf.plan_changes_text()}"
    role = f"arn:aws:iam::{ACCOUNT}:role/legacy-redshift-scheduler"
    for name, targets in before.items():
        after = {t["Id"]: t for t in events.list_targets_by_rule(Rule=name)["Targets"]}
        assert sorted(after) == sorted(t["Id"] for t in targets), f"{name}: targets replaced"
        for t in targets:
            if "RedshiftDataParameters" not in t:
                assert after[t["Id"]]["Arn"] == t["Arn"]
                continue
            got = after[t["Id"]]
            assert got["RedshiftDataParameters"]["Sql"] == t["RedshiftDataParameters"]["Sql"], f"{name}: SQL changed"
            assert (got["Arn"], got["RoleArn"]) == (t["Arn"], role), f"{name}: target"
        rule = events.describe_rule(Name=name)
        assert {k: rule.get(k) for k in ("ScheduleExpression", "State", "Description")} == {k: rules_before[name].get(k) for k in ("ScheduleExpression", "State", "Description")}
    schedule = scheduler.get_schedule(Name="nightly-load", GroupName="default")
    assert json.loads(schedule["Target"]["Input"])["Sqls"] == json.loads(schedule_before["Target"]["Input"])["Sqls"]
    assert (schedule["ScheduleExpression"], schedule["ScheduleExpressionTimezone"], schedule["Target"]["RoleArn"]) == ("cron(0 1 * * ? *)", "Europe/Berlin", role)

    # The adopted spec is a spec like any other: doctor, run by the operator alice, finds the
    # account as it means (the Data API stand-in answers the failed-statements check).
    data = RedshiftDataStandIn(sts_url=account.server.url)
    data.start()
    try:
        key = account.server.client("iam", REGION).create_access_key(UserName="alice")["AccessKey"]
        env = account.env(AWS_ENDPOINT_URL_REDSHIFT_DATA=data.url, AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
        code, doctor = rsqgen_json(["doctor", str(out / "spec.yaml")], env)
    finally:
        data.stop()
    assert (code, doctor["findings"], doctor["not_run"]) == (0, [], []), doctor
    assert data.calls.get("ListStatements") == 2, "doctor lists the prefix QS2- and the kept name nightly-load, each once"
    tf.destroy()


def test_adopt_query_editor_v1_names(account, terraform, tmp_path):
    out = tmp_path / "v1"
    code, report = rsqgen_json(["adopt", "--region", REGION, "-o", str(out), "--prefix", "QS-", "--name", "walkthrough", "--warehouse", "analytics-prod"], account.env())
    assert {a["name"] for a in report["adopted"]} >= {"QS-test-cluster-schedule-query-1"}
    assert "console: query-editor-v1" in (out / "spec.yaml").read_text()
    tf = terraform_in(out, account, terraform, tmp_path)
    plan = tf.plan("v1.tfplan")
    imported = {rc["address"] for rc in plan.doc["resource_changes"] if rc.get("change", {}).get("importing")}
    assert imported == {i for q in report["adopted"] for i in q["imports"]} and len(imported) == 2, imported
    assert not imported & {a for a, act in plan.changes().items() if act == "create"}
    assert plan.counts()["delete"] == 0 and plan.counts()["replace"] == 0, plan.changes()


def test_adopt_into_the_folder_you_are_in(account, tmp_path):
    """`-o .` inside an empty folder: the folder is swapped in whole, spec and imports with it."""
    here = tmp_path / "here"
    here.mkdir()
    # The QS- rule is still there (the first test's destroy took the QS2- ones and the schedule).
    proc = subprocess.run([RSQGEN, "adopt", "--region", REGION, "-o", ".", "--prefix", "QS-"], capture_output=True, text=True, env=account.env(), cwd=here, timeout=120, check=False)
    assert proc.returncode == 1 and "NOT ADOPTED QS2-batch: another console's prefix (QS2-)" in proc.stdout, proc.stdout + proc.stderr
    assert (here / "spec.yaml").is_file() and (here / "imports.tf").is_file() and (here / "main.tf").is_file()
    assert f"cd {here.resolve()}" in proc.stdout, "a shell inside the folder sees the old one: the report names it"


def test_adopt_refuses_bad_input_and_says_when_it_cannot_read(account, tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "main.tf").write_text("# mine\n")
    proc = rsqgen(["adopt", "--region", REGION, "-o", str(taken)], account.env())
    assert proc.returncode == 2 and "is not empty" in proc.stderr and (taken / "main.tf").read_text() == "# mine\n"
    proc = rsqgen(["adopt", "--region", REGION, "-o", str(tmp_path / "x"), "--prefix", "QS3-"], account.env())
    assert proc.returncode == 2 and "--prefix" in proc.stderr
    dead = f"http://127.0.0.1:{free_port()}"
    code, report = rsqgen_json(["adopt", "--region", REGION, "-o", str(tmp_path / "y")], account.env(AWS_ENDPOINT_URL_EVENTBRIDGE=dead, AWS_MAX_ATTEMPTS="1"))
    assert code == 3 and "network access" in report["not_run"][0]["permission"] and "events:ListRules" in report["not_run"][0]["permission"] and not (tmp_path / "y").exists()

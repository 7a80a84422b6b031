"""`rsqgen adopt` on an account as the original walkthrough leaves it: one query editor v1 rule
(QS-test-cluster-schedule-query-1) and two query editor v2 rules, a console-made role trusted by
EventBridge and test-user, and an operators group left by an earlier adoption. A newcomer runs adopt
once with no flag: every schedule is adopted into one spec under a free name, the first plan imports
them and replaces nothing, apply, and the second plan is empty."""

from __future__ import annotations

import json

import pytest
from helpers.live import live_env, rsqgen, rsqgen_json
from helpers.motoserver import OVERRIDE_FILE, fake_aws_env, provider_override, running_moto
from helpers.tfrun import TfRun

pytestmark = [pytest.mark.deploy, pytest.mark.terraform]

ACCOUNT = "111122223333"
REGION = "ap-northeast-1"
ROLE = "AmazonRedshift-CommandsAccessRole-20261201T090000"
RULES = {
    "QS-test-cluster-schedule-query-1": "SELECT * FROM tickit.sales LIMIT 5;",  # query editor v1, as in the walkthrough
    "QS2-top5-sales": "SELECT eventname, SUM(pricepaid) FROM tickit.sales GROUP BY 1 ORDER BY 2 DESC LIMIT 5;",
    "QS2-refresh-views": "REFRESH MATERIALIZED VIEW tickit.daily_sales;",
}


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("walkthrough")
    with running_moto(tmp / "moto.log", account_id=ACCOUNT) as server:
        iam, events = server.client("iam", REGION), server.client("events", REGION)
        iam.create_user(UserName="test-user")
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com", "events.amazonaws.com"]}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/test-user"}, "Action": "sts:AssumeRole"},
        ]}  # fmt: skip
        role_arn = iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        iam.create_group(GroupName="adopted-redshift-operators")  # left by an earlier `rsqgen adopt` and apply
        server.client("redshift", REGION).create_cluster(ClusterIdentifier="test-cluster", NodeType="ra3.large", MasterUsername="awsuser", MasterUserPassword="Walkthrough-1", ClusterType="single-node")
        cluster = f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:test-cluster"
        for name, sql in RULES.items():
            events.put_rule(Name=name, ScheduleExpression="cron(0 0 * * ? *)" if name.startswith("QS-") else "rate(1 hour)", State="ENABLED")
            events.put_targets(Rule=name, Targets=[{"Id": name, "Arn": cluster, "RoleArn": role_arn, "RedshiftDataParameters": {"Database": "dev", "DbUser": "awsuser", "Sql": sql, "StatementName": name}}])
        yield server


def env(server) -> dict[str, str]:
    return live_env(server.url, REGION)


@pytest.fixture(scope="module")
def adopted(walkthrough, terraform, tmp_path_factory):
    out = tmp_path_factory.mktemp("adopt") / "scheduled-queries"
    code, report = rsqgen_json(["adopt", "--region", REGION, "-o", str(out)], env(walkthrough))
    config = tmp_path_factory.mktemp("tf-cli")
    (out / OVERRIDE_FILE).write_text(provider_override(walkthrough.url))
    tf = TfRun(terraform.binary, out, fake_aws_env(terraform.env(config)))
    tf.init()
    return code, report, out, tf


def test_one_run_with_no_flag_adopts_both_consoles_schedules_under_a_free_name(adopted):
    code, report, out, _ = adopted
    assert code == 0, report
    assert sorted(a["name"] for a in report["adopted"]) == sorted(RULES) and report["refused"] == report["not_adopted"] == []
    assert any("adopted is taken" in n and "group adopted-redshift-operators" in n for n in report["notes"]), report["notes"]
    spec = (out / "spec.yaml").read_text()
    assert "name: adopted-2\n" in spec and "console:" not in spec and "name: QS-test-cluster-schedule-query-1" in spec


def test_before_apply_names_takes_the_imported_rules_as_the_specs_own(adopted, walkthrough, tmp_path):
    _, _, out, _ = adopted
    proc = rsqgen(["names", str(out / "spec.yaml"), "--live"], env(walkthrough))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (tmp_path / "spec.yaml").write_text((out / "spec.yaml").read_text())  # the same spec without its imports.tf
    proc = rsqgen(["names", str(tmp_path / "spec.yaml"), "--live"], env(walkthrough))
    assert proc.returncode == 1 and proc.stdout.count("already exists") == len(RULES), proc.stdout
    assert "rule QS-test-cluster-schedule-query-1 already exists in account 111122223333 (not made by this spec)" in proc.stdout


def test_the_role_trusts_and_the_operators_manage_both_consoles_rules(adopted):
    _, _, out, tf = adopted
    plan = tf.plan("adopt.tfplan")
    after = {rc["address"]: rc["change"]["after"] for rc in plan.doc["resource_changes"]}
    trust = json.loads(after["module.schedule_role.aws_iam_role.this"]["assume_role_policy"])
    events = next(s for s in trust["Statement"] if s.get("Principal", {}).get("Service") == "events.amazonaws.com")
    assert events["Condition"]["ArnLike"]["aws:SourceArn"] == [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/QS2-*", f"arn:aws:events:{REGION}:{ACCOUNT}:rule/QS-*"]
    group = json.loads(next(v["policy"] for a, v in after.items() if a.endswith("aws_iam_group_policy.this[0]")))
    manage = next(s for s in group["Statement"] if s["Sid"] == "ManageConsoleScheduledQueries")
    assert manage["Resource"] == [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/QS2-*", f"arn:aws:events:{REGION}:{ACCOUNT}:rule/QS-*"]


def test_a_taken_name_given_is_refused_and_nothing_is_written(adopted, walkthrough, tmp_path):
    proc = rsqgen(["adopt", "--region", REGION, "-o", str(tmp_path / "again"), "--name", "adopted"], env(walkthrough))
    assert proc.returncode == 2 and "group adopted-redshift-operators" in proc.stderr and "EntityAlreadyExists" in proc.stderr
    assert not (tmp_path / "again").exists()


def test_the_first_plan_imports_everything_and_replaces_nothing_then_applies_clean(adopted, walkthrough):
    _, report, out, tf = adopted
    plan = tf.plan("adopt.tfplan")
    imported = {rc["address"] for rc in plan.doc["resource_changes"] if rc.get("change", {}).get("importing")}
    assert len(imported) == report["imports"] == 2 * len(RULES)
    assert plan.counts()["delete"] == 0 and plan.counts()["replace"] == 0, plan.changes()
    created = {a for a, act in plan.changes().items() if act == "create"}
    assert all("schedule_role" in a or "operators" in a for a in created), created
    tf.apply("adopt.tfplan")
    assert tf.plan_exit_code() == 0, f"the second plan is not empty:\n{tf.plan_changes_text()}"
    events = walkthrough.client("events", REGION)
    for name, sql in RULES.items():
        (target,) = events.list_targets_by_rule(Rule=name)["Targets"]
        assert (target["Id"], target["RedshiftDataParameters"]["Sql"], target["RoleArn"]) == (name, sql, f"arn:aws:iam::{ACCOUNT}:role/adopted-2-redshift-scheduler")


def test_names_compares_a_spec_with_the_live_account(adopted, walkthrough, tmp_path):
    _, _, out, _ = adopted
    tf_applied = rsqgen(["names", str(out / "spec.yaml"), "--live"], env(walkthrough))
    assert tf_applied.returncode == 0, f"its own resources are not clashes:\n{tf_applied.stdout}{tf_applied.stderr}"
    other = tmp_path / "spec.yaml"
    other.write_text((out / "spec.yaml").read_text().replace("name: adopted-2\n", "name: adopted\n"))
    proc = rsqgen(["names", str(other), "--live"], env(walkthrough))
    assert proc.returncode == 1 and "group adopted-redshift-operators already exists" in proc.stdout, proc.stdout + proc.stderr


def test_adopting_again_leaves_what_a_spec_manages_and_names_every_group(adopted, walkthrough, tmp_path):
    """After the apply the rules carry adopted-2's tag: a second run must not put them under a second
    spec. Schedules made later in two groups: one group is adopted, the other is named with the
    command that adopts it, and that command works."""
    _, _, out, tf = adopted
    assert tf.plan_exit_code() == 0, "runs after the apply"
    scheduler = walkthrough.client("scheduler", REGION)
    scheduler.create_schedule_group(Name="etl")
    role = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
    for group, name in (("default", "nightly-vacuum"), ("default", "hourly-analyze"), ("etl", "load-sales")):
        request = {"ClusterIdentifier": "test-cluster", "Database": "dev", "DbUser": "awsuser", "Sql": f"SELECT '{name}';", "StatementName": name}
        scheduler.create_schedule(Name=name, GroupName=group, ScheduleExpression="rate(1 day)", FlexibleTimeWindow={"Mode": "OFF"},
                                  Target={"Arn": "arn:aws:scheduler:::aws-sdk:redshiftdata:executeStatement", "RoleArn": role, "Input": json.dumps(request)})  # fmt: skip
    code, report = rsqgen_json(["adopt", "--region", REGION, "-o", str(tmp_path / "more")], env(walkthrough))
    assert code == 1, report
    assert sorted(a["name"] for a in report["adopted"]) == ["hourly-analyze", "nightly-vacuum"]
    managed = {n["name"]: n["why"] for n in report["not_adopted"]}
    assert sorted(managed) == sorted(RULES) and all("already managed by rsqgen spec adopted-2" in w for w in managed.values()), managed
    (refused,) = report["refused"]
    assert refused["name"] == "etl/load-sales" and "--schedules-in etl" in refused["why"], refused
    assert "name: adopted-3\n" in (tmp_path / "more" / "spec.yaml").read_text(), "adopted and adopted-2 are taken"
    command = refused["why"][refused["why"].index("rsqgen adopt ") + len("rsqgen "):].replace("OTHER_DIR", str(tmp_path / "etl")).replace("OTHER_NAME", "etl").split()
    code, report = rsqgen_json(command, env(walkthrough))
    assert (code, [a["name"] for a in report["adopted"]], report["refused"]) == (0, ["load-sales"], []), report
    assert "schedule_group: etl" in (tmp_path / "etl" / "spec.yaml").read_text()

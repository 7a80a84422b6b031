"""The live-account commands against the local emulator, as a user runs them: the CLI in a
subprocess, pointed at moto and the Redshift Data API stand-in with AWS_ENDPOINT_URL and
AWS_ENDPOINT_URL_REDSHIFT_DATA and fake keys only (boto3's standard chain). examples/existing-cluster
(with history.retain_days) is applied once into an emulator account of the spec's own id, its
cluster made as its owner would have, and shared by every test here:

- doctor reports it healthy; then it is broken in each known way, one at a time, and doctor names
  each break (exit 1); a check whose API cannot be reached is NOT_RUN (exit 3), never passed;
- run makes the very Data API call the rule's target describes, as the schedule role;
- history lists a query's runs as the schedule role sees them (exact names, every status, 24 hours),
  merged with failed invocations and with the older runs kept in the history log group.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from helpers import EXAMPLES_DIR
from helpers.live import live_env, rsqgen, rsqgen_json
from helpers.motoserver import (
    OVERRIDE_FILE,
    MotoServer,
    fake_aws_env,
    free_port,
    provider_override,
    running_moto,
)
from helpers.redshift_data import RedshiftDataStandIn
from helpers.tfrun import TfRun
from rsqgen import core
from rsqgen.deploy import Deployment

pytestmark = [pytest.mark.deploy, pytest.mark.terraform]

EXAMPLE = EXAMPLES_DIR / "existing-cluster"


@dataclass
class Live:
    server: MotoServer
    d: Deployment
    spec: Path
    data: RedshiftDataStandIn
    operator_keys: dict[str, str]  # alice's: an operator, whom the schedule role trusts

    def env(self, *, as_operator: bool = True, **more: str) -> dict[str, str]:
        """A user's environment: alice's keys (the commands are an operator's), or moto's default user."""
        keys = self.operator_keys if as_operator else {}
        return live_env(self.server.url, self.d.region, data_api=self.data.url, **keys, **more)

    def query(self, key: str):
        return next(q for q in self.d.queries if q.key == key)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, terraform):
    """The example applied into an emulator account with the spec's account id."""
    tmp = tmp_path_factory.mktemp("live")
    shutil.copytree(EXAMPLE, tmp / "spec")
    rendered = core.render_spec(tmp / "spec" / "spec.yaml")
    d = rendered.deployment
    assert d.history is not None, "the example keeps its runs (history.retain_days): history's log reading is tested here"
    with running_moto(tmp / "moto.log", account_id=d.account_id) as server:
        yield from _applied(server, rendered, tmp, terraform)


def _applied(server: MotoServer, rendered, tmp: Path, terraform):
    d = rendered.deployment
    data = RedshiftDataStandIn(sts_url=server.url)
    data.start()
    try:
        iam = server.client("iam", d.region)
        iam.create_user(UserName="alice")
        key = iam.create_access_key(UserName="alice")["AccessKey"]
        server.client("redshift", d.region).create_cluster(
            ClusterIdentifier=d.warehouses[0].identifier, NodeType="ra3.large", MasterUsername="owner", MasterUserPassword="Owner-password-1", ClusterType="single-node"
        )
        out = tmp / "out"
        core.write(rendered, out)
        (out / OVERRIDE_FILE).write_text(provider_override(server.url))
        config = tmp / "tf-cli"
        config.mkdir()
        tf = TfRun(terraform.binary, out, fake_aws_env(terraform.env(config)))
        tf.init()
        tf.plan("p.tfplan")
        tf.apply("p.tfplan")
        yield Live(server, d, tmp / "spec" / "spec.yaml", data, {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]})
        tf.destroy()
    finally:
        data.stop()


@pytest.fixture
def applied(deployed):
    """The shared deployment, with no Data API statements yet."""
    deployed.data.reset(sts_url=deployed.server.url)
    return deployed


def run_doctor(live: Live, *, as_operator: bool = True, **endpoints: str) -> tuple[int, dict]:
    return rsqgen_json(["doctor", str(live.spec)], live.env(as_operator=as_operator, **endpoints))


def ids(report: dict) -> set[str]:
    return {f["id"] for f in report["findings"]}


def test_healthy_then_each_known_break_is_found(applied):
    server, d = applied.server, applied.d
    iam, events, sns = (server.client(s, d.region) for s in ("iam", "events", "sns"))
    code, report = run_doctor(applied)
    assert (code, report["findings"], report["not_run"]) == (0, [], []), report
    assert report["account"] == d.account_id and report["checks"] > 10

    role = iam.get_role(RoleName=d.role.name)["Role"]
    trust = role["AssumeRolePolicyDocument"]
    operator = next(a for a in d.role.operator_arns if ":user/" in a)

    def trust_without(replacement: list[str]) -> str:
        doc = json.loads(json.dumps(trust))
        for s in doc["Statement"]:
            principals = s.get("Principal", {}).get("AWS")
            if principals:
                s["Principal"]["AWS"] = [p for p in principals if p != operator] + replacement
        return json.dumps(doc)

    q = next(q for q in d.queries if q.backend == "rule")
    policy = iam.get_role_policy(RoleName=d.role.name, PolicyName=d.role.policy_name)["PolicyDocument"]
    targets = events.list_targets_by_rule(Rule=q.rule_name)["Targets"]
    (topic_arn,) = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    topic_policy = sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]["Policy"]
    ghost = dict(next(t for t in targets if "RedshiftDataParameters" in t), Arn=f"arn:aws:redshift:{d.region}:{d.account_id}:cluster:ghost")
    logs = applied.server.client("logs", d.region)
    log_policy = next(p["policyDocument"] for p in logs.describe_resource_policies()["resourcePolicies"] if p["policyName"] == d.history.rule_name)
    old_log_policy = json.loads(log_policy)  # 0.1's: both actions on aws:SourceAccount and aws:SourceArn (refuses EventBridge)
    old_log_policy["Statement"] = [{**old_log_policy["Statement"][1], "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                    "Condition": {"StringEquals": {"aws:SourceAccount": d.account_id}, "ArnEquals": {"aws:SourceArn": d.history.rule_arn}}}]
    breaks = [
        ("the history log policy as 0.1 wrote it", "history-log-policy",
         lambda: logs.put_resource_policy(policyName=d.history.rule_name, policyDocument=json.dumps(old_log_policy)),
         lambda: logs.put_resource_policy(policyName=d.history.rule_name, policyDocument=log_policy)),
        ("the history log policy deleted", "history-log-policy-missing",
         lambda: logs.delete_resource_policy(policyName=d.history.rule_name),
         lambda: logs.put_resource_policy(policyName=d.history.rule_name, policyDocument=log_policy)),
        ("an operator removed from the trust", "trust-missing-operator",
         lambda: iam.update_assume_role_policy(RoleName=d.role.name, PolicyDocument=trust_without([])),
         lambda: iam.update_assume_role_policy(RoleName=d.role.name, PolicyDocument=json.dumps(trust))),
        ("a trusted user deleted and re-created (IAM shows its old id)", "trust-stale-principal",
         lambda: iam.update_assume_role_policy(RoleName=d.role.name, PolicyDocument=trust_without(["AIDAEXAMPLEOLDUSER0001"])),
         lambda: iam.update_assume_role_policy(RoleName=d.role.name, PolicyDocument=json.dumps(trust))),
        ("the role policy removed", "role-policy-missing",
         lambda: iam.delete_role_policy(RoleName=d.role.name, PolicyName=d.role.policy_name),
         lambda: iam.put_role_policy(RoleName=d.role.name, PolicyName=d.role.policy_name, PolicyDocument=json.dumps(policy))),
        ("a rule disabled in the console", "rule-disabled",
         lambda: events.disable_rule(Name=q.rule_name), lambda: events.enable_rule(Name=q.rule_name)),
        ("a target pointed at a missing cluster", "target-warehouse-missing",
         lambda: events.put_targets(Rule=q.rule_name, Targets=[ghost]), lambda: events.put_targets(Rule=q.rule_name, Targets=targets)),
        ("the topic policy replaced", "topic-policy",
         lambda: sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy", AttributeValue=json.dumps({"Version": "2012-10-17", "Statement": []})),
         lambda: sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy", AttributeValue=topic_policy)),
    ]
    for what, finding, breaks_it, repairs_it in breaks:
        breaks_it()
        code, report = run_doctor(applied)
        assert code == 1 and finding in ids(report), f"{what}: {report['findings']}"
        found = next(f for f in report["findings"] if f["id"] == finding)
        assert found["resource"] and found["why"] and found["fix"], found
        repairs_it()
        assert run_doctor(applied)[0] == 0, f"{what}: not healthy again after the repair"


def test_a_caller_the_role_does_not_trust_gets_a_note_not_a_failure(applied):
    code, report = run_doctor(applied, as_operator=False)
    assert (code, report["findings"], report["not_run"]) == (0, [], []), report
    assert any("failed statements were not checked" in n for n in report["notes"]) and not applied.data.calls


def test_a_check_that_cannot_run_is_not_run_never_passed(applied):
    """Before any test leaves a finding behind (moto keeps metric data): the account is healthy but
    for what could not be read, so the exit code is 3."""
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    code, report = run_doctor(applied, AWS_ENDPOINT_URL_SNS=dead, AWS_MAX_ATTEMPTS="1")
    assert "topics" in {n["check"] for n in report["not_run"]}, report
    assert all(n["permission"] and n["error"] for n in report["not_run"])
    assert (code, report["findings"]) == (3, []), report


def test_failed_invocations_are_findings(applied):
    """On a status rule: the history test counts the query rule's own."""
    server, d = applied.server, applied.d
    name = d.statuses[0].rule_name
    server.client("cloudwatch", d.region).put_metric_data(
        Namespace="AWS/Events",
        MetricData=[{"MetricName": "FailedInvocations", "Dimensions": [{"Name": "RuleName", "Value": name}], "Value": 2, "Timestamp": datetime.now(timezone.utc) - timedelta(minutes=10)}],
    )
    code, report = run_doctor(applied)
    assert code == 1 and "failed-invocations" in ids(report), report
    (found,) = [f for f in report["findings"] if f["id"] == "failed-invocations"]
    assert found["resource"] == name and "2 time(s)" in found["what"]


def test_the_history_rules_failed_invocations_point_at_the_log_policy(applied):
    """EventBridge writes to the log group with no role: the cause is the group's resource policy."""
    server, d = applied.server, applied.d
    server.client("cloudwatch", d.region).put_metric_data(
        Namespace="AWS/Events",
        MetricData=[{"MetricName": "FailedInvocations", "Dimensions": [{"Name": "RuleName", "Value": d.history.rule_name}], "Value": 1, "Timestamp": datetime.now(timezone.utc) - timedelta(minutes=10)}],
    )
    code, report = run_doctor(applied)
    (found,) = [f for f in report["findings"] if f["id"] == "failed-invocations" and f["resource"] == d.history.rule_name]
    assert code == 1 and f"resource policy {d.history.rule_name!r}" in found["fix"] and d.history.log_group in found["fix"] and "role" not in found["fix"]
    assert "rsqgen history shows nothing older than 24 hours" in found["why"]


# ---------------------------------------------------------------------------------------------
# run and history


def schedule_call(live: Live, key: str) -> dict:
    """The Data API request the rule's target describes: what EventBridge sends when it fires."""
    q = live.query(key)
    targets = live.server.client("events", live.d.region).list_targets_by_rule(Rule=q.rule_name)["Targets"]
    (target,) = [t for t in targets if "RedshiftDataParameters" in t]
    p = target["RedshiftDataParameters"]
    call = {"ClusterIdentifier": target["Arn"].rsplit(":", 1)[1], "Database": p["Database"], "Sql": p["Sql"], "StatementName": p["StatementName"], "WithEvent": p.get("WithEvent", False)}
    call |= {"DbUser": p["DbUser"]} if p.get("DbUser") else {}
    call |= {"SecretArn": p["SecretManagerArn"]} if p.get("SecretManagerArn") else {}
    return {"role": target["RoleArn"], **call}


def role_session(live: Live, session: str) -> str:
    return f"arn:aws:sts::{live.d.account_id}:assumed-role/{live.d.role.name}/{session}"


@pytest.mark.parametrize("key", ["refresh-daily-sales", "vacuum-events"])  # a database user; a secret
def test_run_makes_the_call_the_schedule_makes(applied, key):
    code, result = rsqgen_json(["run", str(applied.spec), key], applied.env())
    assert code == 0 and result["status"] == "FINISHED" and result["duration_seconds"] > 0, result
    (made,) = applied.data.statements()
    wanted = schedule_call(applied, key)
    role = wanted.pop("role")
    assert {k: made.get(k) for k in wanted} == wanted and made["Id"] == result["id"]
    assert made["caller"] == role_session(applied, "rsqgen-run") and role.endswith(f"/{applied.d.role.name}")
    assert made["region"] == applied.d.region


def test_run_reports_a_failed_statement_with_exit_1(applied):
    applied.data.outcome = lambda sql: 'ERROR: permission denied for relation "events"' if "VACUUM" in sql.upper() else None
    code, result = rsqgen_json(["run", str(applied.spec), "vacuum-events"], applied.env())
    assert (code, result["status"]) == (1, "FAILED") and "permission denied" in result["error"], result
    text = rsqgen(["run", str(applied.spec), "vacuum-events"], applied.env())
    assert text.returncode == 1 and "FAILED" in text.stdout and "permission denied" in text.stdout


def test_history_of_a_spec_not_applied_says_so(applied, tmp_path):
    """Another spec name: its role does not exist (moto would let anyone assume it: doctor's rule,
    judge by what exists, holds for history too)."""
    other = tmp_path / "spec.yaml"
    other.write_text(applied.spec.read_text().replace("name: analytics", "name: not-applied", 1))
    (tmp_path / "vacuum_events.sql").write_bytes((applied.spec.parent / "vacuum_events.sql").read_bytes())
    code, report = rsqgen_json(["history", str(other)], applied.env())
    assert code == 3 and "does not exist" in report["not_run"][0]["error"] and not applied.data.calls


def test_run_of_an_unknown_query_is_bad_input(applied):
    proc = rsqgen(["run", str(applied.spec), "no-such-query"], applied.env())
    assert proc.returncode == 2 and "refresh-daily-sales" in proc.stderr and not applied.data.statements()


def test_history_shows_the_schedule_roles_runs_of_that_exact_name(applied):
    q = applied.query("refresh-daily-sales")
    now = datetime.now(timezone.utc)
    call = schedule_call(applied, q.key)
    call.pop("role")
    events_session = role_session(applied, "a1b2c3d4e5")  # EventBridge assumes the role under a session of its own
    applied.data.outcome = lambda sql: "ERROR: could not serialize access" if "failing" in sql else None
    ok = applied.data.seed(events_session, now - timedelta(hours=2), region=applied.d.region, **call)
    failed = applied.data.seed(events_session, now - timedelta(hours=1), region=applied.d.region, **{**call, "Sql": call["Sql"] + " -- failing"})
    # Not this query's runs: a longer name (ListStatements matches a prefix), another role, too old.
    applied.data.seed(events_session, now - timedelta(minutes=30), region=applied.d.region, **{**call, "StatementName": q.rule_name + "-copy"})
    applied.data.seed(f"arn:aws:sts::{applied.d.account_id}:assumed-role/SomeoneElse/x", now - timedelta(minutes=20), region=applied.d.region, **call)
    applied.data.seed(events_session, now - timedelta(hours=25), region=applied.d.region, **call)
    # An invocation that never reached the Data API, and a run three days ago kept by the history log.
    applied.server.client("cloudwatch", applied.d.region).put_metric_data(
        Namespace="AWS/Events",
        MetricData=[{"MetricName": "FailedInvocations", "Dimensions": [{"Name": "RuleName", "Value": q.rule_name}], "Value": 1, "Timestamp": now - timedelta(minutes=10)}],
    )
    logs = applied.server.client("logs", applied.d.region)
    old = now - timedelta(days=3)
    event = {"version": "0", "detail-type": "Redshift Data Statement Status Change", "source": "aws.redshift-data", "time": old.strftime("%Y-%m-%dT%H:%M:%SZ"),
             "detail": {"statementName": q.rule_name, "statementId": "0f0f0f0f-1111-2222-3333-444444444444", "state": "FINISHED", "rows": 12}}
    stream = f"history-{time.monotonic_ns()}"
    logs.create_log_stream(logGroupName=applied.d.history.log_group, logStreamName=stream)
    logs.put_log_events(logGroupName=applied.d.history.log_group, logStreamName=stream, logEvents=[{"timestamp": int(old.timestamp() * 1000), "message": json.dumps(event)}])
    code, report = rsqgen_json(["history", str(applied.spec), q.key], applied.env())
    (runs,) = [r["runs"] for r in report["queries"]]
    assert [(r["status"], r["id"] or r["source"]) for r in runs] == [
        ("INVOCATION_FAILED", "cloudwatch"), ("FAILED", failed), ("FINISHED", ok), ("FINISHED", event["detail"]["statementId"]),
    ], runs
    assert code == 1, "a failed run is shown: exit 1"
    assert "could not serialize" in runs[1]["error"] and runs[2]["duration_seconds"] > 0 and runs[3]["rows"] == 12
    assert runs[0]["count"] == 1

    code, report = rsqgen_json(["history", str(applied.spec), q.key, "--status", "failed", "--last", "1"], applied.env())
    assert [r["status"] for r in report["queries"][0]["runs"]] == ["INVOCATION_FAILED"] and code == 1

    code, report = rsqgen_json(["history", str(applied.spec)], applied.env())
    assert [r["query"] for r in report["queries"]] == ["refresh-daily-sales", "vacuum-events"]
    assert report["queries"][1]["runs"] == [] and len(report["queries"][0]["runs"]) == 4

    text = rsqgen(["history", str(applied.spec), q.key], applied.env())
    assert text.returncode == 1 and "could not serialize" in text.stdout and "90 days" in text.stdout, text.stdout


def test_doctor_finds_failed_statements(applied):
    q = applied.query("vacuum-events")
    call = schedule_call(applied, q.key)
    call.pop("role")
    applied.data.outcome = lambda sql: "ERROR: disk full"
    applied.data.seed(role_session(applied, "a1b2c3d4e5"), datetime.now(timezone.utc) - timedelta(hours=3), region=applied.d.region, **call)
    code, report = run_doctor(applied)
    (found,) = [f for f in report["findings"] if f["id"] == "failed-statements"]
    assert code == 1 and found["resource"] == q.rule_name and "ERROR: disk full" in found["what"] and "rsqgen history" in found["fix"]

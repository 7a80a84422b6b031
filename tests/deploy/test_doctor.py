"""`rsqgen doctor` against the local emulator, as a user runs it: the CLI in a subprocess, pointed at
moto with AWS_ENDPOINT_URL and fake keys only (boto3's standard chain). examples/existing-cluster is
applied into an emulator account of the spec's own id (and its cluster made, as its owner would
have); doctor reports it healthy; then it is broken in each known way, one at a time, and doctor
names each break (exit 1); a check whose API cannot be reached is NOT_RUN (exit 3), never passed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from helpers import EXAMPLES_DIR
from helpers.motoserver import (
    OVERRIDE_FILE,
    MotoServer,
    fake_aws_env,
    find_moto_server,
    free_port,
    provider_override,
)
from helpers.tfrun import TfRun
from rsqgen import core

pytestmark = [pytest.mark.deploy, pytest.mark.terraform]

EXAMPLE = EXAMPLES_DIR / "existing-cluster"
RSQGEN = str(Path(sys.executable).parent / "rsqgen")


@pytest.fixture(scope="module")
def applied(tmp_path_factory, terraform):
    """The example applied into an emulator account with the spec's account id."""
    tmp = tmp_path_factory.mktemp("doctor")
    shutil.copytree(EXAMPLE, tmp / "spec")
    rendered = core.render_spec(tmp / "spec" / "spec.yaml")
    d = rendered.deployment
    server = MotoServer(find_moto_server(), tmp / "moto.log", account_id=d.account_id)
    server.start()
    try:
        server.client("iam", d.region).create_user(UserName="alice")
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
        yield server, d, tmp / "spec" / "spec.yaml"
        tf.destroy()
    finally:
        server.stop()


def run_doctor(server: MotoServer, spec: Path, **endpoints: str) -> tuple[int, dict]:
    env = fake_aws_env(dict(os.environ))
    env.update({"AWS_ENDPOINT_URL": server.url, "AWS_REGION": "eu-west-1", **endpoints})
    proc = subprocess.run([RSQGEN, "doctor", str(spec), "--format", "json"], capture_output=True, text=True, env=env, check=False, timeout=120)
    assert proc.returncode in (0, 1, 3), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def ids(report: dict) -> set[str]:
    return {f["id"] for f in report["findings"]}


def test_healthy_then_each_known_break_is_found(applied):
    server, d, spec = applied
    iam, events, sns = (server.client(s, d.region) for s in ("iam", "events", "sns"))
    code, report = run_doctor(server, spec)
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
    breaks = [
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
        code, report = run_doctor(server, spec)
        assert code == 1 and finding in ids(report), f"{what}: {report['findings']}"
        found = next(f for f in report["findings"] if f["id"] == finding)
        assert found["resource"] and found["why"] and found["fix"], found
        repairs_it()
        assert run_doctor(server, spec)[0] == 0, f"{what}: not healthy again after the repair"


def test_failed_invocations_are_findings(applied):
    server, d, spec = applied
    q = next(q for q in d.queries if q.backend == "rule")
    server.client("cloudwatch", d.region).put_metric_data(
        Namespace="AWS/Events",
        MetricData=[{"MetricName": "FailedInvocations", "Dimensions": [{"Name": "RuleName", "Value": q.rule_name}], "Value": 2, "Timestamp": datetime.now(timezone.utc) - timedelta(minutes=10)}],
    )
    code, report = run_doctor(server, spec)
    assert code == 1 and "failed-invocations" in ids(report), report
    (found,) = [f for f in report["findings"] if f["id"] == "failed-invocations"]
    assert found["resource"] == q.rule_name and "2 time(s)" in found["what"]


def test_a_check_that_cannot_run_is_not_run_never_passed(applied):
    server, d, spec = applied
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    code, report = run_doctor(server, spec, AWS_ENDPOINT_URL_SNS=dead, AWS_MAX_ATTEMPTS="1")
    assert "topics" in {n["check"] for n in report["not_run"]}, report
    assert all(n["permission"] and n["error"] for n in report["not_run"])
    assert code == (1 if report["findings"] else 3)

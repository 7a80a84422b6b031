"""`rsqgen selftest` end to end on the emulator: the very code a user points at a sandbox account,
run as a user runs it (the installed CLI, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_REDSHIFT_DATA only),
with helpers/eventbridge.Engine playing EventBridge (moto fires no rule) and judging every resource
policy as AWS would. One selftest run is shared by the tests that read its report."""

from __future__ import annotations

import json

import pytest
from helpers.eventbridge import Engine
from helpers.live import live_env, rsqgen

from rsqgen.selftest import BEHAVIOURS, FAILING_TABLE

pytestmark = [pytest.mark.deploy, pytest.mark.terraform]

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's default account


def _sandbox(moto, data_api):
    """The account as a user's sandbox: a cluster, and the user who runs the selftest, with keys."""
    moto.client("redshift", REGION).create_cluster(ClusterIdentifier="sandbox", NodeType="ra3.large", MasterUsername="rsadmin", MasterUserPassword="Sandbox-pass-1", DBName="dev")
    iam = moto.client("iam", REGION)
    iam.create_user(UserName="selftester")
    keys = iam.create_access_key(UserName="selftester")["AccessKey"]
    data_api.outcome = lambda sql: f'ERROR: relation "{FAILING_TABLE}" does not exist' if FAILING_TABLE in sql else None
    return live_env(moto.url, REGION, data_api=data_api.url, AWS_ACCESS_KEY_ID=keys["AccessKeyId"], AWS_SECRET_ACCESS_KEY=keys["SecretAccessKey"])


ARGS = ["selftest", "--region", REGION, "--warehouse", "sandbox", "--account", ACCOUNT, "--yes", "--poll-seconds", "0.5", "--wait-minutes", "2"]


@pytest.fixture(scope="module")
def selftest_run(moto_server, data_api_stand_in, tmp_path_factory):
    moto_server.use_account(None)
    moto_server.reset()
    data_api_stand_in.reset(sts_url=moto_server.url)
    env = _sandbox(moto_server, data_api_stand_in)
    engine = Engine(moto_server, data_api_stand_in, REGION, ACCOUNT).start()
    work = tmp_path_factory.mktemp("selftest") / "run"
    try:
        proc = rsqgen([*ARGS, "--work", str(work)], env, timeout=900)
    finally:
        engine.stop()
    report = json.loads((work / "selftest-report.json").read_text()) if (work / "selftest-report.json").exists() else None
    return proc, report, engine, work


def test_the_selftest_passes_end_to_end(selftest_run):
    proc, report, engine, _ = selftest_run
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}\nengine errors: {engine.errors}"
    assert not engine.errors
    checks = {c["name"]: c["status"] for c in report["checks"]}
    assert checks == dict.fromkeys(
        ["apply", "subscribe the queue", "first scheduled run", "failed alert", "history log", "doctor", "run", "adopt a console-style rule",
         "scheduler input limit", "console log policy", "remove what the run made", "terraform destroy", "sweep by tag"], "PASS")


def test_everything_it_made_is_gone_as_listed_by_its_tag(selftest_run, moto_server):
    _, report, _, _ = selftest_run
    run_id = report["run_id"]
    assert report["left_behind"] == [] and report["swept"] > 0
    # and independently of the selftest's own sweep: nothing of the run is left in the account
    tagging = moto_server.client("resourcegroupstaggingapi", REGION)
    tagged = tagging.get_resources(TagFilters=[{"Key": "RsqgenSelftest", "Values": [run_id]}])["ResourceTagMappingList"]
    kms = moto_server.client("kms", REGION)
    alive = [r["ResourceARN"] for r in tagged if ":kms:" not in r["ResourceARN"] or kms.describe_key(KeyId=r["ResourceARN"])["KeyMetadata"]["KeyState"] != "PendingDeletion"]
    assert alive == []
    assert [r["RoleName"] for r in moto_server.client("iam", REGION).list_roles()["Roles"] if r["RoleName"].startswith(run_id)] == []
    assert moto_server.client("events", REGION).list_rules()["Rules"] == []


def test_the_engine_really_delivered_what_the_report_claims(selftest_run):
    """Scheduled runs, the FAILED alert and the history log came through the engine, which judged
    the trust, topic, key and log policies: none was refused."""
    _, report, engine, _ = selftest_run
    run_id = report["run_id"]
    by_rule = {}
    for rule, arn, outcome in engine.deliveries:
        if not outcome.startswith("moto:"):  # a publish after the run removed its queue (moto's fault only)
            by_rule.setdefault(rule, set()).add((arn.split(":")[2], outcome))
    assert ("redshift", "ok") in by_rule[f"QS2-{run_id}-ok"] and ("redshift", "ok") in by_rule[f"QS2-{run_id}-fails"]
    assert by_rule[f"{run_id}-fails-status"] == {("sns", "ok")}
    assert by_rule[f"{run_id}-history"] == {("logs", "ok")}


def test_the_report_lists_every_behaviour_with_how_it_was_settled(selftest_run):
    _, report, _, work = selftest_run
    verdicts = {v["id"]: v for v in report["verdicts"]}
    assert list(verdicts) == list(BEHAVIOURS)
    assert {k for k, v in verdicts.items() if v["result"] == "confirmed"} >= {
        "scheduled-rule-runs", "history-visible-to-operators", "status-events", "log-policy", "adopt-no-replacement", "run-is-the-schedules-call", "scheduler-input"}
    assert all(v["how"] for v in verdicts.values())
    assert report["endpoint"].startswith("AWS_ENDPOINT_URL=") and "an emulator" in (work / "selftest-report.md").read_text()
    assert report["account"] == "********9012"


def test_a_wrong_account_is_refused_before_anything_is_made(moto, data_api, tmp_path):
    env = _sandbox(moto, data_api)
    args = [a if a != ACCOUNT else "111122223333" for a in ARGS]
    proc = rsqgen([*args, "--work", str(tmp_path / "run")], env)
    assert proc.returncode == 2 and "not 111122223333: nothing was created" in proc.stderr
    assert not (tmp_path / "run").exists()
    assert moto.client("iam", REGION).list_roles()["Roles"] == [] and moto.client("events", REGION).list_rules()["Rules"] == []


def test_without_a_terminal_it_asks_for_yes(moto, data_api, tmp_path):
    env = _sandbox(moto, data_api)
    proc = rsqgen([a for a in ARGS if a != "--yes"] + ["--work", str(tmp_path / "run")], env)
    assert proc.returncode == 2 and "give --yes" in proc.stderr and "will create" in proc.stdout
    assert not (tmp_path / "run").exists()

"""rsqgen selftest without an account: the spec it applies, how it settles each behaviour, its exit
codes and its refusals. The run itself is tests/deploy/test_selftest_deploy.py (on the emulator)."""

from __future__ import annotations

import json
import re

import pytest
from helpers import REPO
from typer.testing import CliRunner

from rsqgen import core, selftest
from rsqgen.cli import app
from rsqgen.errors import InputError

DOC = (REPO / "docs" / "aws-behaviour.md").read_text("utf-8")
OPTIONS = selftest.Options(region="eu-west-1", warehouse="sandbox", account="111122223333")


def _rows() -> list[list[str]]:
    return [[c.strip() for c in line.strip().strip("|").split(" | ")] for line in DOC.splitlines() if line.startswith("| ") and not line.startswith("| Behaviour")]


def test_every_inference_in_the_behaviour_doc_is_one_the_selftest_settles():
    """A row whose source is an inference ([I]) names the selftest behaviour that settles it, and
    every inference the selftest knows has its row."""
    named = set()
    for row in _rows():
        if "[I]" in row[1]:
            ids = re.findall(r"selftest `([a-z-]+)`", row[1] + row[2])
            assert ids, f"an inference with no selftest behaviour: {row[0][:80]}"
            assert set(ids) <= set(selftest.BEHAVIOURS), ids
            named |= set(ids)
    assert named == {k for k, (_, basis) in selftest.BEHAVIOURS.items() if basis == "I"}


def test_the_spec_it_applies_is_what_the_run_checks(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(selftest.spec_text(OPTIONS, "rsqst-abc123", "cluster", {"user": "tester", "existing": True}))
    d = core.render_spec(path).deployment
    assert [(q.key, q.rule_name, q.schedule_expression, q.with_event) for q in d.queries] == [
        ("fails", "QS2-rsqst-abc123-fails", "rate(1 minute)", True), ("ok", "QS2-rsqst-abc123-ok", "rate(1 minute)", True)]
    assert [s.states for s in d.statuses] == [("FAILED", "ABORTED")] and d.history.log_group == "/rsqgen/rsqst-abc123/history"
    assert d.role.operator_arns == ("arn:aws:iam::111122223333:user/tester",) and d.tags["RsqgenSelftest"] == "rsqst-abc123"
    assert selftest.FAILING_TABLE in next(q for q in d.queries if q.key == "fails").sql[0]


@pytest.mark.parametrize(("db_user", "secret"), [(None, None), ("etl", None), (None, "arn:aws:secretsmanager:eu-west-1:111122223333:secret:x-AbCdEf")])
def test_the_queries_authenticate_as_asked(tmp_path, db_user, secret):
    o = selftest.Options(region="eu-west-1", warehouse="sandbox", account="111122223333", db_user=db_user, secret_arn=secret)
    path = tmp_path / "spec.yaml"
    path.write_text(selftest.spec_text(o, "rsqst-abc123", "cluster", {"role": "arn:aws:iam::111122223333:role/Sandbox"}))
    queries = core.render_spec(path).deployment.queries
    assert [(q.db_user, None if q.secret_arn is None else str(q.secret_arn)) for q in queries] == [(db_user, secret)] * 2


def _run(checks: dict[str, str], probe=None, policy=None):
    run = type("Run", (), {})()
    run.report = selftest.SelftestReport(checks=[selftest.Check(n, s) for n, s in checks.items()])
    run.probe, run.console_log_policy = probe, policy
    return {v.id: v.result for v in selftest._verdicts(run)}


def test_each_behaviour_is_settled_by_its_own_check():
    passed = dict.fromkeys(["first scheduled run", "failed alert", "history log", "adopt a console-style rule", "run"], "PASS")
    verdicts = _run(passed)
    assert {k for k, v in verdicts.items() if v == "confirmed"} == {"scheduled-rule-runs", "history-visible-to-operators", "status-events", "log-policy", "adopt-no-replacement", "run-is-the-schedules-call"}
    assert _run(passed | {"history log": "FAIL"})["log-policy"] == "refuted"
    assert _run(passed | {"history log": "NOT_RUN"})["log-policy"] == "not settled"
    assert _run({})["log-policy"] == "not settled" and list(verdicts) == list(selftest.BEHAVIOURS)


W = "262,145 bytes of 3-byte characters"


@pytest.mark.parametrize(("probe", "result", "says"), [
    ({256_000: "accepted", 262_144: "accepted", 262_145: "ValidationException", W: "ValidationException"}, "confirmed", "counted in bytes"),
    ({256_000: "accepted", 262_144: "accepted", 262_145: "accepted", W: "accepted"}, "confirmed", "stricter"),  # safe
    ({256_000: "accepted", 262_144: "accepted", 262_145: "ValidationException", W: "accepted"}, "refuted", "counts characters"),
    ({256_000: "ValidationException", 262_144: "ValidationException", 262_145: "ValidationException", W: "ValidationException"}, "refuted", "refused"),
])
def test_the_input_probe_settles_the_unit_and_the_limit(probe, result, says):
    run = type("Run", (), {})()
    run.report, run.probe, run.console_log_policy = selftest.SelftestReport(), probe, None
    (verdict,) = [v for v in selftest._verdicts(run) if v.id == "scheduler-input"]
    assert verdict.result == result and says in verdict.how


@pytest.mark.parametrize("fill", ["x", "\u30a2", "\U0001f600"])
@pytest.mark.parametrize("size", [256_000, 262_144, 262_145])
def test_the_probes_inputs_are_exactly_their_size_in_bytes(size, fill):
    text = selftest._input_of(size, fill, "rsqst-abc123-probe-0")
    assert len(text.encode()) == size and json.loads(text)["StatementName"] == "rsqst-abc123-probe-0"


def test_the_console_log_policy_is_settled_only_where_the_account_has_it():
    assert _run({}, policy="arn:aws:logs:eu-west-1:111122223333:log-group:/aws/events/*:*")["console-log-policy"] == "confirmed"
    assert _run({}, policy="")["console-log-policy"] == "not settled"


def test_exit_codes():
    ok = selftest.SelftestReport(checks=[selftest.Check("apply", "PASS")])
    assert ok.exit_code == 0
    assert selftest.SelftestReport(checks=[selftest.Check("apply", "PASS"), selftest.Check("run", "NOT_RUN")]).exit_code == 3
    assert selftest.SelftestReport(checks=[selftest.Check("apply", "FAIL"), selftest.Check("run", "NOT_RUN")]).exit_code == 1
    assert selftest.SelftestReport(checks=[selftest.Check("apply", "PASS")], left_behind=["role x"]).exit_code == 1
    assert selftest.SelftestReport(verdicts=[selftest.Verdict("log-policy", "", "I", "refuted", "")]).exit_code == 1


def test_it_asks_and_refuses_without_a_terminal():
    said = []
    assert selftest.terminal_confirm(["plan"], True, False, said.append, lambda: "n") is True and said == ["plan"]
    assert selftest.terminal_confirm(["plan"], False, True, said.append, lambda: "y") is True
    assert selftest.terminal_confirm(["plan"], False, True, said.append, lambda: "") is False
    with pytest.raises(InputError, match="--yes"):
        selftest.terminal_confirm(["plan"], False, False, said.append, lambda: "y")


def test_the_report_shows_the_account_by_its_last_digits():
    assert selftest.mask("111122223333") == "********3333"


def test_what_it_will_make_names_every_kind_of_resource_and_a_cost():
    text = "\n".join(selftest.plan_lines("rsqst-abc123", OPTIONS, "serverless", {"user": "tester", "existing": True}))
    for word in ("role rsqst-abc123-redshift-scheduler", "QS2-rsqst-abc123-ok", "SNS topic", "SQS queue", "/rsqgen/rsqst-abc123/history", "KMS key", "Cost", "RPU", "your user tester joins"):
        assert word in text


@pytest.mark.parametrize(("args", "says"), [
    (["--db-user", "a", "--secret-arn", "arn:aws:secretsmanager:eu-west-1:111122223333:secret:x"], "not both"),
    (["--account", "1234"], "12-digit"),
])
def test_bad_arguments_exit_2_before_any_call(args, says):
    base = {"--region": "eu-west-1", "--warehouse": "w", "--account": "111122223333"}
    flags = [x for k, v in base.items() if k not in args for x in (k, v)]
    result = CliRunner().invoke(app, ["selftest", *flags, *args, "--yes"])
    assert result.exit_code == 2 and says in result.output

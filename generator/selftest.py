"""rsqgen selftest: one run on a sandbox account settles what rsqgen can only infer about AWS.

It renders a small spec under a unique name (rsqst-<id>), applies it with terraform, waits for the
first scheduled runs (rate(1 minute)) and checks on the account itself what the generated
configuration promises: the run FINISHED and the caller sees it through the schedule role as the
console does; a deliberately failing query's FAILED alert reaches an SQS queue subscribed to the
topic; the history log receives the status events; doctor finds nothing but the planted failure;
`run` works; a console-style rule made through the API is adopted with no replacement; Scheduler's
input limit is probed. Then it destroys everything and lists what it tagged to prove nothing is left.
Every behaviour it settles has its row in docs/aws-behaviour.md (BEHAVIOURS below names them).

It runs against whatever boto3's standard chain and `AWS_ENDPOINT_URL[_<SERVICE>]` reach, and so does
terraform (the provider reads the same variables): the test suite runs this very code on the
emulator. It refuses an account other than the one named, and asks before creating anything.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from . import __version__, core, live
from .aws import SCHEDULER_INPUT_MAX
from .errors import ExitCode, InputError, ToolError
from .tools.external import Terraform, find_terraform

__all__ = ["BEHAVIOURS", "Options", "SelftestReport", "plan_lines", "selftest"]

TAG = "RsqgenSelftest"
FAILING_TABLE = "rsqgen_selftest_no_such_table"

# id -> (what rsqgen relies on, the row's basis in docs/aws-behaviour.md). Every row there marked
# [I] names one of these ids ("selftest `id`"), and tests/test_selftest.py holds the two lists equal.
BEHAVIOURS: dict[str, tuple[str, str]] = {
    "scheduled-rule-runs": ("A rule with rate(1 minute) and a Redshift Data API target runs its statement as the schedule role, whose trust names events.amazonaws.com under aws:SourceAccount and aws:SourceArn (the rule)", "D"),
    "history-visible-to-operators": ("An operator the role trusts, assuming it, lists EventBridge's runs (ListStatements RoleLevel, Status ALL) as the console's schedule history does", "D"),
    "status-events": ("A statement run WithEvent sends its FAILED status change event; a rule on it publishes to the topic through rsqgen's topic policy (conditioned on aws:SourceArn) and key policy", "I"),
    "log-policy": ("EventBridge delivers status events to the history log group under rsqgen's policy: CreateLogStream unconditioned, PutLogEvents on aws:SourceArn only", "I"),
    "console-log-policy": ("The EventBridge console's account-wide log policy (Sid TrustEventsToStoreLogEvent) lets events.amazonaws.com write to every group under /aws/events/", "I"),
    "scheduler-input": ("Scheduler's Target.Input limit of 256 KB, in bytes: accepted at rsqgen's 256,000 bytes; where AWS refuses, and whether it counts bytes", "I"),
    "adopt-no-replacement": ("A rule made as the console makes it (API calls) is adopted: its first plan imports it and replaces nothing", "O"),
    "run-is-the-schedules-call": ("rsqgen run makes the deployed target's call as its role, and the statement finishes", "D"),
    "statement-retention": ("Statements are listed no longer than their results are kept (24 hours)", "I"),
    "console-target-id": ("The target id the console gives a scheduled query's Redshift target", "I"),
    "console-pickers": ("The list calls the console's schedule form makes for its pickers", "I"),
    "console-sns": ("What the console calls when a schedule's SNS notification is on (topics made, topic policies edited)", "I"),
}

# What no API run can settle, and how a user settles it.
NEEDS_THE_CONSOLE = {
    "statement-retention": "needs a statement older than 24 hours: run `rsqgen history` on a spec 25 hours after its first run",
    "console-target-id": "needs a schedule made in the console: `aws events list-targets-by-rule --rule QS2-<name>` shows its target id",
    "console-pickers": "needs the console: open the schedule form once, then CloudTrail's events of that user (userIdentity.type IAMUser) list the calls",
    "console-sns": "needs the console: make a schedule with SNS on, then CloudTrail (sns:CreateTopic, sns:SetTopicAttributes, events:PutTargets) shows what it did",
}


@dataclass
class Options:
    region: str
    warehouse: str
    account: str
    database: str = "dev"
    db_user: str | None = None
    secret_arn: str | None = None
    work: Path | None = None  # the run's folder (spec, tree, report); default ./rsqgen-selftest-<id>
    wait_seconds: float = 600.0  # for the first scheduled runs, the alert and the history log
    poll_seconds: float = 10.0
    keep: bool = False  # leave everything applied (no destroy, no sweep): for looking around


@dataclass
class Check:
    name: str
    status: str  # PASS | FAIL | NOT_RUN
    seconds: float = 0.0
    detail: str = ""


@dataclass
class Verdict:
    id: str
    claim: str
    basis: str
    result: str  # confirmed | refuted | not settled
    how: str


@dataclass
class SelftestReport:
    run_id: str = ""
    region: str = ""
    account: str = ""
    endpoint: str = ""  # "" on AWS; the override URL(s) when AWS_ENDPOINT_URL... was set
    warehouse: str = ""
    warehouse_type: str = ""
    started: str = ""
    seconds: float = 0.0
    work: str = ""
    checks: list[Check] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    left_behind: list[str] = field(default_factory=list)
    swept: int = 0  # resources listed by the sweep (all gone, or in left_behind)

    @property
    def exit_code(self) -> int:
        if any(c.status == "FAIL" for c in self.checks) or any(v.result == "refuted" for v in self.verdicts) or self.left_behind:
            return int(ExitCode.FINDINGS)
        if any(c.status == "NOT_RUN" for c in self.checks):
            return int(ExitCode.INCOMPLETE)
        return int(ExitCode.OK)

    def to_json(self) -> str:
        doc = asdict(self) | {"rsqgen": __version__, "exit_code": self.exit_code}
        return json.dumps(doc, indent=2) + "\n"

    def to_markdown(self) -> str:
        where = f"the endpoint {self.endpoint} (an emulator: nothing here settles what AWS does)" if self.endpoint else "AWS"
        lines = [
            f"# rsqgen selftest {self.run_id}",
            "",
            f"rsqgen {__version__}, against {where}, region {self.region}, account {self.account}, warehouse {self.warehouse_type} "
            f"`{self.warehouse}`; started {self.started}, {self.seconds:.0f} s.",
            "",
            "## Checks",
            "",
            "| Check | Result | Seconds | Detail |",
            "|---|---|---|---|",
        ]
        lines += [f"| {c.name} | {c.status} | {c.seconds:.1f} | {_cell(c.detail)} |" for c in self.checks]
        lines += ["", "## Behaviours rsqgen relies on (docs/aws-behaviour.md)", "", "| Behaviour | Basis | Result | How |", "|---|---|---|---|"]
        lines += [f"| `{v.id}`: {_cell(v.claim)} | {v.basis} | **{v.result}** | {_cell(v.how)} |" for v in self.verdicts]
        lines += ["", "## Left behind", ""]
        lines += [f"- {r}" for r in self.left_behind] or [f"Nothing: the sweep listed {self.swept} resources of this run, and none is left."]
        return "\n".join(lines) + "\n"

    def to_text(self) -> str:
        """The summary (the checks were printed as they ran)."""
        passed = sum(c.status == "PASS" for c in self.checks)
        lines = [f"selftest {self.run_id}: {passed} of {len(self.checks)} checks passed in {self.seconds:.0f} s ({self.region}, account {self.account}"
                 + (f", endpoint {self.endpoint})" if self.endpoint else ")")]
        counts = {r: sum(v.result == r for v in self.verdicts) for r in ("confirmed", "refuted", "not settled")}
        lines.append(f"behaviours: {counts['confirmed']} confirmed, {counts['refuted']} refuted, {counts['not settled']} not settled")
        lines += [f"REFUTED  {v.id}: {v.how}" for v in self.verdicts if v.result == "refuted"]
        lines += [f"LEFT     {r}" for r in self.left_behind]
        if self.work:
            lines.append(f"report: {self.work}/selftest-report.md and {self.work}/selftest-report.json")
        return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _input_of(size: int, fill: str, name: str) -> str:
    """A Data API request of exactly `size` UTF-8 bytes, its SQL padded with `fill` (then ASCII)."""
    head, tail = json.dumps({"StatementName": name, "Sql": "SELECT '"})[:-2], "';\"}"
    room = size - len(head.encode()) - len(tail.encode())
    width = len(fill.encode())
    body = fill * (room // width) + "x" * (room % width)
    text = head + body + tail
    assert len(text.encode()) == size and json.loads(text)
    return text


def mask(account: str) -> str:
    """The account id as the report shows it: its last four digits (a report may be posted publicly)."""
    return "********" + account[-4:] if len(account) == 12 else account


def endpoint_overrides() -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("AWS_ENDPOINT_URL") and v)


# ---------------------------------------------------------------------------------------------
# What it makes


def spec_text(o: Options, run_id: str, warehouse_type: str, operator: dict[str, Any]) -> str:
    """The selftest's spec: two queries every minute (one fails on purpose), its FAILED alert to a
    topic, a history log, the caller as operator."""
    if o.secret_arn:
        auth = {"secret_arn": o.secret_arn}
    elif o.db_user:
        auth = {"db_user": o.db_user}
    else:
        auth = {"iam": True}
    query = {"warehouse": o.warehouse, "database": o.database, "auth": auth, "schedule": "rate(1 minute)"}
    doc = {
        "version": 1,
        "name": run_id,
        "region": o.region,
        "account_id": o.account,
        "query_prefix": f"{run_id}-",
        "tags": {TAG: run_id},
        "history": {"retain_days": 1},
        "warehouses": {o.warehouse: {"type": warehouse_type}},
        "operators": [operator],
        "notifications": {"alerts": {}},
        "queries": {
            "ok": query | {"sql": "SELECT 1 AS rsqgen_selftest;"},
            "fails": query | {"sql": f"SELECT * FROM {FAILING_TABLE};", "notify": {"topic": "alerts", "on": ["failed"]}},
        },
    }
    return "# Written by rsqgen selftest: every resource is tagged " + f"{TAG}={run_id} and removed at the end.\n" + json.dumps(doc, indent=2) + "\n"


def plan_lines(run_id: str, o: Options, warehouse_type: str, operator: dict[str, Any]) -> list[str]:
    """What the run creates (and changes) and roughly what it costs, for the user to confirm."""
    cost = ("a provisioned cluster: no extra charge for the queries" if warehouse_type == "cluster" else
            "Serverless bills RPU-seconds with a 60-second minimum while queries run: at 8 RPUs and $0.375 per RPU-hour, about $0.50 for 10 minutes of runs")
    return [
        f"rsqgen selftest {run_id} will create, in account {o.account}, region {o.region} (each tagged {TAG}={run_id}):",
        f"  IAM: role {run_id}-redshift-scheduler (trusts you), group {run_id}-redshift-operators and their policies"
        + (f"; your user {operator['user']} joins the group for the run" if "user" in operator else "; your role is trusted, not changed"),
        f"  EventBridge: rules QS2-{run_id}-ok and QS2-{run_id}-fails (rate(1 minute), on warehouse {o.warehouse}), "
        f"{run_id}-fails-status, {run_id}-history; a console-style rule QS2-{run_id}-console (made through the API, then adopted)",
        f"  SNS topic {run_id}-alerts with its own KMS key (deleted at the end: scheduled for deletion after 30 days), "
        f"an SQS queue {run_id}-alerts subscribed to it",
        f"  CloudWatch Logs group /rsqgen/{run_id}/history (1 day) and its resource policy",
        f"  EventBridge Scheduler: up to four DISABLED schedules {run_id}-probe-* in group default (they probe the input limit; deleted at the end)",
        "  Queries: SELECT 1 and a SELECT from a missing table, every minute for the run (about 10 minutes)",
        f"Cost, roughly: under $0.05 for AWS's side (KMS key prorated, SNS, SQS and Logs within free tiers); {cost}.",
        "Then it destroys everything and lists what it tagged to prove nothing is left.",
    ]


# ---------------------------------------------------------------------------------------------
# The run


class _Run:
    """One selftest: the steps share the session, the deployment and the report."""

    def __init__(self, o: Options, session, report: SelftestReport, terraform: Terraform, say: Callable[[str], None]) -> None:
        self.o, self.session, self.report, self.tf, self.say = o, session, report, terraform, say
        self.clients: dict[str, Any] = {}
        self.deployment = None
        self.spec_path: Path | None = None
        self.queue_url: str | None = None
        self.made: list[tuple[str, str]] = []  # (kind, name) made outside terraform, removed at the end
        self.ok_runs: list = []

    def client(self, service: str):
        if service not in self.clients:
            self.clients[service] = self.session.client(service, region_name=self.o.region)
        return self.clients[service]

    # -- steps ----------------------------------------------------------------------------------

    def step(self, name: str, fn: Callable[[], str]) -> bool:
        start = time.monotonic()
        try:
            detail, status = fn(), "PASS"
        except _Failed as exc:
            detail, status = str(exc), "FAIL"
        except _NotRun as exc:
            detail, status = str(exc), "NOT_RUN"
        except (ClientError, BotoCoreError) as exc:
            detail, status = f"{type(exc).__name__}: {exc}", "NOT_RUN"
        check = Check(name, status, round(time.monotonic() - start, 1), detail)
        self.report.checks.append(check)
        self.say(f"{status:8} {name:28} {check.seconds:6.1f}s  {detail}".rstrip())
        return status == "PASS"

    def terraform(self, folder: Path, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess[str]:
        got = self.tf.run(list(args), folder, self.tf.env(folder.parent), timeout=timeout)
        if got.returncode != 0:
            raise _Failed(f"terraform {args[0]} failed: " + " ".join((got.stderr or got.stdout).split())[-600:])
        return got

    def apply(self) -> str:
        tree = self.report_dir / "tree"
        rendered = core.render_spec(self.spec_path)
        core.write(rendered, tree)
        self.deployment = rendered.deployment
        self.terraform(tree, "init", "-input=false", "-no-color")
        got = self.terraform(tree, "apply", "-auto-approve", "-input=false", "-no-color")
        return next((line for line in got.stdout.splitlines() if line.startswith("Apply complete")), "applied")

    def subscribe(self) -> str:
        topic = next(t for t in self.deployment.topics if t.key == "alerts")
        topic_arn = f"arn:aws:sns:{self.o.region}:{self.o.account}:{topic.name}"
        sqs = self.client("sqs")
        self.queue_url = sqs.create_queue(QueueName=f"{self.report.run_id}-alerts", tags={TAG: self.report.run_id})["QueueUrl"]
        self.made.append(("queue", self.queue_url))
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = {"Version": "2012-10-17", "Statement": [{"Sid": "TopicSends", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                  "Action": "sqs:SendMessage", "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}}]}
        sqs.set_queue_attributes(QueueUrl=self.queue_url, Attributes={"Policy": json.dumps(policy)})
        sub = self.client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}, ReturnSubscriptionArn=True)
        return f"queue {self.report.run_id}-alerts subscribed to {topic.name} ({sub['SubscriptionArn'].rsplit(':', 1)[-1]})"

    def until(self, what: str, probe: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + self.o.wait_seconds
        while True:
            got = probe()
            if got:
                return got
            if time.monotonic() > deadline:
                raise _Failed(f"{what}: nothing after {self.o.wait_seconds:.0f} s")
            time.sleep(self.o.poll_seconds)

    def history(self, key: str):
        h = live.history(self.deployment, self.session, key, last=20)
        if h.not_run:
            raise _NotRun("; ".join(f"{n.check}: {n.error} (needs {n.permission})" for n in h.not_run))
        return h.queries[0].runs

    def first_run(self) -> str:
        runs = self.until("a FINISHED run of QS2-…-ok listed as the schedule role", lambda: [r for r in self.history("ok") if r.source == "data-api" and r.status == "FINISHED"])
        failed = [r for r in self.history("ok") if r.status == "INVOCATION_FAILED"]
        if failed:
            raise _Failed(f"{sum(r.count for r in failed)} failed invocation(s) of the rule beside {len(runs)} run(s)")
        self.ok_runs = runs
        return f"{len(runs)} FINISHED run(s) of QS2-{self.report.run_id}-ok, read as the schedule role by the caller (statement {runs[-1].id})"

    def alert(self) -> str:
        sqs = self.client("sqs")
        name = f"QS2-{self.report.run_id}-fails"

        def received():
            for m in sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=min(10, max(int(self.o.poll_seconds), 0))).get("Messages", []):
                try:
                    event = json.loads(m["Body"])
                except ValueError:
                    continue
                detail = event.get("detail") if isinstance(event, dict) else None
                if isinstance(detail, dict) and detail.get("statementName") == name and detail.get("state") in ("FAILED", "ABORTED"):
                    return event
            return None

        event = self.until(f"a FAILED alert of {name} in the queue", received)
        return f"{event['detail-type']} {event['detail']['state']} for {name} arrived through the topic"

    def history_log(self) -> str:
        """The log group itself, read directly: `rsqgen history` shows a run once (the Data API's copy
        while it has one), so it cannot tell whether the log received it."""
        group, run_id = self.deployment.history.log_group, self.report.run_id
        wanted = {f"QS2-{run_id}-ok": "FINISHED", f"QS2-{run_id}-fails": "FAILED"}

        def kept():
            states = {}
            pages = self.client("logs").get_paginator("filter_log_events").paginate(logGroupName=group)
            for event in (e for page in pages for e in page.get("events", [])):
                try:
                    body = json.loads(event["message"])
                    detail = body["detail"]
                    states.setdefault(detail["statementName"], set()).add(detail["state"])
                except (ValueError, KeyError, TypeError):
                    continue
            return states if all(state in states.get(name, ()) for name, state in wanted.items()) else None

        states = self.until(f"FINISHED and FAILED status events in {group}", kept)
        return f"{group} holds " + ", ".join(f"{'/'.join(sorted(states[n]))} of {n}" for n in wanted)

    def doctor(self) -> str:
        report = live.doctor(self.deployment, self.session)
        if report.not_run:
            raise _NotRun("; ".join(f"{n.check}: {n.error}" for n in report.not_run))
        planted = [f for f in report.findings if f.resource == f"QS2-{self.report.run_id}-fails"]
        others = [f for f in report.findings if f not in planted]
        if others:
            raise _Failed("; ".join(f"{f.id} {f.resource}: {f.what}" for f in others))
        if not planted:
            raise _Failed(f"doctor did not find the failing statements of QS2-{self.report.run_id}-fails")
        return f"{report.checks} checks; the only finding is the planted failure ({planted[0].id})"

    def run_once(self) -> str:
        result = live.run(self.deployment, self.session, "ok", timeout=max(self.o.wait_seconds, 60.0), poll=max(min(self.o.poll_seconds, 5.0), 0.2))
        if result.not_run:
            raise _NotRun("; ".join(f"{n.check}: {n.error}" for n in result.not_run))
        if result.status != "FINISHED":
            raise _Failed(f"statement {result.id} {result.status} {result.error}".strip())
        return f"statement {result.id} FINISHED"

    def adopt(self) -> str:
        run_id, d = self.report.run_id, self.deployment
        name = f"QS2-{run_id}-console"
        ok = next(q for q in d.queries if q.key == "ok")
        events = self.client("events")
        events.put_rule(Name=name, ScheduleExpression="cron(0 0 1 1 ? 2099)", State="DISABLED", Description="rsqgen selftest: a console-style rule")
        self.made.append(("rule", name))
        role_arn = f"arn:aws:iam::{self.o.account}:role{d.role.path}{d.role.name}"
        params = {"Database": ok.database, "Sql": "SELECT 2 AS rsqgen_selftest_console;", "StatementName": name, "WithEvent": False}
        if ok.db_user:
            params["DbUser"] = ok.db_user
        if ok.secret_arn:
            params["SecretManagerArn"] = ok.secret_arn
        target_arn = str(ok.target_arn).replace("\x00account\x00", self.o.account)
        if not target_arn.startswith("arn:"):  # a workgroup's ARN is read at plan time: ask for it
            target_arn = self.client("redshift-serverless").get_workgroup(workgroupName=self.o.warehouse)["workgroup"]["workgroupArn"]
        events.put_targets(Rule=name, Targets=[{"Id": name, "Arn": target_arn, "RoleArn": role_arn, "RedshiftDataParameters": params}])
        out = self.report_dir / "adopted"
        adopted = core.adopt(out, self.o.region, name=f"{run_id}-adopt", prefix="QS2-", warehouse=self.o.warehouse, only=name)
        if adopted.out is None or [f.name for f in adopted.result.found] != [name]:
            raise _Failed(adopted.result.to_text(None).strip())
        self.terraform(out, "init", "-input=false", "-no-color")
        self.terraform(out, "plan", "-input=false", "-no-color", "-out=tfplan")
        plan = json.loads(self.terraform(out, "show", "-json", "tfplan").stdout)
        changes = plan.get("resource_changes", [])
        imported = [c["address"] for c in changes if c.get("change", {}).get("importing")]
        bad = [f"{c['address']} ({'/'.join(c['change']['actions'])})" for c in changes if "delete" in c.get("change", {}).get("actions", [])]
        if bad:
            raise _Failed(f"the adopted rule's plan destroys or replaces: {', '.join(bad)}")
        if len(imported) != len(adopted.result.imports):
            raise _Failed(f"the plan imports {len(imported)} of the {len(adopted.result.imports)} imports adopt wrote")
        return f"{name}: {len(imported)} imports planned, nothing destroyed or replaced"

    def probe_input(self) -> str:
        """CreateSchedule with inputs of rsqgen's limit, 256 KiB, and 256 KiB and one byte, in ASCII;
        and 256 KiB and one byte of mostly 3-byte characters (87,382 characters): accepted while the
        ASCII one is refused means AWS counts characters, refused means bytes."""
        scheduler, d = self.client("scheduler"), self.deployment
        role_arn = f"arn:aws:iam::{self.o.account}:role{d.role.path}{d.role.name}"
        answers = {}
        for label, size, fill in ((SCHEDULER_INPUT_MAX, SCHEDULER_INPUT_MAX, "x"), (262_144, 262_144, "x"), (262_145, 262_145, "x"), ("262,145 bytes of 3-byte characters", 262_145, "\u30a2")):
            name = f"{self.report.run_id}-probe-{len(answers)}"
            answers[label] = self._probe(scheduler, name, role_arn, _input_of(size, fill, name))
        self.probe = answers
        if answers[SCHEDULER_INPUT_MAX] != "accepted":
            raise _Failed(f"{SCHEDULER_INPUT_MAX:,} bytes, rsqgen's limit, was refused ({answers[SCHEDULER_INPUT_MAX]}): lower SCHEDULER_INPUT_MAX")
        return ", ".join(f"{label if isinstance(label, str) else f'{label:,} bytes'} {answer}" for label, answer in answers.items())

    def _probe(self, scheduler, name: str, role_arn: str, request: str) -> str:
        try:
            scheduler.create_schedule(Name=name, GroupName="default", ScheduleExpression="cron(0 0 1 1 ? 2099)", State="DISABLED", FlexibleTimeWindow={"Mode": "OFF"},
                                      Target={"Arn": "arn:aws:scheduler:::aws-sdk:redshiftdata:executeStatement", "RoleArn": role_arn, "Input": request})
        except ClientError as exc:
            return exc.response.get("Error", {}).get("Code", "refused")
        self.made.append(("schedule", name))
        return "accepted"

    # -- the end --------------------------------------------------------------------------------

    def cleanup(self) -> str:
        removed = []
        for kind, name in reversed(self.made):
            try:
                if kind == "queue":
                    self.client("sqs").delete_queue(QueueUrl=name)
                elif kind == "rule":
                    self.client("events").remove_targets(Rule=name, Ids=[t["Id"] for t in self.client("events").list_targets_by_rule(Rule=name)["Targets"]])
                    self.client("events").delete_rule(Name=name)
                elif kind == "schedule":
                    self.client("scheduler").delete_schedule(Name=name, GroupName="default")
                removed.append(kind)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in ("ResourceNotFoundException", "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
                    raise
        return f"removed {len(removed)} made outside terraform ({', '.join(removed) or 'none'})"

    def destroy(self) -> str:
        tree = self.report_dir / "tree"
        got = self.terraform(tree, "destroy", "-auto-approve", "-input=false", "-no-color")
        return next((line for line in got.stdout.splitlines() if line.startswith("Destroy complete")), "destroyed")

    def sweep(self) -> str:
        """List what this run made, by its tag (and, for what the tagging API does not list, by its
        unique name), and report whatever still exists."""
        run_id, left = self.report.run_id, []
        seen = 0
        tagged = [r["ResourceARN"] for page in self.client("resourcegroupstaggingapi").get_paginator("get_resources").paginate(TagFilters=[{"Key": TAG, "Values": [run_id]}]) for r in page["ResourceTagMappingList"]]
        for arn in tagged:
            seen += 1
            if self._exists(arn):
                left.append(arn)
        listed = [
            *(f"rule {r['Name']}" for r in self.client("events").get_paginator("list_rules").paginate(NamePrefix=f"QS2-{run_id}").build_full_result()["Rules"]),
            *(f"rule {r['Name']}" for r in self.client("events").get_paginator("list_rules").paginate(NamePrefix=run_id).build_full_result()["Rules"]),
            *(f"schedule {s['Name']}" for s in self.client("scheduler").get_paginator("list_schedules").paginate(NamePrefix=run_id).build_full_result()["Schedules"]),
            *(f"log group {g['logGroupName']}" for g in self.client("logs").get_paginator("describe_log_groups").paginate(logGroupNamePrefix=f"/rsqgen/{run_id}/").build_full_result()["logGroups"]),
            *(f"log resource policy {p['policyName']}" for p in self.client("logs").describe_resource_policies().get("resourcePolicies", []) if p["policyName"].startswith(run_id)),
            *(f"queue {u}" for u in self.client("sqs").list_queues(QueueNamePrefix=run_id).get("QueueUrls", [])),
            *(f"topic {t['TopicArn']}" for t in self.client("sns").get_paginator("list_topics").paginate().build_full_result()["Topics"] if t["TopicArn"].rsplit(":", 1)[-1].startswith(run_id)),
        ]
        iam = self.client("iam")
        listed += [f"role {r['RoleName']}" for r in iam.get_paginator("list_roles").paginate().build_full_result()["Roles"] if r["RoleName"].startswith(run_id)]
        listed += [f"group {g['GroupName']}" for g in iam.get_paginator("list_groups").paginate().build_full_result()["Groups"] if g["GroupName"].startswith(run_id)]
        listed += [f"policy {p['PolicyName']}" for p in iam.get_paginator("list_policies").paginate(Scope="Local").build_full_result()["Policies"] if p["PolicyName"].startswith(run_id)]
        left += [x for x in listed if x not in left]
        self.report.swept = seen + len(listed)
        self.report.left_behind = left
        if left:
            raise _Failed(f"{len(left)} left: {', '.join(left)}")
        return f"{len(tagged)} tagged resource(s) listed, all gone; nothing named {run_id}* is left"

    def _exists(self, arn: str) -> bool:
        """Whether a tagged resource still exists (the tagging API may list a deleted one for a while;
        a KMS key scheduled for deletion is gone as far as this run is concerned)."""
        service = arn.split(":")[2]
        try:
            if service == "kms":
                return self.client("kms").describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] not in ("PendingDeletion", "PendingReplicaDeletion")
            if service == "sns":
                self.client("sns").get_topic_attributes(TopicArn=arn)
            elif service == "events":
                self.client("events").describe_rule(Name=arn.rsplit("/", 1)[-1])
            elif service == "logs":
                name = arn.split(":log-group:", 1)[-1].removesuffix(":*")
                return any(g["logGroupName"] == name for g in self.client("logs").describe_log_groups(logGroupNamePrefix=name).get("logGroups", []))
            elif service == "sqs":
                self.client("sqs").get_queue_url(QueueName=arn.rsplit(":", 1)[-1])
            return True
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if "NotFound" in code or "NonExistent" in code or code in ("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"):
                return False
            raise

    @property
    def report_dir(self) -> Path:
        return Path(self.report.work)


class _Failed(Exception):
    pass


class _NotRun(Exception):
    pass


def _verdicts(run: _Run) -> list[Verdict]:
    r = run.report
    status = {c.name: c for c in r.checks}

    def by(check: str, confirmed: str, refuted: str) -> tuple[str, str]:
        c = status.get(check)
        if c is None or c.status == "NOT_RUN":
            return "not settled", f"the check '{check}' did not run" + (f": {c.detail}" if c else "")
        return ("confirmed", confirmed) if c.status == "PASS" else ("refuted", f"{refuted}: {c.detail}")

    settled = {
        "scheduled-rule-runs": by("first scheduled run", "the rule ran its statement as the schedule role within the wait", "no run"),
        "history-visible-to-operators": by("first scheduled run", "the caller, trusted by the role, assumed it and listed EventBridge's runs", "the runs were not listed"),
        "status-events": by("failed alert", "the FAILED event reached the queue through the topic (topic and key policies work)", "no alert"),
        "log-policy": by("history log", "FINISHED and FAILED events were written to the log group, with no failed invocations (doctor)", "no events in the log"),
        "adopt-no-replacement": by("adopt a console-style rule", "the first plan imports and replaces nothing", "the plan replaces or misses imports"),
        "run-is-the-schedules-call": by("run", "rsqgen run's statement FINISHED", "rsqgen run failed"),
    }
    probe = getattr(run, "probe", None)
    if probe:
        at_limit, over, wide = probe[SCHEDULER_INPUT_MAX], probe[262_145], probe.get("262,145 bytes of 3-byte characters")
        if at_limit != "accepted":
            settled["scheduler-input"] = ("refuted", f"{SCHEDULER_INPUT_MAX:,} bytes refused ({at_limit}): rsqgen lets through what AWS refuses")
        elif over == "accepted":
            settled["scheduler-input"] = ("confirmed", "262,145 bytes accepted too: this endpoint allows more than rsqgen does (safe: rsqgen is stricter)")
        elif wide == "accepted":
            settled["scheduler-input"] = ("refuted", "262,145 ASCII bytes refused but 262,145 bytes of 3-byte characters accepted: AWS counts characters, so rsqgen's byte count is stricter than needed (safe)")
        else:
            settled["scheduler-input"] = ("confirmed", f"{SCHEDULER_INPUT_MAX:,} and 262,144 bytes {probe[262_144]}, 262,145 refused ({over}) in ASCII and in 3-byte characters: 256 KiB counted in bytes; rsqgen stops 6,144 bytes short (safe)")
    policies = getattr(run, "console_log_policy", None)
    if policies is not None:
        settled["console-log-policy"] = ("confirmed", f"the account has it: {policies}") if policies else (
            "not settled", "no policy lets EventBridge write under /aws/events/ here (the console never added one): rsqgen avoids /aws/events/ either way")
    out = []
    for key, (claim, basis) in BEHAVIOURS.items():
        result, how = settled.get(key) or ("not settled", NEEDS_THE_CONSOLE.get(key, "this run did not reach it"))
        out.append(Verdict(key, claim, basis, result, how))
    return out


def _console_log_policy(run: _Run) -> str:
    """Any log resource policy that lets EventBridge write under /aws/events/ (the console's has the
    Sid TrustEventsToStoreLogEvent; its name is not documented)."""
    found = set()
    for p in run.client("logs").describe_resource_policies().get("resourcePolicies", []):
        try:
            statements = json.loads(p["policyDocument"]).get("Statement", [])
        except (ValueError, AttributeError):
            continue
        for st in statements if isinstance(statements, list) else [statements]:
            resources = st.get("Resource") if isinstance(st.get("Resource"), list) else [st.get("Resource")]
            services = st.get("Principal", {}).get("Service", []) if isinstance(st.get("Principal"), dict) else []
            if "events.amazonaws.com" in (services if isinstance(services, list) else [services]):
                found |= {f"{p['policyName']}: {r}" for r in resources if isinstance(r, str) and ":log-group:/aws/events/" in r}
    run.console_log_policy = ", ".join(sorted(found))
    return f"EventBridge may write under /aws/events/: {run.console_log_policy}" if found else "no log resource policy lets EventBridge write under /aws/events/ in this account and region"


def selftest(o: Options, *, confirm: Callable[[list[str]], bool], say: Callable[[str], None] = lambda _: None) -> SelftestReport:
    """The whole run; `confirm` is shown what will be made and says whether to go on."""
    tf = find_terraform()
    if tf is None:
        raise ToolError("terraform is needed (on PATH, or RSQGEN_TERRAFORM): the selftest applies what rsqgen renders")
    if not (o.account.isdigit() and len(o.account) == 12):
        raise InputError(f"--account {o.account!r}: give the sandbox account's 12-digit id (the run refuses any other account)")
    session = boto3.session.Session(region_name=o.region)
    try:
        identity = session.client("sts", region_name=o.region).get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        raise ToolError(f"could not reach the account: {type(exc).__name__}: {exc} (boto3's standard chain: AWS_PROFILE, or keys; AWS_REGION)") from None
    if identity["Account"] != o.account:
        raise InputError(f"the credentials reach account {identity['Account']}, not {o.account}: nothing was created (use the sandbox account's credentials, or name it)")
    operator = _operator(session, identity, o.region)
    warehouse_type = _warehouse_type(session, o)
    run_id = f"rsqst-{secrets.token_hex(3)}"
    work = (o.work or Path(f"rsqgen-selftest-{run_id.split('-')[1]}")).resolve()
    if not confirm(plan_lines(run_id, o, warehouse_type, operator)):
        raise InputError("not confirmed: nothing was created")
    work.mkdir(parents=True, exist_ok=False)
    report = SelftestReport(run_id=run_id, region=o.region, account=mask(o.account), endpoint=endpoint_overrides(), warehouse=o.warehouse,
                            warehouse_type=warehouse_type, started=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), work=str(work))
    started = time.monotonic()
    run = _Run(o, session, report, tf, say)
    run.spec_path = work / "spec.yaml"
    run.spec_path.write_text(spec_text(o, run_id, warehouse_type, operator), encoding="utf-8")
    try:
        if run.step("apply", run.apply):
            run.step("subscribe the queue", run.subscribe)
            run.step("first scheduled run", run.first_run)
            if run.queue_url:
                run.step("failed alert", run.alert)
            run.step("history log", run.history_log)
            run.step("doctor", run.doctor)
            run.step("run", run.run_once)
            run.step("adopt a console-style rule", run.adopt)
            run.step("scheduler input limit", run.probe_input)
            run.step("console log policy", lambda: _console_log_policy(run))
    finally:
        if not o.keep:
            run.step("remove what the run made", run.cleanup)
            if run.deployment is not None:
                run.step("terraform destroy", run.destroy)
            run.step("sweep by tag", run.sweep)
        report.verdicts = _verdicts(run)
        report.seconds = round(time.monotonic() - started, 1)
        (work / "selftest-report.json").write_text(report.to_json(), encoding="utf-8")
        (work / "selftest-report.md").write_text(report.to_markdown(), encoding="utf-8")
    return report


def _operator(session, identity: dict, region: str) -> dict[str, Any]:
    """The caller as the spec's operator: an existing IAM user (with its path) or a role."""
    arn = identity["Arn"]
    kind, _, rest = arn.split(":", 5)[5].partition("/")
    iam = session.client("iam", region_name=region)
    if kind == "user":
        user = iam.get_user(UserName=rest.rsplit("/", 1)[-1])["User"]
        return {"user": user["UserName"], "existing": True} | ({"path": user["Path"]} if user["Path"] != "/" else {})
    if kind == "assumed-role":
        return {"role": iam.get_role(RoleName=rest.split("/")[0])["Role"]["Arn"]}
    raise InputError(f"the caller {arn} is not an IAM user or a role's session: run the selftest as one (the schedule role must trust the caller)")


def _warehouse_type(session, o: Options) -> str:
    try:
        session.client("redshift", region_name=o.region).describe_clusters(ClusterIdentifier=o.warehouse)
        return "cluster"
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ClusterNotFound":
            raise ToolError(f"could not read the warehouse {o.warehouse}: {exc}") from None
    try:
        session.client("redshift-serverless", region_name=o.region).get_workgroup(workgroupName=o.warehouse)
        return "serverless"
    except (ClientError, BotoCoreError):
        raise InputError(f"--warehouse {o.warehouse}: no cluster and no Serverless workgroup of that name in {o.region}") from None


def terminal_confirm(lines: list[str], yes: bool, interactive: bool, say: Callable[[str], None], ask: Callable[[], str]) -> bool:
    for line in lines:
        say(line)
    if yes:
        return True
    if not interactive:
        raise InputError("give --yes to run without a terminal: the selftest creates resources in the account")
    return ask().strip().lower() in ("y", "yes")


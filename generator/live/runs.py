"""`rsqgen history` and `rsqgen run`: a query's recent runs, and one run now, as its schedule makes it.

Both read the schedule as deployed (the rule's Redshift Data API target, or the schedule's
universal-target input) rather than recomputing it from the spec: `run` then makes exactly the call
EventBridge makes, and a drifted target shows in what runs (doctor names the drift).

Both assume the schedule role, as the console does to show a schedule's history: the Data API's
ListStatements returns the statements of the caller's role (RoleLevel), and a scheduled query's
statements are the role's. The role trusts the spec's operators; anyone else gets NOT_RUN (exit 3)
with the permission needed. Sources: Redshift Data API reference, ListStatements (RoleLevel,
StatementName is a prefix, Status defaults to FINISHED only) and DescribeStatement (Duration in
nanoseconds); "the Data API keeps statements 24 hours", Redshift Management Guide, "Considerations
when calling the Amazon Redshift Data API".
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..deploy import Deployment, ScheduledQuery
from ..errors import ExitCode, InputError
from ..values import resolve
from .aws import HISTORY_HOURS, Aws, NotRun, Skip, as_role, failed_invocations, plural, where

__all__ = ["History", "Run", "RunResult", "history", "run"]

FAILED = ("FAILED", "ABORTED")
DONE = ("FINISHED", *FAILED)
INVOCATION_FAILED = "INVOCATION_FAILED"  # EventBridge could not call the Data API (FailedInvocations)
MAX_STATEMENTS = 10_000  # of one name in 24 hours: more than a schedule can make
LIST_PERMISSION = "redshift-data:ListStatements and redshift-data:DescribeStatement (the schedule role has them)"


@dataclass(frozen=True)
class Run:
    status: str
    started: str  # ISO 8601, UTC
    duration_seconds: float | None = None
    rows: int | None = None
    error: str = ""
    id: str = ""
    count: int = 1  # INVOCATION_FAILED: the failed invocations in that hour
    source: str = "data-api"  # data-api | log (history.retain_days: `started` is then when it ended) | cloudwatch


@dataclass
class QueryRuns:
    query: str
    name: str  # rule or schedule name == statement name
    runs: list[Run] = field(default_factory=list)


@dataclass
class History:
    account: str = ""
    region: str = ""
    queries: list[QueryRuns] = field(default_factory=list)
    not_run: list[NotRun] = field(default_factory=list)
    retain_days: int | None = None
    checks: int = 0

    @property
    def failed(self) -> bool:
        return any(r.status in (*FAILED, INVOCATION_FAILED) for q in self.queries for r in q.runs)

    @property
    def exit_code(self) -> int:
        if self.not_run:
            return int(ExitCode.INCOMPLETE)
        return int(ExitCode.FINDINGS if self.failed else ExitCode.OK)

    def to_json(self) -> str:
        doc = {
            "account": self.account,
            "region": self.region,
            "window_hours": HISTORY_HOURS * (self.retain_days or 1),
            "queries": [{"query": q.query, "name": q.name, "runs": [asdict(r) for r in q.runs]} for q in self.queries],
            "not_run": [asdict(n) for n in self.not_run],
        }
        return json.dumps(doc, indent=2) + "\n"

    def to_text(self) -> str:
        window = f"{self.retain_days} days (older than {HISTORY_HOURS} hours: from the log, the time it ended)" if self.retain_days else f"{HISTORY_HOURS} hours"
        lines = [f"{where(self.account, self.region)}: runs of the last {window}, newest first."]
        for q in self.queries:
            lines.append(f"{q.name} ({q.query})" + ("" if q.runs else ": no runs"))
            for r in q.runs:
                if r.status == INVOCATION_FAILED:
                    lines.append(f"  {r.status:<17} {_clock(r.started)}  {r.count} invocation(s) in that hour never reached the Data API")
                    continue
                took = "" if r.duration_seconds is None else f"{r.duration_seconds:.1f} s"
                took = "(log)" if r.source == "log" else took
                rows = "" if r.rows is None else plural(r.rows, "row")
                lines.append(f"  {r.status:<17} {_clock(r.started)}  {took:>8}  {rows or r.error}".rstrip())
        for n in self.not_run:
            lines += [f"NOT_RUN  {n.check}", f"  error: {n.error}", f"  needs: {n.permission}"]
        if self.retain_days is None:
            lines.append(f"note: the Data API keeps statements {HISTORY_HOURS} hours; to keep runs longer, set history.retain_days in the spec")
        else:
            lines.append(f"note: runs are kept {self.retain_days} days in the CloudWatch Logs group of history.retain_days")
        return "\n".join(lines) + "\n"


@dataclass
class RunResult:
    query: str
    name: str
    spec: str = "SPEC"  # the spec's path as given, for the hints
    id: str = ""
    status: str = ""
    duration_seconds: float | None = None
    rows: int | None = None
    error: str = ""
    not_run: list[NotRun] = field(default_factory=list)
    checks: int = 0  # AWS calls made

    @property
    def exit_code(self) -> int:
        if self.not_run:
            return int(ExitCode.INCOMPLETE)
        return int(ExitCode.FINDINGS if self.status in FAILED else ExitCode.OK)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    def to_text(self) -> str:
        lines = []
        if self.id:
            line = f"{self.name}: statement {self.id} {self.status}"
            if self.duration_seconds is not None:
                line += f" in {self.duration_seconds:.1f} s"
            if self.rows is not None and self.rows >= 0:
                line += f", {self.rows} rows"
            lines.append(line)
            if self.error:
                lines.append(f"  error: {self.error}")
            if self.status not in DONE:
                lines.append(f"  follow it with: rsqgen history {self.spec} {self.query}")
        elif self.not_run:
            lines.append(f"{self.name}: could not run")
        for n in self.not_run:
            lines += [f"NOT_RUN  {n.check}", f"  error: {n.error}", f"  needs: {n.permission}"]
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The call a schedule makes


@dataclass(frozen=True)
class Request:
    role_arn: str
    operation: str  # execute_statement | batch_execute_statement
    params: dict[str, Any]


def _request(q: ScheduledQuery, d: Deployment, aws: Aws) -> Request | None:
    """The Data API request the deployed schedule makes; None when the rule or schedule is missing."""
    if q.backend == "scheduler":
        got = aws.call("schedule", f"scheduler:GetSchedule on schedule/{d.schedule_group}/{q.rule_name}", "scheduler", "get_schedule", missing=("ResourceNotFoundException",), GroupName=d.schedule_group, Name=q.rule_name)
        if got is None:
            return None
        target = got["Target"]
        operation = "batch_execute_statement" if target["Arn"].endswith(":batchExecuteStatement") else "execute_statement"
        try:
            request = json.loads(target.get("Input") or "")
        except ValueError:
            request = None
        if not isinstance(request, dict):
            raise InputError(f"query {q.key}: the schedule {d.schedule_group}/{q.rule_name} holds a request that is not a JSON object; terraform apply writes it again")
        return Request(target["RoleArn"], operation, request)
    permission = f"events:ListTargetsByRule on rule/{q.rule_name}"
    got = aws.call("rule target", permission, "events", "list_targets_by_rule", missing=("ResourceNotFoundException",), Rule=q.rule_name)
    target = next((t for t in (got or {}).get("Targets", []) if "RedshiftDataParameters" in t), None)
    if target is None:
        return None
    p = target["RedshiftDataParameters"]
    params: dict[str, Any] = {"Database": p["Database"], "StatementName": p.get("StatementName"), "WithEvent": p.get("WithEvent", False)}
    if ":cluster:" in target["Arn"]:
        params["ClusterIdentifier"] = target["Arn"].rsplit(":", 1)[1]
    else:  # a workgroup's ARN ends in its id; the Data API takes its name or ARN
        params["WorkgroupName"] = target["Arn"]
    if p.get("DbUser"):
        params["DbUser"] = p["DbUser"]
    if p.get("SecretManagerArn"):
        params["SecretArn"] = p["SecretManagerArn"]
    if p.get("Sqls"):
        params["Sqls"] = p["Sqls"]
        return Request(target["RoleArn"], "batch_execute_statement", {k: v for k, v in params.items() if v is not None})
    params["Sql"] = p["Sql"]
    return Request(target["RoleArn"], "execute_statement", {k: v for k, v in params.items() if v is not None})


def _query(d: Deployment, key: str) -> ScheduledQuery:
    for q in d.queries:
        if q.key == key:
            return q
    raise InputError(f"query {key!r} is not in the spec; its queries: {', '.join(q.key for q in d.queries)}")


# ---------------------------------------------------------------------------------------------
# run


def run(d: Deployment, session, key: str, *, wait: bool = True, timeout: float = 900.0, poll: float = 1.0, spec: str = "SPEC") -> RunResult:
    """Run query `key` once now, with the deployed schedule's role and Data API request."""
    q = _query(d, key)
    result = RunResult(q.key, q.rule_name, spec)
    aws = Aws(session, d.region, result)
    try:
        request = _request(q, d, aws)
        if request is None:
            raise InputError(f"query {key}: {q.rule_name} is not deployed (no rule, schedule or Data API target); terraform apply first")
        data = as_role(aws, request.role_arn, "run")
        started = data.call("run the statement", f"redshift-data:{_camel(request.operation)} (the schedule role has it)", "redshift-data", request.operation, **request.params)
        result.id = started["Id"]
        result.status = "SUBMITTED"
        deadline = time.monotonic() + timeout
        while wait:
            got = data.call("follow the statement", "redshift-data:DescribeStatement", "redshift-data", "describe_statement", Id=result.id)
            result.status = got["Status"]
            if result.status in DONE:
                result.duration_seconds = _seconds(got.get("Duration"))
                result.rows = _rows(got.get("ResultRows"))
                result.error = got.get("Error", "")
                break
            if time.monotonic() > deadline:
                result.not_run.append(NotRun("follow the statement", f"still {result.status} after {timeout:.0f} s", f"nothing: follow it with rsqgen history {spec} {q.key}"))
                break
            time.sleep(poll)
    except Skip:
        pass
    return result


def _camel(operation: str) -> str:
    return "".join(part.capitalize() for part in operation.split("_"))


# ---------------------------------------------------------------------------------------------
# history


def history(d: Deployment, session, key: str | None = None, *, last: int = 10, failed_only: bool = False, now: datetime | None = None) -> History:
    """The recent runs of each query (or of `key`): Data API statements merged with failed invocations."""
    if last < 1:
        raise InputError(f"--last {last}: must be 1 or more")
    queries = [_query(d, key)] if key else list(d.queries)
    report = History(region=d.region, retain_days=d.history.retain_days if d.history else None)
    aws = Aws(session, d.region, report)
    now = now or datetime.now(timezone.utc)
    try:
        report.account = aws.call("credentials", "sts:GetCallerIdentity (allowed to everyone)", "sts", "get_caller_identity")["Account"]
        if aws.call("schedule role", "iam:GetRole on the role", "iam", "get_role", missing=("NoSuchEntity",), RoleName=d.role.name) is None:
            report.not_run.append(NotRun("schedule role", f"the schedule role {d.role.name} does not exist", "terraform apply first: a query's runs are its schedule role's statements"))
            return report
        data = as_role(aws, resolve(d.role.arn, report.account), "history")
    except Skip:
        return report
    for q in queries:
        runs = QueryRuns(q.key, q.rule_name)
        report.queries.append(runs)
        try:
            runs.runs = _statements(q, data, last, FAILED if failed_only else ("ALL",)) + _failed_invocations(q, aws, now)
            if d.history is not None:
                seen = {r.id for r in runs.runs}
                runs.runs += [r for r in _logged(q, d.history, aws, now, last, failed_only) if r.id not in seen]
        except Skip:
            continue
        runs.runs.sort(key=lambda r: r.started, reverse=True)
        if failed_only:
            runs.runs = [r for r in runs.runs if r.status in (*FAILED, INVOCATION_FAILED)]
        del runs.runs[last:]
    return report


def _statements(q: ScheduledQuery, data: Aws, last: int, statuses: tuple[str, ...] = ("ALL",)) -> list[Run]:
    """The query's statements: ListStatements filters by name *prefix* (QS2-a also finds QS2-ab), so
    names are compared exactly; the status is always given (the default is FINISHED only)."""
    found: list[dict] = []
    for status in statuses:  # every page: AWS does not document the order it lists them in
        listed = data.pages("statements", LIST_PERMISSION, "redshift-data", "list_statements", "Statements", StatementName=q.rule_name,
                            Status=status, RoleLevel=True, PaginationConfig={"MaxItems": MAX_STATEMENTS, "PageSize": 100})
        found += [s for s in listed if s.get("StatementName") == q.rule_name]
    runs = []
    for s in sorted(found, key=lambda s: s["CreatedAt"], reverse=True)[:last]:
        got = data.call("statements", LIST_PERMISSION, "redshift-data", "describe_statement", missing=("ResourceNotFoundException",), Id=s["Id"]) or {}
        runs.append(Run(
            status=got.get("Status", s["Status"]), started=_iso(s["CreatedAt"]), duration_seconds=_seconds(got.get("Duration")),
            rows=_rows(got.get("ResultRows")), error=got.get("Error", ""), id=s["Id"],
        ))
    return runs


def _failed_invocations(q: ScheduledQuery, aws: Aws, now: datetime) -> list[Run]:
    """Runs that never reached the Data API: the rule's FailedInvocations, by the hour (rules only;
    the Scheduler reports its failures through its dead-letter queue)."""
    if q.backend != "rule":
        return []
    return [Run(INVOCATION_FAILED, _iso(p["Timestamp"]), count=int(p["Sum"]), source="cloudwatch") for p in failed_invocations(aws, q.rule_name, now)]


# Windows read from the log, newest first, until enough runs are found (days back from now).
LOG_WINDOWS = (1, 7, 30, 90, 365, 3653)


def _logged(q: ScheduledQuery, h, aws: Aws, now: datetime, last: int, failed_only: bool = False) -> list[Run]:
    """The query's runs kept by history.retain_days: the Data API's status change events, written by
    EventBridge to the log group. The filter pattern narrows the read; names are compared exactly."""
    runs: list[Run] = []
    end = now
    for days in LOG_WINDOWS:
        start = max(now - timedelta(days=days), now - timedelta(days=h.retain_days))
        if start >= end:
            break
        runs += [r for r in _log_window(q, h, aws, start, end, failed_only) if r.status in FAILED or not failed_only]
        end = start
        if len(runs) >= last:
            break
    return sorted(runs, key=lambda r: r.started, reverse=True)[:last]


def _log_window(q: ScheduledQuery, h, aws: Aws, start: datetime, end: datetime, failed_only: bool) -> list[Run]:
    """One window of the log: the query's events (the pattern narrows, the name is compared), and
    only events the Data API sent (the group's policy lets only the history rule write)."""
    permission = f"logs:FilterLogEvents on log-group:{h.log_group}"
    pattern = f'$.detail.statementName = "{q.rule_name}"' + (' && ($.detail.state = "FAILED" || $.detail.state = "ABORTED")' if failed_only else "")
    events = aws.pages(
        "history log", permission, "logs", "filter_log_events", "events", missing=("ResourceNotFoundException",), logGroupName=h.log_group,
        startTime=int(start.timestamp() * 1000), endTime=int(end.timestamp() * 1000), filterPattern=f"{{ {pattern} }}",
    )
    runs = []
    for e in events:
        try:
            event = json.loads(e["message"])
            detail = event["detail"]
        except (ValueError, KeyError, TypeError):
            continue  # not an event EventBridge wrote
        if not isinstance(detail, dict) or event.get("source") != "aws.redshift-data" or detail.get("statementName") != q.rule_name:
            continue
        runs.append(Run(str(detail.get("state", "")), str(event.get("time", "")), rows=_rows(detail.get("rows")), id=str(detail.get("statementId", "")), source="log"))
    return runs


def _rows(value: Any) -> int | None:
    """ResultRows (and an event's rows): -1 means none, as for a statement that failed."""
    return value if isinstance(value, int) and value >= 0 else None


def _seconds(duration_ns: Any) -> float | None:
    """DescribeStatement's Duration is in nanoseconds, and -1 before the statement ends."""
    if not isinstance(duration_ns, int) or duration_ns < 0:
        return None
    return round(duration_ns / 1e9, 3)


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _clock(iso: str) -> str:
    return iso.replace("T", " ").replace("Z", " UTC")

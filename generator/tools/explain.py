"""`rsqgen explain`: a spec in plain language, from the same plan the Terraform comes from."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from ..deploy import Deployment, ScheduledQuery
from ..render.markdown import connects_as
from ..spec import ResolvedQuery
from ..spec.schedule import Schedule, next_fire_times
from ..values import Ref, Value, resolve

__all__ = ["explain", "next_runs"]


def _show(value: Value, account: str) -> str:
    if isinstance(value, Ref):
        return f"{value.expr} ({value.when})"
    return resolve(value, account)


def _fmt(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M %Z")


def _connects(q: ScheduledQuery, d: Deployment, account: str) -> str:
    return "as " + connects_as(q, d.role.name, lambda v: _show(v, account))


def next_runs(q: ScheduledQuery, schedule: Schedule, now: datetime) -> list[str]:
    tz = ZoneInfo(q.timezone) if q.timezone else None
    try:
        times = next_fire_times(schedule, now, 3, tz)
    except (OverflowError, ValueError):  # a rate so long its next runs fall outside the calendar
        return ["beyond the year 9999 (the interval is longer than the calendar can count)"]
    if not times:
        return ["never (no future time matches)"]
    out = []
    for t in times:
        utc = _fmt(t.astimezone(timezone.utc))
        out.append(utc if tz is None or q.timezone == "UTC" else f"{utc} = {_fmt(t)}")
    if tz is not None and now.astimezone(tz).utcoffset() != times[-1].utcoffset():
        out.append(
            "(the clocks change for daylight saving before then: a run at a time that does not exist "
            "that day is skipped, one at a time that happens twice runs once)"
        )
    return out


def _sql_line(q: ScheduledQuery, resolved: ResolvedQuery) -> str:
    first = q.sql[0].strip()
    head = first.splitlines()[0] if first else ""
    shown = head[:100] + ("..." if len(head) > 100 else "")
    more_lines = len(first.splitlines()) - 1
    parts = [f"+{more_lines} more line{'s' if more_lines != 1 else ''}"] if more_lines > 0 else []
    if len(q.sql) > 1:
        parts.append(f"a batch of {len(q.sql)} statements, one transaction")
    else:
        parts.append(f"{resolved.statements} statement{'s' if resolved.statements != 1 else ''}")
    if resolved.not_checked:
        parts.append(f"not checked by the SQL parser: {', '.join(sorted(set(resolved.not_checked)))}")
    return f"{shown} ({'; '.join(parts)})"


def explain(d: Deployment, resolved: dict[str, ResolvedQuery], now: datetime) -> str:
    account = d.account_id or "<your account>"
    lines = [
        f"Spec {d.name!r}: {len(d.queries)} scheduled quer{'y' if len(d.queries) == 1 else 'ies'} in {d.region}, account {account}.",
        "",
    ]
    for q in d.queries:
        engine = f"EventBridge rule {q.rule_name}" if q.backend == "rule" else f"EventBridge Scheduler schedule {q.rule_name} (group {d.schedule_group})"
        lines.append(f"{q.key}: {engine}, {'enabled' if q.enabled else 'DISABLED: it will not run'}")
        zone = q.timezone or "UTC"
        lines.append(f"  runs      {q.schedule_words}, {zone} ({q.schedule_expression})")
        runs = next_runs(q, resolved[q.key].schedule, now)
        note = " (a rate counts from when the rule is created; shown from now)" if q.schedule_expression.startswith("rate(") else ""
        lines.append(f"  next      {runs[0]}{note}")
        lines += [f"            {r}" for r in runs[1:]]
        wh = next(w for w in d.warehouses if w.key == q.warehouse)
        kind = "cluster" if wh.type == "cluster" else "serverless workgroup"
        lines.append(f"  on        {kind} {wh.identifier}, database {q.database}, {_connects(q, d, account)}")
        lines.append(f"  sql       {_sql_line(q, resolved[q.key])}")
        notes = []
        notes += [f"topic {topic} each time it fires" for topic in q.trigger_topics]
        notes += [f"topic {s.topic} when it ends {' or '.join(s.states)}" for s in q.statuses]
        if q.retry:
            notes.append(f"retries up to {q.retry[1]} times within {q.retry[0]} s")
        if q.dead_letter_arn is not None:
            notes.append("failed invocations go to a dead-letter queue")
        lines.append(f"  notifies  {'; '.join(notes) if notes else 'nobody'}")
        lines.append("")
    def other_account(arn: str) -> str:
        owner = arn.split(":")[4]
        return " (another account)" if d.account_id and owner != d.account_id else ""

    humans = [_show(a, account) + other_account(a) for a in d.role.operator_arns]
    lines.append("Who can create these schedules in the console and view their history:")
    lines += [f"  {a}" for a in humans] or ["  nobody (no operators: add users or roles under 'operators')"]
    if d.operators.users:
        lines.append(f"  (users through IAM group {d.operators.group_name}, which may assume the role and manage {d.rule_prefix}* rules)")
    lines.append("")
    lines.append(f"What the schedule role {d.role.name} may do:")
    for s in d.role.statements:
        resources = ", ".join(_show(r, account) for r in s.resources)
        cond = " (only statements it ran itself)" if s.conditions else ""
        lines.append(f"  {', '.join(s.actions)}")
        lines.append(f"    on {resources}{cond}")
    lines.append(f"It is trusted by {', '.join(d.role.trusted_services)} and the operators above; no AWS managed policy is attached.")
    if d.role.path != "/" or d.role.permissions_boundary:
        placed = [f"path {d.role.path}"] + ([f"permissions boundary {d.role.permissions_boundary}"] if d.role.permissions_boundary else [])
        lines.append(f"The role is made with {' and '.join(placed)}.")
    for t in d.existing_topics:
        statement = json.dumps(resolve(t.owner_statement(), account), indent=2)
        lines += ["", f"Topic {t.key} exists ({t.existing_arn}); its owner must add to its access policy:"]
        lines += [f"  {line}" for line in statement.splitlines()]
        lines.append("  and, if it is encrypted, let events.amazonaws.com use kms:Decrypt and kms:GenerateDataKey* on its (customer managed) key.")
    if d.kms_key != "per-resource":
        key = "one shared key, made here" if d.kms_key == "shared" else f"the existing key {d.kms_key} (its policy is its owner's: see README.md)"
        lines += ["", f"Topics and schedule group made here are encrypted with {key}."]
    if d.warnings:
        lines += ["", "Warnings:"] + [f"  {w}" for w in d.warnings]
    return "\n".join(lines) + "\n"

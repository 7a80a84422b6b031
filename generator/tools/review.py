"""`rsqgen review PLAN_JSON`: what a Terraform plan changes, security-relevant changes first.

Reads `terraform show -json plan.out`. Security-relevant: principals newly trusted by a role,
permissions added to an identity policy, resource policies (topic, queue, key) changed, users
created or put in a group. Then the scheduled queries: added, removed, schedule changed, SQL
changed, enabled or disabled. Works on any plan, not only rsqgen's.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError, Location
from ..text import diff_lines, md_code, md_span

__all__ = ["Review", "grants", "load_plan", "principals", "review", "to_markdown"]

IDENTITY_POLICIES = {"aws_iam_role_policy", "aws_iam_group_policy", "aws_iam_user_policy", "aws_iam_policy"}
RESOURCE_POLICIES = {
    "aws_sns_topic_policy": "topic policy",
    "aws_sqs_queue_policy": "queue policy",
    "aws_kms_key": "key policy",
    "aws_secretsmanager_secret_policy": "secret policy",
}
MEMBERSHIPS = {"aws_iam_user_group_membership", "aws_iam_group_membership"}


@dataclass
class Review:
    security: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    sql_diffs: list[tuple[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"add": 0, "change": 0, "destroy": 0, "replace": 0})
    changes: list[tuple[str, str]] = field(default_factory=list)  # (action, address)
    imports: list[tuple[str, str]] = field(default_factory=list)  # (address, import id): `import {}` blocks, e.g. rsqgen adopt
    home_account: str | None = None  # the account the plan's ARNs mostly name


def load_plan(text: str, source: str) -> dict[str, Any]:
    try:
        plan = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not JSON ({exc.msg}); give the output of `terraform show -json PLANFILE`", Location(source, exc.lineno, exc.colno)
        ) from None
    if not isinstance(plan, dict) or "format_version" not in plan:
        raise InputError("not a Terraform plan in JSON; give the output of `terraform show -json PLANFILE`", Location(source, 1, 1))
    return plan


def _policy(value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip():
        try:
            doc = json.loads(value)
        except json.JSONDecodeError:
            return None
        return doc if isinstance(doc, dict) else None
    return None


def _as_list(v: Any) -> list:
    return v if isinstance(v, list) else [v] if v is not None else []


def principals(policy: dict[str, Any] | None) -> set[str]:
    out: set[str] = set()
    for st in _as_list((policy or {}).get("Statement")):
        if st.get("Effect") != "Allow":
            continue
        p = st.get("Principal")
        if p == "*":
            out.add("* (anyone)")
            continue
        for kind, values in (p or {}).items():
            out |= {f"{kind}: {v}" for v in _as_list(values)}
    return out


def grants(policy: dict[str, Any] | None) -> set[tuple[str, str, str]]:
    """(action, resource, condition) triples an Allow statement grants."""
    out = set()
    for st in _as_list((policy or {}).get("Statement")):
        if st.get("Effect") != "Allow":
            continue
        cond = json.dumps(st.get("Condition"), sort_keys=True) if st.get("Condition") else ""
        principal = json.dumps(st.get("Principal"), sort_keys=True) if st.get("Principal") else ""
        for a in _as_list(st.get("Action")):
            for r in _as_list(st.get("Resource")) or ["(none)"]:
                out.add((a, r, (principal + " " + cond).strip()))
    return out


def _principal(principal: str, home: str | None) -> str:
    m = _ARN_ACCOUNT.search(principal)
    other = m is not None and home is not None and m.group(1) != home
    return md_span(principal) + (f" **(another account: {m.group(1)})**" if other else "")


def _fmt_grant(g: tuple[str, str, str]) -> str:
    action, resource, extra = g
    wild = " **(wildcard)**" if "*" in action or resource == "*" and not extra else ""
    return f"{md_span(action)} on {md_span(resource)}" + (f" when {md_span(extra)}" if extra else "") + wild


def _action(actions: list[str]) -> str:
    if actions == ["create"]:
        return "add"
    if actions == ["delete"]:
        return "destroy"
    if actions == ["update"]:
        return "change"
    if sorted(actions) == ["create", "delete"]:
        return "replace"
    return "no-op" if actions in (["no-op"], ["read"]) else "+".join(actions)


_ARN_ACCOUNT = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:([0-9]{12}):")


_SNS_ARN = re.compile(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$")


def _home_account(plan: dict[str, Any]) -> str | None:
    """The account most ARNs in the plan belong to: the one it is applied in, as far as the plan
    shows (a role being created has no ARN yet, but its policies and rules name the account)."""
    counts = Counter(_ARN_ACCOUNT.findall(json.dumps(plan.get("resource_changes", []))))
    return counts.most_common(1)[0][0] if counts else None


def review(plan: dict[str, Any]) -> Review:
    r = Review(home_account=_home_account(plan))
    for rc in plan.get("resource_changes", []) or []:
        kind = _action(rc["change"]["actions"])
        importing = rc["change"].get("importing")
        if importing is not None:
            r.imports.append((rc["address"], str(importing.get("id", ""))))
        if kind == "no-op":
            continue
        if kind in r.counts:
            r.counts[kind] += 1
        r.changes.append((kind, rc["address"]))
        _security(rc, kind, r)
        _query(rc, kind, r)
    return r


def _unknown(rc: dict[str, Any], attr: str) -> bool:
    unknown = rc["change"].get("after_unknown") or {}
    return bool(unknown.get(attr))


def _policy_attribute(t: str) -> tuple[str, str] | None:
    """(attribute, what to call it) of a resource type that carries a policy document."""
    if t == "aws_iam_role":
        return "assume_role_policy", "trust policy"
    if t in IDENTITY_POLICIES:
        return "policy", "policy"
    if t in RESOURCE_POLICIES:
        return "policy", RESOURCE_POLICIES[t]
    return None


# Destroying these takes away access or protection, or loses data for good (a KMS key's material
# is deleted after its waiting period; what it encrypted cannot be read after that).
DESTROY_RELEVANT = {
    "aws_iam_role": "role",
    "aws_iam_user": "IAM user",
    "aws_iam_group": "IAM group",
    "aws_iam_policy": "managed policy",
    "aws_iam_role_policy": "role policy",
    "aws_iam_group_policy": "group policy",
    "aws_iam_user_policy": "user policy",
    "aws_iam_role_policy_attachment": "policy attachment",
    "aws_iam_user_group_membership": "group membership",
    "aws_iam_group_membership": "group membership",
    "aws_kms_key": "KMS key (scheduled for deletion: what it encrypted becomes unreadable)",
    "aws_kms_alias": "KMS alias",
    "aws_sns_topic_policy": "topic policy",
    "aws_sqs_queue_policy": "queue policy",
    "aws_secretsmanager_secret": "secret",
    "aws_redshift_cluster": "Redshift cluster",
    "aws_redshiftserverless_namespace": "Redshift Serverless namespace",
}


def _security(rc: dict[str, Any], kind: str, r: Review) -> None:
    t, addr = rc["type"], rc["address"]
    before, after = rc["change"].get("before") or {}, rc["change"].get("after") or {}
    if kind in ("destroy", "replace") and t in DESTROY_RELEVANT:
        name = before.get("name") or before.get("user") or before.get("key_id") or ""
        what = f"{DESTROY_RELEVANT[t]} {md_span(str(name))}" if name else DESTROY_RELEVANT[t]
        r.security.append(f"{md_span(addr)}: {'destroys' if kind == 'destroy' else 'replaces (destroys, then creates)'} {what}")
    if kind == "destroy":
        return
    policy = _policy_attribute(t)
    if policy and _unknown(rc, policy[0]):
        r.security.append(f"{md_span(addr)}: {policy[1]} known only after apply: review the configuration")
        return
    if t == "aws_iam_role":
        old_p, new_p = principals(_policy(before.get("assume_role_policy"))), principals(_policy(after.get("assume_role_policy")))
        if new_p - old_p:
            verb = "trusts" if kind == "add" else "newly trusts"
            r.security.append(f"{md_span(addr)} {verb}: " + ", ".join(_principal(p, r.home_account) for p in sorted(new_p - old_p)))
        if old_p - new_p and kind != "add":
            r.security.append(f"{md_span(addr)} no longer trusts: " + ", ".join(md_span(p) for p in sorted(old_p - new_p)))
    elif t in IDENTITY_POLICIES:
        old_g, new_g = grants(_policy(before.get("policy"))), grants(_policy(after.get("policy")))
        added, removed = new_g - old_g, old_g - new_g
        if added:
            head = "grants" if kind == "add" else "permissions widened"
            r.security.append(f"{md_span(addr)} {head}: " + "; ".join(_fmt_grant(g) for g in sorted(added)))
        if removed and kind != "add":
            r.security.append(f"{md_span(addr)} permissions removed: " + "; ".join(_fmt_grant(g) for g in sorted(removed)))
    elif t in RESOURCE_POLICIES:
        old, new = _policy(before.get("policy")), _policy(after.get("policy"))
        if old != new:
            added = grants(new) - grants(old)
            detail = ("; added: " + "; ".join(_fmt_grant(g) for g in sorted(added))) if added else ""
            r.security.append(f"{md_span(addr)}: {RESOURCE_POLICIES[t]} {'set' if kind == 'add' else 'changed'}{detail}")
    elif t in MEMBERSHIPS:
        groups = sorted(set(_as_list(after.get("groups") or after.get("group"))) - set(_as_list(before.get("groups") or before.get("group"))))
        who = after.get("user") or ", ".join(_as_list(after.get("users")))
        if groups:
            r.security.append(f"{md_span(addr)}: {md_span(str(who))} joins group " + ", ".join(md_span(g) for g in groups))
    elif t == "aws_iam_user" and kind == "add":
        r.security.append(f"{md_span(addr)}: new IAM user {md_span(str(after.get('name')))}")
    if t in ("aws_cloudwatch_event_target", "aws_scheduler_schedule") and kind == "change":
        old_role, new_role = _role_of(before), _role_of(after)
        unknown = rc["change"].get("after_unknown") or {}
        if _role_of(unknown) or unknown.get("target") is True:
            new_role = "a role known only after apply (made by this plan)"
        if old_role != new_role:
            r.security.append(f"{md_span(addr)}: runs as {md_span(str(new_role))} instead of {md_span(str(old_role))}: it may do what that role may")
    if t == "aws_cloudwatch_event_target" and _SNS_ARN.match(str(after.get("arn") or "")) and after.get("arn") != before.get("arn"):
        # A topic ARN known at plan time is one this plan does not create: events leave for a
        # topic whose policy (and subscribers) someone else controls.
        r.security.append(
            f"{md_span(addr)}: rule {md_span(str(after.get('rule')))} publishes to {md_span(str(after['arn']))}, a topic this "
            "configuration does not manage: its owner's topic policy must allow it, and its subscribers receive the events"
        )


def _role_of(values: dict[str, Any]) -> str | None:
    """The role a rule target or a schedule's target runs as."""
    if "target" in values:
        targets = values.get("target") or [{}]
        return (targets[0] or {}).get("role_arn")
    return values.get("role_arn")


@dataclass(frozen=True)
class _Run:
    """What a Redshift rule target or a Scheduler schedule runs, and how it connects."""

    name: str
    sql: str
    connection: dict[str, str]  # warehouse, database, db_user, secret: what a reviewer must see change


def _run_of(rc: dict[str, Any], side: str) -> _Run | None:
    state = rc["change"].get(side) or {}
    if rc["type"] == "aws_cloudwatch_event_target":
        target = (state.get("redshift_target") or [None])[0]
        if target:
            connection = {
                "warehouse": state.get("arn"),
                "database": target.get("database"),
                "database user": target.get("db_user"),
                "secret": target.get("secrets_manager_arn"),
            }
            return _Run(str(target.get("statement_name") or state.get("rule")), str(target.get("sql") or ""), _present(connection))
    if rc["type"] == "aws_scheduler_schedule":
        target = (state.get("target") or [None])[0]
        if target and "redshiftdata" in str(target.get("arn")):
            try:
                request = json.loads(target.get("input") or "{}")
            except json.JSONDecodeError:
                request = {}
            sql = request.get("Sql") if "Sql" in request else "\n".join(request.get("Sqls") or [])
            connection = {
                "warehouse": request.get("ClusterIdentifier") or request.get("WorkgroupName"),
                "database": request.get("Database"),
                "database user": request.get("DbUser"),
                "secret": request.get("SecretArn"),
            }
            return _Run(str(state.get("name")), str(sql), _present(connection))
    return None


def _present(values: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in values.items() if v not in (None, "")}


def _query(rc: dict[str, Any], kind: str, r: Review) -> None:
    t = rc["type"]
    before, after = rc["change"].get("before") or {}, rc["change"].get("after") or {}
    if t in ("aws_cloudwatch_event_rule", "aws_scheduler_schedule") and (before.get("schedule_expression") or after.get("schedule_expression")):
        name = md_span(str(after.get("name") or before.get("name")))
        engine = "rule" if t == "aws_cloudwatch_event_rule" else "schedule"
        zone = after.get("schedule_expression_timezone") or before.get("schedule_expression_timezone")
        zone = f" ({md_span(zone)})" if zone else ""
        if kind == "add":
            state = "enabled" if after.get("state", "ENABLED") == "ENABLED" else "disabled"
            r.queries.append(f"{name} added ({engine}): {md_span(after.get('schedule_expression', ''))}{zone}, {state}")
        elif kind == "destroy":
            r.queries.append(f"{name} removed ({engine})")
        else:
            if before.get("schedule_expression") != after.get("schedule_expression"):
                r.queries.append(
                    f"{name} schedule changed: {md_span(before.get('schedule_expression', ''))} → {md_span(after.get('schedule_expression', ''))}{zone}"
                )
            if before.get("schedule_expression_timezone") != after.get("schedule_expression_timezone") and t == "aws_scheduler_schedule":
                r.queries.append(
                    f"{name} time zone changed: {md_span(str(before.get('schedule_expression_timezone')))} → {md_span(str(after.get('schedule_expression_timezone')))}"
                )
            if before.get("state") != after.get("state"):
                r.queries.append(f"{name} {'enabled' if after.get('state') == 'ENABLED' else 'disabled'}")
            if kind == "replace":
                r.queries.append(f"{name} is replaced (destroyed and created again)")
    old, new = _run_of(rc, "before"), _run_of(rc, "after")
    if old and new:
        for what in sorted(set(old.connection) | set(new.connection)):
            was, now = old.connection.get(what), new.connection.get(what)
            if was != now:
                r.queries.append(f"{md_span(new.name)} connects with another {what}: {_shown(was)} → {_shown(now)}")
        if old.sql != new.sql:
            r.sql_diffs.append((new.name, sql_diff(old.sql, new.sql)))
            r.queries.append(f"{md_span(new.name)} SQL changed")


def _shown(value: str | None) -> str:
    return md_span(value) if value is not None else "none"


def sql_diff(old: str, new: str) -> str:
    """A unified diff that stays one line per line even where a side has no final newline."""
    return "".join(difflib.unified_diff(diff_lines(old), diff_lines(new), "before", "after"))


def to_markdown(r: Review) -> str:
    c = r.counts
    imported = f"{len(r.imports)} to import, " if r.imports else ""
    lines = [f"# Plan review: {imported}{c['add']} to add, {c['change']} to change, {c['destroy']} to destroy, {c['replace']} to replace", ""]
    lines.append(f"## Security-relevant changes ({len(r.security)})" if r.security else "## Security-relevant changes: none")
    lines.append("")
    if r.security:
        lines += [f"- {s}" for s in r.security] + [""]
    lines.append(f"## Scheduled queries ({len(r.queries)} change{'s' if len(r.queries) != 1 else ''})")
    lines.append("")
    lines += [f"- {q}" for q in r.queries] or ["- no scheduled query changes"]
    lines.append("")
    for name, diff in r.sql_diffs:
        lines += [f"### SQL of {md_span(name)}", "", md_code(diff, "diff"), ""]
    if r.imports:
        lines += [f"## Imports ({len(r.imports)})", "", "Resources made elsewhere that this plan takes over (nothing is created for them):", ""]
        lines += [f"- {md_span(addr)} from {md_span(i)}" for addr, i in r.imports] + [""]
    if r.changes:
        lines += ["## All resource changes", "", "| Action | Address |", "|---|---|"]
        lines += [f"| {a} | {md_span(addr, in_table=True)} |" for a, addr in r.changes]
    return "\n".join(lines).rstrip() + "\n"

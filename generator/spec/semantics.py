"""Checks that need the whole spec: references, combinations AWS rejects, resolved SQL and schedules.

Every rule here exists because AWS (or the console) would otherwise reject the generated code at
`terraform apply`, or, worse, accept it and never run the query.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__, aws
from ..errors import Location, SpecError, SpecIssue
from ..values import parse_rfc3339
from . import sql as sqlcheck
from .model import NO_SECRETS, NO_SECRETS_HINT, SECRET_LIKE, Spec
from .schedule import Schedule, ScheduleError, parse_schedule
from .yamlsrc import Document, format_path

__all__ = ["QUERY_KEY", "TOPIC_KEY", "ResolvedQuery", "check_semantics", "console_prefix"]

CLUSTER_ID = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
SERVERLESS_NAME = re.compile(r"[a-z0-9-]{3,64}")
WAREHOUSE_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
QUERY_KEY = re.compile(r"[a-z0-9][a-z0-9_.-]{0,59}")
TOPIC_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


@dataclass(frozen=True)
class ResolvedQuery:
    """What the semantic pass resolved for one query, beyond the model."""

    sql: tuple[str, ...]  # one statement, or a batch
    schedule: Schedule
    statements: int = 0  # SQL statements found by the pre-flight (a batch counts each item)
    not_checked: tuple[str, ...] = ()  # leading keywords of statements the parser did not judge


class _Issues:
    """Collects issues (errors) and warnings for one document; `at` and `key` say where."""

    def __init__(self, document: Document, strict_sql: bool = False) -> None:
        self.document = document
        self.strict_sql = strict_sql  # SQL warnings count as errors
        self.items: list[SpecIssue] = []
        self.warnings: list[SpecIssue] = []

    def warn(self, path: tuple[Any, ...], message: str, allowed: str = "") -> None:
        self.warnings.append(SpecIssue(self.document.where(path), format_path(path), message, allowed))

    def at(self, path: tuple[Any, ...], message: str, allowed: str = "") -> None:
        self.items.append(SpecIssue(self.document.where(path), format_path(path), message, allowed))

    def sql_location(self, path: tuple[Any, ...], line: int, col: int) -> Location | None:
        """Where line:col of the SQL at `path` is in the spec: exact for a literal block (`|`) or a
        one-line plain scalar; None when the YAML folds or escapes it (then say line:col in words)."""
        start = self.document.where(path)
        token = self.document.source_token(start)
        if token.startswith("|"):
            lines = self.document.text.splitlines()
            body = [l for l in lines[start.line :] if l.strip()]
            indent = len(body[0]) - len(body[0].lstrip(" ")) if body else 0
            return Location(start.file, start.line + line, indent + col)
        if line == 1 and token and token[0] not in "\"'>":
            return Location(start.file, start.line, start.col + col - 1)
        return None

    def key(self, path: tuple[Any, ...], message: str, allowed: str = "") -> None:
        self.items.append(SpecIssue(self.document.where(path, key=True), format_path(path), message, allowed))


def console_prefix(spec: Spec) -> str:
    """The prefix the console gives rule and statement names: QS2- (query editor v2) or QS- (v1)."""
    return "QS-" if spec.console == "query-editor-v1" else "QS2-"


def _did_you_mean(value: str, choices: list[str], section: str) -> str:
    if not choices:
        return f"define it under '{section}' first"
    near = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
    return (f"did you mean {near[0]!r}? " if near else "") + f"defined in '{section}': {', '.join(choices)}"


def check_semantics(
    spec: Spec, document: Document, spec_path: Path | None, *, strict_sql: bool = False
) -> tuple[dict[str, ResolvedQuery], list[SpecIssue]]:
    """(the resolved queries, warnings), or raise SpecError with every issue found."""
    issues = _Issues(document, strict_sql)
    for tag in spec.tags:
        if SECRET_LIKE.search(tag):
            issues.key(("tags", tag), f"tag {tag!r}: {NO_SECRETS}", NO_SECRETS_HINT)
    _check_warehouses(spec, issues)
    _check_operators(spec, issues)
    _check_notifications(spec, issues)
    _check_role_and_key(spec, issues)
    _check_schedule_group(spec, issues)
    _check_names(spec, issues)
    _check_environments(spec, issues)
    _check_module_source(spec, issues)
    resolved: dict[str, ResolvedQuery] = {}
    base_dir = spec_path.parent if spec_path else Path.cwd()
    for key, query in spec.queries.items():
        r = _check_query(spec, key, query, base_dir, issues)
        if r is not None:
            resolved[key] = r
    if issues.items:
        raise SpecError(issues.items)
    return resolved, sorted(issues.warnings, key=lambda i: (i.location, i.path))


def _check_module_source(spec: Spec, issues: _Issues) -> None:
    """A versioned module source must give the modules this rsqgen renders calls for: their
    variables change between releases, so a ref that is not this release's tag is a warning."""
    if spec.modules is None:
        return
    ours = (f"v{__version__}", __version__)
    if spec.modules.ref not in ours:
        issues.warn(
            ("modules", "ref"),
            f"modules.ref {spec.modules.ref!r} is not this rsqgen's release ({ours[0]}): the root module passes the variables of {ours[0]}'s modules, "
            "and terraform validate fails where the modules at that ref differ",
            f"use ref: {ours[0]}, or render with the rsqgen release the ref names",
        )
    if spec.modules.commit is None:
        issues.warn(
            ("modules", "ref"),
            f"the modules are read at the tag {spec.modules.ref!r}, which can be moved to other code (checkov CKV_TF_1 fails on it)",
            f"add commit: <the commit {spec.modules.ref} names> (git rev-parse {spec.modules.ref}^{{commit}}); the modules are then read at it",
        )


def _check_warehouses(spec: Spec, issues: _Issues) -> None:
    named: dict[tuple[str, str], str] = {}
    for key, wh in spec.warehouses.items():
        aws_name = (wh.type, wh.identifier or key)
        if aws_name in named:
            where = ("warehouses", key, "identifier") if wh.identifier else ("warehouses", key)
            issues.at(where, f"{key!r} names the same {wh.type} as {named[aws_name]!r}: {aws_name[1]}", "give each warehouse its own identifier, or use one key for it")
        named.setdefault(aws_name, key)
        path = ("warehouses", key)
        name = wh.identifier or key
        # The name AWS knows: the identifier when given (reported there), else the key itself.
        bad_name = functools.partial(issues.at, path + ("identifier",)) if wh.identifier else functools.partial(issues.key, path)
        if wh.identifier and not WAREHOUSE_KEY.fullmatch(key):
            issues.key(path, f"{key!r} is not a valid warehouse key", "1-64 characters: lowercase letters, digits and '-', starting with a letter or digit")
        if wh.type == "cluster":
            if not (CLUSTER_ID.fullmatch(name) and len(name) <= 63):
                bad_name(
                    f"{name!r} is not a valid cluster identifier",
                    "1-63 characters: a lowercase letter, then lowercase letters, digits and single hyphens, not ending with a hyphen",
                )
            if wh.namespace is not None:
                issues.at(path + ("namespace",), "a namespace applies only to serverless warehouses", "remove it, or set type: serverless")
        else:
            if not SERVERLESS_NAME.fullmatch(name):
                bad_name(f"{name!r} is not a valid workgroup name", "3-64 characters: lowercase letters, digits and hyphens")
            if wh.namespace is not None and not SERVERLESS_NAME.fullmatch(wh.namespace):
                issues.at(path + ("namespace",), f"{wh.namespace!r} is not a valid namespace name", "3-64 characters: lowercase letters, digits and hyphens")
            if wh.create is not None and wh.namespace is None:
                issues.key(path, "a serverless warehouse that this spec creates needs a namespace", "add namespace: <name>")
        if wh.create is None:
            continue
        c, cpath = wh.create, path + ("create",)
        if wh.type == "cluster":
            if c.node_type is None:
                issues.key(cpath, "required key 'node_type' is missing", "e.g. node_type: ra3.large")
            if c.base_capacity is not None:
                issues.key(cpath + ("base_capacity",), "base_capacity applies only to serverless warehouses", "use node_type and nodes for a cluster")
        else:
            for field in ("node_type", "nodes"):
                if getattr(c, field) is not None:
                    issues.key(cpath + (field,), f"{field} applies only to provisioned clusters", "use base_capacity for serverless")
            if c.base_capacity is not None and not (8 <= c.base_capacity <= 1024 and c.base_capacity % 8 == 0):
                issues.at(cpath + ("base_capacity",), f"{c.base_capacity} RPUs is not a valid base capacity", "8 to 1024, in steps of 8")
        if c.admin_user.lower() == "public":  # CreateCluster: "The user name can't be PUBLIC"
            issues.at(cpath + ("admin_user",), "'public' cannot be an administrator name (Redshift refuses it)", "choose another name, e.g. rsadmin")
        default_admin = "awsuser" if wh.type == "cluster" else "admin"
        if c.admin_user.lower() == default_admin:
            control = "Redshift.8" if wh.type == "cluster" else "RedshiftServerless.5"
            issues.warn(
                cpath + ("admin_user",),
                f"{c.admin_user!r} is the console's default administrator name: AWS accepts it, Security Hub control {control} flags it",
                "a name of your own (e.g. rsadmin) is one less thing for an attacker to guess",
            )
        if c.kms_key_arn is not None and not re.fullmatch(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+", c.kms_key_arn):
            issues.at(cpath + ("kms_key_arn",), f"{c.kms_key_arn!r} is not a KMS key ARN", "arn:aws:kms:<region>:<account>:key/<key id>")


def _check_operators(spec: Spec, issues: _Issues) -> None:
    seen: dict[str, int] = {}
    for i, op in enumerate(spec.operators):
        path = ("operators", i)
        if (op.user is None) == (op.role is None):
            issues.at(path, "an operator is either a user or a role", "give exactly one of user: NAME or role: ARN")
            continue
        if op.role is not None and op.path is not None:
            issues.at(path + ("path",), "path applies only to users", "a role's path is part of its ARN already; remove path")
        if op.role is not None and op.existing:
            issues.at(path + ("existing",), "existing applies only to users", "a role operator always exists already; remove existing")
        ident = (op.user or op.role or "").lower()  # IAM names are unique case-insensitively
        if ident in seen:
            issues.at(path, f"operator {op.user or op.role!r} is listed twice (IAM compares names case-insensitively)", f"keep one entry (first is operators[{seen[ident]}])")
        else:
            seen[ident] = i
        if op.role is not None:  # another account's role is fine: the trust policy names it exactly
            account = op.role.split(":")[4]
            if spec.account_id and account != spec.account_id:
                issues.warn(
                    path + ("role",),
                    f"this operator role is in another account ({account}; the spec's is {spec.account_id}): the schedule role will trust it",
                    "intended for a central operations account; otherwise use a role of the spec's account",
                )
            partition = op.role.split(":")[1]
            if partition != aws.partition_for(spec.region):
                issues.at(path + ("role",), f"the role is in partition {partition!r}, the spec's region in {aws.partition_for(spec.region)!r}", "use a role from the same partition")


def _check_notifications(spec: Spec, issues: _Issues) -> None:
    for key, topic in spec.notifications.items():
        if not TOPIC_KEY.fullmatch(key):
            issues.key(("notifications", key), f"{key!r} is not a valid notification key", "1-63 characters: lowercase letters, digits, '_' and '-', starting with a letter or digit")
        if topic.topic_arn is not None:
            if topic.emails:
                issues.at(("notifications", key, "topic_arn"), "a topic has either emails (rsqgen creates it) or topic_arn (it exists)", "remove emails, and subscribe them to the existing topic where it is managed")
            region, account = topic.topic_arn.split(":")[3:5]
            if region != spec.region:
                issues.at(("notifications", key, "topic_arn"), f"the topic is in {region}, the rules in {spec.region}", "EventBridge rules publish to topics of their own region: use a topic in " + spec.region)
            elif spec.account_id is not None and account != spec.account_id:
                issues.warn(("notifications", key, "topic_arn"), f"the topic belongs to account {account}, not {spec.account_id}", "its owner must allow these rules to publish (the generated README gives the statement)")
        lowered = [e.lower() for e in topic.emails]
        for i, e in enumerate(lowered):
            if e in lowered[:i]:
                issues.at(("notifications", key, "emails", i), f"{topic.emails[i]!r} is listed twice", "list each address once")


def _check_environments(spec: Spec, issues: _Issues) -> None:
    seen: dict[tuple[str, str], str] = {}
    for name, e in spec.environments.items():
        place = (e.account_id, e.region or spec.region)
        if place in seen:
            issues.key(
                ("environments", name),
                f"{seen[place]} and {name} deploy to the same account ({place[0]}) and region ({place[1]}): their rules and roles would collide",
                "give each environment its own account or region, or make them two specs with different names",
            )
        seen.setdefault(place, name)


def _check_schedule_group(spec: Spec, issues: _Issues) -> None:
    if spec.schedule_group is not None and all(q.scheduler != "scheduler" for q in spec.queries.values()):
        issues.at(("schedule_group",), "schedule_group is set but no query uses scheduler: scheduler", "remove it")


def _check_role_and_key(spec: Spec, issues: _Issues) -> None:
    boundary = spec.role.permissions_boundary
    if boundary is not None and spec.account_id is not None:
        account = boundary.split(":")[4]
        if account not in ("aws", spec.account_id):
            issues.at(("role", "permissions_boundary"), f"the policy belongs to account {account}, not {spec.account_id}", "a boundary is a managed policy of the role's own account (or an AWS managed policy)")
    if spec.kms_key.startswith("arn:"):
        region, account = spec.kms_key.split(":")[3:5]
        if region != spec.region:
            issues.at(("kms_key",), f"the key is in {region}, the spec in {spec.region}", "topics and schedule groups use a key of their own region")
        elif spec.account_id is not None and account != spec.account_id:
            issues.warn(("kms_key",), f"the key belongs to account {account}, not {spec.account_id}", "its key policy must let this account's services use it (the generated README says what)")


def _check_query(spec: Spec, key: str, q, base_dir: Path, issues: _Issues) -> ResolvedQuery | None:
    path = ("queries", key)
    before = len(issues.items)
    rule_name = f"{console_prefix(spec)}{spec.query_prefix or ''}{key}"
    if QUERY_KEY.fullmatch(key) and len(rule_name) > aws.RULE_NAME_MAX:
        issues.key(path, f"the rule name {rule_name!r} would be {len(rule_name)} characters", f"at most {aws.RULE_NAME_MAX}: shorten the query name or query_prefix")
    if not QUERY_KEY.fullmatch(key):
        issues.key(
            path,
            f"{key!r} is not a valid query name",
            "1-60 characters: lowercase letters, digits and '-', '_', '.', starting with a letter or digit (the rule is named QS2-<name>, at most 64 characters)",
        )
    wh = spec.warehouses.get(q.warehouse)
    if wh is None:
        issues.at(path + ("warehouse",), f"unknown warehouse {q.warehouse!r}", _did_you_mean(q.warehouse, list(spec.warehouses), "warehouses"))
    _check_auth(spec, q, wh, path, issues)
    if spec.console == "query-editor-v1":
        if wh is not None and wh.type != "cluster":
            issues.at(path + ("warehouse",), "query editor v1 schedules queries on provisioned clusters only", "use console: query-editor-v2 for a Serverless workgroup")
        if q.scheduler != "rule":
            issues.at(path + ("scheduler",), "query editor v1 schedules with EventBridge rules only", "remove scheduler, or use console: query-editor-v2")

    # SQL
    sql: tuple[str, ...] = ()
    if (q.sql is None) == (q.sql_file is None):
        issues.key(path, "give the SQL either inline (sql) or in a file (sql_file)", "exactly one of sql: TEXT, sql: [STATEMENTS], sql_file: PATH")
    elif q.sql_file is not None:
        text = _read_sql_file(q.sql_file, base_dir, path + ("sql_file",), issues)
        sql = (text,) if text is not None else ()
    else:
        sql = _check_sql_value(q.sql, path + ("sql",), issues)
    reports = _preflight(q, sql, path, issues)
    if len(sql) > 1 and q.scheduler == "rule":
        issues.at(
            path + ("sql",),
            "a list of statements (one batch) cannot run on an EventBridge rule: the rule's Redshift target takes one statement",
            "set scheduler: scheduler (runs BatchExecuteStatement), or wrap the statements in a stored procedure and CALL it",
        )
    if len(sql) > aws.BATCH_SQL_MAX:
        issues.at(path + ("sql",), f"a batch has {len(sql)} statements", f"at most {aws.BATCH_SQL_MAX}; split it into several queries")

    # schedule
    schedule = None
    try:
        schedule = parse_schedule(q.schedule, backend=q.scheduler)
    except ScheduleError as exc:
        issues.at(path + ("schedule",), exc.message, exc.allowed)
    _check_scheduler_options(spec, q, path, issues)
    if q.timezone is not None:
        if q.scheduler == "rule":
            issues.at(path + ("timezone",), "EventBridge rules always run in UTC: a time zone needs the scheduler backend", "set scheduler: scheduler, or remove timezone and write the schedule in UTC")
        elif not _is_zone(q.timezone):
            issues.at(path + ("timezone",), f"{q.timezone!r} is not an IANA time zone", "e.g. Asia/Tokyo, Europe/Berlin, UTC")

    # notifications
    seen: dict[str, tuple[Any, ...]] = {}
    for sub, n in q.notifies():
        npath = path + ("notify", *sub)
        if n.topic not in spec.notifications:
            issues.at(npath + ("topic",), f"unknown notification topic {n.topic!r}", _did_you_mean(n.topic, list(spec.notifications), "notifications"))
        elif n.topic in seen:
            first = issues.document.where(seen[n.topic] + ("topic",))
            issues.at(npath + ("topic",), f"topic {n.topic!r} is listed twice (first at {first})", "give it one entry whose on: lists every event it should get")
        seen.setdefault(n.topic, npath)
        if "trigger" in n.on and q.scheduler == "scheduler":
            issues.at(
                npath + ("on",),
                "'trigger' cannot be expressed with EventBridge Scheduler: a schedule has one target and emits no event when it fires",
                "use on: [failed] or [finished] (from the Data API status event), or scheduler: rule",
            )
        if len(set(n.on)) != len(n.on):
            issues.at(npath + ("on",), "an event is listed twice", "list each of trigger, failed, finished at most once")
    if len(issues.items) > before or schedule is None:
        return None
    return ResolvedQuery(
        sql=sql,
        schedule=schedule,
        statements=sum(r.statements for r in reports),
        not_checked=tuple(k for r in reports for k in r.not_checked),
    )


def _preflight(q, sql: tuple[str, ...], path: tuple[Any, ...], issues: _Issues) -> list[sqlcheck.Report]:
    """Run the SQL pre-flight on each text; errors and warnings at the SQL's own place in the spec."""
    reports = []
    for i, text in enumerate(sql):
        if q.sql_file is not None:
            where, shown = path + ("sql_file",), q.sql_file
        else:
            where, shown = (path + ("sql", i) if isinstance(q.sql, list) else path + ("sql",)), ""
        report = sqlcheck.preflight(text, batch_item=len(sql) > 1)
        reports.append(report)
        for f in report.findings:
            location = issues.sql_location(where, f.line, f.col)
            inside = f" (at {shown}:{f.line}:{f.col})" if shown else (f" (its line {f.line}, column {f.col})" if location is None else "")
            issue = SpecIssue(location or issues.document.where(where), format_path(where), f.message + inside, f.allowed)
            if f.severity == "error" or issues.strict_sql:
                issues.items.append(issue)
            else:
                issues.warnings.append(issue)
    return reports


def _check_auth(spec: Spec, q, wh, path: tuple[Any, ...], issues: _Issues) -> None:
    a, apath = q.auth, path + ("auth",)
    if a.secret_kms_key_arn is not None:
        if a.secret_arn is None:
            issues.at(apath + ("secret_kms_key_arn",), "secret_kms_key_arn goes with secret_arn", "give secret_arn: ARN, or remove secret_kms_key_arn")
        elif a.secret_kms_key_arn.split(":")[3] != a.secret_arn.split(":")[3]:
            issues.at(apath + ("secret_kms_key_arn",), "the key is in another region than the secret", "a secret is encrypted with a key of its own region")
    given = [name for name in ("db_user", "secret_arn", "iam", "admin_secret") if getattr(a, name) is not None]
    if len(given) != 1:
        issues.at(
            apath,
            f"give exactly one authentication mode (got {len(given) or 'none'}{': ' + ', '.join(given) if given else ''})",
            "db_user: NAME, secret_arn: ARN, iam: true, or admin_secret: true",
        )
        return
    for flag in ("iam", "admin_secret"):
        if getattr(a, flag) is False:
            issues.at(apath + (flag,), f"{flag}: false selects no authentication", f"use {flag}: true, or another mode")
    if a.admin_secret and wh is not None and wh.create is None:
        issues.at(
            apath + ("admin_secret",),
            f"warehouse {q.warehouse!r} is not created by this spec, so rsqgen does not know its admin secret",
            "give the secret's ARN with secret_arn: ARN",
        )
    if a.db_user is not None and wh is not None and wh.type == "serverless":
        issues.at(
            apath + ("db_user",),
            "Redshift Serverless does not take a database user: temporary credentials are issued for the IAM identity",
            "use iam: true (connects as IAMR:<schedule role>) or secret_arn: ARN",
        )
    if a.secret_arn is not None:
        parts = a.secret_arn.split(":")
        if parts[3] != spec.region:
            issues.at(apath + ("secret_arn",), f"the secret is in {parts[3]}, the warehouse in {spec.region}", "the Data API reads a secret in the warehouse's own region")
        if spec.account_id and parts[4] != spec.account_id:
            issues.at(apath + ("secret_arn",), f"the secret belongs to account {parts[4]}, the spec to {spec.account_id}", "use a secret of the spec's account")


def _check_target_ids(q, path: tuple[Any, ...], issues: _Issues) -> None:
    """Found target ids (`rsqgen adopt`): rules only, trigger notifications only, each once per rule."""
    entries = q.notifies()
    if q.scheduler != "rule":
        if q.target_id is not None:
            issues.key(path + ("target_id",), "target_id names a rule's target; a Scheduler schedule has one target and no id", "remove it, or use scheduler: rule")
        for where, n in entries:
            if n.target_id is not None:
                issues.key(path + ("notify", *where, "target_id"), "target_id names a rule's SNS target; a Scheduler schedule has none", "remove it")
        return
    seen = {q.target_id or "redshift-data": ("target_id",)}
    for where, n in entries:
        if n.target_id is None:
            continue
        if "trigger" not in n.on:
            issues.key(path + ("notify", *where, "target_id"), "target_id is the id of the SNS target told of each trigger", "use it with on: [trigger], or remove it")
        elif n.target_id in seen:
            issues.at(path + ("notify", *where, "target_id"), f"the rule already has a target {n.target_id!r}", "each target of a rule has its own id")
        seen[n.target_id] = ("notify", *where)


def _check_names(spec: Spec, issues: _Issues) -> None:
    """Kept names (`rsqgen adopt`): a rule's keeps a console's prefix (the spec's, or the other
    console's for a rule adopted from it: both are then trusted and managed), and no two queries
    share one."""
    prefix = f"{console_prefix(spec)}{spec.query_prefix or ''}"
    other = "QS-" if console_prefix(spec) == "QS2-" else "QS2-"
    named: dict[str, str] = {}
    for key, q in spec.queries.items():
        path = ("queries", key) + (("name",) if q.name else ())
        if q.name is not None and q.scheduler == "rule" and not q.name.startswith((prefix, other)):
            issues.at(path, f"a rule's name starts with {prefix} (or {other}, the other console's)", f"the consoles list {prefix}* and {other}* rules, and the operators may manage only those; use {prefix}...")
        name = q.name or f"{prefix}{key}"
        if name in named:
            issues.at(path, f"queries {named[name]} and {key} would both be named {name}", "each rule or schedule has its own name")
        named.setdefault(name, key)


def _check_scheduler_options(spec: Spec, q, path: tuple[Any, ...], issues: _Issues) -> None:
    _check_target_ids(q, path, issues)
    if q.scheduler == "rule":
        for field in ("flexible_window_minutes", "start_date", "end_date"):
            if getattr(q, field) is not None:
                issues.key(path + (field,), f"{field} needs the EventBridge Scheduler backend", "set scheduler: scheduler, or remove it")
    if q.dead_letter_queue is not None and q.dead_letter_queue_arn is not None:
        issues.key(path + ("dead_letter_queue_arn",), "give either dead_letter_queue: true or dead_letter_queue_arn, not both", "one dead-letter queue per query")
    if q.dead_letter_queue is False:
        issues.at(path + ("dead_letter_queue",), "dead_letter_queue: false is the default", "remove it, or set it to true")
    if q.dead_letter_queue_arn is not None and q.dead_letter_queue_arn.split(":")[3] != spec.region:
        issues.at(path + ("dead_letter_queue_arn",), "the queue is in another region than the spec", "a dead-letter queue must be in the schedule's region")
    bounds = {}
    for field in ("start_date", "end_date"):
        value = getattr(q, field)
        if value is None:
            continue
        parsed = parse_rfc3339(value)
        if parsed is None:
            issues.at(path + (field,), f"{value!r} is not an RFC 3339 time with a zone", "e.g. 2027-01-01T00:00:00Z or 2027-01-01T09:00:00+09:00")
        else:
            bounds[field] = parsed
    if len(bounds) == 2 and bounds["end_date"] <= bounds["start_date"]:
        issues.at(path + ("end_date",), "end_date is not after start_date", "the schedule would never run")


def _check_sql_value(value: Any, path: tuple[Any, ...], issues: _Issues) -> tuple[str, ...]:
    if isinstance(value, str):
        items = [(path, value)]
    elif isinstance(value, list) and value:
        items = [(path + (i,), v) for i, v in enumerate(value)]
    else:
        issues.at(path, "expected SQL text or a non-empty list of statements", "sql: SELECT 1; or sql: [stmt1, stmt2]")
        return ()
    out = []
    for p, v in items:
        if not isinstance(v, str):
            issues.at(p, "expected SQL text", "write the statement as a string")
        elif not v.strip():
            issues.at(p, "the SQL is empty", "write a statement")
        elif len(v) > aws.SQL_MAX:
            issues.at(p, f"the SQL is {len(v):,} characters long", f"at most {aws.SQL_MAX:,} (the EventBridge and Data API limit)")
        else:
            _warn_if_not_nfc(v, p, issues)
            out.append(v)
    return tuple(out) if len(out) == len(items) else ()


def _warn_if_not_nfc(text: str, path: tuple[Any, ...], issues: _Issues) -> None:
    """Terraform stores every string in Unicode NFC form (cty normalises), so decomposed text
    (common from macOS) reaches Redshift composed: a string literal in the SQL may then not match."""
    if unicodedata.is_normalized("NFC", text):
        return
    at = next(i for i, (a, b) in enumerate(zip(text, unicodedata.normalize("NFC", text) + "\0")) if a != b)
    line = text.count("\n", 0, at) + 1
    issues.warn(
        path,
        f"the SQL is not in Unicode NFC form (first at its line {line}): Terraform normalises every string, so Redshift receives the composed form",
        "save the SQL in NFC (most editors do), or check that a changed literal still matches your data",
    )


def _read_sql_file(name: str, base_dir: Path, path: tuple[Any, ...], issues: _Issues) -> str | None:
    candidate = Path(name)
    base = base_dir.resolve()
    if candidate.is_absolute():
        issues.at(path, f"{name!r} is an absolute path", "give a path relative to the spec's folder")
        return None
    resolved = (base / candidate).resolve()
    if not resolved.is_relative_to(base):
        issues.at(path, f"{name!r} points outside the spec's folder", "keep SQL files in the spec's folder or below it")
        return None
    if resolved.is_dir():
        issues.at(path, f"{name!r} is a folder, not a file", "name the SQL file itself, e.g. sql/daily.sql")
        return None
    if not resolved.is_file():
        issues.at(path, f"{name!r} does not exist (looked for {resolved})", "give a path relative to the spec's folder")
        return None
    data = resolved.read_bytes()[: aws.SQL_MAX * 4 + 1]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        issues.at(path, f"{name!r} is not valid UTF-8 at {name}:{line}:{col} (byte {exc.start})", "save the SQL file as UTF-8")
        return None
    if not text.strip():
        issues.at(path, f"{name!r} is empty", "write a statement in it")
        return None
    if len(text) > aws.SQL_MAX:
        issues.at(path, f"{name!r} holds {len(text):,} characters", f"at most {aws.SQL_MAX:,} (the EventBridge and Data API limit)")
        return None
    _warn_if_not_nfc(text, path, issues)
    return text


@functools.lru_cache(maxsize=None)
def _is_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return name in _zones() or name == "UTC"


@functools.lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())

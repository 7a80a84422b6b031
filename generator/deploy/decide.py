"""Stage 2, the decisions: from a validated spec to a Deployment in which everything is decided.

Every name (QS2-<key>, role, group, topics, status rules), every ARN and every policy document is
decided here and only here; the templates place these values and decide nothing.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from .. import aws
from ..errors import SpecError, SpecIssue
from ..spec import LoadedSpec
from ..spec.semantics import console_prefix
from ..spec.yamlsrc import format_path
from ..values import ACCOUNT, Ref, Value, parse_rfc3339, to_utc
from . import iam, quotas
from .parts import (
    SPEC_TAG,
    Auth,
    DeadLetterQueue,
    Deployment,
    HistoryLog,
    OperatorsGroup,
    ScheduledQuery,
    ScheduleRole,
    StatusRule,
    Topic,
    Warehouse,
)

__all__ = ["decide", "fit_name"]

def fit_name(name: str, limit: int) -> str:
    """`name` if it fits in `limit` characters, else a truncation with a stable 8-hex suffix."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9].rstrip('-_.')}-{digest}"


def decide(loaded: LoadedSpec) -> Deployment:
    """The decided Deployment; a quota AWS would refuse becomes a SpecError at the key to change."""
    try:
        return _decide(loaded)
    except quotas.QuotaError as exc:
        where = loaded.document.where(exc.where, key=True)
        raise SpecError([SpecIssue(where, format_path(exc.where), exc.message, exc.allowed)]) from None


def _decide(loaded: LoadedSpec) -> Deployment:
    spec = loaded.spec
    partition = aws.partition_for(spec.region)
    account = spec.account_id or ACCOUNT
    arns = aws.Arns(partition, spec.region, account)
    warnings = [f"{w.location}: warning: {w.path}: {w.message}" + (f"; {w.allowed}" if w.allowed else "") for w in loaded.warnings]

    # Query editor v2 lists rules named QS2-<name>; a spec's own prefix follows it.
    rule_prefix = f"{console_prefix(spec)}{spec.query_prefix or ''}"
    role_name = f"{spec.name}-redshift-scheduler"
    role_arn = arns.iam_role(role_name, spec.role.path)

    warehouses = {key: _warehouse(key, wh, arns) for key, wh in spec.warehouses.items()}

    topic_publishers: dict[str, list[str]] = {key: [] for key in spec.notifications}
    dlq_sources: list[str] = []
    queries: list[ScheduledQuery] = []
    for key, q in spec.queries.items():
        resolved = loaded.queries[key]
        wh = warehouses[q.warehouse]
        rule_name = q.name or f"{rule_prefix}{key}"  # a name made by hand is kept (adopt)
        rule_arn = arns.events_rule(rule_name)
        auth, db_user, secret = _auth(q.auth, wh)
        dead_letter: Value | None = q.dead_letter_queue_arn
        if q.dead_letter_queue:
            dead_letter = iam.DLQ_ARN
            if q.scheduler == "rule":
                dlq_sources.append(rule_arn)
        statuses, triggers = _notifications(spec, key, q, rule_arn, arns, topic_publishers)
        words = resolved.schedule.describe()
        queries.append(
            ScheduledQuery(
                key=key,
                rule_name=rule_name,
                rule_arn=rule_arn,
                description=q.description if q.description is not None else f"Scheduled query {key}: {words} (rsqgen)",
                schedule_expression=resolved.schedule.expression,
                schedule_words=words,
                enabled=q.enabled,
                backend=q.scheduler,
                timezone=q.timezone,
                warehouse=q.warehouse,
                target_arn=wh.arn,
                database=q.database,
                auth=auth,
                db_user=db_user,
                secret_arn=secret,
                secret_kms_key_arn=q.auth.secret_kms_key_arn,
                sql=resolved.sql,
                with_event=bool(statuses) or spec.history is not None,  # history keeps the status events
                target_id=q.target_id or "redshift-data",
                triggers=triggers,
                statuses=statuses,
                cluster_identifier=wh.identifier if wh.type == "cluster" else None,
                workgroup_name=wh.identifier if wh.type == "serverless" else None,
                retry=(q.retry.max_event_age_seconds, q.retry.max_attempts) if q.retry else None,
                dead_letter_arn=dead_letter,
                flexible_window_minutes=q.flexible_window_minutes,
                start_date=_utc(q.start_date),
                end_date=_utc(q.end_date),
            )
        )

    for q in queries:
        if q.backend == "scheduler":
            quotas.check_scheduler_input(q.key, q.scheduler_request())

    topics = tuple(
        Topic(
            key=key,
            name=t.topic_arn.split(":")[5] if t.topic_arn else f"{spec.name}-{key}",
            emails=tuple(sorted(set(t.emails), key=str.lower)),
            publisher_rule_arns=tuple(sorted(topic_publishers[key])),
            existing_arn=t.topic_arn,
        )
        for key, t in sorted(spec.notifications.items())
    )
    for t in topics:
        if t.created and not t.emails and t.publisher_rule_arns:
            warnings.append(f"warning: notification topic {t.key!r} has no email subscribers: subscribe its readers (Chatbot, PagerDuty, ...) where you manage them, or give emails")
        if not t.publisher_rule_arns:
            made = "it is created, but" if t.created else "it exists, and"
            warnings.append(f"warning: notification topic {t.key!r} is used by no query: {made} nothing publishes to it")

    users = {op.user: not op.existing for op in spec.operators if op.user is not None}
    paths = {op.user: op.path or "/" for op in spec.operators if op.user is not None}
    role_operators = tuple(sorted(op.role for op in spec.operators if op.role is not None))
    operator_arns = tuple(sorted([arns.iam_user(u, paths[u]) for u in users] + list(role_operators)))
    if not operator_arns:
        warnings.append(
            "warning: no operators: nobody can create schedules in the console or view their history; add users or roles under 'operators'"
        )
    backends = {q.backend for q in queries}
    schedule_group = (spec.schedule_group or f"{spec.name}-redshift-queries") if "scheduler" in backends else None
    # Rules adopted from the other console keep its prefix (QS- beside QS2-): trusted and managed too.
    other = "QS-" if console_prefix(spec) == "QS2-" else "QS2-"
    rule_prefixes = (rule_prefix,) + ((other,) if any(q.backend == "rule" and q.rule_name.startswith(other) for q in queries) else ())
    service_trust = iam.service_trust(arns, rule_prefixes, schedule_group)
    trusted = aws.CONSOLE_TRUSTED_SERVICES + ((aws.SCHEDULER_SERVICE,) if schedule_group else ())
    statements = iam.role_statements(queries, warehouses, arns, _schedule_key(spec))
    inline, managed = quotas.pack(statements, spec.quotas.managed_policies_per_role)
    role = ScheduleRole(
        name=role_name,
        arn=role_arn,
        path=spec.role.path,
        permissions_boundary=spec.role.permissions_boundary,
        policy_name="scheduled-query-permissions",
        trusted_services=tuple(sorted(trusted)),
        service_trust=service_trust,
        operator_arns=operator_arns,
        statements=inline,
        managed_policies=managed,
    )
    quotas.check_trust(role.trust_policy(), len(operator_arns), spec.quotas.trust_policy_size)
    rules = sum(1 for q in queries if q.backend == "rule") + sum(len(q.statuses) for q in queries)
    warning = quotas.rules_warning(rules, spec.quotas.rules_per_bus)
    if warning:
        warnings.append(f"warning: {warning}")
    operators = OperatorsGroup(
        group_name=f"{spec.name}-redshift-operators",
        policy_name="manage-scheduled-queries",
        users=dict(sorted(users.items())),
        paths=dict(sorted(paths.items())),
        statements=iam.operator_statements(role, arns, rule_prefixes),
        role_arns=role_operators,
    )
    if spec.kms_key != "per-resource" and not (any(t.created for t in topics) or schedule_group):
        warnings.append(f"warning: kms_key is {spec.kms_key!r}, but this spec creates no topic or schedule group to encrypt")
    uses_dlq = any(q.dead_letter_queue for q in spec.queries.values())
    tags = {"ManagedBy": "rsqgen", SPEC_TAG: spec.name}
    if loaded.environment is not None:
        tags["RsqgenEnvironment"] = loaded.environment
    tags.update(spec.tags)
    return Deployment(
        # Only the file's name: the output must not depend on where the spec was rendered from.
        spec_file=re.sub(r"[^\w.+@=,-]", "_", Path(loaded.file).name),
        name=spec.name,
        region=spec.region,
        partition=partition,
        account_id=spec.account_id,
        tags=dict(sorted(tags.items())),
        role=role,
        operators=operators,
        warehouses=tuple(warehouses[k] for k in sorted(warehouses)),
        topics=topics,
        queries=tuple(sorted(queries, key=lambda q: q.key)),
        warnings=tuple(warnings),
        schedule_group=schedule_group,
        schedule_group_created=spec.schedule_group is None,
        rule_prefix=rule_prefix,
        rule_prefixes=rule_prefixes,
        dead_letter_queue=DeadLetterQueue(f"{spec.name}-scheduled-query-dlq", tuple(sorted(dlq_sources))) if uses_dlq else None,
        kms_key=spec.kms_key,
        environment=loaded.environment,
        backend={k: v for k, v in spec.backend.s3.model_dump().items() if v is not None} if spec.backend else None,
        module_source=(spec.modules.source, spec.modules.commit or spec.modules.ref) if spec.modules else None,
        history=_history(spec, arns, tuple(sorted(q.rule_name for q in queries if not q.rule_name.startswith(rule_prefix)))),
    )


def _schedule_key(spec) -> Value | None:
    """The key of the schedules' payloads: the created group's (its module passes on the shared or an
    existing key); with an existing group, the shared or existing key, else AWS's own (no grant)."""
    if spec.schedule_group is None:
        return iam.SCHEDULE_KEY_ARN
    if spec.kms_key == "shared":
        return iam.SHARED_KEY_ARN
    return spec.kms_key if spec.kms_key.startswith("arn:") else None


def _history(spec, arns: aws.Arns, outside_prefix: tuple[str, ...]) -> HistoryLog | None:
    """history.retain_days: one rule takes every status event under the spec's prefix (and of the
    kept names outside it) to a log group. Not under /aws/events/: the EventBridge console's
    account-wide policy (TrustEventsToStoreLogEvent) lets any rule write to groups there, and the
    history must hold only what the history rule wrote."""
    if spec.history is None:
        return None
    rule = fit_name(f"{spec.name}-history", aws.RULE_NAME_MAX)
    group = f"/rsqgen/{spec.name}/history"
    return HistoryLog(spec.history.retain_days, group, arns.log_group(group), rule, arns.events_rule(rule), outside_prefix)


def _notifications(spec, key: str, q, rule_arn: str, arns: aws.Arns, publishers: dict[str, list[str]]) -> tuple[tuple[StatusRule, ...], tuple[str, ...]]:
    """The status rules (one per topic told of outcomes) and the topics told of each trigger.

    A query with one topic for outcomes keeps the status rule name `<spec>-<query>-status` (and the
    for_each key `<query>`); with several, each is `<spec>-<query>-status-<topic>` (`<query>:<topic>`)."""
    entries = [n for _, n in q.notifies()]
    outcome = [n for n in entries if {"failed", "finished"} & set(n.on)]
    statuses = []
    for n in outcome:
        states = (["FAILED", "ABORTED"] if "failed" in n.on else []) + (["FINISHED"] if "finished" in n.on else [])
        single = len(outcome) == 1
        name = fit_name(f"{spec.name}-{key}-status" + ("" if single else f"-{n.topic}"), aws.RULE_NAME_MAX)
        status = StatusRule(name, arns.events_rule(name), tuple(states), n.topic, key if single else f"{key}:{n.topic}")
        statuses.append(status)
        publishers[n.topic].append(status.rule_arn)
    topics = sorted(n.topic for n in entries if "trigger" in n.on)
    for topic in topics:
        publishers[topic].append(rule_arn)
    # Target ids: one topic keeps the id it always had; several are told apart by topic.
    ids = ["notify-trigger"] if len(topics) == 1 else [fit_name(f"notify-{t}", aws.TARGET_ID_MAX) for t in topics]
    found = {n.topic: n.target_id for n in entries if n.target_id is not None}  # kept by `rsqgen adopt`
    ids = [found.get(t, i) for i, t in zip(ids, topics, strict=True)]
    return tuple(sorted(statuses, key=lambda s: s.key)), tuple(zip(ids, topics, strict=True))


def _warehouse(key: str, wh, arns: aws.Arns) -> Warehouse:
    c = wh.create
    if wh.type == "cluster":
        name = wh.identifier or key
        common: dict[str, Any] = dict(key=key, identifier=name, type="cluster", arn=arns.cluster(name), namespace=None)
        if c is None:
            return Warehouse(created=False, **common)
        return Warehouse(
            created=True,
            node_type=c.node_type,
            nodes=c.nodes or 1,
            database=c.database,
            admin_user=c.admin_user,
            subnet_ids=tuple(c.subnet_ids) if c.subnet_ids is not None else None,
            security_group_ids=tuple(c.security_group_ids or ()),
            kms_key_arn=c.kms_key_arn,
            admin_secret_arn=Ref(f'module.redshift_cluster["{key}"].master_password_secret_arn'),
            **common,
        )
    # Serverless: a workgroup's ARN ends in a generated id, so it is read (existing) or exported (created).
    if c is None:
        return Warehouse(
            key=key,
            identifier=wh.identifier or key,
            type="serverless",
            arn=Ref(f'data.aws_redshiftserverless_workgroup.this["{key}"].arn'),
            created=False,
            namespace=wh.namespace,
        )
    return Warehouse(
        key=key,
        identifier=wh.identifier or key,
        type="serverless",
        arn=Ref(f'module.redshift_serverless["{key}"].workgroup_arn'),
        created=True,
        namespace=wh.namespace,
        database=c.database,
        admin_user=c.admin_user,
        base_capacity=c.base_capacity or 8,
        subnet_ids=tuple(c.subnet_ids) if c.subnet_ids is not None else None,
        security_group_ids=tuple(c.security_group_ids or ()),
        kms_key_arn=c.kms_key_arn,
        admin_secret_arn=Ref(f'module.redshift_serverless["{key}"].admin_password_secret_arn'),
    )


def _utc(value: str | None) -> str | None:
    """RFC 3339 in UTC ('Z'), as AWS returns it: any other offset would show as a change on every plan."""
    if value is None:
        return None
    parsed = parse_rfc3339(value)
    assert parsed is not None, value  # the spec stage accepted only RFC 3339 times
    return to_utc(parsed)


def _auth(auth, wh: Warehouse) -> tuple[Auth, str | None, Value | None]:
    if auth.db_user is not None:
        return "db_user", auth.db_user, None
    if auth.secret_arn is not None:
        return "secret", None, auth.secret_arn
    if auth.admin_secret:
        return "admin_secret", None, wh.admin_secret_arn
    return "iam", None, None

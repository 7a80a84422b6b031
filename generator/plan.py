"""The plan step: from a validated spec to a Deployment in which everything is decided.

Every name (QS2-<key>, role, group, topics, status rules), every ARN and every policy document is
decided here and only here; the templates place these values and decide nothing. A value is a
plain string, or a `Ref` to something Terraform only knows at apply time (a secret that Redshift
creates, a workgroup's generated ARN). ARNs in a spec without `account_id` carry the aws.ACCOUNT
placeholder, which the renderer turns into `${local.account_id}`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import aws, quotas
from .spec import LoadedSpec

Auth = Literal["db_user", "secret", "iam", "admin_secret"]


@dataclass(frozen=True)
class Ref:
    """A Terraform expression, rendered as it is (never quoted)."""

    expr: str


Value = str | Ref


@dataclass(frozen=True)
class Statement:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[Value, ...]
    conditions: dict[str, dict[str, list[str]]] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not self.actions or not self.resources:  # an empty list would be a silent no-op grant
            raise ValueError(f"statement {self.sid} needs at least one action and one resource")

    def to_iam(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "Sid": self.sid,
            "Effect": "Allow",
            "Action": list(self.actions),
            "Resource": list(self.resources),
        }
        if self.conditions:
            doc["Condition"] = self.conditions
        return doc


def policy_document(statements: tuple[Statement, ...]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [s.to_iam() for s in statements]}


@dataclass(frozen=True)
class RolePlan:
    name: str
    arn: str
    policy_name: str
    trusted_services: tuple[str, ...]
    operator_arns: tuple[str, ...]
    statements: tuple[Statement, ...]  # the inline policy
    managed_policies: tuple[tuple[Statement, ...], ...] = ()  # overflow beyond the inline quota

    @property
    def all_statements(self) -> tuple[Statement, ...]:
        return self.statements + tuple(s for policy in self.managed_policies for s in policy)

    def trust_policy(self) -> dict[str, Any]:
        statements: list[dict[str, Any]] = [
            {
                "Sid": "TrustedServices",
                "Effect": "Allow",
                "Principal": {"Service": list(self.trusted_services)},
                "Action": "sts:AssumeRole",
            }
        ]
        if self.operator_arns:
            statements.append(
                {
                    "Sid": "Operators",
                    "Effect": "Allow",
                    "Principal": {"AWS": list(self.operator_arns)},
                    "Action": "sts:AssumeRole",
                }
            )
        return {"Version": "2012-10-17", "Statement": statements}

    def permissions_policy(self) -> dict[str, Any]:
        """The inline policy (with managed_policies, the role's whole permissions)."""
        return policy_document(self.statements)


@dataclass(frozen=True)
class OperatorsPlan:
    group_name: str
    policy_name: str
    users: dict[str, bool]  # user name -> create it
    statements: tuple[Statement, ...]  # the group policy
    role_arns: tuple[str, ...]  # role operators: trusted by the role, not managed here

    def group_policy(self) -> dict[str, Any]:
        return policy_document(self.statements)


@dataclass(frozen=True)
class WarehousePlan:
    key: str
    type: Literal["cluster", "serverless"]
    arn: Value  # the EventBridge target
    created: bool
    namespace: str | None
    # creation parameters (created warehouses only)
    node_type: str | None = None
    nodes: int | None = None
    database: str | None = None
    admin_user: str | None = None
    base_capacity: int | None = None
    subnet_ids: tuple[str, ...] | None = None  # None: the default VPC's subnets
    security_group_ids: tuple[str, ...] = ()
    kms_key_arn: str | None = None
    admin_secret_arn: Ref | None = None


@dataclass(frozen=True)
class TopicPlan:
    key: str
    name: str
    emails: tuple[str, ...]
    publisher_rule_arns: tuple[str, ...]


@dataclass(frozen=True)
class StatusPlan:
    rule_name: str
    rule_arn: str
    states: tuple[str, ...]
    topic: str  # a TopicPlan key


@dataclass(frozen=True)
class DeadLetterPlan:
    name: str
    source_rule_arns: tuple[str, ...]  # rules that send to it (Scheduler sends through the role)


@dataclass(frozen=True)
class QueryPlan:
    key: str
    rule_name: str  # rule or schedule name == statement name
    rule_arn: str
    description: str
    schedule_expression: str
    schedule_words: str
    enabled: bool
    backend: Literal["rule", "scheduler"]
    timezone: str | None
    warehouse: str
    target_arn: Value
    database: str
    auth: Auth
    db_user: str | None
    secret_arn: Value | None
    sql: tuple[str, ...]
    with_event: bool
    trigger_topic: str | None
    status: StatusPlan | None
    cluster_identifier: str | None = None  # the Scheduler's Data API request names its target
    workgroup_name: str | None = None
    retry: tuple[int, int] | None = None  # (maximum_event_age_in_seconds, maximum_retry_attempts)
    dead_letter_arn: Value | None = None
    flexible_window_minutes: int | None = None
    start_date: str | None = None
    end_date: str | None = None


@dataclass(frozen=True)
class Deployment:
    spec_file: str
    name: str
    region: str
    partition: str
    account_id: str | None  # None: looked up by the generated code
    tags: dict[str, str]
    role: RolePlan
    operators: OperatorsPlan
    warehouses: tuple[WarehousePlan, ...]
    topics: tuple[TopicPlan, ...]
    queries: tuple[QueryPlan, ...]
    warnings: tuple[str, ...]
    schedule_group: str | None = None  # EventBridge Scheduler group, when a query uses it
    dead_letter_queue: DeadLetterPlan | None = None

    def resolve(self, value: Any, account_id: str) -> Any:
        """Replace the account placeholder in a value (recursively), for tests and reports."""
        if isinstance(value, str):
            return value.replace(aws.ACCOUNT, account_id)
        if isinstance(value, list | tuple):
            return [self.resolve(v, account_id) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v, account_id) for k, v in value.items()}
        return value


# Values that exist only once Terraform created them (module outputs of the root module).
SCHEDULE_KEY_ARN = Ref("module.schedule_group.kms_key_arn")
DLQ_ARN = Ref("module.dead_letter_queue.arn")


def fit_name(name: str, limit: int) -> str:
    """`name` if it fits in `limit` characters, else a truncation with a stable 8-hex suffix."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9].rstrip('-_.')}-{digest}"


def _sorted_unique(values) -> tuple:
    """Sort strings; keep Refs after them in first-seen order (they have no stable text order)."""
    values = list(values)  # may be a generator: it is read twice below
    strings = sorted({v for v in values if isinstance(v, str)})
    refs: list[Ref] = []
    for v in values:
        if isinstance(v, Ref) and v not in refs:
            refs.append(v)
    return tuple(strings) + tuple(refs)


def build(loaded: LoadedSpec) -> Deployment:
    """The decided Deployment; a quota AWS would refuse becomes a SpecError at the key to change."""
    try:
        return _build(loaded)
    except quotas.QuotaError as exc:
        from .errors import SpecError, SpecIssue
        from .yamlsrc import format_path

        where = loaded.document.key_location(exc.where)
        raise SpecError([SpecIssue(where, format_path(exc.where), exc.message, exc.allowed)]) from None


def _build(loaded: LoadedSpec) -> Deployment:
    spec = loaded.spec
    partition = aws.partition_for(spec.region)
    account = spec.account_id or aws.ACCOUNT
    arns = aws.Arns(partition, spec.region, account)
    warnings: list[str] = []

    role_name = f"{spec.name}-redshift-scheduler"
    role_arn = arns.iam_role(role_name)

    warehouses = {key: _warehouse(key, wh, arns) for key, wh in spec.warehouses.items()}

    topic_publishers: dict[str, list[str]] = {key: [] for key in spec.notifications}
    dlq_sources: list[str] = []
    queries: list[QueryPlan] = []
    for key, q in spec.queries.items():
        resolved = loaded.queries[key]
        wh = warehouses[q.warehouse]
        rule_name = f"QS2-{key}"
        rule_arn = arns.events_rule(rule_name)
        auth, db_user, secret = _auth(q.auth, wh)
        dead_letter: Value | None = q.dead_letter_queue_arn
        if q.dead_letter_queue:
            dead_letter = DLQ_ARN
            if q.scheduler == "rule":
                dlq_sources.append(rule_arn)
        status = None
        trigger = None
        if q.notify is not None:
            states = []
            if "failed" in q.notify.on:
                states += ["FAILED", "ABORTED"]
            if "finished" in q.notify.on:
                states.append("FINISHED")
            if states:
                status_name = fit_name(f"{spec.name}-{key}-status", aws.RULE_NAME_MAX)
                status = StatusPlan(status_name, arns.events_rule(status_name), tuple(states), q.notify.topic)
                topic_publishers[q.notify.topic].append(status.rule_arn)
            if "trigger" in q.notify.on:
                trigger = q.notify.topic
                topic_publishers[q.notify.topic].append(rule_arn)
        words = resolved.schedule.describe()
        queries.append(
            QueryPlan(
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
                sql=resolved.sql,
                with_event=status is not None,
                trigger_topic=trigger,
                status=status,
                cluster_identifier=q.warehouse if wh.type == "cluster" else None,
                workgroup_name=q.warehouse if wh.type == "serverless" else None,
                retry=(q.retry.max_event_age_seconds, q.retry.max_attempts) if q.retry else None,
                dead_letter_arn=dead_letter,
                flexible_window_minutes=q.flexible_window_minutes,
                start_date=_utc(q.start_date),
                end_date=_utc(q.end_date),
            )
        )

    topics = tuple(
        TopicPlan(
            key=key,
            name=f"{spec.name}-{key}",
            emails=tuple(sorted(set(t.emails), key=str.lower)),
            publisher_rule_arns=tuple(sorted(topic_publishers[key])),
        )
        for key, t in sorted(spec.notifications.items())
    )
    for t in topics:
        if not t.publisher_rule_arns:
            warnings.append(f"notification topic {t.key!r} is used by no query: it is created, but nothing publishes to it")

    users = {op.user: not op.existing for op in spec.operators if op.user is not None}
    role_operators = tuple(sorted(op.role for op in spec.operators if op.role is not None))
    operator_arns = tuple(sorted([arns.iam_user(u) for u in users] + list(role_operators)))
    if not operator_arns:
        warnings.append(
            "no operators: nobody can create schedules in the console or view their history; add users or roles under 'operators'"
        )
    backends = {q.backend for q in queries}
    trusted = aws.CONSOLE_TRUSTED_SERVICES + ((aws.SCHEDULER_SERVICE,) if "scheduler" in backends else ())
    inline, managed = quotas.pack(_role_statements(queries, warehouses, arns), spec.quotas.managed_policies_per_role)
    role = RolePlan(
        name=role_name,
        arn=role_arn,
        policy_name="scheduled-query-permissions",
        trusted_services=tuple(sorted(trusted)),
        operator_arns=operator_arns,
        statements=inline,
        managed_policies=managed,
    )
    quotas.check_trust(role.trust_policy(), len(operator_arns), spec.quotas.trust_policy_size)
    rules = sum(1 for q in queries if q.backend == "rule") + sum(1 for q in queries if q.status)
    warning = quotas.rules_warning(rules, spec.quotas.rules_per_bus)
    if warning:
        warnings.append(warning)
    operators = OperatorsPlan(
        group_name=f"{spec.name}-redshift-operators",
        policy_name="manage-scheduled-queries",
        users=dict(sorted(users.items())),
        statements=_operator_statements(role, arns, backends),
        role_arns=role_operators,
    )
    uses_dlq = any(q.dead_letter_queue for q in spec.queries.values())
    tags = {"ManagedBy": "rsqgen", "RsqgenSpec": spec.name}
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
        schedule_group=f"{spec.name}-redshift-queries" if "scheduler" in backends else None,
        dead_letter_queue=DeadLetterPlan(f"{spec.name}-scheduled-query-dlq", tuple(sorted(dlq_sources))) if uses_dlq else None,
    )


def _warehouse(key: str, wh, arns: aws.Arns) -> WarehousePlan:
    c = wh.create
    if wh.type == "cluster":
        common: dict[str, Any] = dict(key=key, type="cluster", arn=arns.cluster(key), namespace=None)
        if c is None:
            return WarehousePlan(created=False, **common)
        return WarehousePlan(
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
        return WarehousePlan(
            key=key,
            type="serverless",
            arn=Ref(f'data.aws_redshiftserverless_workgroup.this["{key}"].arn'),
            created=False,
            namespace=wh.namespace,
        )
    return WarehousePlan(
        key=key,
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
    from datetime import datetime, timezone

    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _auth(auth, wh: WarehousePlan) -> tuple[Auth, str | None, Value | None]:
    if auth.db_user is not None:
        return "db_user", auth.db_user, None
    if auth.secret_arn is not None:
        return "secret", None, auth.secret_arn
    if auth.admin_secret:
        return "admin_secret", None, wh.admin_secret_arn
    return "iam", None, None


def _role_statements(queries: list[QueryPlan], warehouses: dict[str, WarehousePlan], arns: aws.Arns) -> tuple[Statement, ...]:
    single = [q for q in queries if len(q.sql) == 1]
    batch = [q for q in queries if len(q.sql) > 1]
    statements: list[Statement] = []
    if single:
        statements.append(Statement("RunStatements", ("redshift-data:ExecuteStatement",), _sorted_unique(q.target_arn for q in single)))
    if batch:
        statements.append(
            Statement("RunBatchStatements", ("redshift-data:BatchExecuteStatement",), _sorted_unique(q.target_arn for q in batch))
        )
    # Operators read the history of these statements in the console by assuming this role.
    statements.append(
        Statement("ReadOwnStatements", aws.DATA_API_UNSCOPED_ACTIONS, ("*",), conditions=aws.STATEMENT_OWNER_CONDITION)
    )
    db_user = [q for q in queries if q.auth == "db_user"]
    if db_user:
        resources = [arns.dbuser(q.warehouse, q.db_user) for q in db_user] + [arns.dbname(q.warehouse, q.database) for q in db_user]
        statements.append(Statement("DatabaseUserCredentials", ("redshift:GetClusterCredentials",), _sorted_unique(resources)))
    iam_cluster = [q for q in queries if q.auth == "iam" and warehouses[q.warehouse].type == "cluster"]
    if iam_cluster:
        statements.append(
            Statement(
                "IamIdentityCredentials",
                ("redshift:GetClusterCredentialsWithIAM",),
                _sorted_unique(arns.dbname(q.warehouse, q.database) for q in iam_cluster),
            )
        )
    iam_serverless = [q for q in queries if q.auth == "iam" and warehouses[q.warehouse].type == "serverless"]
    if iam_serverless:
        statements.append(
            Statement(
                "ServerlessCredentials",
                ("redshift-serverless:GetCredentials",),
                _sorted_unique(q.target_arn for q in iam_serverless),
            )
        )
    secrets = [q.secret_arn for q in queries if q.secret_arn is not None]
    if secrets:
        statements.append(Statement("ReadDatabaseSecrets", ("secretsmanager:GetSecretValue",), _sorted_unique(secrets)))
    scheduled = [q for q in queries if q.backend == "scheduler"]
    if scheduled:
        # Scheduler decrypts the payload (the SQL) with the execution role's permission.
        statements.append(Statement("DecryptSchedulePayloads", ("kms:Decrypt",), (SCHEDULE_KEY_ARN,)))
        queues = [q.dead_letter_arn for q in scheduled if q.dead_letter_arn is not None]
        if queues:
            statements.append(Statement("SendFailedInvocations", ("sqs:SendMessage",), _sorted_unique(queues)))
    return tuple(statements)


def _operator_statements(role: RolePlan, arns: aws.Arns, backends: set[str]) -> tuple[Statement, ...]:
    statements = [
        Statement("AssumeScheduleRole", ("sts:AssumeRole",), (role.arn,)),
        # The console passes the schedule role to EventBridge when it creates a QS2- rule.
        Statement(
            "PassScheduleRoleToEventBridge",
            ("iam:PassRole",),
            (role.arn,),
            conditions={"StringEquals": {"iam:PassedToService": ["events.amazonaws.com"]}},
        ),
        Statement(
            "ManageConsoleScheduledQueries",
            (
                "events:DeleteRule",
                "events:DescribeRule",
                "events:DisableRule",
                "events:EnableRule",
                "events:ListTargetsByRule",
                "events:PutRule",
                "events:PutTargets",
                "events:RemoveTargets",
            ),
            (arns.events_rule("QS2-*"),),
        ),
    ]
    return tuple(statements)

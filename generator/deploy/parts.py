"""The decided Deployment: every name, ARN and policy document a rendered tree will hold.

Plain frozen dataclasses, built by `decide` and read by the renderer and the tools. A value is a
plain string, or a `Ref` to something Terraform only knows at apply time (a secret that Redshift
creates, a workgroup's generated ARN). ARNs in a spec without `account_id` carry the
values.ACCOUNT placeholder, which the renderer turns into `${local.account_id}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..values import Ref, Statement, Value, policy_document

__all__ = [
    "Auth",
    "DeadLetterQueue",
    "Deployment",
    "OperatorsGroup",
    "ScheduleRole",
    "ScheduledQuery",
    "ServiceTrust",
    "StatusRule",
    "Topic",
    "Warehouse",
]

Auth = Literal["db_user", "secret", "iam", "admin_secret"]


# The tag every resource of a spec carries, with the spec's name: how the live commands tell a
# spec's own resources from others of the same name (IAM groups take no tags).
SPEC_TAG = "RsqgenSpec"


@dataclass(frozen=True)
class ServiceTrust:
    """A service principal trusted only under conditions (its own trust statement)."""

    sid: str
    service: str
    conditions: dict[str, dict[str, list[str]]]


@dataclass(frozen=True)
class ScheduleRole:
    name: str
    arn: str
    policy_name: str
    trusted_services: tuple[str, ...]
    operator_arns: tuple[str, ...]
    statements: tuple[Statement, ...]  # the inline policy
    managed_policies: tuple[tuple[Statement, ...], ...] = ()  # overflow beyond the inline quota
    service_trust: tuple[ServiceTrust, ...] = ()  # those of trusted_services trusted under conditions
    path: str = "/"
    permissions_boundary: str | None = None

    @property
    def all_statements(self) -> tuple[Statement, ...]:
        return self.statements + tuple(s for policy in self.managed_policies for s in policy)

    @property
    def unconditioned_services(self) -> tuple[str, ...]:
        """Trusted services without a condition: the module's `trusted_services`."""
        conditional = {t.service for t in self.service_trust}
        return tuple(s for s in self.trusted_services if s not in conditional)

    def trust_policy(self) -> dict[str, Any]:
        """The trust policy exactly as the schedule-role module builds it."""
        statements: list[dict[str, Any]] = []
        if self.unconditioned_services:
            statements.append(
                {"Sid": "TrustedServices", "Effect": "Allow", "Principal": {"Service": list(self.unconditioned_services)}, "Action": "sts:AssumeRole"}
            )
        statements += [
            {"Sid": t.sid, "Effect": "Allow", "Principal": {"Service": t.service}, "Action": "sts:AssumeRole", "Condition": t.conditions}
            for t in self.service_trust
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
class OperatorsGroup:
    group_name: str
    policy_name: str
    users: dict[str, bool]  # user name -> create it
    statements: tuple[Statement, ...]  # the group policy
    role_arns: tuple[str, ...]  # role operators: trusted by the role, not managed here
    paths: dict[str, str] = field(default_factory=dict)  # user name -> IAM path ("/" unless the spec says)

    def group_policy(self) -> dict[str, Any]:
        return policy_document(self.statements)


@dataclass(frozen=True)
class Warehouse:
    key: str  # the spec's name for it (for_each keys, stacks)
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
    identifier: str = ""  # the cluster identifier or workgroup name AWS knows (the key unless the spec says)

    def __post_init__(self) -> None:
        if not self.identifier:
            object.__setattr__(self, "identifier", self.key)

    @property
    def renamed(self) -> bool:
        """AWS knows it by another name than the spec's key (`identifier`)."""
        return self.identifier != self.key


@dataclass(frozen=True)
class Topic:
    key: str
    name: str
    emails: tuple[str, ...]
    publisher_rule_arns: tuple[str, ...]
    existing_arn: str | None = None  # an existing topic: nothing is created, its owner allows the rules

    @property
    def created(self) -> bool:
        return self.existing_arn is None

    def owner_statement(self) -> dict[str, Any]:
        """What an existing topic's owner adds to its policy so that these rules may publish."""
        return {
            "Sid": "RsqgenScheduledQueryRulesPublish",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": self.existing_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": list(self.publisher_rule_arns)}},
        }


@dataclass(frozen=True)
class StatusRule:
    rule_name: str
    rule_arn: str
    states: tuple[str, ...]
    topic: str  # a Topic key
    key: str  # the query_status module's for_each key: the query's key, or <query>:<topic> when it has several


@dataclass(frozen=True)
class DeadLetterQueue:
    name: str
    source_rule_arns: tuple[str, ...]  # rules that send to it (Scheduler sends through the role)


@dataclass(frozen=True)
class HistoryLog:
    """history.retain_days: the Data API's status events of every query, kept in CloudWatch Logs."""

    retain_days: int
    log_group: str  # /rsqgen/<name>/history: EventBridge writes to it through the log group's resource policy
    log_group_arn: str
    rule_name: str
    rule_arn: str
    statement_names: tuple[str, ...] = ()  # kept names outside the spec's prefix (adopted schedules), matched exactly

    WRITERS = ("delivery.logs.amazonaws.com", "events.amazonaws.com")

    def writer_policy(self) -> dict[str, Any]:
        """The log group's resource policy, as AWS's own sample writes it (aws-samples/
        serverless-patterns#618, "The conditional ARN for the Rule only applies to
        logs:PutLogEvents"): EventBridge creates the log stream with no source in the request, so
        CreateLogStream carries no condition; only this rule may put events (aws:SourceArn). No
        aws:SourceAccount: EventBridge's troubleshooting page says a SourceAccount condition in a
        target's resource policy prevents invocation. Both name this group's streams only."""
        streams = f"{self.log_group_arn}:*"
        principal = {"Service": list(self.WRITERS)}
        return {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "EventBridgeCreatesLogStreams", "Effect": "Allow", "Principal": principal, "Action": ["logs:CreateLogStream"], "Resource": [streams]},
                {
                    "Sid": "HistoryRulePutsStatementEvents",
                    "Effect": "Allow",
                    "Principal": principal,
                    "Action": ["logs:PutLogEvents"],
                    "Resource": [streams],
                    "Condition": {"ArnEquals": {"aws:SourceArn": [self.rule_arn]}},
                },
            ],
        }


@dataclass(frozen=True)
class ScheduledQuery:
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
    triggers: tuple[tuple[str, str], ...]  # (target id, Topic key) told each time the schedule fires

    @property
    def trigger_topics(self) -> tuple[str, ...]:
        return tuple(topic for _, topic in self.triggers)

    def scheduler_request(self) -> dict[str, Any]:
        """The Data API request a Scheduler schedule's universal target sends as its Input, as
        modules/scheduler-query builds it (ExecuteStatement's Sql, or BatchExecuteStatement's Sqls)."""
        fields = {
            "ClusterIdentifier": self.cluster_identifier,
            "WorkgroupName": self.workgroup_name,
            "Database": self.database,
            "DbUser": self.db_user,
            "SecretArn": self.secret_arn,
            "Sql": self.sql[0] if len(self.sql) == 1 else None,
            "Sqls": list(self.sql) if len(self.sql) > 1 else None,
            "StatementName": self.rule_name,
            "WithEvent": self.with_event,
        }
        return {k: v for k, v in fields.items() if v is not None}

    statuses: tuple[StatusRule, ...]  # one rule per topic told of outcomes
    cluster_identifier: str | None = None  # the Scheduler's Data API request names its target
    workgroup_name: str | None = None
    retry: tuple[int, int] | None = None  # (maximum_event_age_in_seconds, maximum_retry_attempts)
    dead_letter_arn: Value | None = None
    flexible_window_minutes: int | None = None
    start_date: str | None = None
    end_date: str | None = None
    secret_kms_key_arn: str | None = None  # the secret's customer managed key, decrypted via Secrets Manager
    target_id: str = "redshift-data"  # the rule's Data API target (adopt keeps the id it found)


@dataclass(frozen=True)
class Deployment:
    spec_file: str
    name: str
    region: str
    partition: str
    account_id: str | None  # None: looked up by the generated code
    tags: dict[str, str]
    role: ScheduleRole
    operators: OperatorsGroup
    warehouses: tuple[Warehouse, ...]
    topics: tuple[Topic, ...]
    queries: tuple[ScheduledQuery, ...]
    warnings: tuple[str, ...]
    schedule_group: str | None = None  # EventBridge Scheduler group, when a query uses it
    schedule_group_created: bool = True  # False: an existing group (schedule_group in the spec), not managed here
    rule_prefix: str = "QS2-"  # every rule and schedule name starts with it; operators manage <prefix>*
    rule_prefixes: tuple[str, ...] = ("QS2-",)  # rule_prefix, and the other console's when adopted rules keep it
    dead_letter_queue: DeadLetterQueue | None = None
    kms_key: str = "per-resource"  # per-resource, shared (one key, module kms_key) or an existing key's ARN
    environment: str | None = None  # environments.<name> this tree is for; its provider allows only its account
    backend: dict[str, str] | None = None  # the S3 backend's settings (backend.tf), the state key per environment
    stack: str | None = None  # split: "base", or the existing warehouse whose queries this stack holds
    history: HistoryLog | None = None  # history.retain_days
    module_source: tuple[str, str] | None = None  # modules: (git source ending //<folder>, commit or ref); None: copied beside

    def module_address(self, module: str) -> str:
        """The `source` of a module call: the copy beside the root module, or the versioned source."""
        if self.module_source is None:
            return f"./modules/{module}"
        base, ref = self.module_source
        return f"{base}/{module}?ref={ref}"

    @property
    def query_stack(self) -> bool:
        """A stack of queries only: role, topics, queue, key and group are the base stack's, read by name."""
        return self.stack not in (None, "base")

    @property
    def created_topics(self) -> tuple[Topic, ...]:
        return tuple(t for t in self.topics if t.created)

    @property
    def existing_topics(self) -> tuple[Topic, ...]:
        return tuple(t for t in self.topics if not t.created)

    @property
    def statuses(self) -> tuple[StatusRule, ...]:
        return tuple(s for q in self.queries for s in q.statuses)

    @property
    def shared_key(self) -> bool:
        """One key this spec creates for its topics and schedule group."""
        return self.kms_key == "shared" and bool(self.created_topics or self.schedule_group)

    @property
    def existing_key_arn(self) -> str | None:
        return self.kms_key if self.kms_key.startswith("arn:") else None

    @property
    def database_users(self) -> tuple[tuple[str, str, str], ...]:
        """(warehouse, database, user) that the queries connect as and that need privileges in the
        database; a secret's or the admin's user is not known here and is left out."""
        users = set()
        for q in self.queries:
            if q.auth == "db_user" and q.db_user:
                users.add((q.cluster_identifier or q.workgroup_name or q.warehouse, q.database, q.db_user))
            elif q.auth == "iam":
                users.add((q.cluster_identifier or q.workgroup_name or q.warehouse, q.database, f"IAMR:{self.role.name}"))
        return tuple(sorted(users))

    @property
    def modules(self) -> tuple[str, ...]:
        """The hand-written modules the root module calls (copied into the output unless they come
        from a versioned source), sorted."""
        if self.query_stack:
            kinds = {q.backend for q in self.queries}
            used = (["scheduled-query"] if "rule" in kinds else []) + (["scheduler-query"] if "scheduler" in kinds else [])
            return tuple(sorted(used + (["query-status"] if self.statuses else [])))
        used = ["operators", "schedule-role"]
        if any(w.created and w.type == "cluster" for w in self.warehouses):
            used.append("redshift-cluster")
        if any(w.created and w.type == "serverless" for w in self.warehouses):
            used.append("redshift-serverless")
        if self.created_topics:
            used.append("notifications")
        if self.shared_key:
            used.append("kms-key")
        if any(q.backend == "rule" for q in self.queries):
            used.append("scheduled-query")
        if any(q.backend == "scheduler" for q in self.queries):
            used.append("scheduler-query")
        if self.schedule_group and self.schedule_group_created:
            used.append("schedule-group")
        if self.statuses:
            used.append("query-status")
        if self.dead_letter_queue:
            used.append("dead-letter-queue")
        if self.history:
            used.append("query-history")
        return tuple(sorted(used))

"""The spec, version 1, as a validated model.

Pydantic checks the shape (types, required keys, unknown keys); `semantics.py` then checks what
needs the whole spec (references, combinations AWS rejects, names once prefixed). Every model
forbids unknown keys and coerces nothing, so `nodes: "1"` or `account_id: 111122223333` is an
error rather than a guess. Field names are the YAML keys, so a pydantic error location is also a
path into the YAML document, which knows its line and column.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError
from typing_extensions import Annotated

from .. import aws

# A key that looks like it holds a credential. Generated code is committed and reviewed, and
# Terraform state is widely readable, so a spec never carries one.
SECRET_LIKE = re.compile(r"pass(word|wd)?$|^pwd$|secret(_value|_string)?$|token$|credential|private_key|access_key", re.I)
NO_SECRETS = "a spec never holds a password or secret value"
NO_SECRETS_HINT = (
    "Redshift generates and keeps the admin password (give create.admin_user only); queries authenticate "
    "with auth: db_user, iam: true, secret_arn: ARN (a secret you keep in Secrets Manager) or admin_secret: true"
)


def _fail(message: str, allowed: str) -> PydanticCustomError:
    # The text travels in the context, not the template: a value such as '${x}' must not be formatted.
    return PydanticCustomError("rsqgen", "{message}", {"message": message, "allowed": allowed})


class _Matching:
    """A string check: full match of `pattern`, else 'what is wrong; what is allowed'. The JSON
    Schema gets the same pattern, so editors flag the value as rsqgen would."""

    def __init__(self, pattern: str, what: str, allowed: str) -> None:
        self.compiled = re.compile(pattern)
        self.what, self.allowed = what, allowed
        self.json_schema = {"type": "string", "pattern": f"^(?:{pattern})$", "description": allowed}

    def __call__(self, value: str) -> str:
        if not self.compiled.fullmatch(value):
            raise _fail(f"{value!r} is not a valid {self.what}", self.allowed)
        return value


def _matching(pattern: str, what: str, allowed: str) -> Any:
    check = _Matching(pattern, what, allowed)
    return Annotated[str, AfterValidator(check), WithJsonSchema(check.json_schema)]


def _region(value: str) -> str:
    if value not in aws.REGIONS:
        near = difflib.get_close_matches(value, sorted(aws.REGIONS), n=4, cutoff=0.6) or ["us-east-1", "eu-west-1", "ap-northeast-1"]
        raise _fail(f"{value!r} is not an AWS region", f"use a region code such as {', '.join(near)}")
    return value


SPEC_NAME = re.compile(r"[a-z][a-z0-9-]{0,30}")
SPEC_NAME_ALLOWED = "1-31 characters: a lowercase letter, then lowercase letters, digits or '-'"
SpecName = _matching(SPEC_NAME.pattern, "name", SPEC_NAME_ALLOWED)
AccountId = _matching(r"[0-9]{12}", "account id", 'exactly 12 digits, quoted, e.g. "111122223333"')
Region = Annotated[str, AfterValidator(_region), WithJsonSchema({"type": "string", "enum": sorted(aws.REGIONS)})]
TagKey = _matching(
    r"(?![aA][wW][sS]:)[\w .:/=+@-]{1,128}",
    "tag key",
    "1-128 characters of letters, digits, spaces and _.:/=+-@; the prefix 'aws:' (in any case) is reserved for AWS",
)
TagValue = _matching(r"[\w .:/=+@-]{0,256}", "tag value", "0-256 characters of letters, digits, spaces and _.:/=+-@")
DatabaseName = _matching(
    r"[a-z_][a-z0-9_$]{0,63}",
    "database name",
    "1-64 characters: lowercase letters, digits, '_' or '$', not starting with a digit",
)
DbUserName = _matching(
    r"[a-zA-Z][a-zA-Z0-9_+.@-]{0,127}", "database user name", "1-128 characters: a letter, then letters, digits or _+.@-"
)
IamUserName = _matching(r"[\w+=,.@-]{1,64}", "IAM user name", "1-64 characters of letters, digits and +=,.@_-")
RoleArn = _matching(
    r"arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}",
    "IAM role ARN",
    "the exact ARN of a role, e.g. arn:aws:iam::111122223333:role/DataEngineer (an account root or a user ARN is not allowed here)",
)
SecretArn = _matching(
    r"arn:aws(-cn|-us-gov)?:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}",
    "Secrets Manager secret ARN",
    "the full ARN of the secret, e.g. arn:aws:secretsmanager:ap-northeast-1:111122223333:secret:redshift/etl-AbCdEf",
)
SqsArn = _matching(
    r"arn:aws(-cn|-us-gov)?:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}",
    "SQS queue ARN",
    "the ARN of a standard queue, e.g. arn:aws:sqs:ap-northeast-1:111122223333:redshift-dlq",
)
Email = _matching(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+",
    "email address",
    "an address such as ops@example.com",
)
NodeType = _matching(
    r"[a-z][a-z0-9]{0,15}\.[a-z0-9]{1,16}", "node type", "a Redshift node type such as ra3.large, ra3.xlplus or ra3.4xlarge"
)
IamPath = _matching(r"(?=.{1,512}$)/([\w+=,.@-]+/){0,32}", "IAM path", "/ or /name/.../, at most 512 characters, e.g. /team/ (letters, digits and +=,.@_-)")
KmsKeyArn = _matching(
    r"arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]{1,128}",
    "KMS key ARN",
    "the ARN of a key (not an alias), e.g. arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
)
SnsTopicArn = _matching(
    r"arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}",
    "SNS topic ARN",
    "the ARN of a standard topic, e.g. arn:aws:sns:ap-northeast-1:111122223333:chatbot-alerts",
)
PolicyArn = _matching(
    r"arn:aws(-cn|-us-gov)?:iam::([0-9]{12}|aws):policy/[\w+=,.@/-]{1,512}",
    "IAM policy ARN",
    "the ARN of a managed policy, e.g. arn:aws:iam::111122223333:policy/OrgBoundary (a role or user ARN is not a policy)",
)
NotifyEvent = Literal["trigger", "failed", "finished"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class WarehouseCreate(_Model):
    """Present when this spec creates the warehouse. Which keys apply depends on the type."""

    # provisioned cluster
    node_type: NodeType | None = Field(None, description="Node type, e.g. ra3.large (clusters).")
    nodes: int | None = Field(None, ge=1, le=128, description="Number of nodes; 1 = single-node (clusters).")
    subnet_ids: list[str] | None = Field(
        None, description="Subnets for the cluster. Absent: the default VPC's subnets."
    )
    security_group_ids: list[str] | None = Field(None, description="Security groups.")
    kms_key_arn: str | None = Field(None, description="Customer managed KMS key; absent: AWS owned key.")
    # serverless
    base_capacity: int | None = Field(None, description="Base RPUs, 8-1024 in steps of 8 (serverless).")
    # both
    database: DatabaseName = Field("dev", description="First database.")
    admin_user: DbUserName = Field(
        description="Administrator user. Its password is always generated and kept by Redshift in Secrets Manager."
    )


class Warehouse(_Model):
    type: Literal["cluster", "serverless"] = "cluster"
    identifier: str | None = Field(
        None, description="The cluster identifier or workgroup name, when it is not the key (e.g. per environment); the key names it in the spec."
    )
    namespace: str | None = Field(None, description="Serverless namespace; required with `create`.")
    create: WarehouseCreate | None = Field(
        None, description="Present: this spec creates the warehouse. Absent: an existing one is referenced."
    )


class Operator(_Model):
    user: IamUserName | None = Field(None, description="An IAM user name.")
    existing: bool = Field(False, description="The user exists already: only add it to the operators group.")
    path: IamPath | None = Field(None, description="The user's IAM path, when it is not / (part of its ARN, which the role trusts).")
    role: RoleArn | None = Field(None, description="The exact ARN of an existing role (e.g. an SSO role).")


class Topic(_Model):
    emails: list[Email] = Field(default_factory=list, description="Email subscribers (each must confirm).")
    topic_arn: SnsTopicArn | None = Field(
        None,
        description="An existing topic (e.g. wired to Chatbot or PagerDuty): nothing is created, the rules publish to it. "
        "Its owner allows the publishing (the generated README says what to add). Not with emails.",
    )


class Auth(_Model):
    db_user: DbUserName | None = Field(None, description="Temporary credentials as this database user (clusters).")
    secret_arn: SecretArn | None = Field(None, description="A Secrets Manager secret with the credentials.")
    secret_kms_key_arn: KmsKeyArn | None = Field(
        None, description="The secret's customer managed KMS key: the role may decrypt with it through Secrets Manager only."
    )
    iam: bool | None = Field(None, description="The schedule role's own IAM identity (IAMR:<role>).")
    admin_secret: bool | None = Field(
        None, description="The admin password secret Redshift keeps for a warehouse this spec creates."
    )


class Retry(_Model):
    max_attempts: int = Field(ge=0, le=185, description="Retries after a failed invocation (0-185).")
    max_event_age_seconds: int = Field(
        86400, ge=60, le=86400, description="Give up on an invocation this old (60-86400 seconds)."
    )


RuleName = _matching(r"[.\-_A-Za-z0-9]{1,64}", "rule or schedule name", "1-64 letters, digits, '.', '-' or '_'")
TargetId = _matching(r"[.\-_A-Za-z0-9]{1,64}", "target id", "1-64 letters, digits, '.', '-' or '_' (EventBridge PutTargets Id)")


class Notify(_Model):
    topic: str = Field(description="A key of `notifications`.")
    on: list[NotifyEvent] = Field(
        default_factory=lambda: ["trigger"],
        min_length=1,
        description="trigger (the schedule fired), failed (FAILED or ABORTED), finished. Default: [trigger], as in the console.",
    )
    target_id: TargetId | None = Field(
        None, description="The id of the rule's SNS target for this topic (with on: [trigger]); `rsqgen adopt` keeps the one it found."
    )


NotifyList = Annotated[list[Notify], Field(min_length=1, max_length=4)]
# One {topic, on} or a list of them: which form is decided by the value's type, so an error is
# reported for that form only (not once per form). The tags never reach a message (load.py).
NOTIFY_FORMS = ("<one>", "<list>")
NotifyField = Annotated[
    Annotated[Notify, Tag("<one>")] | Annotated[NotifyList, Tag("<list>")],
    Discriminator(lambda v: "<list>" if isinstance(v, list) else "<one>"),
]


class Query(_Model):
    warehouse: str = Field(description="A key of `warehouses`.")
    database: DatabaseName
    auth: Auth
    sql: Any = Field(None, description="One statement as text, or a list of statements (one batch).")
    sql_file: str | None = Field(None, description="A file holding the SQL, relative to the spec.")
    schedule: str = Field(description="rate(...), cron(...), or a friendly form such as 'every 5 minutes'.")
    scheduler: Literal["rule", "scheduler"] = "rule"
    timezone: str | None = Field(None, description="IANA time zone; only with scheduler: scheduler.")
    enabled: bool = True
    description: str | None = Field(None, max_length=aws.RULE_DESCRIPTION_MAX, description="Shown in the console.")
    notify: NotifyField | None = Field(
        None, description="One {topic, on}, or a list of them (at most 4), e.g. failures to on-call and every trigger to chat."
    )
    retry: Retry | None = Field(None, description="Retry policy of the invocation (both backends).")
    dead_letter_queue: bool | None = Field(
        None, description="true: failed invocations go to an SQS queue this spec creates (one per spec)."
    )
    dead_letter_queue_arn: SqsArn | None = Field(None, description="An existing SQS queue for failed invocations.")
    flexible_window_minutes: int | None = Field(
        None, ge=1, le=1440, description="Run within this many minutes of the scheduled time (scheduler only)."
    )
    start_date: str | None = Field(None, description="RFC 3339 time before which the schedule does not run (scheduler only).")
    end_date: str | None = Field(None, description="RFC 3339 time after which the schedule does not run (scheduler only).")
    target_id: TargetId | None = Field(
        None, description="The id of the rule's Data API target (default redshift-data); `rsqgen adopt` keeps the one it found."
    )
    name: RuleName | None = Field(
        None, description="The rule or schedule name when it is not <prefix><key>: a name made by hand, kept by `rsqgen adopt` "
        "(another name would replace it). A rule's name starts with the spec's prefix (QS2-).",
    )

    def notifies(self) -> list[tuple[tuple[Any, ...], Notify]]:
        """Each {topic, on} with its path under `notify` (() for the single form, (i,) in a list)."""
        if self.notify is None:
            return []
        if isinstance(self.notify, Notify):
            return [((), self.notify)]
        return [((i,), n) for i, n in enumerate(self.notify)]


# The keys `defaults.queries` may set: what many queries share. SQL, schedule, description and
# dates belong to one query.
DEFAULTABLE = (
    "warehouse", "database", "auth", "notify", "scheduler", "timezone", "retry", "enabled",
    "dead_letter_queue", "dead_letter_queue_arn", "flexible_window_minutes",
)


class QueryDefaults(_Model):
    """Values every query starts from; a query's own keys win (each key as a whole)."""

    warehouse: str | None = None
    database: DatabaseName | None = None
    auth: Auth | None = None
    notify: NotifyField | None = None
    scheduler: Literal["rule", "scheduler"] | None = None
    timezone: str | None = None
    retry: Retry | None = None
    enabled: bool | None = None
    dead_letter_queue: bool | None = None
    dead_letter_queue_arn: SqsArn | None = None
    flexible_window_minutes: int | None = Field(None, ge=1, le=1440)


class Defaults(_Model):
    queries: QueryDefaults = Field(default_factory=QueryDefaults, description="Values every query starts from.")


class RoleSettings(_Model):
    """Where the one schedule role is made. An existing schedule role is out of scope: rsqgen makes
    its own least-privilege role (`rsqgen adopt` reports a hand-made one)."""

    path: IamPath = Field("/", description="IAM path of the role, e.g. /data/ (part of its ARN).")
    permissions_boundary: PolicyArn | None = Field(
        None, description="A managed policy that bounds the role's permissions, as many organisations require."
    )


ScheduleGroupName = _matching(r"[0-9a-zA-Z\-_.]{1,64}", "schedule group name", "1-64 letters, digits, '-', '_' or '.'")
RetainDays = Literal[aws.LOG_RETENTION_DAYS]  # type: ignore[valid-type]  # the values CloudWatch Logs takes


ModuleBase = _matching(
    r'(?:git::(?:https|ssh|file)://[^\s?#"]+?|git::[\w.-]+@[\w.-]+:[^\s?#"]+?|github\.com/[\w.-]+/[\w.-]+|bitbucket\.org/[\w.-]+/[\w.-]+)//[\w.-]+(?:/[\w.-]+)*',
    "module source",
    'a git source whose "//" names the folder holding the modules, without ?ref= (the ref goes in ref:), '
    "e.g. git::https://github.com/acme/rsqgen.git//modules or git::ssh://git@example.com/rsqgen.git//modules",
)
ModuleRef = _matching(
    r"[A-Za-z0-9][A-Za-z0-9._+/-]{0,127}", "module ref", "a git tag, branch or commit, e.g. v0.1.0 (the tag of the rsqgen that renders)"
)

GitCommit = _matching(r"[0-9a-f]{40}", "git commit", "the full commit id, 40 lowercase hex digits (git rev-parse v0.1.0^{commit})")


class ModuleSource(_Model):
    """Where the root module's modules come from: absent, a copy of them beside it (modules/); set,
    one versioned git source for every spec, each module at <source>/<module>?ref=<ref>."""

    source: ModuleBase = Field(description="A git source ending in //<folder of the modules>, e.g. git::https://github.com/acme/rsqgen.git//modules.")
    ref: ModuleRef = Field(description="The rsqgen release the modules are: its tag, e.g. v0.1.0.")
    commit: GitCommit | None = Field(
        None,
        description="The commit that tag names (40 hex digits): the modules are then read at it, so that a moved tag changes nothing.",
    )


class HistorySettings(_Model):
    """Run history beyond the Data API's 24 hours: the status event of every statement under the
    spec's rule prefix, kept in a CloudWatch Logs group; `rsqgen history` reads it."""

    retain_days: RetainDays = Field(description="Days CloudWatch Logs keeps the runs (one of the values it allows).")


KMS_KEY_MODES = ("per-resource", "shared")


def _kms_key(value: str) -> str:
    if value in KMS_KEY_MODES:
        return value
    return KmsKeyArnCheck(value)


KmsKeyArnCheck = _Matching(
    r"arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]{1,128}",
    "KMS key choice",
    "per-resource (a key per topic and schedule group), shared (one key for the spec) or the ARN of an existing key",
)
KmsKeyChoice = Annotated[
    str,
    AfterValidator(_kms_key),
    WithJsonSchema({"anyOf": [{"enum": list(KMS_KEY_MODES)}, KmsKeyArnCheck.json_schema], "description": KmsKeyArnCheck.allowed}),
]


S3Bucket = _matching(
    r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "S3 bucket name", "3-63 characters: lowercase letters, digits, '.' and '-'"
)
StateKey = _matching(
    r"[A-Za-z0-9!_.*'()/-]{1,1000}\.tfstate", "state key", "a path in the bucket ending in .tfstate, e.g. rsqgen/analytics.tfstate (no leading /)"
)
EnvName = _matching(
    r"(?!all$)[a-z][a-z0-9-]{0,15}", "environment name", "1-16 characters: a lowercase letter, then lowercase letters, digits or '-'; not all (--env all means every one)"
)


class S3Backend(_Model):
    """Remote state in S3, locked with an S3 lock file (use_lockfile, Terraform >= 1.10), encrypted."""

    bucket: S3Bucket
    key: StateKey = Field(description="The state's key; with environments, each gets <key without .tfstate>/<env>.tfstate.")
    region: Region
    kms_key_id: KmsKeyArn | None = Field(None, description="Encrypt the state with this KMS key (SSE-KMS) instead of S3's own key.")


class Backend(_Model):
    s3: S3Backend


class S3BackendOverride(_Model):
    bucket: S3Bucket | None = None
    key: StateKey | None = None
    region: Region | None = None
    kms_key_id: KmsKeyArn | None = None


class BackendOverride(_Model):
    s3: S3BackendOverride


class Environment(_Model):
    account_id: AccountId = Field(description="The environment's account: its provider refuses any other (allowed_account_ids).")
    region: Region | None = Field(None, description="Default: the spec's region.")
    backend: BackendOverride | None = Field(None, description="What differs from the spec's backend, e.g. the account's own state bucket.")
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="What differs in this environment: queries.<key>.{schedule, enabled, notify, timezone, "
        "flexible_window_minutes, description}, notifications, operators, tags.",
    )


class Quotas(_Model):
    """Account quotas that differ from AWS's defaults (after an increase)."""

    trust_policy_size: int = Field(
        aws.TRUST_POLICY_DEFAULT, ge=aws.TRUST_POLICY_DEFAULT, le=aws.TRUST_POLICY_MAX,
        description="IAM role trust policy size (default 2,048, at most 4,096).",
    )
    managed_policies_per_role: int = Field(
        aws.MANAGED_POLICIES_PER_ROLE_DEFAULT, ge=1, le=aws.MANAGED_POLICIES_PER_ROLE_MAX,
        description="Managed policies attached to a role (default 10, at most 20).",
    )
    rules_per_bus: int = Field(aws.RULES_PER_BUS_DEFAULT, ge=1, description="EventBridge rules per event bus (default 300).")


QueryPrefix = _matching(
    r"[a-z0-9][a-z0-9_.-]{0,19}",
    "query prefix",
    "1-20 characters: lowercase letters, digits, '_', '.' and '-', starting with a letter or digit, e.g. sales-",
)


class Spec(_Model):
    version: Literal[1]
    name: SpecName
    console: Literal["query-editor-v2", "query-editor-v1"] = Field(
        "query-editor-v2",
        description="The console whose scheduled queries these are: query-editor-v2 names rules QS2-<name>; "
        "query-editor-v1 (the original console) QS-<name>, provisioned clusters only, one statement per query.",
    )
    query_prefix: QueryPrefix | None = Field(
        None,
        description="Put after QS2- in every rule and schedule name (QS2-<prefix><query>), and limit the operators' "
        "rights to those names: for teams that share an account. Operators then name new console schedules <prefix>...",
    )
    region: Region
    account_id: AccountId | None = None
    tags: dict[TagKey, TagValue] = Field(default_factory=dict)
    warehouses: dict[str, Warehouse] = Field(min_length=1)
    operators: list[Operator] = Field(default_factory=list)
    notifications: dict[str, Topic] = Field(default_factory=dict)
    queries: dict[str, Query] = Field(min_length=1)
    quotas: Quotas = Field(default_factory=Quotas, description="Only after AWS raised a quota for the account.")
    defaults: Defaults = Field(default_factory=Defaults, description="Values every query starts from; a query's own keys win.")
    role: RoleSettings = Field(default_factory=RoleSettings, description="Where the schedule role is made.")
    backend: Backend | None = Field(None, description="Remote state (backend.tf); locking with an S3 lock file, always.")
    environments: dict[EnvName, Environment] = Field(
        default_factory=dict, description="One spec, several deployments: `rsqgen render SPEC --env NAME` (or --env all)."
    )
    schedule_group: ScheduleGroupName | None = Field(
        None, description="An existing EventBridge Scheduler group (e.g. default) for the scheduler queries: not created here. "
        "Absent: rsqgen creates <name>-redshift-queries.",
    )
    modules: ModuleSource | None = Field(
        None,
        description="A versioned source for the modules (git, with a ref) instead of a copy in every output folder: for teams with many specs.",
    )
    history: HistorySettings | None = Field(
        None, description="Keep every query's runs (status, rows, statement id) longer than the Data API's 24 hours."
    )
    kms_key: KmsKeyChoice = Field(
        "per-resource",
        description="The customer managed key of the topics and schedule group this spec creates: per-resource (one each, "
        "about 1 USD a month each), shared (one key for the spec) or the ARN of an existing key (its policy is the owner's).",
    )

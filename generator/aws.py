"""AWS facts rsqgen relies on: regions, partitions, ARN formats, service principals and limits.

The one home of each fact; tests hold the hand-written modules' copies (allow-lists, provider
constraint) equal to these. Sources are in ../shared/reference/aws-facts.md (botocore service
models, provider schema, AWS docs). Imports nothing of rsqgen's.
"""

from __future__ import annotations

# The hashicorp/aws versions every generated module accepts: 5.46 brought aws_redshift_logging and
# a rule's `state`; nothing used is removed in 6.x.
PROVIDER_CONSTRAINT = ">= 5.46, < 7"
TERRAFORM_CONSTRAINT = ">= 1.5"
# The S3 backend's lock file (use_lockfile) came with Terraform 1.10; DynamoDB locking is deprecated.
# https://developer.hashicorp.com/terraform/language/backend/s3
TERRAFORM_LOCKFILE_CONSTRAINT = ">= 1.10"

REGIONS: frozenset[str] = frozenset(
    {
        "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
        "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
        "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1",
        "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
        "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1",
        "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
        "cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1",
    }
)  # fmt: skip


def partition_for(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


# Service principals the Redshift console expects in the schedule role's trust policy.
CONSOLE_TRUSTED_SERVICES = (
    "events.amazonaws.com",
    "redshift-serverless.amazonaws.com",
    "redshift.amazonaws.com",
)
EVENTS_SERVICE = "events.amazonaws.com"
SCHEDULER_SERVICE = "scheduler.amazonaws.com"

# Data API actions that have no resource type in the Service Authorization Reference: IAM accepts
# only "*" for them. The schedule-role module allows Resource "*" for exactly these. (The API's
# GetStatementResultV2 is authorised by the IAM action GetStatementResult; it is no IAM action.)
DATA_API_ACTIONS_WITHOUT_RESOURCE_TYPE = (
    "redshift-data:CancelStatement",
    "redshift-data:DescribeStatement",
    "redshift-data:GetStatementResult",
    "redshift-data:ListStatements",
)
# Those the schedule role is granted: operators read the runs EventBridge made, which ran in another
# session of the role, so no statement-owner condition (see docs/aws-behaviour.md).
DATA_API_UNSCOPED_ACTIONS = (
    "redshift-data:CancelStatement",
    "redshift-data:DescribeStatement",
    "redshift-data:GetStatementResult",
    "redshift-data:ListStatements",
)
# The states in which a Data API statement ends (its "Redshift Data Statement Status Change" event).
STATEMENT_END_STATES = ("ABORTED", "FAILED", "FINISHED")

# What the console's scheduled-query pages list for an operator: EventBridge rules (no resource
# type: "*" only), and the pickers of the schedule form (roles, clusters, workgroups, secrets,
# topics). The first two are certain; the pickers' calls are inferred (docs/aws-behaviour.md).
CONSOLE_LIST_ACTIONS = ("events:ListRuleNamesByTarget", "events:ListRules")
CONSOLE_FORM_LIST_ACTIONS = (
    "iam:ListRoles",
    "redshift-serverless:ListWorkgroups",
    "redshift:DescribeClusters",
    "secretsmanager:ListSecrets",
    "sns:ListTopics",
)

# Limits (botocore service models unless noted).
RULE_NAME_MAX = 64
TARGET_ID_MAX = 64  # PutTargets Target.Id: [\.\-_A-Za-z0-9]+, 1-64
RULE_TARGETS_MAX = 5  # targets per rule (EventBridge quotas page)
IAM_ROLE_NAME_MAX = 64
IAM_GROUP_NAME_MAX = 128
SQL_MAX = 100_000
RULE_DESCRIPTION_MAX = 512
BATCH_SQL_MAX = 40
# Scheduler's Target.Input: "The maximum size of the Input field is 256 KB" (botocore's scheduler
# model, the member's documentation; the shape itself has no max). Counted in UTF-8 bytes, and KB
# taken as 1,000 so that neither reading of "KB" lets through what AWS refuses (rsqgen selftest
# probes the real limit).
SCHEDULER_INPUT_MAX = 256_000
LOG_GROUP_NAME_MAX = 512  # CloudWatch Logs CreateLogGroup logGroupName
# PutRetentionPolicy retentionInDays: the only values CloudWatch Logs takes (CloudWatch Logs API reference).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)

# Quotas (the IAM and EventBridge quota pages). IAM counts policy size in characters without
# whitespace; the trust policy and managed-policies-per-role quotas can be raised.
INLINE_ROLE_POLICY_MAX = 10_240
MANAGED_POLICY_MAX = 6_144
TRUST_POLICY_DEFAULT = 2_048
TRUST_POLICY_MAX = 4_096
MANAGED_POLICIES_PER_ROLE_DEFAULT = 10
MANAGED_POLICIES_PER_ROLE_MAX = 20
RULES_PER_BUS_DEFAULT = 300
TARGETS_PER_RULE = 5


class Arns:
    """ARN builders for one partition, region and account (the account may be ACCOUNT)."""

    def __init__(self, partition: str, region: str, account: str) -> None:
        self.partition, self.region, self.account = partition, region, account

    def _arn(self, service: str, resource: str, *, region: str | None = None) -> str:
        region = self.region if region is None else region
        return f"arn:{self.partition}:{service}:{region}:{self.account}:{resource}"

    def iam_user(self, name: str, path: str = "/") -> str:
        return self._arn("iam", f"user{path}{name}", region="")

    def iam_role(self, name: str, path: str = "/") -> str:
        return self._arn("iam", f"role{path}{name}", region="")

    def cluster(self, cluster_id: str) -> str:
        return self._arn("redshift", f"cluster:{cluster_id}")

    def dbuser(self, cluster_id: str, user: str) -> str:
        return self._arn("redshift", f"dbuser:{cluster_id}/{user}")

    def dbname(self, cluster_id: str, database: str) -> str:
        return self._arn("redshift", f"dbname:{cluster_id}/{database}")

    def events_rule(self, name: str) -> str:
        return self._arn("events", f"rule/{name}")

    def log_group(self, name: str) -> str:
        return self._arn("logs", f"log-group:{name}")

    def schedule_group(self, name: str) -> str:
        return self._arn("scheduler", f"schedule-group/{name}")

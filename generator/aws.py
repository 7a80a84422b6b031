"""AWS facts rsqgen relies on: regions, partitions, ARN formats, service principals and limits.

Sources are in ../shared/reference/aws-facts.md (botocore service models, provider schema, AWS docs).
"""

from __future__ import annotations

# The account id placeholder used in ARNs when the spec does not give `account_id`. The renderer
# turns it into `${local.account_id}` (looked up with aws_caller_identity). YAML cannot carry a NUL
# character, so no user string can contain it.
ACCOUNT = "\x00account\x00"

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
SCHEDULER_SERVICE = "scheduler.amazonaws.com"

# Data API actions that have no resource type: IAM accepts only "*" for them. AWS's own
# AmazonRedshiftDataFullAccess limits them to the caller's statements with this condition.
DATA_API_UNSCOPED_ACTIONS = (
    "redshift-data:CancelStatement",
    "redshift-data:DescribeStatement",
    "redshift-data:GetStatementResult",
    "redshift-data:ListStatements",
)
STATEMENT_OWNER_CONDITION = {
    "StringEquals": {"redshift-data:statement-owner-iam-userid": ["${aws:userid}"]}
}

# Limits (botocore service models unless noted).
RULE_NAME_MAX = 64
IAM_ROLE_NAME_MAX = 64
IAM_GROUP_NAME_MAX = 128
SQL_MAX = 100_000
RULE_DESCRIPTION_MAX = 512
BATCH_SQL_MAX = 40


class Arns:
    """ARN builders for one partition, region and account (the account may be ACCOUNT)."""

    def __init__(self, partition: str, region: str, account: str) -> None:
        self.partition, self.region, self.account = partition, region, account

    def _arn(self, service: str, resource: str, *, region: str | None = None) -> str:
        region = self.region if region is None else region
        return f"arn:{self.partition}:{service}:{region}:{self.account}:{resource}"

    def iam_user(self, name: str) -> str:
        return self._arn("iam", f"user/{name}", region="")

    def iam_role(self, name: str) -> str:
        return self._arn("iam", f"role/{name}", region="")

    def cluster(self, cluster_id: str) -> str:
        return self._arn("redshift", f"cluster:{cluster_id}")

    def dbuser(self, cluster_id: str, user: str) -> str:
        return self._arn("redshift", f"dbuser:{cluster_id}/{user}")

    def dbname(self, cluster_id: str, database: str) -> str:
        return self._arn("redshift", f"dbname:{cluster_id}/{database}")

    def events_rule(self, name: str) -> str:
        return self._arn("events", f"rule/{name}")

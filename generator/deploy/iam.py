"""The IAM statements of the schedule role and of the operators' group: least privilege, decided once.

Each statement names the exact resources a query needs; `Resource "*"` appears only for the Data
API actions that have no resource type (aws.DATA_API_ACTIONS_WITHOUT_RESOURCE_TYPE).
"""

from __future__ import annotations

from dataclasses import replace

from .. import aws
from ..values import Ref, Statement, Value
from .parts import ScheduledQuery, ScheduleRole, ServiceTrust, Warehouse

__all__ = ["DLQ_ARN", "SCHEDULE_KEY_ARN", "SHARED_KEY_ARN", "operator_statements", "role_statements", "service_trust", "sorted_unique"]

# Values that exist only once Terraform created them (module outputs of the root module).
SCHEDULE_KEY_ARN = Ref("module.schedule_group.kms_key_arn")
SHARED_KEY_ARN = Ref("module.kms_key.arn")
DLQ_ARN = Ref("module.dead_letter_queue.arn")


# Why each statement is there, in a reviewer's words (the generated README's permissions table).
WHY = {
    "RunStatements": "EventBridge runs each query's SQL with the Data API, on these warehouses only",
    "RunBatchStatements": "EventBridge Scheduler runs a batch of statements as one transaction, on these warehouses only",
    "ReadScheduledStatements": "no resource type, so IAM accepts only \"*\"; operators read in the console the runs EventBridge made in another session of this role (the Data API shows a role only its own statements)",
    "DatabaseUserCredentials": "temporary credentials for exactly these database users and databases",
    "IamIdentityCredentials": "temporary credentials as the role's own IAM identity, for these databases",
    "ServerlessCredentials": "temporary credentials for these Serverless workgroups",
    "ReadDatabaseSecrets": "the database credentials kept in exactly these secrets",
    "DecryptSchedulePayloads": "EventBridge Scheduler decrypts the schedules' payloads (the SQL) with the role's permission",
    "SendFailedInvocations": "invocations that failed for good go to the dead-letter queue",
    "DecryptDatabaseSecrets": "the secrets' customer managed keys, only through Secrets Manager and only for these secrets",
    "AssumeScheduleRole": "operators view schedule history in the console as the schedule role",
    "PassScheduleRoleToEventBridge": "the console passes the role to EventBridge when it creates a schedule",
    "ManageConsoleScheduledQueries": "create, change and delete the console's scheduled queries (this spec's rule prefix) only",
    "ListConsoleScheduledQueries": "the console lists scheduled queries with these; they have no resource type, so \"*\" only",
    "ConsoleScheduleFormLists": "the console's schedule form lists roles, clusters, workgroups, secrets and topics to pick from (read-only)",
}


def _explained(statements: list[Statement]) -> tuple[Statement, ...]:
    return tuple(replace(s, why=WHY[s.sid]) for s in statements)


def sorted_unique(values) -> tuple[Value, ...]:
    """Sort strings; keep Refs after them in first-seen order (they have no stable text order)."""
    values = list(values)  # may be a generator: it is read twice below
    strings = sorted({v for v in values if isinstance(v, str)})
    refs: list[Ref] = []
    for v in values:
        if isinstance(v, Ref) and v not in refs:
            refs.append(v)
    return tuple(strings) + tuple(refs)


def service_trust(arns: aws.Arns, rule_prefixes: tuple[str, ...], schedule_group: str | None) -> tuple[ServiceTrust, ...]:
    """EventBridge and Scheduler may assume the role only for this account's rules (named with the
    spec's prefix) and this spec's schedule group: the confused-deputy conditions both services'
    guides recommend (aws:SourceAccount, aws:SourceArn; Scheduler's must be the group's ARN)."""
    account = {"aws:SourceAccount": [arns.account]}
    trusts = [
        ServiceTrust("EventBridgeRules", aws.EVENTS_SERVICE, {"StringEquals": account, "ArnLike": {"aws:SourceArn": [arns.events_rule(f"{p}*") for p in rule_prefixes]}}),
    ]
    if schedule_group is not None:
        trusts.append(
            ServiceTrust("EventBridgeScheduler", aws.SCHEDULER_SERVICE, {"StringEquals": account, "ArnEquals": {"aws:SourceArn": [arns.schedule_group(schedule_group)]}})
        )
    return tuple(trusts)


def role_statements(
    queries: list[ScheduledQuery], warehouses: dict[str, Warehouse], arns: aws.Arns, schedule_key: Value | None = SCHEDULE_KEY_ARN
) -> tuple[Statement, ...]:
    """The schedule role's permissions. `schedule_key`: the key of the schedules' payloads (None: an
    existing schedule group without a customer managed key, AWS's own key needs no grant)."""
    single = [q for q in queries if len(q.sql) == 1]
    batch = [q for q in queries if len(q.sql) > 1]
    statements: list[Statement] = []
    if single:
        statements.append(Statement("RunStatements", ("redshift-data:ExecuteStatement",), sorted_unique(q.target_arn for q in single)))
    if batch:
        statements.append(
            Statement("RunBatchStatements", ("redshift-data:BatchExecuteStatement",), sorted_unique(q.target_arn for q in batch))
        )
    # Operators read the history of these statements in the console by assuming this role.
    statements.append(
        Statement("ReadScheduledStatements", aws.DATA_API_UNSCOPED_ACTIONS, ("*",))
    )
    db_user = [q for q in queries if q.auth == "db_user"]
    if db_user:
        resources = [arns.dbuser(warehouses[q.warehouse].identifier, q.db_user) for q in db_user]
        resources += [arns.dbname(warehouses[q.warehouse].identifier, q.database) for q in db_user]
        statements.append(Statement("DatabaseUserCredentials", ("redshift:GetClusterCredentials",), sorted_unique(resources)))
    iam_cluster = [q for q in queries if q.auth == "iam" and warehouses[q.warehouse].type == "cluster"]
    if iam_cluster:
        statements.append(
            Statement(
                "IamIdentityCredentials",
                ("redshift:GetClusterCredentialsWithIAM",),
                sorted_unique(arns.dbname(warehouses[q.warehouse].identifier, q.database) for q in iam_cluster),
            )
        )
    iam_serverless = [q for q in queries if q.auth == "iam" and warehouses[q.warehouse].type == "serverless"]
    if iam_serverless:
        statements.append(
            Statement(
                "ServerlessCredentials",
                ("redshift-serverless:GetCredentials",),
                sorted_unique(q.target_arn for q in iam_serverless),
            )
        )
    secrets = [q.secret_arn for q in queries if q.secret_arn is not None]
    if secrets:
        statements.append(Statement("ReadDatabaseSecrets", ("secretsmanager:GetSecretValue",), sorted_unique(secrets)))
    encrypted = [q for q in queries if q.secret_kms_key_arn is not None]
    if encrypted:
        # A secret under a customer managed key is readable only with kms:Decrypt on that key,
        # which is granted for requests made through Secrets Manager for these secrets only.
        statements.append(
            Statement(
                "DecryptDatabaseSecrets",
                ("kms:Decrypt",),
                sorted_unique(q.secret_kms_key_arn for q in encrypted),
                conditions={
                    "StringEquals": {
                        "kms:ViaService": [f"secretsmanager.{arns.region}.amazonaws.com"],
                        "kms:EncryptionContext:SecretARN": list(sorted_unique(q.secret_arn for q in encrypted)),
                    }
                },
            )
        )
    scheduled = [q for q in queries if q.backend == "scheduler"]
    if scheduled:
        # Scheduler decrypts the payload (the SQL) with the execution role's permission.
        if schedule_key is not None:
            statements.append(Statement("DecryptSchedulePayloads", ("kms:Decrypt",), (schedule_key,)))
        queues = [q.dead_letter_arn for q in scheduled if q.dead_letter_arn is not None]
        if queues:
            statements.append(Statement("SendFailedInvocations", ("sqs:SendMessage",), sorted_unique(queues)))
    return _explained(statements)


def operator_statements(role: ScheduleRole, arns: aws.Arns, rule_prefixes: tuple[str, ...]) -> tuple[Statement, ...]:
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
            tuple(arns.events_rule(f"{p}*") for p in rule_prefixes),
        ),
        # Listing has no resource type: "*" is the only resource IAM accepts for these.
        Statement("ListConsoleScheduledQueries", aws.CONSOLE_LIST_ACTIONS, ("*",)),
        Statement("ConsoleScheduleFormLists", aws.CONSOLE_FORM_LIST_ACTIONS, ("*",)),
    ]
    return _explained(statements)

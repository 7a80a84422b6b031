"""What exists in moto after apply (and after destroy), read through boto3, compared with the plan.

Nothing here reads terraform state: every fact comes from the AWS API (moto), and every expected
value from rsqgen's Deployment (resolved for the account, and Refs replaced by what moto reports
for them) or from the spec itself (the SQL). `Checks` counts the comparisons for the figures.
"""

from __future__ import annotations

import json
from datetime import UTC
from functools import cached_property
from typing import Any

from botocore.exceptions import ClientError
from rsqgen.deploy import Deployment, ScheduledQuery
from rsqgen.deploy.iam import DLQ_ARN, SCHEDULE_KEY_ARN
from rsqgen.values import Ref, policy_document, resolve

from helpers.iam_tables import check_resource_policy


class Checks:
    def __init__(self) -> None:
        self.count = 0

    def equal(self, what: str, actual: Any, expected: Any) -> None:
        self.count += 1
        if actual != expected:
            raise AssertionError(f"{what}:\n  actual:   {actual!r}\n  expected: {expected!r}")

    def true(self, what: str, condition: bool, detail: Any = "") -> None:
        self.count += 1
        if not condition:
            raise AssertionError(f"{what}{f': {detail!r}' if detail != '' else ''}")


class Aws:
    """boto3 clients (created on first use) for one region of the moto server."""

    def __init__(self, server, region: str) -> None:
        self.server, self.region = server, region

    def __getattr__(self, service: str):
        if service.startswith("_"):
            raise AttributeError(service)
        client = self.server.client(service, self.region)
        setattr(self, service, client)
        return client

    @cached_property
    def account(self) -> str:
        return self.sts.get_caller_identity()["Account"]


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _missing(call, code: str, **kwargs) -> bool:
    """True if `call(**kwargs)` fails with error `code` (the resource does not exist)."""
    try:
        call(**kwargs)
    except ClientError as exc:
        return exc.response["Error"]["Code"] == code
    return False


def _pages(client, operation: str, key: str, **kwargs) -> list[Any]:
    return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page.get(key, [])]


def _alias_target(aws: Aws, alias: str, checks: Checks) -> dict[str, Any]:
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in _pages(aws.kms, "list_aliases", "Aliases")}
    checks.true(f"KMS alias {alias} exists", alias in aliases, sorted(a for a in aliases if not a.startswith("alias/aws/")))
    return aws.kms.describe_key(KeyId=aliases[alias])["KeyMetadata"]


class Expect:
    """The Deployment's values as they must appear in moto: the account placeholder resolved, and
    each Ref (a value Terraform only knows after apply) replaced by what moto reports for it."""

    def __init__(self, aws: Aws, d: Deployment, checks: Checks, refs: dict[Ref, str]) -> None:
        self.d = d
        self.account = d.account_id or aws.account
        self.refs = dict(refs)
        if d.schedule_group is not None and d.existing_key_arn:
            self.refs[SCHEDULE_KEY_ARN] = d.existing_key_arn
        elif d.schedule_group is not None:
            alias = f"alias/{d.name}-rsqgen" if d.shared_key else f"alias/{d.schedule_group}-schedules"
            self.refs[SCHEDULE_KEY_ARN] = _alias_target(aws, alias, checks)["Arn"]
        if d.dead_letter_queue is not None:
            url = aws.sqs.get_queue_url(QueueName=d.dead_letter_queue.name)["QueueUrl"]
            self.refs[DLQ_ARN] = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def __call__(self, value: Any) -> Any:
        value = resolve(value, self.account)
        return self._refs(value)

    def _refs(self, value: Any) -> Any:
        if isinstance(value, Ref):
            assert value in self.refs, f"the tests do not know how to read {value.expr} from moto"
            return self.refs[value]
        if isinstance(value, list | tuple):
            return [self._refs(v) for v in value]
        if isinstance(value, dict):
            return {k: self._refs(v) for k, v in value.items()}
        return value


def expected_rule_names(d: Deployment) -> list[str]:
    names = {q.rule_name for q in d.queries if q.backend == "rule"}
    names |= {s.rule_name for s in d.statuses}
    names |= {d.history.rule_name} if d.history else set()
    return sorted(names)


# ---------------------------------------------------------------------------------------------
# After apply


def verify_deployed(aws: Aws, d: Deployment, sql: dict[str, Any], checks: Checks, refs: dict[Ref, str]) -> None:
    """Everything the Deployment plans exists in moto exactly as planned. `sql`: the spec's SQL per
    query; `refs`: values of Refs the test itself provided (existing workgroups' ARNs)."""
    expect = Expect(aws, d, checks, refs)
    role_arn = _verify_role(aws, d, expect, checks)
    _verify_operators(aws, d, expect, checks)
    topic_arns = _verify_topics(aws, d, expect, checks)
    _verify_dead_letter_queue(aws, d, expect, checks)
    _verify_rules(aws, d, expect, role_arn, topic_arns, sql, checks)
    _verify_schedules(aws, d, expect, role_arn, sql, checks)
    _verify_history(aws, d, checks)
    _verify_resource_policies(aws, d, checks)


def _verify_history(aws: Aws, d: Deployment, checks: Checks) -> None:
    """history.retain_days: the log group keeps the runs that long; the rule takes every status
    event under the spec's prefix to it; the group's resource policy lets EventBridge write to it."""
    groups = {g["logGroupName"]: g for g in _pages(aws.logs, "describe_log_groups", "logGroups")}
    if d.history is None:
        checks.equal("log groups", sorted(groups), [])
        return
    h = d.history
    checks.equal("history log group", sorted(groups), [h.log_group])
    checks.equal("history log group retention", groups[h.log_group].get("retentionInDays"), h.retain_days)
    rule = aws.events.describe_rule(Name=h.rule_name)
    pattern = json.loads(rule["EventPattern"])
    names = [{"prefix": d.rule_prefix}, *h.statement_names]
    checks.equal("history rule pattern", pattern, {"source": ["aws.redshift-data"], "detail-type": ["Redshift Data Statement Status Change"], "detail": {"statementName": names}})
    (target,) = aws.events.list_targets_by_rule(Rule=h.rule_name)["Targets"]
    checks.equal("history rule target", (target["Arn"].rsplit(":log-group:", 1)[1].removesuffix(":*"), "RoleArn" in target), (h.log_group, False))
    policies = {p["policyName"]: json.loads(p["policyDocument"]) for p in aws.logs.describe_resource_policies()["resourcePolicies"]}
    create, put = policies[h.rule_name]["Statement"]
    for statement in (create, put):
        checks.equal(f"history log policy {statement['Sid']}: writers and streams", (sorted(statement["Principal"]["Service"]), [r.endswith(f":log-group:{h.log_group}:*") for r in statement["Resource"]]),
                     (["delivery.logs.amazonaws.com", "events.amazonaws.com"], [True]))
    checks.equal("history log policy: EventBridge creates streams with no condition", (create["Action"], "Condition" in create), (["logs:CreateLogStream"], False))
    checks.equal("history log policy: only the history rule puts events", (put["Action"], put["Condition"]), (["logs:PutLogEvents"], {"ArnEquals": {"aws:SourceArn": [rule["Arn"]]}}))
    checks.equal("history log group: not under /aws/events/", h.log_group.startswith("/aws/events/"), False)
    for q in d.queries:
        checks.equal(f"{q.key}: runs with events (history keeps them)", q.with_event, True)


def _verify_resource_policies(aws: Aws, d: Deployment, checks: Checks) -> None:
    """Every resource-based policy that was applied (the role's trust, each key's, topic's and
    queue's) passes AWS's IAM tables: real actions, resources of their types, supported keys."""
    policies = {"trust policy": aws.iam.get_role(RoleName=d.role.name)["Role"]["AssumeRolePolicyDocument"]}
    for key in _pages(aws.kms, "list_keys", "Keys"):
        if aws.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyManager"] == "CUSTOMER":
            policies[f"key {key['KeyId']}"] = json.loads(aws.kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    for topic in _pages(aws.sns, "list_topics", "Topics"):
        attrs = aws.sns.get_topic_attributes(TopicArn=topic["TopicArn"])["Attributes"]
        if "Policy" in attrs and topic["TopicArn"] not in {t.existing_arn for t in d.existing_topics}:
            policies[f"topic {topic['TopicArn']}"] = json.loads(attrs["Policy"])
    for url in _pages(aws.sqs, "list_queues", "QueueUrls"):
        attrs = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {})
        if "Policy" in attrs:
            policies[f"queue {url}"] = json.loads(attrs["Policy"])
    for label, document in policies.items():
        checks.equal(f"{label} against the IAM tables", [str(f) for f in check_resource_policy(document)], [])


def _verify_role(aws: Aws, d: Deployment, expect: Expect, checks: Checks) -> str:
    iam, name = aws.iam, d.role.name
    role = iam.get_role(RoleName=name)["Role"]
    checks.equal("schedule role trust policy", role["AssumeRolePolicyDocument"], expect(d.role.trust_policy()))
    checks.equal("schedule role path", role["Path"], d.role.path)
    checks.equal("schedule role permissions boundary", role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"), d.role.permissions_boundary)
    if d.account_id in (None, aws.account):  # moto creates everything in its own account
        checks.equal("schedule role ARN", role["Arn"], expect(d.role.arn))
    checks.equal("schedule role inline policies", iam.list_role_policies(RoleName=name)["PolicyNames"], [d.role.policy_name])
    checks.equal(
        "schedule role permissions policy",
        iam.get_role_policy(RoleName=name, PolicyName=d.role.policy_name)["PolicyDocument"],
        expect(d.role.permissions_policy()),
    )
    # Only when the permissions outgrow the inline policy: customer managed policies, in order.
    attached = {p["PolicyName"]: p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]}
    overflow = {f"{name}-permissions-{n}": statements for n, statements in enumerate(d.role.managed_policies, start=1)}
    checks.equal("schedule role managed policies", sorted(attached), sorted(overflow))
    for policy_name, statements in overflow.items():
        version = iam.get_policy(PolicyArn=attached[policy_name])["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=attached[policy_name], VersionId=version)["PolicyVersion"]["Document"]
        checks.equal(f"managed policy {policy_name}", document, expect(policy_document(statements)))
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}
    checks.equal("schedule role tags (provider default_tags)", {k: tags.get(k) for k in d.tags}, d.tags)
    return role["Arn"]


def _verify_operators(aws: Aws, d: Deployment, expect: Expect, checks: Checks) -> None:
    iam, ops = aws.iam, d.operators
    if not ops.users:  # role operators only: no group is made
        checks.true(f"no group {ops.group_name}", _missing(iam.get_group, "NoSuchEntity", GroupName=ops.group_name))
        return
    group = iam.get_group(GroupName=ops.group_name)
    checks.equal("operators group members", sorted(u["UserName"] for u in group["Users"]), sorted(ops.users))
    checks.equal("operators group inline policies", iam.list_group_policies(GroupName=ops.group_name)["PolicyNames"], [ops.policy_name])
    checks.equal(
        "operators group policy",
        iam.get_group_policy(GroupName=ops.group_name, PolicyName=ops.policy_name)["PolicyDocument"],
        expect(ops.group_policy()),
    )
    checks.equal("operators group managed policies", iam.list_attached_group_policies(GroupName=ops.group_name)["AttachedPolicies"], [])
    for user, created in ops.users.items():
        groups = [g["GroupName"] for g in iam.list_groups_for_user(UserName=user)["Groups"]]
        checks.true(f"user {user} is in {ops.group_name}", ops.group_name in groups, groups)
        if created:
            # A created user gets no way to call AWS from this configuration, and no own policy.
            checks.equal(f"user {user} access keys", iam.list_access_keys(UserName=user)["AccessKeyMetadata"], [])
            checks.equal(f"user {user} inline policies", iam.list_user_policies(UserName=user)["PolicyNames"], [])


def _verify_topics(aws: Aws, d: Deployment, expect: Expect, checks: Checks) -> dict[str, str]:
    """SNS topics, their policy, key and subscriptions; returns topic key -> ARN."""
    arns = {t["TopicArn"].rsplit(":", 1)[1]: t["TopicArn"] for t in _pages(aws.sns, "list_topics", "Topics")}
    checks.equal("SNS topics", sorted(arns), sorted(t.name for t in d.topics))
    by_key = {t.key: t.existing_arn for t in d.existing_topics}  # the owner's: rsqgen changes nothing there
    for t in d.created_topics:
        arn = by_key[t.key] = arns[t.name]
        attrs = aws.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        # A customer managed key encrypts the topic (its own alias/<topic>-sns, the spec's shared
        # alias/<spec>-rsqgen, or the existing key named in the spec), and EventBridge may use it.
        if d.existing_key_arn:
            key = aws.kms.describe_key(KeyId=d.existing_key_arn)["KeyMetadata"]
        else:
            key = _alias_target(aws, f"alias/{d.name}-rsqgen" if d.shared_key else f"alias/{t.name}-sns", checks)
        checks.equal(f"topic {t.name}: KMS key", attrs.get("KmsMasterKeyId"), key["Arn"])
        checks.equal(f"topic {t.name}: key state and manager", (key["KeyState"], key["KeyManager"]), ("Enabled", "CUSTOMER"))
        checks.equal(f"topic {t.name}: key rotation", aws.kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"], True)
        key_policy = json.loads(aws.kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
        events_use = [s for s in key_policy["Statement"] if s.get("Principal") == {"Service": "events.amazonaws.com"}]
        granted = [sorted(s["Action"]) for s in events_use]
        checks.equal(f"topic {t.name}: EventBridge may use the key", granted, [["kms:Decrypt", "kms:GenerateDataKey*"]])
        if t.publisher_rule_arns:
            checks.equal(
                f"topic {t.name}: policy",
                json.loads(attrs["Policy"])["Statement"],
                [
                    {
                        "Sid": "ScheduledQueryRulesPublish",
                        "Effect": "Allow",
                        "Principal": {"Service": "events.amazonaws.com"},
                        "Action": "sns:Publish",
                        "Resource": arn,
                        "Condition": {"ArnEquals": {"aws:SourceArn": expect(t.publisher_rule_arns)}},
                    }
                ],
            )
        subs = _pages(aws.sns, "list_subscriptions_by_topic", "Subscriptions", TopicArn=arn)
        checks.equal(
            f"topic {t.name}: subscriptions (protocol, endpoint)",
            sorted((s["Protocol"], s["Endpoint"]) for s in subs),
            sorted(("email", e) for e in t.emails),
        )
    return by_key


def _verify_dead_letter_queue(aws: Aws, d: Deployment, expect: Expect, checks: Checks) -> None:
    queues = _pages(aws.sqs, "list_queues", "QueueUrls")
    dlq = d.dead_letter_queue
    checks.equal("SQS queues", sorted(u.rsplit("/", 1)[1] for u in queues), [dlq.name] if dlq else [])
    if dlq is None:
        return
    url = aws.sqs.get_queue_url(QueueName=dlq.name)["QueueUrl"]
    attrs = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    checks.equal(f"queue {dlq.name}: SSE", attrs.get("SqsManagedSseEnabled"), "true")
    if dlq.source_rule_arns:
        checks.equal(
            f"queue {dlq.name}: policy",
            json.loads(attrs["Policy"])["Statement"],
            [
                {
                    "Sid": "ScheduledQueryRulesDeadLetters",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": attrs["QueueArn"],
                    "Condition": {"ArnEquals": {"aws:SourceArn": expect(dlq.source_rule_arns)}},
                }
            ],
        )
    else:
        checks.true(f"queue {dlq.name}: no policy (Scheduler sends through the role)", "Policy" not in attrs, attrs.get("Policy"))


# EventBridge Scheduler's retry policy when a schedule sets none, as GetSchedule returns it.
SCHEDULER_DEFAULT_RETRY = {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}


def _invocation(q: ScheduledQuery, expect: Expect) -> dict[str, Any]:
    """RetryPolicy and DeadLetterConfig as both EventBridge APIs return them."""
    out: dict[str, Any] = {}
    if q.retry is not None:
        out["RetryPolicy"] = {"MaximumEventAgeInSeconds": q.retry[0], "MaximumRetryAttempts": q.retry[1]}
    elif q.backend == "scheduler":
        out["RetryPolicy"] = SCHEDULER_DEFAULT_RETRY
    if q.dead_letter_arn is not None:
        out["DeadLetterConfig"] = {"Arn": expect(q.dead_letter_arn)}
    return out


def _verify_rules(aws: Aws, d: Deployment, expect: Expect, role_arn: str, topic_arns: dict[str, str], sql: dict, checks: Checks) -> None:
    rules = {r["Name"]: r for r in _pages(aws.events, "list_rules", "Rules")}
    checks.equal("EventBridge rules", sorted(rules), expected_rule_names(d))
    for q in d.queries:
        for status in q.statuses:
            _verify_status_rule(aws, q, status, rules[status.rule_name], topic_arns, checks)
        if q.backend != "rule":
            continue
        checks.equal(f"{q.key}: rule name", q.rule_name, f"QS2-{q.key}")
        rule = rules[q.rule_name]
        checks.equal(f"{q.rule_name}: schedule expression", rule.get("ScheduleExpression"), q.schedule_expression)
        checks.equal(f"{q.rule_name}: state", rule["State"], "ENABLED" if q.enabled else "DISABLED")
        checks.equal(f"{q.rule_name}: description", rule.get("Description"), q.description)
        targets = {t["Id"]: t for t in aws.events.list_targets_by_rule(Rule=q.rule_name)["Targets"]}
        wanted_targets = [q.target_id] + [target_id for target_id, _ in q.triggers]
        checks.equal(f"{q.rule_name}: targets", sorted(targets), sorted(wanted_targets))
        target = targets[q.target_id]
        checks.equal(f"{q.rule_name}: target ARN", target["Arn"], expect(q.target_arn))
        checks.equal(f"{q.rule_name}: target role", target.get("RoleArn"), role_arn)
        params = {"Database": q.database, "Sql": q.sql[0], "StatementName": q.rule_name, "WithEvent": q.with_event}
        if q.db_user is not None:
            params["DbUser"] = q.db_user
        if q.secret_arn is not None:
            params["SecretManagerArn"] = expect(q.secret_arn)
        checks.equal(f"{q.rule_name}: Redshift Data parameters", {"WithEvent": False, **target["RedshiftDataParameters"]}, params)
        sent = target["RedshiftDataParameters"]["Sql"]
        checks.equal(f"{q.rule_name}: SQL byte for byte as in the spec", sent.encode(), sql[q.key].encode())
        invocation = {k: target[k] for k in ("RetryPolicy", "DeadLetterConfig") if k in target}
        checks.equal(f"{q.rule_name}: retry policy and dead-letter queue", invocation, _invocation(q, expect))
        for target_id, topic in q.triggers:
            checks.equal(f"{q.rule_name}: trigger notification target {target_id}", targets[target_id]["Arn"], topic_arns[topic])


def _verify_status_rule(aws: Aws, q: ScheduledQuery, status, rule: dict, topic_arns: dict[str, str], checks: Checks) -> None:
    name = status.rule_name
    checks.equal(
        f"{name}: event pattern",
        json.loads(rule["EventPattern"]),
        {
            "source": ["aws.redshift-data"],
            "detail-type": ["Redshift Data Statement Status Change"],
            "detail": {"statementName": [q.rule_name], "state": list(status.states)},
        },
    )
    checks.equal(f"{name}: state follows the query", rule["State"], "ENABLED" if q.enabled else "DISABLED")
    targets = aws.events.list_targets_by_rule(Rule=name)["Targets"]
    checks.equal(f"{name}: targets", [(t["Id"], t["Arn"]) for t in targets], [("notify-status", topic_arns[status.topic])])


def _verify_schedules(aws: Aws, d: Deployment, expect: Expect, role_arn: str, sql: dict, checks: Checks) -> None:
    """Queries on EventBridge Scheduler: a schedule in the spec's group whose target is the Data API
    request the plan describes, encrypted with the group's customer managed key."""
    queries = [q for q in d.queries if q.backend == "scheduler"]
    groups = sorted(g["Name"] for g in _pages(aws.scheduler, "list_schedule_groups", "ScheduleGroups") if g["Name"] != "default")
    checks.equal("schedule groups", groups, [d.schedule_group] if d.schedule_group else [])
    found = {s["Name"]: s["GroupName"] for s in _pages(aws.scheduler, "list_schedules", "Schedules")}
    checks.equal("schedules", sorted(found), sorted(q.rule_name for q in queries))
    for q in queries:
        name = q.rule_name
        checks.equal(f"schedule {name}: group", found[name], d.schedule_group)
        s = aws.scheduler.get_schedule(Name=name, GroupName=d.schedule_group)
        checks.equal(f"schedule {name}: expression", s["ScheduleExpression"], q.schedule_expression)
        checks.equal(f"schedule {name}: time zone", s.get("ScheduleExpressionTimezone"), q.timezone or "UTC")
        checks.equal(f"schedule {name}: state", s.get("State"), "ENABLED" if q.enabled else "DISABLED")
        checks.equal(f"schedule {name}: description", s.get("Description"), q.description)
        window = {"Mode": "OFF"}
        if q.flexible_window_minutes is not None:
            window = {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": q.flexible_window_minutes}
        checks.equal(f"schedule {name}: flexible window", s["FlexibleTimeWindow"], window)
        for field, value in (("StartDate", q.start_date), ("EndDate", q.end_date)):
            got = s.get(field)
            checks.equal(f"schedule {name}: {field}", got.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if got else None, value)
        checks.equal(f"schedule {name}: payload key", s.get("KmsKeyArn"), expect(SCHEDULE_KEY_ARN))
        target = s["Target"]
        action = "batchExecuteStatement" if len(q.sql) > 1 else "executeStatement"
        checks.equal(f"schedule {name}: target", target["Arn"], f"arn:aws:scheduler:::aws-sdk:redshiftdata:{action}")
        checks.equal(f"schedule {name}: role", target["RoleArn"], role_arn)
        request: dict[str, Any] = {"Database": q.database, "StatementName": name, "WithEvent": q.with_event}
        request.update({"ClusterIdentifier": q.cluster_identifier} if q.cluster_identifier else {"WorkgroupName": q.workgroup_name})
        request.update({"Sql": q.sql[0]} if len(q.sql) == 1 else {"Sqls": list(q.sql)})
        if q.db_user is not None:
            request["DbUser"] = q.db_user
        if q.secret_arn is not None:
            request["SecretArn"] = expect(q.secret_arn)
        payload = json.loads(target["Input"])
        checks.equal(f"schedule {name}: Data API request", payload, request)
        checks.equal(f"schedule {name}: SQL as in the spec", payload.get("Sql", payload.get("Sqls")), sql[q.key])
        invocation = {k: target[k] for k in ("RetryPolicy", "DeadLetterConfig") if k in target}
        checks.equal(f"schedule {name}: retry policy and dead-letter queue", invocation, _invocation(q, expect))


# ---------------------------------------------------------------------------------------------
# After destroy


def verify_destroyed(aws: Aws, d: Deployment, checks: Checks) -> None:
    """Nothing the configuration created is left; users it only referenced are still there."""
    iam = aws.iam
    checks.equal("EventBridge rules left", [r["Name"] for r in _pages(aws.events, "list_rules", "Rules")], [])
    checks.equal("schedules left", [s["Name"] for s in _pages(aws.scheduler, "list_schedules", "Schedules")], [])
    groups = [g["Name"] for g in _pages(aws.scheduler, "list_schedule_groups", "ScheduleGroups") if g["Name"] != "default"]
    checks.equal("schedule groups left", groups, [])
    checks.true(f"role {d.role.name} is gone", _missing(iam.get_role, "NoSuchEntity", RoleName=d.role.name))
    local = [p["PolicyName"] for p in _pages(iam, "list_policies", "Policies", Scope="Local") if p["PolicyName"].startswith(d.role.name)]
    checks.equal("customer managed policies left", local, [])
    checks.true(f"group {d.operators.group_name} is gone", _missing(iam.get_group, "NoSuchEntity", GroupName=d.operators.group_name))
    for user, created in d.operators.users.items():
        if created:
            checks.true(f"created user {user} is gone", _missing(iam.get_user, "NoSuchEntity", UserName=user))
        else:
            checks.true(f"existing user {user} is kept", not _missing(iam.get_user, "NoSuchEntity", UserName=user))
    existing = sorted(t.existing_arn for t in d.existing_topics)
    checks.equal("SNS topics left (only existing ones)", sorted(t["TopicArn"] for t in _pages(aws.sns, "list_topics", "Topics")), existing)
    checks.equal("SQS queues left", _pages(aws.sqs, "list_queues", "QueueUrls"), [])
    checks.equal("log groups left", [g["logGroupName"] for g in _pages(aws.logs, "describe_log_groups", "logGroups")], [])
    checks.equal("log resource policies left", [p["policyName"] for p in aws.logs.describe_resource_policies()["resourcePolicies"]], [])
    ours = {f"alias/{t.name}-sns" for t in d.created_topics} | ({f"alias/{d.schedule_group}-schedules"} if d.schedule_group else set())
    ours |= {f"alias/{d.name}-rsqgen"}
    checks.equal("KMS aliases left", [a["AliasName"] for a in _pages(aws.kms, "list_aliases", "Aliases") if a["AliasName"] in ours], [])
    for key in _pages(aws.kms, "list_keys", "Keys"):
        meta = aws.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta["KeyManager"] == "CUSTOMER" and meta["Arn"] == d.existing_key_arn:
            checks.equal(f"existing KMS key {key['KeyId']}: state (not ours to delete)", meta["KeyState"], "Enabled")
        elif meta["KeyManager"] == "CUSTOMER":
            checks.equal(f"KMS key {key['KeyId']}: state", meta["KeyState"], "PendingDeletion")


# ---------------------------------------------------------------------------------------------
# Redshift Serverless (the stand-in, read through boto3 as any client would)


def serverless_refs(client, d: Deployment) -> dict[Ref, str]:
    """The values Terraform learnt from created workgroups: their ARNs and admin secrets."""
    refs: dict[Ref, str] = {}
    for w in d.warehouses:
        if w.created and w.type == "serverless":
            refs[w.arn] = client.get_workgroup(workgroupName=w.identifier)["workgroup"]["workgroupArn"]
            refs[w.admin_secret_arn] = client.get_namespace(namespaceName=w.namespace)["namespace"]["adminPasswordSecretArn"]
    return refs


def verify_serverless(client, d: Deployment, checks: Checks, all_parameters: int) -> None:
    """Each created namespace and workgroup exists as rsqgen means it, and AWS's read-back holds
    every configuration parameter (`all_parameters` of them), not only the ones set."""
    for w in d.warehouses:
        if not (w.created and w.type == "serverless"):
            continue
        ns = client.get_namespace(namespaceName=w.namespace)["namespace"]
        checks.equal(f"namespace {w.namespace}: database", ns["dbName"], w.database)
        checks.equal(f"namespace {w.namespace}: admin user", ns["adminUsername"], w.admin_user)
        checks.true(f"namespace {w.namespace}: Redshift keeps the admin password", "adminPasswordSecretArn" in ns, sorted(ns))
        wg = client.get_workgroup(workgroupName=w.identifier)["workgroup"]
        checks.equal(f"workgroup {w.key}: namespace", wg["namespaceName"], w.namespace)
        checks.equal(f"workgroup {w.key}: base capacity", wg["baseCapacity"], w.base_capacity)
        checks.equal(f"workgroup {w.key}: publicly accessible", wg["publiclyAccessible"], False)
        checks.equal(f"workgroup {w.key}: enhanced VPC routing", wg["enhancedVpcRouting"], True)
        params = {p["parameterKey"]: p["parameterValue"] for p in wg["configParameters"]}
        checks.equal(f"workgroup {w.key}: parameters read back", len(params), all_parameters)
        for key in ("require_ssl", "enable_user_activity_logging"):
            checks.equal(f"workgroup {w.key}: {key}", params.get(key), "true")


def verify_serverless_destroyed(client, d: Deployment, checks: Checks) -> None:
    created = [w for w in d.warehouses if w.created and w.type == "serverless"]
    left = {w["workgroupName"] for w in client.list_workgroups()["workgroups"]}
    checks.equal("created workgroups left", sorted(left & {w.key for w in created}), [])
    left = {n["namespaceName"] for n in client.list_namespaces()["namespaces"]}
    checks.equal("created namespaces left", sorted(left & {w.namespace for w in created}), [])

"""What EventBridge asks of the services it delivers to, as AWS documents or shows it, for tests that
judge a resource policy the way AWS would, and for the emulator run of `rsqgen selftest`.

CloudWatch Logs targets (the history log). EventBridge writes with no role, through the log group's
resource policy, as the service principal `events.amazonaws.com` (EventBridge User Guide,
eb-use-resource-based, "CloudWatch Logs permissions"). The request context is not documented; AWS's
own sample (aws-samples/serverless-patterns PR #618, "correct CloudWatchLogs Resource Policy")
says "The conditional ARN for the Rule only applies to logs:PutLogEvents": CreateLogStream carries
no source, PutLogEvents carries the rule as `aws:SourceArn`. EventBridge's troubleshooting page says a
`SourceAccount` in a target's resource policy prevents invocation, so `aws:SourceAccount` is taken
as absent from both. Each is the strictest reading of its source; `rsqgen selftest` settles them on
a real account (a FailedInvocations datapoint on the history rule, or no events in the log).

SNS targets: `sns:Publish` as `events.amazonaws.com` with the rule as `aws:SourceArn`
(eb-use-resource-based, "Amazon SNS permissions"; the confused-deputy page names the rule ARN).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import uuid
from typing import Any

from botocore.exceptions import ClientError
from helpers.iam_eval import Request, evaluate

__all__ = ["EVENTS", "Engine", "log_requests", "logs_allow", "matches", "publish_request", "sns_allows"]

EVENTS = {"Service": "events.amazonaws.com"}


def log_requests(rule_arn: str, log_group_arn: str, stream: str) -> list[Request]:
    """The two requests EventBridge makes to deliver one event to a log group."""
    stream_arn = f"{log_group_arn}:log-stream:{stream}"
    return [
        Request("logs:CreateLogStream", stream_arn, context={}, principal=EVENTS),
        Request("logs:PutLogEvents", stream_arn, context={"aws:SourceArn": rule_arn}, principal=EVENTS),
    ]


def logs_allow(policies: list[dict], rule_arn: str, log_group_arn: str, stream: str = "rsqgen-test") -> dict[str, bool]:
    """{action: allowed} for EventBridge's delivery of one event from `rule_arn` to the group."""
    return {r.action: evaluate(policies, r).allowed for r in log_requests(rule_arn, log_group_arn, stream)}


def publish_request(rule_arn: str, topic_arn: str) -> Request:
    return Request("sns:Publish", topic_arn, context={"aws:SourceArn": rule_arn}, principal=EVENTS)


def sns_allows(policy: dict, rule_arn: str, topic_arn: str) -> bool:
    return evaluate([policy], publish_request(rule_arn, topic_arn)).allowed


# ---------------------------------------------------------------------------------------------
# The engine: EventBridge's part, played against moto and the Data API stand-in


def matches(pattern: Any, event: Any) -> bool:
    """EventBridge's event pattern matching for what rsqgen writes: nested fields, lists of exact
    values or {"prefix": ...}; an event field that is a list matches if any item does."""
    if isinstance(pattern, dict):
        return isinstance(event, dict) and all(k in event and matches(v, event[k]) for k, v in pattern.items())
    values = event if isinstance(event, list) else [event]
    for p in pattern:
        for v in values:
            if isinstance(p, dict) and "prefix" in p:
                if isinstance(v, str) and v.startswith(p["prefix"]):
                    return True
            elif p == v:
                return True
    return False


class Engine:
    """Plays EventBridge for the emulator, as the sources above describe it, judging every resource
    policy with the evaluator: fires each ENABLED scheduled rule every `period` seconds (rate(1
    minute), compressed), and sends each ended WithEvent statement's "Redshift Data Statement Status
    Change" event to the rules whose pattern matches. A delivery a policy refuses is counted as the
    rule's FailedInvocations in CloudWatch (AWS/Events), as EventBridge counts it, and nothing is
    delivered. Targets: the Redshift Data API (assume the target's role, then ExecuteStatement), SNS
    topics (topic policy, and the key policy of an encrypted topic), CloudWatch Logs groups."""

    def __init__(self, moto, data_api, region: str, account: str, period: float = 3.0, tick: float = 0.3) -> None:
        self.moto, self.data_api, self.region, self.account = moto, data_api, region, account
        self.period, self.tick = period, tick
        self.fired: dict[str, float] = {}
        self.emitted: set[str] = set()
        self.deliveries: list[tuple[str, str, str]] = []  # (rule, target arn, "ok" | why refused)
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Engine:
        self._thread = threading.Thread(target=self._loop, name="eventbridge-engine", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception as exc:  # noqa: BLE001 - a test reads self.errors; the loop goes on
                self.errors.append(f"{type(exc).__name__}: {exc}")
            self._stop.wait(self.tick)

    def c(self, service: str):
        return self.moto.client(service, self.region)

    def rules(self) -> list[dict]:
        return [r for page in self.c("events").get_paginator("list_rules").paginate() for r in page["Rules"] if r.get("State") == "ENABLED"]

    def step(self) -> None:
        now = time.time()
        rules = self.rules()
        for rule in rules:
            if rule.get("ScheduleExpression") and now - self.fired.get(rule["Name"], 0.0) >= self.period:
                self.fired[rule["Name"]] = now
                event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events", "account": self.account,
                         "time": _iso(now), "region": self.region, "resources": [rule["Arn"]], "detail": {}}
                self._targets(rule, event)
        for st in self.data_api.statements():
            if st.get("WithEvent") and st["Status"] in ("FINISHED", "FAILED", "ABORTED") and st["Id"] not in self.emitted:
                self.emitted.add(st["Id"])
                event = self._status_event(st)
                for rule in rules:
                    if rule.get("EventPattern") and matches(json.loads(rule["EventPattern"]), event):
                        self._targets(rule, event)

    def _status_event(self, st: dict) -> dict:
        cluster = st.get("ClusterIdentifier")
        resource = f"arn:aws:redshift:{self.region}:{self.account}:cluster:{cluster}" if cluster else f"arn:aws:redshift-serverless:{self.region}:{self.account}:workgroup/{st.get('WorkgroupName')}"
        detail = {"principal": st["caller"], "statementName": st.get("StatementName", ""), "statementId": st["Id"], "state": st["Status"],
                  "rows": 1 if st["Status"] == "FINISHED" else -1, "expireAt": int(st["created_at"] + 86400)}
        return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Redshift Data Statement Status Change", "source": "aws.redshift-data",
                "account": self.account, "time": _iso(time.time()), "region": self.region, "resources": [resource], "detail": detail}

    def _targets(self, rule: dict, event: dict) -> None:
        events = self.c("events")
        try:
            targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        except events.exceptions.ResourceNotFoundException:
            return  # deleted since it was listed
        for target in targets:
            arn = target["Arn"]
            if "RedshiftDataParameters" in target:
                why = self._redshift(rule, target)
            elif arn.startswith("arn:aws:sns:"):
                why = self._sns(rule, arn, event)
            elif arn.startswith("arn:aws:logs:"):
                why = self._logs(rule, arn, event)
            else:
                why = f"the engine delivers to no target of this kind: {arn}"
            self.deliveries.append((rule["Name"], arn, why or "ok"))
            if why:
                self.c("cloudwatch").put_metric_data(Namespace="AWS/Events", MetricData=[{
                    "MetricName": "FailedInvocations", "Dimensions": [{"Name": "RuleName", "Value": rule["Name"]}], "Value": 1.0, "Unit": "Count"}])

    def _redshift(self, rule: dict, target: dict) -> str | None:
        role_arn = target.get("RoleArn", "")
        try:
            trust = self.c("iam").get_role(RoleName=role_arn.rsplit("/", 1)[-1])["Role"]["AssumeRolePolicyDocument"]
        except Exception as exc:  # noqa: BLE001 - no role: a failed invocation
            return f"no role {role_arn}: {exc}"
        trust = json.loads(urllib.parse.unquote(trust)) if isinstance(trust, str) else trust
        asked = Request("sts:AssumeRole", role_arn, context={"aws:SourceArn": rule["Arn"], "aws:SourceAccount": self.account}, principal=EVENTS)
        if not evaluate([trust], asked).allowed:
            return f"the trust policy of {role_arn} refuses events.amazonaws.com for {rule['Arn']}"
        creds = self.c("sts").assume_role(RoleArn=role_arn, RoleSessionName=uuid.uuid4().hex)["Credentials"]
        p = target["RedshiftDataParameters"]
        where = target["Arn"].split(":", 5)[5]
        request = {"ClusterIdentifier": where.split(":", 1)[1]} if where.startswith("cluster:") else {"WorkgroupName": where.split("/", 1)[1]}
        request |= {k: p[k] for k in ("Database", "DbUser", "Sql", "StatementName", "WithEvent") if k in p}
        if "SecretManagerArn" in p:
            request["SecretArn"] = p["SecretManagerArn"]
        client = self.data_api.client(self.region, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        client.execute_statement(**request)
        return None

    def _sns(self, rule: dict, topic_arn: str, event: dict) -> str | None:
        attrs = self.c("sns").get_topic_attributes(TopicArn=topic_arn)["Attributes"]
        if not sns_allows(json.loads(attrs.get("Policy") or "{}"), rule["Arn"], topic_arn):
            return f"the policy of {topic_arn} refuses events.amazonaws.com for {rule['Arn']}"
        key = attrs.get("KmsMasterKeyId")
        if key:
            kms = self.c("kms")
            key_arn = kms.describe_key(KeyId=key)["KeyMetadata"]["Arn"]
            policy = json.loads(kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
            for action in ("kms:GenerateDataKey", "kms:Decrypt"):
                if not evaluate([policy], Request(action, key_arn, principal=EVENTS)).allowed:
                    return f"the key policy of {key_arn} refuses {action} to events.amazonaws.com"
        try:
            self.c("sns").publish(TopicArn=topic_arn, Message=json.dumps(event))
        except ClientError as exc:  # moto fails a publish whose subscribed queue is gone; AWS would not
            self.deliveries.append((rule["Name"], topic_arn, f"moto: {exc}"))
        return None

    def _logs(self, rule: dict, group_arn: str, event: dict) -> str | None:
        group_arn = group_arn.removesuffix(":*")
        name = group_arn.split(":log-group:", 1)[1]
        logs = self.c("logs")
        policies = [json.loads(p["policyDocument"]) for p in logs.describe_resource_policies().get("resourcePolicies", [])]
        stream = f"rule-{rule['Name']}"
        allowed = logs_allow(policies, rule["Arn"], group_arn, stream)
        refused = [action for action, ok in allowed.items() if not ok]
        if refused:
            return f"the log resource policies refuse {', '.join(refused)} to events.amazonaws.com for {rule['Arn']}"
        try:
            logs.create_log_stream(logGroupName=name, logStreamName=stream)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass
        logs.put_log_events(logGroupName=name, logStreamName=stream, logEvents=[{"timestamp": int(time.time() * 1000), "message": json.dumps(event)}])
        return None


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

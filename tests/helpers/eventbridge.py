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

from helpers.iam_eval import Request, evaluate

__all__ = ["EVENTS", "log_requests", "logs_allow", "publish_request", "sns_allows"]

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

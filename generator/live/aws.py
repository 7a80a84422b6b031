"""Calls to a live account: boto3 clients of one session and region, and AWS's errors turned into
NOT_RUN (the check, the error, the permission it needs), never into a silent pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = ["HISTORY_HOURS", "Aws", "NotRun", "Skip", "as_role", "failed_invocations", "plural", "where"]

HISTORY_HOURS = 24  # the Data API keeps statements 24 hours


@dataclass(frozen=True)
class NotRun:
    check: str
    error: str
    permission: str


class Skip(Exception):
    """A check could not run; already recorded as NOT_RUN."""


class Aws:
    """boto3 clients of one session and region, and calls that turn AWS errors into NOT_RUN."""

    def __init__(self, session, region: str, report: Any) -> None:
        """`report` counts the calls (`checks`) and collects NOT_RUN entries (`not_run`)."""
        self.session, self.region, self.report = session, region, report
        self._clients: dict[str, Any] = {}

    def client(self, service: str):
        if service not in self._clients:
            self._clients[service] = self.session.client(service, region_name=self.region)
        return self._clients[service]

    def pages(self, check: str, permission: str, service: str, operation: str, key: str, missing: tuple[str, ...] = (), **kwargs: Any) -> list:
        """Every item of a paged list call (botocore's paginator follows the tokens), or NOT_RUN;
        [] when the error code is one of `missing`."""
        pages = lambda: self.client(service).get_paginator(operation).paginate(**kwargs)  # noqa: E731
        return self._run(check, permission, missing, lambda: [item for page in pages() for item in page.get(key, [])]) or []

    def call(self, check: str, permission: str, service: str, operation: str, missing: tuple[str, ...] = (), **kwargs: Any) -> Any:
        """The response; None when the error code is one of `missing` (the resource does not exist)."""
        return self._run(check, permission, missing, lambda: getattr(self.client(service), operation)(**kwargs))

    def _run(self, check: str, permission: str, missing: tuple[str, ...], request: Any) -> Any:
        """`request()`, with AWS's errors recorded as NOT_RUN (then Skip) or, for `missing`, None."""
        from botocore.exceptions import (  # boto3 only when an account is read
            BotoCoreError,
            ClientError,
        )

        self.report.checks += 1
        try:
            return request()
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code", "") in missing:
                return None
            self.report.not_run.append(NotRun(check, f"{error.get('Code', '')}: {error.get('Message', '')}", permission))
            raise Skip from None
        except BotoCoreError as exc:
            self.report.not_run.append(NotRun(check, f"{type(exc).__name__}: {exc}", _remedy(exc, permission)))
            raise Skip from None


def as_role(aws: Aws, role_arn: str, purpose: str) -> Aws:
    """Calls as the schedule role, as the console assumes it to show a schedule's history: the Data
    API lists the statements of the caller's role (ListStatements, RoleLevel)."""
    import boto3  # only when an account is read (start-up time)

    permission = f"sts:AssumeRole on {role_arn}: the role trusts the spec's operators; run this as one of them"
    got = aws.call("assume the schedule role", permission, "sts", "assume_role", RoleArn=role_arn, RoleSessionName=f"rsqgen-{purpose}")
    c = got["Credentials"]
    session = boto3.session.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
    return Aws(session, aws.region, aws.report)


def failed_invocations(aws: Aws, rule_name: str, now: datetime) -> list[dict]:
    """The rule's FailedInvocations of the last 24 hours, by the hour (AWS/Events, dimension
    RuleName), ending 5 minutes after `now` so that a datapoint stamped now is inside."""
    got = aws.call(
        "failed invocations", "cloudwatch:GetMetricStatistics", "cloudwatch", "get_metric_statistics",
        Namespace="AWS/Events", MetricName="FailedInvocations", Dimensions=[{"Name": "RuleName", "Value": rule_name}],
        StartTime=now - timedelta(hours=HISTORY_HOURS), EndTime=now + timedelta(minutes=5), Period=3600, Statistics=["Sum"],
    )
    return [p for p in got.get("Datapoints", []) if p.get("Sum")]


def _remedy(exc: Exception, permission: str) -> str:
    """What a check needs when AWS was not reached at all: credentials, or the network."""
    name = type(exc).__name__
    if name in ("NoCredentialsError", "PartialCredentialsError", "ProfileNotFound", "NoRegionError"):
        return "credentials and a region: AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; AWS_REGION (boto3's standard chain)"
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError", "SSLError"):
        return "network access to AWS (or to AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> if set); then " + permission
    return permission


def where(account: str, region: str) -> str:
    """The report's first words: the account the credentials reach, or that they reached none."""
    return f"Account {account}, region {region}" if account else f"No account reached (region {region})"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")

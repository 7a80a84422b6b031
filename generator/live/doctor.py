"""`rsqgen doctor SPEC`: the live account against what the spec means, and the known pitfalls.

Read-only. Each finding has an id, the resource, what is wrong, why it matters and the fix. A check
that cannot run (AccessDenied, a throttled or unknown API) is reported as NOT_RUN with the AWS error
and the permission it needs, never passed silently. Trust is judged by reading the trust policy,
never by trying AssumeRole (emulators accept it for roles that do not exist).

Exit: 0 healthy, 1 findings, 3 a check could not run (and nothing was found).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..deploy import Deployment, ScheduledQuery
from ..errors import ExitCode
from ..values import Ref, resolve
from .aws import HISTORY_HOURS, Aws, NotRun, Skip, as_role, failed_invocations, plural, where

__all__ = ["Finding", "Report", "doctor"]

# A principal AWS shows as its unique id: the user or role it named was deleted (and maybe made
# again: the new one has another id and is not trusted). IAM User Guide, "Unique identifiers".
BARE_ID = re.compile(r"^A(RO|ID)A[A-Z0-9]{12,}$")
WHY_SERVICE = {
    "events.amazonaws.com": "EventBridge assumes the role to run each scheduled query",
    "scheduler.amazonaws.com": "EventBridge Scheduler assumes the role to run the scheduler queries",
    "redshift.amazonaws.com": "the Redshift console expects it when it creates or shows a schedule",
    "redshift-serverless.amazonaws.com": "the Redshift console expects it for Serverless workgroups",
}


@dataclass(frozen=True)
class Finding:
    id: str
    resource: str
    what: str
    why: str
    fix: str


@dataclass
class Report:
    account: str = ""
    region: str = ""
    findings: list[Finding] = field(default_factory=list)
    not_run: list[NotRun] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checks: int = 0
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        if self.findings:
            return int(ExitCode.FINDINGS)
        if self.not_run:
            return int(ExitCode.INCOMPLETE)
        return int(ExitCode.OK)

    def to_json(self) -> str:
        doc = {
            "account": self.account,
            "region": self.region,
            "healthy": not self.findings and not self.not_run,
            "findings": [asdict(f) for f in self.findings],
            "not_run": [asdict(n) for n in self.not_run],
            "notes": self.notes,
            "checks": self.checks,
            "seconds": round(self.seconds, 2),
        }
        return json.dumps(doc, indent=2) + "\n"

    def to_text(self) -> str:
        lines = [f"{where(self.account, self.region)}: {plural(self.checks, 'check')} in {self.seconds:.1f} s."]
        for f in self.findings:
            lines += [f"FINDING  {f.id}  {f.resource}", f"  what: {f.what}", f"  why:  {f.why}", f"  fix:  {f.fix}"]
        for n in self.not_run:
            lines += [f"NOT_RUN  {n.check}", f"  error: {n.error}", f"  needs: {n.permission}"]
        lines += [f"note: {note}" for note in self.notes]
        if not self.findings and not self.not_run:
            lines.append("Healthy: the account holds what the spec means.")
        return "\n".join(lines) + "\n"


def doctor(d: Deployment, session, *, now: datetime | None = None) -> Report:
    """Compare the account `session` reaches with Deployment `d`."""
    start = time.monotonic()
    report = Report(region=d.region)
    aws = Aws(session, d.region, report)
    try:
        identity = aws.call("credentials", "sts:GetCallerIdentity (allowed to everyone)", "sts", "get_caller_identity")
    except Skip:
        report.seconds = time.monotonic() - start
        return report
    report.account = identity["Account"]
    if d.account_id and d.account_id != report.account:
        report.findings.append(
            Finding("wrong-account", f"account {report.account}", f"the credentials reach account {report.account}, the spec is for {d.account_id}",
                    "every other check would compare the wrong account", f"use credentials of account {d.account_id} (AWS_PROFILE)")
        )
        report.seconds = time.monotonic() - start
        return report
    account = report.account
    role_arn = resolve(d.role.arn, account)
    for check in (_role, _rules, _schedules, _topics, _history, _failed_invocations, _failed_statements):
        try:
            check(d, aws, report, account, role_arn, now or datetime.now(timezone.utc), identity)
        except Skip:
            continue
    report.seconds = time.monotonic() - start
    return report


# ---------------------------------------------------------------------------------------------
# The schedule role


def _principals(document: dict) -> tuple[set[str], set[str]]:
    services, aws_principals = set(), set()
    for s in _list(document.get("Statement")):
        if s.get("Effect") != "Allow" or not any(a in ("sts:AssumeRole", "sts:*", "*") for a in _list(s.get("Action"))):
            continue
        principal = s.get("Principal") or {}
        services |= set(_list(principal.get("Service")))
        aws_principals |= set(_list(principal.get("AWS")))
    return services, aws_principals


def _role(d: Deployment, aws: Aws, report: Report, account: str, role_arn: str, now: datetime, identity: dict) -> None:
    got = aws.call("schedule role", "iam:GetRole on the role", "iam", "get_role", missing=("NoSuchEntity",), RoleName=d.role.name)
    if got is None:
        report.findings.append(Finding("role-missing", role_arn, "the schedule role does not exist", "no scheduled query can run, and the console cannot show their history", "terraform apply"))
        return
    role = got["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    services, principals = _principals(trust)
    for service in d.role.trusted_services:
        if service not in services:
            report.findings.append(Finding("trust-missing-service", role_arn, f"the trust policy does not name {service}", WHY_SERVICE.get(service, "the spec needs it"), "terraform apply (the trust policy is rsqgen's)"))
    for operator in resolve(list(d.role.operator_arns), account):
        if operator not in principals:
            report.findings.append(Finding("trust-missing-operator", role_arn, f"the trust policy does not name the operator {operator}", "that operator cannot create schedules in the console, nor view their history", "terraform apply"))
    for principal in sorted(principals):
        if BARE_ID.match(principal):
            report.findings.append(
                Finding("trust-stale-principal", role_arn, f"the trust policy names {principal}, a unique id: the user or role it named was deleted",
                        "if it was made again under the same name, the new one is not trusted (IAM keeps the old id)", "terraform apply writes the ARN again; then remove the id")
            )
    if not _trusts(principals, identity["Arn"]):
        report.notes.append(f"you ({identity['Arn']}) are not trusted by the schedule role: the console will not show you the schedule history")
    _role_permissions(d, aws, report, account, role_arn)


def _trusts(principals: set[str], caller: str) -> bool:
    """Whether a trust policy's principals name the caller: a user by its ARN, a role session by
    its role (the session ARN has no path; the role's ARN may have one)."""
    session = re.match(r"arn:(aws[a-z-]*):sts::(\d{12}):assumed-role/([^/]+)/[^/]+$", caller)
    user = re.match(r"arn:(aws[a-z-]*):(?:iam|sts)::(\d{12}):user/(?:.*/)?([^/]+)$", caller)
    if not (session or user):
        return False
    partition, account, name = (session or user).groups()
    kind = "role" if session else "user"
    wanted = re.compile(rf"arn:{partition}:iam::{account}:{kind}/(?:.*/)?{re.escape(name)}$")
    return any(wanted.match(p) for p in principals)


def _role_permissions(d: Deployment, aws: Aws, report: Report, account: str, role_arn: str) -> None:
    got = aws.call("schedule role permissions", "iam:GetRolePolicy on the role", "iam", "get_role_policy", missing=("NoSuchEntity",), RoleName=d.role.name, PolicyName=d.role.policy_name)
    if got is None:
        report.findings.append(Finding("role-policy-missing", role_arn, f"the role has no inline policy {d.role.policy_name}", "the queries cannot call the Data API or get database credentials", "terraform apply"))
        return
    live = got["PolicyDocument"]
    live = json.loads(live) if isinstance(live, str) else live
    by_sid = {s.get("Sid"): s for s in _list(live.get("Statement")) if s.get("Effect") == "Allow"}
    for s in d.role.statements:
        have = by_sid.get(s.sid)
        actions = set(s.actions) - set(_list(have.get("Action"))) if have else set(s.actions)
        wanted = [r for r in resolve(list(s.resources), account) if not isinstance(r, Ref)]
        resources = set(wanted) - set(_list(have.get("Resource"))) if have else set(wanted)
        if actions or resources:
            missing = ", ".join(sorted(actions | resources))
            report.findings.append(Finding("role-grant-missing", role_arn, f"statement {s.sid} lacks {missing}", s.why or "a query needs it", "terraform apply (the policy is rsqgen's)"))


# ---------------------------------------------------------------------------------------------
# Rules, their targets and the warehouses they run on


def _rules(d: Deployment, aws: Aws, report: Report, account: str, role_arn: str, now: datetime, identity: dict) -> None:
    warehouses = {w.key: w for w in d.warehouses}
    for q in (q for q in d.queries if q.backend == "rule"):
        try:
            _rule(q, warehouses[q.warehouse], d, aws, report, account, role_arn)
        except Skip:
            continue
    for status in d.statuses:
        got = aws.call("status rules", "events:DescribeRule", "events", "describe_rule", missing=("ResourceNotFoundException",), Name=status.rule_name)
        if got is None:
            report.findings.append(Finding("status-rule-missing", status.rule_name, "the rule that forwards the query's outcome does not exist", f"nobody is told when it ends {'/'.join(status.states)}", "terraform apply"))


def _rule(q: ScheduledQuery, wh, d: Deployment, aws: Aws, report: Report, account: str, role_arn: str) -> None:
    permission = "events:DescribeRule and events:ListTargetsByRule on arn:aws:events:<region>:<account>:rule/" + d.rule_prefix + "*"
    rule = aws.call("rules", permission, "events", "describe_rule", missing=("ResourceNotFoundException",), Name=q.rule_name)
    if rule is None:
        report.findings.append(Finding("rule-missing", q.rule_name, f"the rule of query {q.key} does not exist", "the query never runs", "terraform apply"))
        return
    state = rule.get("State")
    if q.enabled and state != "ENABLED":
        report.findings.append(Finding("rule-disabled", q.rule_name, f"the rule is {state}; the spec enables query {q.key}", "the query does not run", "terraform apply (or enable it in the console, and the next plan agrees)"))
    if not q.enabled and state == "ENABLED":
        report.findings.append(Finding("rule-enabled", q.rule_name, f"the rule is ENABLED; the spec disables query {q.key}", "the query runs although the spec says it should not", "terraform apply"))
    targets = aws.call("rules", permission, "events", "list_targets_by_rule", Rule=q.rule_name)["Targets"]
    redshift = [t for t in targets if "RedshiftDataParameters" in t]
    if not redshift:
        report.findings.append(Finding("target-missing", q.rule_name, "the rule has no Redshift Data API target", "the schedule fires and runs nothing", "terraform apply"))
        return
    target = redshift[0]
    params = target["RedshiftDataParameters"]
    if params.get("StatementName") != q.rule_name:
        report.findings.append(Finding("statement-name", q.rule_name, f"the statement is named {params.get('StatementName')!r}, not {q.rule_name!r}", "the console lists a scheduled query only when the statement name equals the rule name", "terraform apply"))
    if target.get("RoleArn") != role_arn:
        report.findings.append(Finding("target-role", q.rule_name, f"the target runs as {target.get('RoleArn')}, not the schedule role {role_arn}", "it runs with permissions the spec does not describe", "terraform apply"))
        name = (target.get("RoleArn") or "").rsplit("/", 1)[-1]
        if name and aws.call("rules", "iam:GetRole", "iam", "get_role", missing=("NoSuchEntity",), RoleName=name) is None:
            report.findings.append(Finding("target-role-missing", q.rule_name, f"the target's role {target.get('RoleArn')} does not exist", "EventBridge cannot assume it: every run fails (FailedInvocations)", "terraform apply"))
    _target_warehouse(q, wh, target["Arn"], aws, report, account)


def _target_warehouse(q: ScheduledQuery, wh, arn: str, aws: Aws, report: Report, account: str) -> None:
    if ":cluster:" in arn:
        identifier = arn.rsplit(":", 1)[1]
        got = aws.call("warehouses", "redshift:DescribeClusters", "redshift", "describe_clusters", missing=("ClusterNotFound", "ClusterNotFoundFault"), ClusterIdentifier=identifier)
        if got is None:
            report.findings.append(Finding("target-warehouse-missing", q.rule_name, f"the target cluster {identifier} does not exist", "every run fails", f"create the cluster, or point the query at one that exists (warehouse {q.warehouse})"))
        elif wh.type == "cluster" and identifier != wh.identifier:
            report.findings.append(Finding("target-other-warehouse", q.rule_name, f"the target is cluster {identifier}, the spec says {wh.identifier}", "the query runs on another warehouse than reviewed", "terraform apply"))
        return
    workgroups = aws.pages("warehouses", "redshift-serverless:ListWorkgroups", "redshift-serverless", "list_workgroups", "workgroups")
    by_arn = {w["workgroupArn"]: w["workgroupName"] for w in workgroups}
    if arn not in by_arn:
        report.findings.append(Finding("target-warehouse-missing", q.rule_name, f"the target workgroup {arn} does not exist (its ARN ends in an id: a re-created workgroup has another)", "every run fails", "terraform apply (rsqgen reads the workgroup's current ARN)"))
    elif wh.type == "serverless" and by_arn[arn] != wh.identifier:
        report.findings.append(Finding("target-other-warehouse", q.rule_name, f"the target is workgroup {by_arn[arn]}, the spec says {wh.identifier}", "the query runs on another warehouse than reviewed", "terraform apply"))


def _schedules(d: Deployment, aws: Aws, report: Report, account: str, role_arn: str, now: datetime, identity: dict) -> None:
    for q in (q for q in d.queries if q.backend == "scheduler"):
        got = aws.call("schedules", f"scheduler:GetSchedule on schedule/{d.schedule_group}/*", "scheduler", "get_schedule", missing=("ResourceNotFoundException",), GroupName=d.schedule_group, Name=q.rule_name)
        if got is None:
            report.findings.append(Finding("schedule-missing", f"{d.schedule_group}/{q.rule_name}", f"the schedule of query {q.key} does not exist", "the query never runs", "terraform apply"))
            continue
        state = got.get("State")
        if (state == "ENABLED") != q.enabled:
            report.findings.append(Finding("schedule-state", f"{d.schedule_group}/{q.rule_name}", f"the schedule is {state}; the spec {'enables' if q.enabled else 'disables'} query {q.key}", "it runs when the spec says otherwise", "terraform apply"))
        if got.get("Target", {}).get("RoleArn") != role_arn:
            report.findings.append(Finding("target-role", f"{d.schedule_group}/{q.rule_name}", f"the schedule runs as {got.get('Target', {}).get('RoleArn')}, not {role_arn}", "it runs with permissions the spec does not describe", "terraform apply"))


# ---------------------------------------------------------------------------------------------
# Topics and failed invocations


def _topics(d: Deployment, aws: Aws, report: Report, account: str, role_arn: str, now: datetime, identity: dict) -> None:
    if not d.topics:
        return
    listed = aws.pages("topics", "sns:ListTopics", "sns", "list_topics", "Topics")
    by_name = {t["TopicArn"].rsplit(":", 1)[1]: t["TopicArn"] for t in listed}
    for t in d.topics:
        arn = t.existing_arn or by_name.get(t.name)
        if arn is None:
            report.findings.append(Finding("topic-missing", t.name, f"notification topic {t.key} does not exist", "its notifications are dropped", "terraform apply"))
            continue
        got = aws.call("topics", "sns:GetTopicAttributes", "sns", "get_topic_attributes", missing=("NotFound",), TopicArn=arn)
        if got is None:
            report.findings.append(Finding("topic-missing", arn, f"notification topic {t.key} does not exist", "its notifications are dropped", "create it, or fix topic_arn" if t.existing_arn else "terraform apply"))
            continue
        attrs = got["Attributes"]
        key = attrs.get("KmsMasterKeyId", "")
        if key in ("alias/aws/sns",) or key.endswith(":alias/aws/sns"):
            report.findings.append(Finding("topic-aws-managed-key", arn, "the topic is encrypted with the AWS managed key alias/aws/sns", "EventBridge cannot use that key: deliveries fail silently", "a customer managed key whose policy lets events.amazonaws.com use kms:Decrypt and kms:GenerateDataKey*"))
        policy = json.loads(attrs.get("Policy") or "{}")
        for rule_arn in resolve(list(t.publisher_rule_arns), account):
            if not _allows_publish(policy, arn, rule_arn):
                report.findings.append(Finding("topic-policy", arn, f"the topic's policy does not let the rule {rule_arn.rsplit('/', 1)[1]} publish", "EventBridge's deliveries are refused (FailedInvocations)", "terraform apply" if t.created else "its owner adds the statement `rsqgen explain` prints"))


def _allows_publish(policy: dict, topic_arn: str, rule_arn: str) -> bool:
    for s in _list(policy.get("Statement")):
        principal = s.get("Principal") or {}
        services = _list(principal.get("Service")) if isinstance(principal, dict) else []
        if s.get("Effect") != "Allow" or "events.amazonaws.com" not in services:
            continue
        if not any(a in ("sns:Publish", "sns:*", "*") for a in _list(s.get("Action"))):
            continue
        if not any(r in (topic_arn, "*") for r in _list(s.get("Resource"))):
            continue
        arns = [v for cond in (s.get("Condition") or {}).values() for k, v in cond.items() if k.lower() == "aws:sourcearn"]
        if not arns or any(rule_arn in _list(v) or any(p.endswith("*") and rule_arn.startswith(p[:-1]) for p in _list(v)) for v in arns):
            return True
    return False


def _failed_invocations(d: Deployment, aws: Aws, report: Report, account: str, role_arn: str, now: datetime, identity: dict) -> None:
    # What EventBridge needs to deliver differs by rule: a query's rule assumes the schedule role
    # (and publishes to its trigger topics); a status rule publishes to a topic; the history rule
    # writes to a log group through the group's resource policy, with no role at all.
    rules = {q.rule_name: ("those runs never reached the Data API: no statement, no history", "check the schedule role's trust and permissions, and the trigger topics' policies") for q in d.queries if q.backend == "rule"}
    rules |= {s.rule_name: ("those status alerts were not sent", f"check the topic policy of notifications.{s.topic} (events.amazonaws.com may sns:Publish for this rule) and its key policy") for s in d.statuses}
    if d.history:
        rules[d.history.rule_name] = (
            "those runs' status events are not in the history log: rsqgen history shows nothing older than 24 hours",
            f"check the resource policy {d.history.rule_name!r} of the log group {d.history.log_group} (aws logs describe-resource-policies): EventBridge must be allowed logs:CreateLogStream and, for this rule, logs:PutLogEvents; terraform apply restores it",
        )
    for name, (impact, fix) in rules.items():
        failed = sum(p["Sum"] for p in failed_invocations(aws, name, now))
        if failed:
            report.findings.append(Finding("failed-invocations", name, f"EventBridge could not invoke the target {int(failed)} time(s) in the last {HISTORY_HOURS} hours", impact, fix))


def _json(text: Any) -> Any:
    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return None


def _list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _failed_statements(d: Deployment, aws: Aws, report: Report, account: str, role_arn: str, now: datetime, identity: dict) -> None:
    """FAILED or ABORTED statements of the last 24 hours, read as the schedule role (the Data API lists
    the caller's role's statements): one listing of every name under the spec's prefix, one per
    kept name outside it, matched exactly, since ListStatements filters by name prefix. Only those
    the role trusts may do that; for anyone else it is a note, as for the console's history."""
    got = aws.call("failed statements", "iam:GetRole on the role", "iam", "get_role", missing=("NoSuchEntity",), RoleName=d.role.name)
    if got is None:
        return  # role-missing says it
    trust = got["Role"]["AssumeRolePolicyDocument"]
    if not _trusts(_principals(json.loads(trust) if isinstance(trust, str) else trust)[1], identity["Arn"]):
        report.notes.append("failed statements were not checked: only principals the schedule role trusts can list its statements; run doctor as one of the spec's operators")
        return
    data = as_role(aws, role_arn, "doctor")
    permission = "redshift-data:ListStatements and redshift-data:DescribeStatement (the schedule role has them)"
    names = {q.rule_name: q for q in d.queries}
    failed: dict[str, dict[str, dict]] = {}  # name -> id -> statement
    for prefix in [d.rule_prefix] + sorted(n for n in names if not n.startswith(d.rule_prefix)):
        for s in data.pages("failed statements", permission, "redshift-data", "list_statements", "Statements", StatementName=prefix, Status="ALL", RoleLevel=True):
            if s.get("StatementName") in names and s.get("Status") in ("FAILED", "ABORTED"):
                failed.setdefault(s["StatementName"], {})[s["Id"]] = s
    for name, by_id in sorted(failed.items()):
        statements = list(by_id.values())
        latest = max(statements, key=lambda s: s["CreatedAt"])
        got = data.call("failed statements", permission, "redshift-data", "describe_statement", missing=("ResourceNotFoundException",), Id=latest["Id"]) or {}
        error = got.get("Error") or latest["Status"]
        report.findings.append(Finding(
            "failed-statements", name, f"{len(statements)} statement(s) FAILED or ABORTED in the last {HISTORY_HOURS} hours; the latest: {error}",
            f"query {names[name].key} did not do its work", f"rsqgen history SPEC {names[name].key} --status failed; fix the SQL or the grant, then rsqgen run SPEC {names[name].key}",
        ))


def _history(d: Deployment, aws: Aws, report: Report, account: str, role_arn: str, now: datetime, identity: dict) -> None:
    """history.retain_days: the rule that keeps the runs, and its log group."""
    h = d.history
    if h is None:
        return
    if aws.call("history", f"events:DescribeRule on rule/{h.rule_name}", "events", "describe_rule", missing=("ResourceNotFoundException",), Name=h.rule_name) is None:
        report.findings.append(Finding("history-rule-missing", h.rule_name, "the rule that keeps the runs does not exist", f"runs older than {HISTORY_HOURS} hours are lost", "terraform apply"))
    groups = aws.call("history", "logs:DescribeLogGroups", "logs", "describe_log_groups", logGroupNamePrefix=h.log_group).get("logGroups", [])
    group = next((g for g in groups if g["logGroupName"] == h.log_group), None)
    if group is None:
        report.findings.append(Finding("history-log-missing", h.log_group, "the log group that keeps the runs does not exist", f"runs older than {HISTORY_HOURS} hours are lost", "terraform apply"))
    elif group.get("retentionInDays") != h.retain_days:
        report.findings.append(Finding("history-retention", h.log_group, f"the log group keeps events {group.get('retentionInDays') or 'forever'} days; the spec says {h.retain_days}", "history is kept longer or shorter than reviewed", "terraform apply"))
    policies = aws.pages("history", "logs:DescribeResourcePolicies", "logs", "describe_resource_policies", "resourcePolicies")
    found = next((p for p in policies if p.get("policyName") == h.rule_name), None)
    expected = resolve(h.writer_policy(), account)
    if found is None:
        report.findings.append(Finding("history-log-policy-missing", h.rule_name, "the log group's resource policy does not exist", "EventBridge cannot write the runs' status events: the history log stays empty", "terraform apply"))
    elif _json(found.get("policyDocument")) != expected:
        report.findings.append(Finding("history-log-policy", h.rule_name, "the log group's resource policy is not the one the spec renders", "EventBridge may be refused (no history kept), or other rules may write into the history", "terraform apply"))

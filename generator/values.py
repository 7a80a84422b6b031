"""Values every stage shares: the account placeholder, Terraform references and IAM statements.

This module imports nothing of rsqgen's, so any stage may use it without pulling in another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

__all__ = ["ACCOUNT", "Ref", "Statement", "Value", "parse_rfc3339", "policy_document", "resolve", "to_utc"]

# The account id placeholder in ARNs when a spec does not give `account_id`. The renderer turns it
# into `${local.account_id}` (looked up with aws_caller_identity). YAML cannot carry a NUL
# character, so no user string can contain it.
ACCOUNT = "\x00account\x00"


@dataclass(frozen=True)
class Ref:
    """A Terraform expression, rendered as it is (never quoted): a value known only at apply time."""

    expr: str

    @property
    def when(self) -> str:
        """When Terraform knows the value, in a reviewer's words."""
        return "read at plan time" if self.expr.startswith("data.") else "known after apply"


Value = str | Ref


@dataclass(frozen=True)
class Statement:
    """One Allow statement of an identity policy."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[Value, ...]
    conditions: dict[str, dict[str, list[str]]] = field(default_factory=dict, hash=False)
    why: str = field(default="", compare=False)  # for reviewers (README, explain); not part of the policy

    def __post_init__(self) -> None:
        if not self.actions or not self.resources:  # an empty list would be a silent no-op grant
            raise ValueError(f"statement {self.sid} needs at least one action and one resource")

    def to_iam(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "Sid": self.sid,
            "Effect": "Allow",
            "Action": list(self.actions),
            "Resource": list(self.resources),
        }
        if self.conditions:
            doc["Condition"] = self.conditions
        return doc


def policy_document(statements: tuple[Statement, ...]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [s.to_iam() for s in statements]}


def resolve(value: Any, account_id: str) -> Any:
    """Replace the account placeholder in a value (recursively), for reports and tests."""
    if isinstance(value, str):
        return value.replace(ACCOUNT, account_id)
    if isinstance(value, list | tuple):
        return [resolve(v, account_id) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, account_id) for k, v in value.items()}
    return value


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def parse_rfc3339(text: str) -> datetime | None:
    """An RFC 3339 time with a zone (`Z` or `+hh:mm`), or None when `text` is not one."""
    if not _RFC3339.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def to_utc(moment: datetime) -> str:
    """RFC 3339 in UTC with `Z`, to the second: the form AWS returns."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

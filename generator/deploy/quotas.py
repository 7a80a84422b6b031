"""AWS quotas the generated configuration must stay within, enforced when deciding.

IAM counts policy size in characters without whitespace: an inline role policy may hold 10,240, a
managed policy 6,144, a trust policy 2,048 by default (adjustable to 4,096), and a role may have 10
managed policies attached by default (adjustable to 20). EventBridge allows, by default, 300 rules
per event bus. The numbers live in `aws`; sources: the IAM and EventBridge quota pages (see
../shared/reference/aws-facts.md, section 4).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from typing import Any

from ..aws import (
    INLINE_ROLE_POLICY_MAX,
    SCHEDULER_INPUT_MAX,
    MANAGED_POLICIES_PER_ROLE_MAX,
    MANAGED_POLICY_MAX,
    TRUST_POLICY_MAX,
)
from ..values import ACCOUNT, Ref, Statement

__all__ = ["QuotaError", "check_scheduler_input", "check_trust", "jsonencode_bytes", "pack", "policy_chars", "rules_warning"]
# A value Terraform knows only after apply (a secret or key ARN made in the same apply) is sized
# generously: the longest such ARN rsqgen uses is a Serverless workgroup's, about 100 characters.
UNKNOWN_VALUE_CHARS = 128


class QuotaError(Exception):
    def __init__(self, where: tuple[str, ...], message: str, allowed: str) -> None:
        super().__init__(message)
        self.where, self.message, self.allowed = where, message, allowed


def _sized(value: Any) -> Any:
    if isinstance(value, Ref):
        return "x" * UNKNOWN_VALUE_CHARS
    if isinstance(value, str):
        return value.replace(ACCOUNT, "123456789012")
    if isinstance(value, list | tuple):
        return [_sized(v) for v in value]
    if isinstance(value, dict):
        return {k: _sized(v) for k, v in value.items()}
    return value


def policy_chars(document: dict[str, Any]) -> int:
    """Size as IAM counts it: the JSON without whitespace (outside strings)."""
    return len(json.dumps(_sized(document), separators=(",", ":"), ensure_ascii=False))


_EMPTY = len('{"Version":"2012-10-17","Statement":[]}')


def _size(statement: Statement) -> int:
    """Characters one statement adds to a policy (its JSON; the separating comma is counted by
    `_total`). Sizes add up exactly, so packing never re-serialises whole policies."""
    return policy_chars(statement.to_iam())


def _total(sizes: list[int]) -> int:
    return _EMPTY + sum(sizes) + max(len(sizes) - 1, 0)


def _split(statement: Statement, limit: int) -> list[Statement]:
    """Pieces of one statement, each fitting a policy of `limit` characters on its own."""
    if _total([_size(statement)]) <= limit:
        return [statement]
    pieces: list = []
    current: list = []
    # The statement without resources, with room for a numbered Sid, plus each resource's JSON.
    base = _size(replace(statement, sid=statement.sid + "999", resources=("",))) - 2
    used = base
    for resource in statement.resources:
        cost = len(json.dumps(_sized(resource), ensure_ascii=False)) + 1
        if current and _EMPTY + used + cost > limit:
            pieces.append(tuple(current))
            current, used = [], base
        current.append(resource)
        used += cost
    pieces.append(tuple(current))
    return [replace(statement, sid=f"{statement.sid}{n}", resources=r) for n, r in enumerate(pieces, 1)]


def pack(statements: tuple, max_managed: int) -> tuple[tuple, tuple[tuple, ...]]:
    """(inline statements, managed policies' statements): everything inline while it fits, the
    rest first-fit into managed policies, statements split by resource where they must be."""
    if _total([_size(s) for s in statements]) <= INLINE_ROLE_POLICY_MAX:
        return statements, ()
    inline: list = []
    inline_sizes: list[int] = []
    managed: list[tuple[list, list[int]]] = []
    for statement in statements:
        for piece in _split(statement, MANAGED_POLICY_MAX):
            size = _size(piece)
            if _total(inline_sizes + [size]) <= INLINE_ROLE_POLICY_MAX:
                inline.append(piece)
                inline_sizes.append(size)
                continue
            for chunk, sizes in managed:
                if _total(sizes + [size]) <= MANAGED_POLICY_MAX:
                    chunk.append(piece)
                    sizes.append(size)
                    break
            else:
                managed.append(([piece], [size]))
    if len(managed) > max_managed:
        total = _total([_size(s) for s in statements])
        raise QuotaError(
            ("queries",),
            f"the schedule role's permissions come to {total:,} characters: the inline policy (10,240) and "
            f"{len(managed)} managed policies of 6,144 would be needed, and a role may have {max_managed} attached",
            "use fewer distinct database users, databases or secrets per spec (each adds an ARN), split the queries "
            f"into several specs, or raise the IAM quota and set quotas.managed_policies_per_role (at most {MANAGED_POLICIES_PER_ROLE_MAX})",
        )
    return tuple(inline), tuple(tuple(chunk) for chunk, _ in managed)


def check_trust(trust_policy: dict[str, Any], operators: int, limit: int) -> None:
    size = policy_chars(trust_policy)
    if size > limit:
        raise QuotaError(
            ("operators",),
            f"{operators} operators make the schedule role's trust policy {size:,} characters; the limit is {limit:,}",
            "have operators share a role (trust one role that they assume) instead of listing each user, or raise IAM's "
            f"role trust policy quota and set quotas.trust_policy_size (at most {TRUST_POLICY_MAX:,})",
        )


def rules_warning(rules: int, limit: int) -> str | None:
    if rules <= limit:
        return None
    return (
        f"{rules} EventBridge rules on the default event bus; the quota is {limit} per bus by default. Move queries to "
        "`scheduler: scheduler` (EventBridge Scheduler allows a million schedules per account), or raise the quota "
        "and set quotas.rules_per_bus"
    )


# Terraform's jsonencode is Go's encoding/json with HTML escaping: <, > and & become \u003c,
# \u003e and \u0026, U+2028/U+2029 \u2028/\u2029, control characters \u00XX (but \n, \r, \t),
# everything else stays UTF-8. Object keys come sorted; Terraform NFC-normalises every string first.
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def jsonencode_bytes(value: Any) -> int:
    """The length in UTF-8 bytes of Terraform's `jsonencode(value)`."""
    text = json.dumps(_nfc(_sized(value)), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    text = text.translate(str.maketrans(_GO_ESCAPES))
    return len(text.encode("utf-8"))


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {k: _nfc(v) for k, v in value.items()}
    return value


def check_scheduler_input(key: str, request: dict[str, Any]) -> None:
    """A Scheduler schedule's Input is its whole Data API request: at most SCHEDULER_INPUT_MAX bytes."""
    size = jsonencode_bytes(request)
    if size > SCHEDULER_INPUT_MAX:
        sqls = request.get("Sqls") or [request.get("Sql", "")]
        raise QuotaError(
            ("queries", key, "sql"),
            f"the schedule's input (its Data API request, as Terraform's jsonencode writes it) is {size:,} bytes; EventBridge Scheduler takes at most {SCHEDULER_INPUT_MAX:,}",
            f"shorten the {len(sqls)} statement(s) (jsonencode writes each <, > and & as 6 bytes), split the batch into several queries, or CALL a stored procedure",
        )

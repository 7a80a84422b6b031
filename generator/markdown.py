"""Filters that put spec values into the generated README safely (no raw control characters, no
broken tables or code fences)."""

from __future__ import annotations

import re

from . import aws
from .plan import Deployment, QueryPlan, Ref

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _visible(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text.replace(aws.ACCOUNT, "<account>"))


def md_text(text: str) -> str:
    """One line of prose inside a table or list: no newlines, no pipes that split a table."""
    flat = _visible(text).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return re.sub(r"([\\|*_`<>\[\]])", r"\\\1", flat)


def md_span(text: str, in_table: bool = False) -> str:
    """An inline code span holding `text` exactly as shown (backslashes are literal in code spans,
    so only backticks, line breaks and, in a table, pipes need care)."""
    flat = _visible(text).replace("\r", " ").replace("\n", " ")
    if in_table:
        flat = flat.replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def md_value(value: str | Ref) -> str:
    if isinstance(value, Ref):
        return f"`{value.expr}` (known after apply)"
    return f"`{_visible(value)}`"


def md_code(text: str, lang: str = "") -> str:
    """A fenced code block longer than any run of backticks in `text`."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = _visible(text.replace("\r\n", "\n").replace("\r", "\n")).rstrip("\n")
    return f"{fence}{lang}\n{body}\n{fence}"


def connects_as(q: QueryPlan, d: Deployment) -> str:
    if q.auth == "db_user":
        return f"database user `{q.db_user}` (temporary credentials)"
    if q.auth == "secret":
        return f"the secret {md_value(q.secret_arn)}" if q.secret_arn is not None else "a secret"
    if q.auth == "admin_secret":
        return "the warehouse's admin secret (managed by Redshift)"
    return f"`IAMR:{d.role.name}` (IAM identity)"


def notifies(q: QueryPlan) -> str:
    parts = []
    if q.trigger_topic:
        parts.append(f"`{q.trigger_topic}` when it fires")
    if q.status:
        parts.append(f"`{q.status.topic}` on {'/'.join(q.status.states)}")
    return "; ".join(parts) if parts else "nobody"


FILTERS = {"md_text": md_text, "md_value": md_value, "md_code": md_code, "connects_as": connects_as, "notifies": notifies}

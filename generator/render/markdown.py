"""Filters that put decided values into the generated README (Markdown) safely, and the wording
shared with `rsqgen explain`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..deploy import Deployment, ScheduledQuery
from ..text import md_code, md_span, md_text
from ..values import Ref, Value

__all__ = ["FILTERS", "connects_as", "md_value", "notifies"]


def md_value(value: Value) -> str:
    if isinstance(value, Ref):
        return f"`{value.expr}` ({value.when})"
    return md_span(value, in_table=True)


def connects_as(q: ScheduledQuery, role_name: str, code: Callable[[Value], str] = md_value) -> str:
    """Who a query connects to the database as, in words; `code` shows a name or ARN."""
    if q.auth == "db_user":
        return f"database user {code(q.db_user or '')} (temporary credentials)"
    if q.auth == "secret":
        return f"the secret {code(q.secret_arn)}" if q.secret_arn is not None else "a secret"
    if q.auth == "admin_secret":
        return "the warehouse's admin secret (managed by Redshift)"
    return f"{code('IAMR:' + role_name)} (IAM identity)"


def notifies(q: ScheduledQuery) -> str:
    parts = []
    parts += [f"{md_span(topic, in_table=True)} when it fires" for topic in q.trigger_topics]
    parts += [f"{md_span(s.topic, in_table=True)} on {'/'.join(s.states)}" for s in q.statuses]
    return "; ".join(parts) if parts else "nobody"


def _connects_filter(q: ScheduledQuery, d: Deployment) -> str:
    return connects_as(q, d.role.name)


def md_json(value: Any) -> str:
    """A JSON document for a fenced code block: a backtick is written as the JSON escape \\u0060,
    so nothing in it can close the fence."""
    return json.dumps(value, indent=2).replace("`", "\\u0060")


FILTERS = {
    "md_json": md_json,
    "md_text": md_text,
    "md_span": md_span,
    "md_cell": lambda v: md_span(v, in_table=True),
    "md_value": md_value,
    "md_code": md_code,
    "connects_as": _connects_filter,
    "notifies": notifies,
}

"""Filters that put decided values into the generated README (Markdown) safely, and the wording
shared with `rsqgen explain`."""

from __future__ import annotations

from collections.abc import Callable

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
    if q.trigger_topic:
        parts.append(f"{md_span(q.trigger_topic, in_table=True)} when it fires")
    if q.status:
        parts.append(f"{md_span(q.status.topic, in_table=True)} on {'/'.join(q.status.states)}")
    return "; ".join(parts) if parts else "nobody"


def _connects_filter(q: ScheduledQuery, d: Deployment) -> str:
    return connects_as(q, d.role.name)


FILTERS = {
    "md_text": md_text,
    "md_span": md_span,
    "md_cell": lambda v: md_span(v, in_table=True),
    "md_value": md_value,
    "md_code": md_code,
    "connects_as": _connects_filter,
    "notifies": notifies,
}

"""checkov once per shape of scheduled query, not once per query.

Hundreds of queries differ only in names, SQL and schedule times; checkov evaluates every module
instance, which made `validate` of 1,000 queries take minutes. A query's *shape* keeps everything a
check can depend on (which values are present or null, booleans, numbers, enum-like strings, the
kind of each ARN or reference, the backend, auth mode, notifications) and sets aside what cannot
change a verdict about configuration (names, SQL, descriptions, schedule times, database names).
checkov runs on a tree that keeps one query per shape (everything else, the role and its policies
included, stays whole), and each verdict on that query's resources is copied to every query of its
shape. tests/test_validate_shapes.py proves the two runs agree, check by check and resource by
resource, on a tree with every variant, and that a failure planted in one instance is reported.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from ..deploy import Deployment, ScheduledQuery
from ..values import Ref

__all__ = ["Reduction", "expand", "reduce", "shape"]

_ARN = re.compile(r"arn:[a-z-]+:([a-z0-9-]+):[^:]*:[^:]*:([a-z-]+)")


def _kind(value: Any) -> Any:
    """What a value is, as far as a configuration check can care."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, Ref):
        return ("ref", re.sub(r'\["[^"]*"\]', "[*]", value.expr))  # module.x["key"].arn -> module.x[*].arn
    if isinstance(value, str):
        m = _ARN.match(value)
        return ("arn", m.group(1), m.group(2)) if m else "text"
    if isinstance(value, tuple | list):
        return ("list", tuple(sorted({repr(_kind(v)) for v in value})))
    return type(value).__name__


def shape(q: ScheduledQuery) -> tuple:
    """The shape of a query: every field, with names, text and times reduced to their kind."""
    return (
        ("backend", q.backend),
        ("enabled", q.enabled),
        ("auth", q.auth),
        ("schedule", q.schedule_expression.split("(")[0]),
        ("timezone", q.timezone is not None),
        ("target", _kind(q.target_arn)),
        ("db_user", q.db_user is not None),
        ("secret", _kind(q.secret_arn)),
        ("batch", len(q.sql) > 1),
        ("with_event", q.with_event),
        ("trigger", len(q.trigger_topics)),
        ("status", tuple(s.states for s in q.statuses)),
        ("cluster", q.cluster_identifier is not None),
        ("workgroup", q.workgroup_name is not None),
        ("retry", q.retry),
        ("dead_letter", _kind(q.dead_letter_arn)),
        ("window", q.flexible_window_minutes),
        ("start", q.start_date is not None),
        ("end", q.end_date is not None),
    )


@dataclass(frozen=True)
class Reduction:
    deployment: Deployment  # one query per shape; everything else whole
    instances: dict[str, tuple[str, ...]]  # representative key -> every key of its shape (itself first)

    @property
    def shapes(self) -> int:
        return len(self.instances)

    @property
    def covered(self) -> int:
        return sum(len(keys) for keys in self.instances.values())


def reduce(d: Deployment) -> Reduction:
    by_shape: dict[tuple, list[ScheduledQuery]] = defaultdict(list)
    for q in d.queries:
        by_shape[shape(q)].append(q)
    reps = [queries[0] for queries in by_shape.values()]
    instances = {queries[0].key: tuple(q.key for q in queries) for queries in by_shape.values()}
    return Reduction(replace(d, queries=tuple(sorted(reps, key=lambda q: q.key))), instances)


_QUERY_MODULE = re.compile(r'^module\.(scheduled_query|scheduler_query|query_status)\["([^"]+)"\]')


def expand(resource: str, instances: dict[str, tuple[str, ...]]) -> list[str]:
    """A checkov resource address of a representative, for every query of its shape (addresses
    outside the per-query modules are whole in the reduced tree and stay as they are)."""
    m = _QUERY_MODULE.match(resource)
    if m is None or m.group(2) not in instances:
        return [resource]
    return [resource[: m.start(2)] + key + resource[m.end(2) :] for key in instances[m.group(2)]]

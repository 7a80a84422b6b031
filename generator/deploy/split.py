"""Splitting one Deployment into stacks: a base stack (operators, the schedule role with the
permissions of every query, topics, queue, keys, schedule group, warehouses created here and their
queries) and one stack per existing warehouse holding that warehouse's queries. Each stack is its
own root module with its own state, so stacks plan in parallel; the query stacks read what the base
made by name (data sources), so they apply after it.

Everything a query stack needs from the base is decided here: names are known (the role, topics,
queue and key alias are named by the spec), so nothing is passed between states.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import InputError
from ..values import Ref
from .iam import DLQ_ARN
from .parts import Deployment

__all__ = ["BASE", "DLQ_READ", "SPLITS", "StackError", "split"]

BASE = "base"
DLQ_READ = Ref("data.aws_sqs_queue.dead_letter.arn")  # the base stack's queue, as a query stack reads it
SPLITS = ("warehouse",)


class StackError(InputError):
    """A spec that cannot be split this way (the message says why and what to do)."""


def split(d: Deployment, by: str = "warehouse") -> dict[str, Deployment]:
    """{stack name: Deployment}: "base" first, then one per existing warehouse with queries."""
    if by not in SPLITS:
        raise StackError(f"--split {by!r} is not supported; use --split warehouse")
    if any(w.key == BASE for w in d.warehouses):
        raise StackError(f"a warehouse is named {BASE!r}, the name of the base stack; rename it to split by warehouse")
    created = {w.key for w in d.warehouses if w.created}
    base_queries = tuple(q for q in d.queries if q.warehouse in created)
    stacks = {BASE: replace(d, queries=base_queries, stack=BASE, backend=_state(d, BASE))}
    for w in d.warehouses:
        queries = tuple(_reading_the_base(q) for q in d.queries if q.warehouse == w.key)
        if w.created or not queries:
            continue
        stacks[w.key] = replace(d, queries=queries, warehouses=(w,), stack=w.key, backend=_state(d, w.key))
    return stacks


def _state(d: Deployment, stack: str) -> dict[str, str] | None:
    """Each stack its own state: <key without .tfstate>/<stack>.tfstate."""
    if d.backend is None:
        return None
    key = d.backend["key"]
    return {**d.backend, "key": f"{key[: -len('.tfstate')]}/{stack}.tfstate"}


def _reading_the_base(q):
    """A query of a query stack: the dead-letter queue the base made is read by name."""
    if q.dead_letter_arn == DLQ_ARN:
        return replace(q, dead_letter_arn=DLQ_READ)
    return q

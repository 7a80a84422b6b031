"""Stage 2, the decisions: a validated spec -> a Deployment in which every name, ARN and policy
document is decided. The renderer and the tools read a Deployment; they decide nothing."""

from .decide import decide, fit_name
from .parts import (
    DeadLetterQueue,
    Deployment,
    SPEC_TAG,
    HistoryLog,
    OperatorsGroup,
    ScheduledQuery,
    ScheduleRole,
    StatusRule,
    Topic,
    Warehouse,
)
from .split import BASE, DLQ_READ, SPLITS, StackError, split

__all__ = [
    "DeadLetterQueue",
    "Deployment",
    "SPEC_TAG",
    "HistoryLog",
    "OperatorsGroup",
    "ScheduleRole",
    "ScheduledQuery",
    "StatusRule",
    "Topic",
    "Warehouse",
    "BASE",
    "DLQ_READ",
    "SPLITS",
    "StackError",
    "decide",
    "fit_name",
    "split",
]

"""Stage 2, the decisions: a validated spec -> a Deployment in which every name, ARN and policy
document is decided. The renderer and the tools read a Deployment; they decide nothing."""

from .decide import decide, fit_name
from .parts import (
    DeadLetterQueue,
    Deployment,
    OperatorsGroup,
    ScheduledQuery,
    ScheduleRole,
    StatusRule,
    Topic,
    Warehouse,
)

__all__ = [
    "DeadLetterQueue",
    "Deployment",
    "OperatorsGroup",
    "ScheduleRole",
    "ScheduledQuery",
    "StatusRule",
    "Topic",
    "Warehouse",
    "decide",
    "fit_name",
]

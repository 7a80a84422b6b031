"""One error hierarchy for rsqgen; the CLI maps each class to an exit code in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1  # validate found problems, or render --check found a difference
    BAD_INPUT = 2  # the spec, a path or an argument is wrong; nothing was written
    INCOMPLETE = 3  # a check could not run (its tool is missing); nothing is claimed as passed


class RsqgenError(Exception):
    """Base class. Its message is shown to the user as it is."""

    exit_code: ExitCode = ExitCode.BAD_INPUT


@dataclass(frozen=True, order=True)
class Location:
    file: str
    line: int  # 1-based
    col: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class SpecIssue:
    """One problem in a spec: where it is, which key, what is wrong and what is allowed."""

    location: Location
    path: str  # dotted key path, e.g. "queries.top5.schedule"; "" for the document itself
    message: str  # what is wrong
    allowed: str = ""  # what is allowed instead, or a hint

    def __str__(self) -> str:
        where = f"{self.location}: "
        key = f"{self.path}: " if self.path else ""
        tail = f"; {self.allowed}" if self.allowed else ""
        return f"{where}{key}{self.message}{tail}"


@dataclass
class SpecError(RsqgenError):
    """A spec was rejected. Carries every issue found, sorted by position."""

    issues: list[SpecIssue] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.issues = sorted(self.issues, key=lambda i: (i.location, i.path, i.message))
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(i) for i in self.issues)


class OutputError(RsqgenError):
    """The output folder cannot be written safely (not ours, not writable, ...)."""


class ToolError(RsqgenError):
    """An external tool (terraform, checkov) failed in a way that is not a finding."""

    exit_code = ExitCode.INCOMPLETE

"""One error hierarchy for rsqgen. Each error carries its exit code and, where it has one, the
location it is about; the CLI prints and maps them in one place. Imports nothing of rsqgen's."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

__all__ = ["ExitCode", "InputError", "Location", "OutputError", "RsqgenError", "SpecError", "SpecIssue", "ToolError"]


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1  # validate found problems, or render --check found a difference
    BAD_INPUT = 2  # the spec, a path or an argument is wrong; nothing was written
    INCOMPLETE = 3  # a check could not run (its tool is missing); nothing is claimed as passed
    INTERNAL = 70  # a bug in rsqgen (EX_SOFTWARE)


@dataclass(frozen=True, order=True)
class Location:
    file: str
    line: int  # 1-based
    col: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class RsqgenError(Exception):
    """Base class. `lines()` is what the user is shown, one message per line."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def lines(self) -> list[str]:
        if self.location is not None:
            return [f"{self.location}: {self.message}"]
        return [f"error: {self.message}"]


class InputError(RsqgenError):
    """An argument or input file (not a spec) is wrong."""


class OutputError(RsqgenError):
    """The output folder cannot be written safely (not ours, not writable, ...)."""


class ToolError(RsqgenError):
    """An external tool (terraform, checkov, dot) is missing or failed in a way that is not a finding."""

    exit_code = ExitCode.INCOMPLETE


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
        first = self.issues[0].location if self.issues else None
        RsqgenError.__init__(self, "\n".join(str(i) for i in self.issues), first)

    def __str__(self) -> str:
        return self.message

    def lines(self) -> list[str]:
        return [str(i) for i in self.issues] or ["error: the spec was rejected"]

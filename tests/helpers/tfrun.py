"""Running terraform in one folder with a fixed environment, and reading `terraform show -json`.

Every call is bounded by a timeout and captured; a failure raises AssertionError with the last 60
lines of terraform's stderr, so the test report says what terraform said.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TAIL_LINES = 60

# Seconds; a call that takes longer is a hang (moto answers in milliseconds), not slowness.
TIMEOUTS = {"init": 180, "plan": 300, "apply": 600, "destroy": 600, "show": 120}


def tail(text: str, lines: int = TAIL_LINES) -> str:
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def describe(self, cwd: Path) -> str:
        shown = self.stderr if self.stderr.strip() else self.stdout
        return (
            f"`terraform {' '.join(self.args)}` in {cwd} exited {self.returncode} after {self.seconds:.1f}s; "
            f"last {TAIL_LINES} lines of {'stderr' if self.stderr.strip() else 'stdout'}:\n{tail(shown)}"
        )


class TfRun:
    """terraform in `workdir` with `env` (the offline mirror config and moto's fake keys)."""

    def __init__(self, binary: str, workdir: Path, env: dict[str, str]) -> None:
        self.binary = binary
        self.workdir = workdir
        self.env = env
        self.log: list[tuple[str, float]] = []  # (command, seconds)

    def run(self, *args: str, ok: tuple[int, ...] = (0,), timeout: int | None = None) -> Result:
        argv = [args[0], "-no-color", *args[1:]]  # flags before any positional argument
        timeout = timeout or TIMEOUTS.get(args[0], 300)
        start = time.monotonic()
        try:
            proc = subprocess.run(
                [self.binary, *argv],
                cwd=self.workdir,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            out = exc.stderr or exc.stdout or b""
            text = out.decode(errors="replace") if isinstance(out, bytes) else out
            raise AssertionError(
                f"`terraform {' '.join(argv)}` in {self.workdir} did not finish within {timeout}s; "
                f"last {TAIL_LINES} lines of output:\n{tail(text)}"
            ) from None
        result = Result(argv, proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)
        self.log.append((" ".join(argv), result.seconds))
        if result.returncode not in ok:
            raise AssertionError(result.describe(self.workdir))
        return result

    # The steps the tests use -----------------------------------------------------------------

    def init(self) -> Result:
        return self.run("init", "-input=false")

    def plan(self, planfile: str, *, allow_errors: bool = False) -> Plan:
        """`plan -out`, then `show -json` of that plan. With allow_errors, a failed plan is returned
        (terraform still writes an errored plan) with the diagnostics in Plan.errors."""
        result = self.run("plan", "-input=false", f"-out={planfile}", ok=(0, 1) if allow_errors else (0,))
        if result.returncode != 0 and not (self.workdir / planfile).exists():
            raise AssertionError(result.describe(self.workdir))
        plan = self.show(planfile)
        plan.errors = _error_summaries(result.stderr) if result.returncode != 0 else []
        return plan

    def show(self, planfile: str) -> Plan:
        result = self.run("show", "-json", planfile)
        return Plan(json.loads(result.stdout))

    def apply(self, planfile: str) -> int:
        """Apply a saved plan; return the number of resources it added."""
        result = self.run("apply", "-input=false", planfile)
        return applied_counts(result.stdout)["added"]

    def plan_exit_code(self) -> int:
        """`plan -detailed-exitcode`: 0 no changes, 2 changes (1, an error, fails the test)."""
        return self.run("plan", "-input=false", "-detailed-exitcode", ok=(0, 2)).returncode

    def plan_changes_text(self) -> str:
        """The human-readable plan, for a failure message."""
        return tail(self.run("plan", "-input=false", ok=(0, 1, 2)).stdout, 80)

    def destroy(self) -> int:
        result = self.run("destroy", "-input=false", "-auto-approve")
        match = re.search(r"Destroy complete! Resources: (\d+) destroyed", result.stdout)
        assert match, f"no destroy summary in terraform's output:\n{tail(result.stdout)}"
        return int(match.group(1))


def applied_counts(stdout: str) -> dict[str, int]:
    """Apply's summary; with import blocks it starts with "N imported"."""
    match = re.search(r"Apply complete! Resources: (?:(\d+) imported, )?(\d+) added, (\d+) changed, (\d+) destroyed", stdout)
    assert match, f"no apply summary in terraform's output:\n{tail(stdout)}"
    imported, added, changed, destroyed = (int(g or 0) for g in match.groups())
    return {"imported": imported, "added": added, "changed": changed, "destroyed": destroyed}


def _error_summaries(stderr: str) -> list[str]:
    """'Error: <summary>' + the 'on FILE line N' line of each diagnostic, for a readable report."""
    errors: list[str] = []
    lines = stderr.splitlines()
    for i, line in enumerate(lines):
        text = line.strip("│ ╷╵").strip()
        if text.startswith("Error: "):
            where = next((lines[j].strip("│ ").strip() for j in range(i + 1, min(i + 4, len(lines))) if " on " in lines[j]), "")
            errors.append(f"{text} ({where})" if where else text)
    return errors or [tail(stderr, 20)]


def normalize(actions: list[str]) -> str:
    """Terraform's action list as one word: create, update, delete, replace, read or no-op."""
    if actions in (["delete", "create"], ["create", "delete"]):
        return "replace"
    assert len(actions) == 1, f"unexpected action list {actions}"
    return actions[0]


@dataclass
class Plan:
    """A `terraform show -json` plan document."""

    doc: dict[str, Any]
    errors: list[str] = field(default_factory=list)

    @property
    def errored(self) -> bool:
        return bool(self.doc.get("errored")) or bool(self.errors)

    def changes(self) -> dict[str, str]:
        """Managed resources that change: address -> create/update/delete/replace (no-ops left out)."""
        out = {}
        for rc in self.doc.get("resource_changes", []):
            if rc.get("mode") != "managed":
                continue
            action = normalize(rc["change"]["actions"])
            if action not in ("no-op", "read"):
                out[rc["address"]] = action
        return out

    def counts(self) -> dict[str, int]:
        counted = Counter(self.changes().values())
        return {a: counted.get(a, 0) for a in ("create", "update", "delete", "replace")}

    def resource_change(self, address: str) -> dict[str, Any]:
        for rc in self.doc.get("resource_changes", []):
            if rc["address"] == address:
                return rc
        raise KeyError(address)

    def planned_resources(self) -> Iterator[dict[str, Any]]:
        """Every resource in planned_values, child modules included."""
        stack = [self.doc.get("planned_values", {}).get("root_module", {})]
        while stack:
            module = stack.pop()
            yield from module.get("resources", [])
            stack.extend(module.get("child_modules", []))

    def planned_of_type(self, rtype: str) -> list[dict[str, Any]]:
        return [r for r in self.planned_resources() if r["type"] == rtype and r.get("mode") == "managed"]

"""`rsqgen validate`: every check on a rendered configuration, with findings at file:line.

A check is PASSED, FAILED (with findings), NOT_RUN (it should have run and could not: its tool is
missing, with the reason) or SKIPPED (turned off on purpose with --no-terraform/--no-checkov).
A check that did not run is never reported as passed; only NOT_RUN makes the exit code 3.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ExitCode, InputError

if TYPE_CHECKING:  # a type only: importing the spec stage would load pydantic for `validate DIR`
    from ..spec import LoadedSpec
from . import shapes
from .external import find_checkov, find_terraform, scratch_copy


@dataclass(frozen=True)
class Finding:
    file: str  # relative to the checked folder
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


@dataclass
class CheckResult:
    name: str
    status: str  # PASSED | FAILED | NOT_RUN | SKIPPED
    findings: list[Finding] = field(default_factory=list)
    detail: str = ""  # why not run, or a summary such as "41 passed, 3 skipped"
    seconds: float = 0.0
    passed: list[tuple[str, str]] = field(default_factory=list)  # (check id, resource) that ran and passed


@dataclass
class Report:
    results: list[CheckResult]
    warnings: list[str] = field(default_factory=list)  # the spec's, when validate was given one

    @property
    def exit_code(self) -> ExitCode:
        if any(r.status == "FAILED" for r in self.results):
            return ExitCode.FINDINGS
        if any(r.status == "NOT_RUN" for r in self.results):
            return ExitCode.INCOMPLETE
        return ExitCode.OK


def tf_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.tf") if ".terraform" not in p.parts)


def check_hcl_parse(root: Path, keep: tuple[str, ...] = (), parsed: dict[str, dict] | None = None) -> CheckResult:
    """Every .tf file parses; the parses of the `keep` files (paths relative to root) go in `parsed`."""
    import hcl2  # python-hcl2 costs ~0.3 s to import: only `validate` needs it, not the CLI's start-up

    findings = []
    files = tf_files(root)
    for path in files:
        try:
            doc = hcl2.loads(path.read_text("utf-8"))
        except Exception as exc:  # the parser raises lark errors of several kinds
            line = getattr(exc, "line", None) or 1
            findings.append(Finding(path.relative_to(root).as_posix(), int(line), f"HCL parse error: {str(exc).splitlines()[0]}"))
            continue
        if parsed is not None and path.relative_to(root).as_posix() in keep:
            parsed[path.relative_to(root).as_posix()] = doc
    return CheckResult("hcl2-parse", "FAILED" if findings else "PASSED", findings, f"{len(files)} files")


def check_terraform(root: Path) -> list[CheckResult]:
    """terraform fmt -check, then init + validate in a scratch copy (the user's folder stays clean).
    Each result carries its own time: fmt, and init + validate."""
    tf = find_terraform()
    names = ["terraform-fmt", "terraform-validate"]
    if tf is None:
        why = "terraform not found (set RSQGEN_TERRAFORM or put terraform on PATH)"
        return [CheckResult(n, "NOT_RUN", detail=why) for n in names]
    work = scratch_copy(root)
    results: list[CheckResult] = []
    start = time.perf_counter()
    fmt_seconds = 0.0
    try:
        env = tf.env(work.parent)
        fmt = tf.run(["fmt", "-check", "-recursive", "-list=true", "-no-color"], work, env)
        fmt_seconds = time.perf_counter() - start
        start = time.perf_counter()
        unformatted = [line.strip() for line in fmt.stdout.splitlines() if line.strip()]
        if fmt.returncode != 0 and not unformatted:
            results.append(CheckResult("terraform-fmt", "FAILED", [Finding(".", 1, fmt.stderr.strip() or "terraform fmt failed")]))
        else:
            results.append(
                CheckResult(
                    "terraform-fmt",
                    "FAILED" if unformatted else "PASSED",
                    [Finding(f, 1, "not in terraform fmt layout (run terraform fmt)") for f in unformatted],
                )
            )
        init = tf.run(["init", "-backend=false", "-input=false", "-no-color"], work, env)
        if init.returncode != 0:
            hint = "" if tf.mirror else " (no provider mirror found: set RSQGEN_TF_MIRROR, or allow terraform to reach the registry)"
            results.append(
                CheckResult("terraform-validate", "NOT_RUN", detail="terraform init failed" + hint + ": " + _last_error(init.stderr))
            )
            return results
        val = tf.run(["validate", "-json", "-no-color"], work, env)
        try:
            doc = json.loads(val.stdout)
        except json.JSONDecodeError:
            results.append(CheckResult("terraform-validate", "FAILED", [Finding(".", 1, val.stderr.strip() or "terraform validate failed")]))
            return results
        findings = []
        for diag in doc.get("diagnostics", []):
            if diag.get("severity") != "error":
                continue
            rng = diag.get("range") or {}
            findings.append(
                Finding(rng.get("filename", "."), int((rng.get("start") or {}).get("line", 1)), f"{diag.get('summary', '')}: {diag.get('detail', '')}".strip(": "))
            )
        results.append(CheckResult("terraform-validate", "PASSED" if doc.get("valid") and not findings else "FAILED", findings))
        return results
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)
        for r in results:
            r.seconds = fmt_seconds if r.name == "terraform-fmt" else time.perf_counter() - start


def _last_error(stderr: str) -> str:
    lines = [line.strip(" │╷╵") for line in stderr.splitlines() if line.strip(" │╷╵")]
    errors = [line for line in lines if line.startswith("Error")]
    return (errors or lines or ["no output"])[-1]


_VERSIONED_MODULE = re.compile(r'^\s*source\s*=\s*"(?:git::|github\.com/|bitbucket\.org/)', re.M)


def _calls_versioned_modules(root: Path) -> bool:
    """The root module calls its modules from a git source (a spec's `modules:`), not a copy."""
    return any(_VERSIONED_MODULE.search(p.read_text("utf-8", errors="replace")) for p in sorted(root.glob("*.tf")))


def check_checkov(root: Path, *, instances: dict[str, tuple[str, ...]] | None = None, extra_args: tuple[str, ...] = ()) -> CheckResult:
    """checkov on `root`. With `instances` (see shapes.py), `root` holds one query per shape and
    each verdict on a query's resources is reported for every query of its shape."""
    binary = find_checkov()
    if binary is None:
        return CheckResult(
            "checkov",
            "NOT_RUN",
            detail="checkov not found (install it in its own virtual environment and set RSQGEN_CHECKOV, or put it on PATH)",
        )
    with tempfile.TemporaryDirectory(prefix="rsqgen-checkov-modules-") as fetched:
        if _calls_versioned_modules(root):
            # modules.source: checkov fetches the modules too (into a folder of ours, not the tree),
            # so that it checks what they make; if it could not, it checked only the root module.
            extra_args = ("--download-external-modules", "true", "--external-modules-download-path", fetched, *extra_args)
        proc = subprocess.run(
            # No --quiet: it drops the passed checks from the report, and they show what checkov evaluated.
            [binary, "-d", str(root), "--framework", "terraform", "-o", "json", "--skip-download", "--compact", *extra_args],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if "--external-modules-download-path" in extra_args and not any(Path(fetched).rglob("*.tf")):
            return CheckResult(
                "checkov",
                "NOT_RUN",
                detail="checkov could not fetch the modules from their source (see terraform init's error): it checked the root module only, so nothing is claimed",
            )
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return CheckResult("checkov", "NOT_RUN", detail=f"checkov gave no report (exit {proc.returncode}): {proc.stderr.strip()[-300:]}")
    reports = doc if isinstance(doc, list) else [doc]
    findings: list[Finding] = []
    skipped = 0
    passed_checks: list[tuple[str, str]] = []

    def each(resource: str) -> list[str]:
        return shapes.expand(resource, instances) if instances else [resource]

    for report in reports:
        summary = report.get("summary", {})
        results = report.get("results", {})
        passed_checks += [(c["check_id"], r) for c in results.get("passed_checks", []) for r in each(c.get("resource", ""))]
        skipped += sum(len(each(c.get("resource", ""))) for c in results.get("skipped_checks", []))
        for failed in results.get("failed_checks", []):
            rel = failed.get("file_path", ".").lstrip("/")
            line = (failed.get("file_line_range") or [1])[0]
            for resource in each(failed.get("resource", "")):
                findings.append(Finding(rel, int(line), f"{failed['check_id']}: {failed.get('check_name', '')} ({resource})"))
        for err in report.get("results", {}).get("parsing_errors", []) or summary.get("parsing_errors_list", []) or []:
            findings.append(Finding(str(err), 1, "checkov could not parse this file"))
    if not reports or all(not r.get("summary") for r in reports):
        return CheckResult("checkov", "NOT_RUN", detail="checkov found nothing to check")
    detail = f"{len(passed_checks)} passed, {len(findings)} failed, {skipped} skipped"
    if instances:
        covered = sum(len(k) for k in instances.values())
        detail += f"; {_count(len(instances), 'shape')} covering {covered} quer{'y' if covered == 1 else 'ies'}"
    return CheckResult("checkov", "FAILED" if findings else "PASSED", findings, detail, passed=sorted(passed_checks))


_SKIP = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?")


def checkov_skips(root: Path) -> list[tuple[str, str, str]]:
    """(file, check id, reason) of every checkov suppression in the tree; a skip without a reason is a finding."""
    out = []
    for path in tf_files(root):
        for line in path.read_text("utf-8").splitlines():
            m = _SKIP.search(line)
            if m:
                out.append((path.relative_to(root).as_posix(), m.group(1), (m.group(2) or "").strip()))
    return out


def check_skip_reasons(root: Path) -> CheckResult:
    findings = []
    for path in tf_files(root):
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            m = _SKIP.search(line)
            if m and len((m.group(2) or "").strip()) < 20:
                findings.append(Finding(path.relative_to(root).as_posix(), n, f"checkov skip {m.group(1)} has no reason a reviewer could judge"))
    return CheckResult("checkov-skip-reasons", "FAILED" if findings else "PASSED", findings)


def sql_result(loaded: LoadedSpec) -> CheckResult:
    """The SQL pre-flight as a check line: errors stopped the render already (or strict turned the
    warnings into errors), so what is left here are warnings, shown and counted."""
    statements = sum(q.statements for q in loaded.queries.values())
    not_checked = sum(len(q.not_checked) for q in loaded.queries.values())
    sql_warnings = [w for w in loaded.warnings if w.path.endswith(("sql", "sql_file")) or ".sql[" in w.path]
    findings = [Finding(str(w.location), 0, f"{w.path}: {w.message}") for w in sql_warnings]
    parsed = statements - not_checked - len(findings)
    detail = f"{_count(statements, 'statement')}, {parsed} parsed, {not_checked} not checked"
    if findings:
        detail += f", {_count(len(findings), 'warning')}"
    return CheckResult("sql", "PASSED", findings, detail)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def validate_dir(
    root: Path, *, terraform: bool = True, checkov: bool = True, checkov_root: Path | None = None, instances: dict[str, tuple[str, ...]] | None = None,
    reduce: bool = False,
) -> Report:
    """Every check on `root`; checkov on `checkov_root` (a reduced tree, see shapes.py) when given,
    or, with `reduce`, on the tree reduced to one query per shape as read from its own main.tf."""
    if not tf_files(root):
        raise InputError(f"{root} holds no .tf files: give a folder that `rsqgen render` wrote, or a spec file")
    results: list[CheckResult] = []

    def timed(fn, *args) -> list[CheckResult]:
        start = time.perf_counter()
        out = fn(*args)
        out = out if isinstance(out, list) else [out]
        for r in out:
            r.seconds = r.seconds or time.perf_counter() - start  # a check may time its own steps
        return out

    parsed: dict[str, dict] = {}  # main.tf's parse, for the reduction
    results += timed(check_hcl_parse, root, ("main.tf",) if checkov and reduce and checkov_root is None else (), parsed)
    results += timed(check_skip_reasons, root)
    if terraform:
        results += timed(check_terraform, root)
    else:
        results += [CheckResult(n, "SKIPPED", detail="turned off with --no-terraform") for n in ("terraform-fmt", "terraform-validate")]
    if checkov and reduce and checkov_root is None and "main.tf" in parsed:
        work = Path(tempfile.mkdtemp(prefix="rsqgen-shapes-"))
        try:
            start = time.perf_counter()
            reduction = shapes.reduce_tree(root, parsed.pop("main.tf"), work)
            result = check_checkov(reduction.root or root, instances=reduction.instances if reduction.root else None)
            if reduction.root is None:
                result.detail += f"; checkov saw every query: {reduction.why_whole}"
            result.seconds = time.perf_counter() - start
            results.append(result)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    elif checkov:
        results += timed(lambda: check_checkov(checkov_root or root, instances=instances))
    else:
        results.append(CheckResult("checkov", "SKIPPED", detail="turned off with --no-checkov"))
    return Report(results)

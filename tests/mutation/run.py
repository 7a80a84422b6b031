"""Mutation testing over a list of planted faults (tests/mutation/faults.py): does the fast suite
notice each one through a test of behaviour?

    .venv/bin/python tests/mutation/run.py                  # every fault, behaviour tests only
    .venv/bin/python tests/mutation/run.py --with-golden    # golden byte tests count as catching too
    .venv/bin/python tests/mutation/run.py --only hcl-template-escape --jobs 1

For each fault: copy the package as it is installed (generator/ as rsqgen/, with templates/ and
modules/ inside), plant the fault, and run `pytest -x -m "not deploy"` with that copy first on
PYTHONPATH (golden tests deselected unless --with-golden). A fault is caught when the run fails,
survives when it passes. The unmutated copy must pass first, or nothing is claimed. Prints a table
and the score; --json writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

from faults import FAULTS, Fault  # noqa: E402

SEED = "20261129"


def package_copy(dest: Path) -> Path:
    """`dest/rsqgen`: the package laid out as the wheel installs it."""
    pkg = dest / "rsqgen"
    shutil.copytree(REPO / "generator", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "templates", pkg / "templates")
    shutil.copytree(REPO / "modules", pkg / "modules", ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    return pkg


def installed_path(pkg: Path, fault: Fault) -> Path:
    top, _, rest = fault.file.partition("/")
    return pkg / rest if top == "generator" else pkg / top / rest


def occurrences(fault: Fault) -> int:
    path = REPO / fault.file
    return path.read_text("utf-8").count(fault.old) if path.is_file() else 0


def plant(pkg: Path, fault: Fault) -> None:
    path = installed_path(pkg, fault)
    text = path.read_text("utf-8")
    count = text.count(fault.old)
    if count != 1:
        raise SystemExit(f"fault {fault.id}: the snippet occurs {count} times in {fault.file} (must be once); update faults.py")
    path.write_text(text.replace(fault.old, fault.new), "utf-8")


# Test files that start terraform or checkov, run last: with -x a fault caught by a fast test
# stops the run in seconds instead of minutes.
SLOW_FILES = (
    "test_examples_tools.py", "test_behaviour.py", "test_injection.py", "test_validate_shapes.py",
    "test_quotas.py", "test_cli.py", "test_reviewer_tools.py", "test_warnings.py", "test_architecture.py", "test_golden.py",
)  # fmt: skip


def ordered_test_files() -> list[str]:
    files = sorted(p.name for p in (REPO / "tests").glob("test_*.py"))
    return [f"tests/{f}" for f in files if f not in SLOW_FILES] + [f"tests/{f}" for f in SLOW_FILES if f in files]


def run_suite(site: Path, with_golden: bool, timeout: int) -> tuple[bool, str, float]:
    """(passed, first failing test or '', seconds)."""
    args = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-m", "not deploy", f"--hypothesis-seed={SEED}", "-o", "addopts="]
    args += ordered_test_files()
    if not with_golden:
        args += ["--deselect", "tests/test_golden.py::test_render_matches_golden"]
    env = dict(os.environ, PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1")
    env.setdefault("RSQGEN_CHECKOV", str(REPO / ".venv-checkov" / "bin" / "checkov"))
    start = time.monotonic()
    try:
        proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return False, "(timed out)", time.monotonic() - start
    seconds = time.monotonic() - start
    failed = next((line.split(" ")[1] for line in proc.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))), "")
    if proc.returncode not in (0, 1):
        failed = failed or f"(pytest exit {proc.returncode}: {proc.stdout.strip().splitlines()[-1:] or proc.stderr[-200:]})"
    return proc.returncode == 0, failed, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", help="fault id (repeatable)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--with-golden", action="store_true", help="count golden byte tests as catching a fault")
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--skip-missing", action="store_true", help="leave out faults whose snippet is not in this tree (to measure an older tree)")
    opts = parser.parse_args()
    faults = [f for f in FAULTS if not opts.only or f.id in opts.only]
    if opts.only and len(faults) != len(opts.only):
        raise SystemExit(f"unknown fault id among {opts.only}")
    if opts.skip_missing:
        missing = [f.id for f in faults if occurrences(f) != 1]
        faults = [f for f in faults if f.id not in missing]
        if missing:
            print(f"left out (not in this tree): {', '.join(missing)}")
    work = Path(tempfile.mkdtemp(prefix="rsqgen-mutation-"))
    try:
        pristine = work / "pristine"
        package_copy(pristine)
        for fault in faults:  # every snippet must be found before anything runs
            probe = work / "probe"
            plant(package_copy(probe), fault)
            shutil.rmtree(probe)
        ok, failed, seconds = run_suite(pristine, opts.with_golden, opts.timeout)
        if not ok:
            raise SystemExit(f"the unmutated package fails the suite ({failed}); nothing is claimed")
        print(f"unmutated suite passed in {seconds:.0f}s; planting {len(faults)} faults, {opts.jobs} at a time", flush=True)

        def one(fault: Fault) -> dict:
            site = work / fault.id
            plant(package_copy(site), fault)
            passed, caught_by, secs = run_suite(site, opts.with_golden, opts.timeout)
            shutil.rmtree(site, ignore_errors=True)
            row = {"id": fault.id, "kind": fault.kind, "caught": not passed, "by": caught_by, "seconds": round(secs, 1), "why": fault.why}
            print(f"{'caught  ' if row['caught'] else 'SURVIVED'} {fault.id:32} {secs:6.0f}s  {caught_by}", flush=True)
            return row

        with ThreadPoolExecutor(max_workers=opts.jobs) as pool:
            rows = list(pool.map(one, faults))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    caught = sum(r["caught"] for r in rows)
    score = 100.0 * caught / len(rows)
    print()
    print("| fault | kind | caught by |")
    print("|---|---|---|")
    for r in rows:
        print(f"| {r['id']} | {r['kind']} | {r['by'] if r['caught'] else '**survived**: ' + r['why']} |")
    print(f"\nmutation score{' (golden tests counted)' if opts.with_golden else ' (behaviour tests only)'}: {caught}/{len(rows)} = {score:.0f}%")
    if opts.json:
        opts.json.write_text(json.dumps({"score": score, "caught": caught, "total": len(rows), "faults": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()

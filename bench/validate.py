"""`rsqgen validate` at scale: prints a table; asserts nothing (targets are read from the table).

    .venv/bin/python bench/validate.py                     # 100, 1,000 and 3,000 queries, DIR and SPEC
    .venv/bin/python bench/validate.py --sizes 1000 --forms dir

Per size and form (`validate DIR` of the rendered tree, `validate SPEC`): the whole command's wall
time and its peak memory, summed over every process it starts (rsqgen, terraform and its provider,
checkov), sampled from /proc every 20 ms: anonymous memory (what the command holds) and resident
memory (adding mapped files' pages: the provider binary's, shared page cache); and checkov's own line of the report (shapes, seconds).
The specs are bench/specgen.py's. checkov is found as rsqgen finds it (RSQGEN_CHECKOV or PATH).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import specgen  # noqa: E402

BIN = Path(sys.executable).parent


def _tree_kb(root_pid: int) -> tuple[int, int]:
    """(anonymous memory, resident memory) of a process and all its descendants, in KB (Linux
    /proc). Anonymous (RssAnon + RssShmem) is what the command holds; resident adds the pages of
    mapped files, most of them the AWS provider's ~700 MB binary: page cache, shared, reclaimable."""
    children: dict[int, list[int]] = {}
    sizes: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status") as f:
                status = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
            pid, ppid = int(entry.name), int(status["PPid"])
            kb = {k: int(status.get(k, "0 kB").split()[0]) for k in ("RssAnon", "RssShmem", "VmRSS")}
            sizes[pid] = (kb["RssAnon"] + kb["RssShmem"], kb["VmRSS"])
            children.setdefault(ppid, []).append(pid)
        except (OSError, KeyError, ValueError):
            continue
    anon = rss = 0
    todo = [root_pid]
    while todo:
        pid = todo.pop()
        a, r = sizes.get(pid, (0, 0))
        anon, rss = anon + a, rss + r
        todo += children.get(pid, [])
    return anon, rss


def measure(args: list[str]) -> tuple[float, float, float, int, str]:
    """(wall seconds, peak anonymous MB and peak resident MB over the process tree, exit code,
    checkov's report line)."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(BIN / "rsqgen"), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[:] = [max(p, n) for p, n in zip(peak, _tree_kb(proc.pid))]
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    line = next((ln.strip() for ln in out.splitlines() if " checkov " in f" {ln} "), "")
    return seconds, peak[0] / 1024, peak[1] / 1024, proc.returncode, line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,3000")
    parser.add_argument("--forms", default="dir,spec")
    opts = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}")
    print(f"{'queries':>8} {'form':5} {'wall s':>8} {'anon MB':>8} {'RSS MB':>8} {'exit':>5}  checkov")
    with tempfile.TemporaryDirectory(prefix="rsqgen-bench-validate-") as tmp:
        for n in (int(s) for s in opts.sizes.split(",")):
            spec_path = Path(tmp) / f"spec-{n}.yaml"
            spec_path.write_text(specgen.spec_yaml(n))
            tree = Path(tmp) / f"tree-{n}"
            subprocess.run([str(BIN / "rsqgen"), "render", str(spec_path), "-o", str(tree)], capture_output=True, check=True)
            for form in opts.forms.split(","):
                target = tree if form == "dir" else spec_path
                seconds, anon, rss, code, line = measure(["validate", str(target)])
                print(f"{n:>8} {form:5} {seconds:8.1f} {anon:8.0f} {rss:8.0f} {code:>5}  {line}", flush=True)


if __name__ == "__main__":
    main()

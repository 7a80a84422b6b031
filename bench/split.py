"""Plan time of one big state against the same spec split by warehouse (`render --split warehouse`).

    .venv/bin/python bench/split.py                 # 1,000 queries over 5 warehouses
    .venv/bin/python bench/split.py --queries 300 --parallel 2

Against a local moto server (the query stacks read the base stack's role, topics and key through
the API, so an offline plan cannot run them). Prints: the whole tree's `terraform plan` wall time;
the base stack's plan; each query stack's plan one after the other; and all query stacks planned
at once, `--parallel` at a time (as separate CI runners or Atlantis workers would). The base is
applied (not timed) before the query stacks are planned, as it must be in real use.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import specgen  # noqa: E402
from helpers.motoserver import (  # noqa: E402
    OVERRIDE_FILE,
    MotoServer,
    fake_aws_env,
    find_moto_server,
    provider_override,
)
from rsqgen import core  # noqa: E402
from rsqgen.tools.external import find_terraform  # noqa: E402


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.monotonic()
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} in {cwd} failed:\n{proc.stderr[-2000:]}")
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--parallel", type=int, default=2, help="query stacks planned at once (this machine has 2 cores)")
    opts = parser.parse_args()
    tf = find_terraform()
    work = Path(tempfile.mkdtemp(prefix="rsqgen-split-bench-"))
    server = MotoServer(find_moto_server(), work / "moto.log", account_id="111122223333")
    server.start()
    try:
        spec = work / "spec.yaml"
        spec.write_text(specgen.spec_yaml(opts.queries))
        trees = {"whole": core.render_spec(spec)} | {f"stack/{k}": r for k, r in core.render_trees(spec, split="warehouse").items()}
        dirs = {}
        for name, r in trees.items():
            dirs[name] = work / name
            core.write(r, dirs[name])
            (dirs[name] / OVERRIDE_FILE).write_text(provider_override(server.url))
        env = fake_aws_env(tf.env(work))
        for d in dirs.values():
            timed([tf.binary, "init", "-input=false", "-no-color"], d, env)
        plan = [tf.binary, "plan", "-input=false", "-no-color", "-refresh=false", "-lock=false", "-out=tfplan"]
        whole = timed(plan, dirs["whole"], env)
        base = timed(plan, dirs["stack/base"], env)
        timed([tf.binary, "apply", "-input=false", "-no-color", "-auto-approve", "tfplan"], dirs["stack/base"], env)
        stacks = [n for n in dirs if n.startswith("stack/") and n != "stack/base"]
        each = {n: timed(plan, dirs[n], env) for n in stacks}
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=opts.parallel) as pool:
            list(pool.map(lambda n: timed(plan, dirs[n], env), stacks))
        together = time.monotonic() - start
    finally:
        server.stop()
    print(f"| {opts.queries} queries | seconds |")
    print("|---|---|")
    print(f"| whole tree, one plan | {whole:.1f} |")
    print(f"| base stack plan | {base:.1f} |")
    for n, s in each.items():
        queries = len(trees[n].deployment.queries)
        print(f"| {n.split('/', 1)[1]} ({queries} queries) | {s:.1f} |")
    print(f"| slowest query stack | {max(each.values()):.1f} |")
    print(f"| all {len(stacks)} query stacks, {opts.parallel} at a time | {together:.1f} |")


if __name__ == "__main__":
    main()

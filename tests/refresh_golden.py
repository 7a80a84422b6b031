"""Rewrite tests/golden/ from the examples: `make golden` (or python tests/refresh_golden.py).

Golden trees hold each example's root module files and the manifest (whose hashes pin the copied
modules byte for byte). Read the diff before committing: every changed line should be intended.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from helpers import EXAMPLES, EXAMPLES_DIR, GOLDEN_DIR  # noqa: E402
from rsqgen import core  # noqa: E402
from rsqgen.writer import MANIFEST, manifest_bytes  # noqa: E402


def golden_files(files: dict[str, bytes]) -> dict[str, bytes]:
    """What is compared: root files as they are, module copies through the manifest's hashes."""
    picked = {name: data for name, data in files.items() if not name.startswith("modules/")}
    picked[MANIFEST] = manifest_bytes(files)
    return picked


def main() -> None:
    for name in EXAMPLES:
        r = core.render_spec(EXAMPLES_DIR / name / "spec.yaml", display_name=f"examples/{name}/spec.yaml")
        target = GOLDEN_DIR / name
        shutil.rmtree(target, ignore_errors=True)
        for rel, data in golden_files(r.files).items():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            (target / rel).write_bytes(data)
        print(f"wrote {target.relative_to(HERE.parent)}")
    for stale in sorted(p for p in GOLDEN_DIR.iterdir() if p.is_dir() and p.name not in EXAMPLES):
        shutil.rmtree(stale)
        print(f"removed {stale.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()

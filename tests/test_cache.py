"""rsqgen's cache (generator/cache.py): a hit gives exactly what a fresh run gives, a broken or
foreign cache is no cache, and a spec rendered again reads its SQL verdicts back without importing
sqlglot. Each render runs in its own process, as a user's does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import EXAMPLES_DIR

SPEC = EXAMPLES_DIR / "team" / "spec.yaml"  # several queries, batches, a sql_file

RENDER = """
import hashlib, json, sys
from rsqgen import core
r = core.render_spec(sys.argv[1])
digest = hashlib.sha256(b"".join(k.encode() + b"\\0" + v for k, v in sorted(r.files.items()))).hexdigest()
print(json.dumps({"digest": digest, "warnings": [str(w) for w in r.deployment.warnings], "sqlglot": "sqlglot" in sys.modules}))
"""


def render(cache: Path | None, spec: Path = SPEC) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("RSQGEN_CACHE_DIR", "RSQGEN_CACHE")}
    env.update({"RSQGEN_CACHE_DIR": str(cache)} if cache else {"RSQGEN_CACHE": "off"})
    proc = subprocess.run([sys.executable, "-c", RENDER, str(spec)], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_render_from_the_cache_is_byte_for_byte_the_render_without_it(tmp_path):
    off = render(None)
    first = render(tmp_path / "c")
    again = render(tmp_path / "c")
    assert first == {**off, "sqlglot": True}
    assert again["digest"] == off["digest"] and again["warnings"] == off["warnings"]
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["sql-preflight.json", "templates-" + _version()]
    assert any((tmp_path / "c" / ("templates-" + _version())).iterdir()), "no compiled template kept"


def test_a_spec_rendered_again_does_not_import_sqlglot(tmp_path):
    assert render(tmp_path / "c")["sqlglot"] is True
    assert render(tmp_path / "c")["sqlglot"] is False, "every text had a verdict: sqlglot should not load"


def test_a_verdict_is_the_one_a_fresh_judgment_gives_with_its_findings(tmp_path, write_spec):
    spec = write_spec(
        """version: 1
name: cached
region: eu-west-1
warehouses: {dwh: {type: cluster}}
queries:
  typo:
    warehouse: dwh
    database: dev
    auth: {db_user: etl}
    schedule: rate(1 day)
    sql: SELEC * FROM t;
"""
    )
    off = render(None, spec)
    assert any("SELEC" in w or "sqlglot" in w for w in off["warnings"]), off
    assert render(tmp_path / "c", spec) == {**off, "sqlglot": True}
    assert render(tmp_path / "c", spec) == {**off, "sqlglot": False}


def test_a_corrupt_cache_is_ignored_and_rewritten(tmp_path):
    cache = tmp_path / "c"
    render(cache)
    (cache / "sql-preflight.json").write_text("{not json")
    for f in (cache / ("templates-" + _version())).iterdir():
        f.write_bytes(b"garbage")
    assert render(cache)["digest"] == render(None)["digest"]
    json.loads((cache / "sql-preflight.json").read_text())  # rewritten whole


def test_verdicts_of_other_code_are_not_used(tmp_path):
    """A verdict store written by different code (another rsqgen or sqlglot) is not read: a forged
    verdict under the right key changes nothing."""
    cache = tmp_path / "c"
    render(cache)
    store = json.loads((cache / "sql-preflight.json").read_text())
    forged = {"statements": 1, "not_checked": [], "findings": [{"severity": "error", "line": 1, "col": 1, "message": "forged", "allowed": ""}]}
    (cache / "sql-preflight.json").write_text(json.dumps({"code": "other", "entries": {k: forged for k in store["entries"]}}))
    assert render(cache)["digest"] == render(None)["digest"]
    # and the same forgery under this code's own fingerprint is read: the test above proves something
    (cache / "sql-preflight.json").write_text(json.dumps({"code": store["code"], "entries": {k: forged for k in store["entries"]}}))
    env = {**os.environ, "RSQGEN_CACHE_DIR": str(cache)}
    proc = subprocess.run([sys.executable, "-m", "rsqgen", "render", str(SPEC), "-o", str(tmp_path / "out")], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "forged" in proc.stderr + proc.stdout


def test_a_cache_that_cannot_be_made_is_no_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache's parent folder would be")
    assert render(blocker / "c")["digest"] == render(None)["digest"]


def _version() -> str:
    from rsqgen import __version__

    return __version__

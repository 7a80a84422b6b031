"""What AWS accepts but a reviewer should know: warnings, each at the spec's file:line:col, that
never stop a render (exit 0) and never hide an error."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import yaml
from helpers import MINIMAL
from rsqgen import core

RSQGEN = str(Path(sys.executable).parent / "rsqgen")


def render(spec: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RSQGEN, "render", str(spec), "-o", str(out)], capture_output=True, text=True, check=False)


def test_console_default_admin_name_is_a_warning_not_an_error(write_spec, tmp_path):
    doc = yaml.safe_load(MINIMAL)
    doc["warehouses"]["test-cluster"] = {"create": {"node_type": "ra3.large", "admin_user": "awsuser"}}
    spec = write_spec(yaml.safe_dump(doc, sort_keys=False))
    proc = render(spec, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    line = next(l for l in proc.stderr.splitlines() if "awsuser" in l)
    assert line.startswith(f"{spec}:") and ": warning: warehouses.test-cluster.create.admin_user:" in line
    assert "Security Hub control Redshift.8" in line


def test_public_admin_name_is_still_an_error(write_spec, tmp_path):
    doc = yaml.safe_load(MINIMAL)
    doc["warehouses"]["test-cluster"] = {"create": {"node_type": "ra3.large", "admin_user": "public"}}
    proc = render(write_spec(yaml.safe_dump(doc, sort_keys=False)), tmp_path / "out")
    assert proc.returncode == 2 and "'public' cannot be an administrator name" in proc.stderr


def test_operator_role_in_another_account_is_said_out_loud(write_spec, tmp_path):
    text = MINIMAL.replace("  - user: test-user\n", "  - user: test-user\n  - role: arn:aws:iam::444455556666:role/CentralOps\n")
    spec = write_spec(text)
    proc = render(spec, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert f"{spec}:9:11: warning: operators[1].role: this operator role is in another account (444455556666" in proc.stderr
    explained = core.explain(spec, "2026-11-28T00:00:00Z")
    assert "arn:aws:iam::444455556666:role/CentralOps (another account)" in explained


def test_sql_that_terraform_would_normalise_is_a_warning(write_spec):
    decomposed = "SELECT * FROM t WHERE name = 'Cafe\u0301';"
    assert not unicodedata.is_normalized("NFC", decomposed)
    doc = yaml.safe_load(MINIMAL)
    doc["queries"]["top5-sales"]["sql"] = decomposed
    d = core.render_spec(write_spec(yaml.safe_dump(doc, allow_unicode=True))).deployment
    assert any("not in Unicode NFC form" in w and "queries.top5-sales.sql" in w for w in d.warnings)
    clean = core.render_spec(write_spec(MINIMAL)).deployment
    assert not any("NFC" in w for w in clean.warnings)

"""Shared fixtures. Tests import the installed `rsqgen` (make test reinstalls it first), so they
exercise exactly what a user installs, templates and modules included."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = REPO / "examples"
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
EXAMPLES = sorted(p.parent.name for p in EXAMPLES_DIR.glob("*/spec.yaml"))


def spec_text(body: str) -> str:
    return textwrap.dedent(body).lstrip("\n")


MINIMAL = spec_text(
    """
    version: 1
    name: demo
    region: ap-northeast-1
    account_id: "111122223333"
    warehouses:
      test-cluster: {}
    operators:
      - user: test-user
    queries:
      top5-sales:
        warehouse: test-cluster
        database: dev
        auth: {db_user: rsadmin}
        sql: SELECT 1;
        schedule: rate(5 minutes)
    """
)


@pytest.fixture
def write_spec(tmp_path):
    """Write a spec (and optional extra files) into a fresh folder; return the spec's path."""

    def write(text: str, name: str = "spec.yaml", **files: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        for rel, content in files.items():
            (tmp_path / rel).write_text(content, encoding="utf-8")
        return path

    return write


@pytest.fixture
def deploy(tmp_path):
    """Spec text -> planned Deployment."""
    from rsqgen import plan, spec

    def build(text: str, **files: str):
        for rel, content in files.items():
            (tmp_path / rel).write_text(content, encoding="utf-8")
        return plan.build(spec.load_spec_text(text, "spec.yaml", base_dir=tmp_path))

    return build


def _require(what: str, found) -> None:
    """Tools the suite needs must be there: a missing one fails the run loudly, never skips."""
    if not found:
        pytest.fail(
            f"{what} is required by this test and was not found. Run `make test` (it sets everything up), "
            f"or set the variable named above.",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def terraform():
    from rsqgen.tools import find_terraform

    tf = find_terraform()
    _require("terraform (PATH or RSQGEN_TERRAFORM)", tf)
    _require("the hashicorp/aws provider mirror (RSQGEN_TF_MIRROR, or /opt/tf-plugins)", tf.mirror)
    return tf


@pytest.fixture(scope="session")
def checkov_bin():
    from rsqgen.tools import find_checkov

    binary = find_checkov()
    _require("checkov (RSQGEN_CHECKOV or PATH; `make test` installs it in .venv-checkov)", binary)
    return binary


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """Every example rendered once, written as a user would get it: {example: folder}."""
    from rsqgen import core

    out = {}
    for name in EXAMPLES:
        r = core.render_spec(EXAMPLES_DIR / name / "spec.yaml", display_name=f"examples/{name}/spec.yaml")
        target = tmp_path_factory.mktemp("render") / name
        core.write(r, target)
        out[name] = target
    return out


def pytest_report_header(config):
    return [f"examples: {', '.join(EXAMPLES)}", f"CI={os.environ.get('CI', '')}"]

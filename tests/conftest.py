"""Fixtures shared by every suite; constants and helpers live in the importable `helpers` package.

Tests import the installed `rsqgen` (make test reinstalls it first), so they exercise exactly what a
user installs, templates and modules included."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from helpers import EXAMPLES, EXAMPLES_DIR, require
from hypothesis import settings
from rsqgen import core
from rsqgen.deploy import decide
from rsqgen.spec import load_spec_text
from rsqgen.tools.external import find_checkov, find_terraform

# Property tests depend only on the code and the seed: without --hypothesis-seed they run
# derandomized (the same examples every run); `make test` (and so CI) passes a fixed, recorded
# seed, `make fuzz` random ones (derandomize would silently override a seed, so it is off then).
# No example database carries one run into the next.
settings.register_profile("fixed", derandomize=True, database=None, print_blob=True)
settings.register_profile("seeded", derandomize=False, database=None, print_blob=True)


def pytest_configure(config):
    # rsqgen's cache (verdicts, compiled templates) in this run's own folder, never the user's: each
    # worker starts from an empty one, so the first judgment of every text is a real one.
    if "RSQGEN_CACHE_DIR" not in os.environ:
        os.environ["RSQGEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="rsqgen-test-cache-")
    settings.load_profile("fixed" if config.getoption("hypothesis_seed", None) is None else "seeded")


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
def decided(tmp_path):
    """Spec text -> decided Deployment."""

    def build(text: str, **files: str):
        for rel, content in files.items():
            (tmp_path / rel).write_text(content, encoding="utf-8")
        return decide(load_spec_text(text, "spec.yaml", base_dir=tmp_path))

    return build


@pytest.fixture(scope="session")
def terraform():
    tf = find_terraform()
    require("terraform (PATH or RSQGEN_TERRAFORM)", tf)
    require("the hashicorp/aws provider mirror (RSQGEN_TF_MIRROR, or /opt/tf-plugins)", tf.mirror)
    return tf


@pytest.fixture(scope="session")
def checkov_bin():
    binary = find_checkov()
    require("checkov (RSQGEN_CHECKOV or PATH; `make test` installs it in .venv-checkov)", binary)
    return binary


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """Every example rendered once, written as a user would get it: {example: folder}."""
    out = {}
    for name in EXAMPLES:
        r = core.render_spec(EXAMPLES_DIR / name / "spec.yaml", display_name=f"examples/{name}/spec.yaml")
        target = tmp_path_factory.mktemp("render") / name
        core.write(r, target)
        out[name] = target
    return out


def pytest_report_header(config):
    seed = config.getoption("hypothesis_seed", None)
    return [
        f"examples: {', '.join(EXAMPLES)}",
        f"CI={os.environ.get('CI', '')}",
        f"hypothesis: {'seed ' + str(seed) if seed is not None else 'derandomized'}",
    ]

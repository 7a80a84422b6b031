"""Helpers shared by the test suites (`from helpers import MINIMAL`): an importable package, so each
suite can keep its own conftest.py and nothing imports a conftest module.

Submodules: hcl_decode (an independent reading of HCL strings), motoserver, tfrun, expected and
deployed (the deploy suite's moto server, terraform runs and expectations).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = REPO / "examples"
GOLDEN_DIR = REPO / "tests" / "golden"
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


def require(what: str, found) -> None:
    """Tools the suite needs must be there: a missing one fails the run loudly, never skips."""
    if not found:
        pytest.fail(
            f"{what} is required by this test and was not found. Run `make test` (it sets everything up), "
            f"or set the variable named above.",
            pytrace=False,
        )

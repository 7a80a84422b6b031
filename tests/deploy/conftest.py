"""Fixtures of the deploy suite: one moto server and one Redshift Serverless stand-in per session
(emptied for each example), and the figures report printed at the end of the run."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from helpers.motoserver import running_moto
from helpers.redshift_data import RedshiftDataStandIn
from helpers.serverless import ServerlessStandIn


class _FiguresReport:
    """Prints the figures at the end of the run and writes them as JSON (for the closing note)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.started = time.monotonic()
        self.examples: dict[str, dict] = {}

    def wall_seconds(self) -> float:
        ends = [f["_end"] for f in self.examples.values() if "_end" in f]
        return round((max(ends) if ends else time.monotonic()) - self.started, 1)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.examples:
            return
        doc = {
            "suite_wall_seconds": self.wall_seconds(),
            "examples": {k: {n: v for n, v in f.items() if not n.startswith("_")} for k, f in self.examples.items()},
        }
        self.path.write_text(json.dumps(doc, indent=2) + "\n")
        tr = terminalreporter
        tr.section("deploy figures")
        for case_id, figures in doc["examples"].items():
            tr.write_line(f"{case_id}:")
            for name, value in figures.items():
                tr.write_line(f"    {name}: {json.dumps(value)}")
        tr.write_line(f"deploy suite wall time: {doc['suite_wall_seconds']}s (first deploy test's setup to the last one's end)")
        tr.write_line(f"figures as JSON: {self.path}")


@pytest.fixture(scope="session")
def figures_report(request, tmp_path_factory):
    report = _FiguresReport(tmp_path_factory.getbasetemp() / "deploy-figures.json")
    request.config.pluginmanager.register(report, "rsqgen-deploy-figures")
    return report


@pytest.fixture(scope="session")
def moto_server(figures_report, tmp_path_factory):
    with running_moto(tmp_path_factory.mktemp("moto") / "moto_server.log") as server:
        yield server


@pytest.fixture(scope="session")
def serverless_stand_in():
    stand_in = ServerlessStandIn()
    stand_in.start()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="session")
def data_api_stand_in():
    stand_in = RedshiftDataStandIn()
    stand_in.start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def data_api(data_api_stand_in, moto_server):
    """The Redshift Data API stand-in, emptied; it asks moto who called (call use_account first, then
    data_api.reset(sts_url=moto.url) again if the server restarted)."""
    data_api_stand_in.reset(sts_url=moto_server.url)
    return data_api_stand_in


@pytest.fixture
def moto(moto_server):
    """The moto server, emptied and serving moto's default account: each test starts from a fresh
    account (a test may then move it to a spec's own account with use_account)."""
    moto_server.use_account(None)
    moto_server.reset()
    return moto_server


@pytest.fixture
def workgroups(serverless_stand_in):
    """The Redshift Serverless stand-in, emptied."""
    serverless_stand_in.reset()
    return serverless_stand_in


@pytest.fixture
def figures(request, figures_report):
    record = {"outcome": "incomplete", "_start": time.monotonic()}
    figures_report.examples[request.node.callspec.id] = record
    yield record
    record["_end"] = time.monotonic()
    record["seconds"] = round(record["_end"] - record["_start"], 1)

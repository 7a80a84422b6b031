"""history.retain_days in the decided Deployment and the rendered tree: every query runs with its
status events on, and the history rule keeps the spec's prefix and the kept names outside it."""

from __future__ import annotations

from helpers import spec_text
from rsqgen import core
from rsqgen.deploy import decide
from rsqgen.spec import load_spec_text

SPEC = spec_text(
    """
    version: 1
    name: demo
    region: eu-west-1
    account_id: "111122223333"
    history: {retain_days: 30}
    schedule_group: default
    warehouses:
      analytics-prod: {}
    queries:
      daily:
        warehouse: analytics-prod
        database: dev
        auth: {db_user: etl}
        sql: SELECT 1;
        schedule: daily at 02:00
      nightly-load:
        warehouse: analytics-prod
        database: dev
        auth: {db_user: etl}
        sql: [BEGIN;, SELECT 1;, COMMIT;]
        schedule: daily at 01:00
        scheduler: scheduler
        name: nightly-load
    """
)


def test_history_keeps_the_prefix_and_the_names_outside_it(tmp_path):
    d = decide(load_spec_text(SPEC, "spec.yaml"))
    assert d.history.statement_names == ("nightly-load",) and d.history.retain_days == 30
    assert all(q.with_event for q in d.queries)
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    main = core.render_spec(spec).files["main.tf"].decode()
    block = main[main.index('module "query_history"'):]
    assert 'statement_prefix = "QS2-"' in block and 'statement_names  = ["nightly-load"]' in block and "writer_policy = {" in block


def test_without_names_outside_the_prefix_the_module_is_called_as_before(tmp_path):
    text = SPEC.replace("    name: nightly-load\n", "")
    d = decide(load_spec_text(text, "spec.yaml"))
    assert d.history.statement_names == ()
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    assert "statement_names" not in core.render_spec(spec).files["main.tf"].decode()

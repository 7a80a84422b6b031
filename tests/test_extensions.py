"""Keys starting with `x-` are ignored anywhere (the contract's home for YAML anchors), and merge
keys (`<<:`) reuse them: one place for what many queries share."""

from __future__ import annotations

import jsonschema
import yaml
from helpers import MINIMAL
from rsqgen import spec
from rsqgen.spec.schema import spec_schema

ANCHORS = MINIMAL.replace(
    "queries:\n  top5-sales:\n    warehouse: test-cluster\n    database: dev\n    auth: {db_user: rsadmin}\n",
    "x-etl: &etl\n  warehouse: test-cluster\n  database: dev\n  auth: {db_user: rsadmin}\n"
    "queries:\n  x-note: not a query, ignored\n  top5-sales:\n    <<: *etl\n    x-owner: data-team\n",
)


def test_x_keys_are_ignored_and_merge_keys_reuse_an_anchor(write_spec):
    loaded = spec.load_spec(write_spec(ANCHORS))
    assert list(loaded.spec.queries) == ["top5-sales"]
    q = loaded.spec.queries["top5-sales"]
    assert (q.warehouse, q.database, q.auth.db_user) == ("test-cluster", "dev", "rsadmin")
    (warning,) = [w for w in loaded.warnings if "x-" in w.message]
    assert warning.path == "queries.x-note" and "is ignored" in warning.message  # a name that is not used


def test_the_schema_lets_editors_accept_x_keys():
    doc = yaml.safe_load(ANCHORS.replace("<<: *etl", "warehouse: test-cluster\n    database: dev\n    auth: {db_user: rsadmin}").replace("&etl", ""))
    doc["queries"].pop("x-note")
    jsonschema.validate(doc, spec_schema())
    doc["queries"]["top5-sales"]["unknown"] = 1
    try:
        jsonschema.validate(doc, spec_schema())
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("an unknown key must still be refused")

"""The spec's JSON Schema, generated from the model, for editors (yaml-language-server) and CI.

It says what the model's shape says (keys, types, enums, name patterns); what needs the whole spec
(references between keys, combinations AWS rejects, schedule syntax) is `rsqgen render`'s job.
"""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from .model import DEFAULTABLE, Spec
from .semantics import QUERY_KEY, TOPIC_KEY

__all__ = ["SCHEMA_ID", "schema_json", "spec_schema"]

SCHEMA_ID = "https://rsqgen.dev/schema/spec-v1.json"


def spec_schema() -> dict[str, Any]:
    schema = Spec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "rsqgen spec, version 1"
    schema["description"] = f"Amazon Redshift scheduled queries as code (rsqgen {__version__})."
    # Keys starting with x- are ignored anywhere (a home for YAML anchors): editors must not flag them.
    for obj in [schema, *schema.get("$defs", {}).values()]:
        if obj.get("type") == "object" and "properties" in obj:
            obj["patternProperties"] = {"^x-": {}}
    props = schema["properties"]
    props["queries"]["propertyNames"] = {"pattern": f"^{QUERY_KEY.pattern}$"}
    props["notifications"]["propertyNames"] = {"pattern": f"^{TOPIC_KEY.pattern}$"}
    props["warehouses"]["propertyNames"] = {"pattern": "^[a-z0-9][a-z0-9-]{0,63}$"}
    # A query may take these from defaults.queries: the loader says when one is missing everywhere.
    schema["$defs"]["Query"]["required"] = [k for k in schema["$defs"]["Query"].get("required", []) if k not in DEFAULTABLE]
    query = schema["$defs"]["Query"]["properties"]
    query["sql"] = {
        "description": query["sql"].get("description", ""),
        "anyOf": [
            {"type": "string", "minLength": 1, "maxLength": 100000},
            {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 100000}, "minItems": 1, "maxItems": 40},
            {"type": "null"},
        ],
    }
    return schema


def schema_json() -> str:
    return json.dumps(spec_schema(), indent=2, sort_keys=True) + "\n"

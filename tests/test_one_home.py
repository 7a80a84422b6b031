"""One home per fact: the hand-written modules repeat a few of rsqgen's facts (they must stand on
their own for someone who reads or calls them directly); these tests hold every copy equal to the
Python one, so a change in one place cannot silently leave the other behind."""

from __future__ import annotations

import re
from pathlib import Path

import hcl2
import pytest
from helpers import REPO
from rsqgen import aws

MODULES = sorted(p for p in (REPO / "modules").iterdir() if p.is_dir())


def _blocks(path: Path, kind: str) -> dict[str, dict]:
    doc = hcl2.loads(path.read_text("utf-8"))
    out = {}
    for block in doc.get(kind, []):
        for name, body in block.items():
            out[name.strip('"')] = body
    return out


def _unquote(value):
    if isinstance(value, str):
        return value.strip('"')
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    return value


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
def test_module_versions_equal_the_root_constraints(module):
    (terraform,) = hcl2.loads((module / "versions.tf").read_text("utf-8"))["terraform"]
    assert _unquote(terraform["required_version"]) == aws.TERRAFORM_CONSTRAINT
    (providers,) = terraform["required_providers"]
    assert _unquote(providers["aws"]["version"]) == aws.PROVIDER_CONSTRAINT
    assert _unquote(providers["aws"]["source"]) == "hashicorp/aws"


def test_root_versions_use_the_same_constraints(rendered):
    text = (rendered["seed"] / "versions.tf").read_text("utf-8")
    assert f'version = "{aws.PROVIDER_CONSTRAINT}"' in text.replace("  ", " ").replace(" =", " =")
    assert f'required_version = "{aws.TERRAFORM_CONSTRAINT}"' in text


def _string_lists(text: str) -> list[list[str]]:
    """Every literal list of strings inside a `contains([...], x)` of a validation."""
    return [re.findall(r'"([^"]+)"', m) for m in re.findall(r"contains\(\[(.*?)\]", text, re.S)]


def test_schedule_role_allows_wildcard_resource_for_exactly_the_resourceless_actions():
    lists = _string_lists((REPO / "modules" / "schedule-role" / "variables.tf").read_text("utf-8"))
    data_api = [sorted(l) for l in lists if any(a.startswith("redshift-data:") for a in l)]
    assert data_api == [sorted(aws.DATA_API_ACTIONS_WITHOUT_RESOURCE_TYPE)]
    # and what the role is granted on "*" is a subset of what the module allows there
    assert set(aws.DATA_API_UNSCOPED_ACTIONS) <= set(aws.DATA_API_ACTIONS_WITHOUT_RESOURCE_TYPE)


def test_schedule_role_trusts_exactly_the_services_rsqgen_may_ask_for():
    lists = _string_lists((REPO / "modules" / "schedule-role" / "variables.tf").read_text("utf-8"))
    services = [sorted(l) for l in lists if any(a.endswith(".amazonaws.com") for a in l)]
    # every service rsqgen may trust, then those trusted only under conditions
    assert services == [sorted(aws.CONSOLE_TRUSTED_SERVICES + (aws.SCHEDULER_SERVICE,)), sorted([aws.EVENTS_SERVICE, aws.SCHEDULER_SERVICE])]


def test_query_status_states_are_the_data_api_end_states():
    lists = _string_lists((REPO / "modules" / "query-status" / "variables.tf").read_text("utf-8"))
    assert [sorted(l) for l in lists] == [sorted(aws.STATEMENT_END_STATES)]


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
def test_module_readme_documents_every_variable_and_output(module):
    readme = (module / "README.md").read_text("utf-8")
    # Each one has its row in the terraform-docs tables (read here from the .tf files on their own,
    # not through rsqgen.tools.moddocs): `<a name="input_x">` under Inputs, `<a name="output_x">`.
    block = readme.split("<!-- BEGIN_TF_DOCS -->", 1)[-1].split("<!-- END_TF_DOCS -->", 1)[0]
    inputs = block.split("## Inputs", 1)[-1].split("## Outputs", 1)[0]
    outputs = block.split("## Outputs", 1)[-1]
    names = {f"variable {n}" for n in _blocks(module / "variables.tf", "variable")}
    names |= {f"output {n}" for n in _blocks(module / "outputs.tf", "output")}
    missing = sorted(
        n for n in names
        if (f'<a name="input_{n.split()[1]}"></a>' not in inputs if n.startswith("variable") else f'<a name="output_{n.split()[1]}"></a>' not in outputs)
    )
    assert not missing, f"modules/{module.name}/README.md does not mention: {', '.join(missing)}"


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
def test_module_variables_and_outputs_have_descriptions(module):
    for kind, path in (("variable", "variables.tf"), ("output", "outputs.tf")):
        for name, body in _blocks(module / path, kind).items():
            assert _unquote(body.get("description", "")).strip(), f"modules/{module.name}: {kind} {name} has no description"

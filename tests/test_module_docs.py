"""The modules' READMEs carry terraform-docs' `markdown table` block, generated from their .tf files
(rsqgen.tools.moddocs) and held here: every README is current, a change to a module's interface
makes it stale until it is regenerated, the hand-written text around the block is kept byte for
byte, and the format itself is held by a golden block written from terraform-docs' documented
output (its format/templates/markdown_table_*.tmpl and docs/reference/markdown-table.md)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import hcl2
import pytest
from helpers import REPO
from rsqgen.tools import moddocs

MODULES = REPO / "modules"
MODULE_NAMES = [p.name for p in moddocs.module_dirs(MODULES)]


def test_the_twelve_modules_are_found():
    assert len(MODULE_NAMES) == 12, MODULE_NAMES
    assert MODULE_NAMES == sorted(p.name for p in MODULES.iterdir() if (p / "main.tf").is_file())


# --- (a) every README is current ---------------------------------------------------------------------


@pytest.mark.parametrize("module", MODULE_NAMES)
def test_module_readme_is_current(module):
    assert moddocs.update(MODULES / module, check=True), (
        f"modules/{module}/README.md is out of date: run `.venv/bin/python -m rsqgen.tools.moddocs`"
    )


def test_check_command_passes_on_the_repository():
    proc = subprocess.run(
        [sys.executable, "-m", "rsqgen.tools.moddocs", "--check", "modules"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize("module", MODULE_NAMES)
def test_block_is_deterministic_lf_and_without_trailing_spaces(module):
    block = moddocs.render_block(MODULES / module)
    assert block == moddocs.render_block(MODULES / module)
    assert "\r" not in block
    assert not [line for line in block.split("\n") if line != line.rstrip()]
    readme = (MODULES / module / "README.md").read_bytes()
    assert b"\r" not in readme and readme.endswith(b"\n")


def _rows(block: str, section: str) -> dict[str, list[str]]:
    """name -> cells of a section's table (the anchor's name is the key)."""
    part = block.split(f"## {section}\n\n", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in part.split("\n")[2:]:
        if not line.startswith("| "):  # the END marker after the last table
            break
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        name = re.match(r'<a name="[a-z]+_([^"]+)"></a>', cells[0]).group(1)
        rows[name] = cells
    return rows


@pytest.mark.parametrize("module", MODULE_NAMES)
def test_tables_agree_with_an_independent_reading(module):
    """python-hcl2's own dict reading of variables.tf and outputs.tf: every variable and output has
    its row, Required is yes exactly when there is no default, scalar defaults are as written."""
    block = moddocs.render_block(MODULES / module)
    inputs, outputs = _rows(block, "Inputs"), _rows(block, "Outputs")
    declared: dict[str, dict] = {}
    declared_outputs: set[str] = set()
    for path in sorted((MODULES / module).glob("*.tf")):
        doc = hcl2.loads(path.read_text("utf-8"))
        for item in doc.get("variable", []):
            for name, body in item.items():
                declared[name.strip('"')] = body
        for item in doc.get("output", []):
            declared_outputs.update(n.strip('"') for n in item)
    assert sorted(inputs) == sorted(declared)
    assert list(inputs) == sorted(inputs)
    assert sorted(outputs) == sorted(declared_outputs)
    for name, body in declared.items():
        cells = inputs[name]
        assert cells[4] == ("no" if "default" in body else "yes"), name
        if "default" not in body:
            assert cells[3] == "n/a", name
        elif body["default"] is None:
            assert cells[3] == "`null`", name
        elif isinstance(body["default"], bool):
            assert cells[3] == f"`{str(body['default']).lower()}`", name
        elif isinstance(body["default"], int):
            assert cells[3] == f"`{body['default']}`", name
        elif isinstance(body["default"], str) and body["default"].startswith('"'):
            assert cells[3] == f"`{body['default']}`", name
        elif body["default"] in ({}, []):
            assert cells[3] == f"`{json.dumps(body['default'])}`", name
        wanted_type = str(body["type"]).removeprefix("${").removesuffix("}")
        shown = cells[2].removeprefix("`").removesuffix("`").removeprefix("<pre>").removesuffix("</pre>").replace("<br/>", "\n")
        shown = re.sub(r"\s*#[^\n]*", "", shown)  # a comment inside a type is shown as written
        assert re.sub(r"[\s,]+", "", shown) == re.sub(r"[\s,]+", "", wanted_type), name


# --- (b) a change makes the README stale, and write mode fixes it -------------------------------------


def _copy(tmp_path: Path, module: str = "scheduled-query") -> Path:
    root = tmp_path / "modules"
    shutil.copytree(MODULES / module, root / module, ignore=shutil.ignore_patterns("tests", ".*"))
    return root / module


MUTATIONS = {
    "add a variable": (
        "variables.tf",
        lambda t: t + '\nvariable "extra_flag" {\n  description = "A new input."\n  type        = bool\n  default     = false\n}\n',
        '| <a name="input_extra_flag"></a> [extra\\_flag](#input\\_extra\\_flag) | A new input. | `bool` | `false` | no |',
    ),
    "change a description": (
        "variables.tf",
        lambda t: t.replace('description = "Database the statement runs in."', 'description = "Database the statement runs in (changed)."'),
        '| <a name="input_database"></a> [database](#input\\_database) | Database the statement runs in (changed). | `string` | n/a | yes |',
    ),
    "add an output": (
        "outputs.tf",
        lambda t: t + '\noutput "rule_id" {\n  description = "Id of the rule."\n  value       = aws_cloudwatch_event_rule.this.id\n}\n',
        '| <a name="output_rule_id"></a> [rule\\_id](#output\\_rule\\_id) | Id of the rule. |',
    ),
    "add a resource": (
        "main.tf",
        lambda t: t + '\nresource "aws_sqs_queue" "extra" {\n  name = "${var.name}-extra"\n}\n',
        "| [aws_sqs_queue.extra](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/sqs_queue) | resource |",
    ),
    "add a data source": (
        "main.tf",
        lambda t: t + '\ndata "aws_region" "current" {}\n',
        "| [aws_region.current](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/region) | data source |",
    ),
    "make an input required": (
        "variables.tf",
        lambda t: t.replace('  type        = string\n  default     = "redshift-data"\n', "  type        = string\n"),
        '| <a name="input_target_id"></a> [target\\_id](#input\\_target\\_id) | Id of the rule\'s Data API target. Changing it replaces'
        " the target: keep the id of a target made elsewhere (rsqgen adopt does). | `string` | n/a | yes |",
    ),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_a_change_makes_the_readme_stale_until_written(tmp_path, capsys, mutation):
    module = _copy(tmp_path)
    readme = module / "README.md"
    assert moddocs.main(["--check", str(module.parent)]) == 0
    filename, change, row = MUTATIONS[mutation]
    before = (module / filename).read_text("utf-8")
    (module / filename).write_text(change(before), "utf-8")
    assert (module / filename).read_text("utf-8") != before, "the mutation changed nothing"
    assert row not in readme.read_text("utf-8")
    capsys.readouterr()

    assert not moddocs.update(module, check=True)
    assert moddocs.main(["--check", str(module.parent)]) == 1
    out = capsys.readouterr()
    assert f"{readme} is out of date" in out.out
    assert row not in readme.read_text("utf-8"), "check mode wrote"

    assert moddocs.main([str(module.parent)]) == 0
    assert f"{readme} updated" in capsys.readouterr().out
    assert row in readme.read_text("utf-8")
    assert moddocs.main(["--check", str(module.parent)]) == 0
    assert moddocs.update(module, check=True)


def test_the_command_exits_1_naming_the_stale_file(tmp_path):
    module = _copy(tmp_path, "kms-key")
    (module / "outputs.tf").write_text((module / "outputs.tf").read_text("utf-8") + '\noutput "id" {\n  value = 1\n}\n', "utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "rsqgen.tools.moddocs", "--check", str(module.parent)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert f"{module / 'README.md'} is out of date" in proc.stdout


def test_a_module_tests_folder_and_dot_folders_are_not_read(tmp_path):
    module = _copy(tmp_path)
    for sub in ("tests", ".terraform"):
        (module / sub).mkdir()
        (module / sub / "extra.tf").write_text('variable "not_mine" {\n  type = string\n}\n', "utf-8")
    (module / "tests" / "plan.tftest.hcl").write_text('run "plan" {\n  command = plan\n}\n', "utf-8")
    (module / ".hidden.tf").write_text('variable "hidden" {\n  type = string\n}\n', "utf-8")
    assert moddocs.update(module, check=True)
    (tmp_path / "modules" / ".cache").mkdir()
    (tmp_path / "modules" / ".cache" / "main.tf").write_text("", "utf-8")
    assert [p.name for p in moddocs.module_dirs(tmp_path / "modules")] == ["scheduled-query"]


# --- (c) the hand-written text is kept byte for byte --------------------------------------------------


@pytest.mark.parametrize("module", MODULE_NAMES)
def test_hand_written_part_is_kept_when_the_block_changes(tmp_path, module):
    copy = _copy(tmp_path, module)
    readme = copy / "README.md"
    original = readme.read_bytes()
    head, tail = original.split(moddocs.BEGIN.encode(), 1)[0], original.split(moddocs.END.encode(), 1)[1]
    (copy / "variables.tf").write_text(
        (copy / "variables.tf").read_text("utf-8") + '\nvariable "zz_new" {\n  description = "New."\n  type = string\n}\n', "utf-8"
    )
    assert not moddocs.update(copy, check=False)
    new = readme.read_bytes()
    assert new != original
    assert new.startswith(head)
    assert new.endswith(tail)
    assert b"[zz\\_new](#input\\_zz\\_new)" in new


HAND_WRITTEN = "# thing\n\nText with  two trailing spaces  \n\tand a tab, ünïcode, `code`, and no markers.\n\n## Inputs\n\nHand-made table.\n"


@pytest.mark.parametrize("ending", ["\n", "", "\n\n"])
def test_a_readme_without_markers_gets_the_block_appended(tmp_path, ending):
    module = _copy(tmp_path)
    readme = module / "README.md"
    original = (HAND_WRITTEN.rstrip("\n") + ending).encode("utf-8")
    readme.write_bytes(original)
    assert not moddocs.update(module, check=True)
    assert readme.read_bytes() == original, "check mode wrote"
    assert not moddocs.update(module, check=False)
    new = readme.read_bytes()
    assert new.startswith(original)
    added = new[len(original) :].decode("utf-8")
    assert moddocs.HEADING in added
    assert added.endswith(moddocs.render_block(module) + "\n")
    assert moddocs.update(module, check=True), "a second run changes nothing"
    # text written after the block later is kept as well
    readme.write_bytes(new + b"\n## Afterwards\n\nMore.\n")
    (module / "outputs.tf").write_text((module / "outputs.tf").read_text("utf-8") + '\noutput "x" {\n  value = 1\n}\n', "utf-8")
    assert not moddocs.update(module, check=False)
    final = readme.read_bytes()
    assert final.startswith(original) and final.endswith(b"\n## Afterwards\n\nMore.\n")
    assert final.count(moddocs.BEGIN.encode()) == 1 and final.count(moddocs.HEADING.encode()) == 1


def test_a_readme_with_one_marker_only_is_an_error(tmp_path):
    module = _copy(tmp_path)
    (module / "README.md").write_text(f"# x\n\n{moddocs.BEGIN}\nold\n", "utf-8")
    with pytest.raises(moddocs.ModuleDocsError, match="without"):
        moddocs.update(module, check=True)
    assert moddocs.main(["--check", str(module.parent)]) == 2


def test_a_default_that_is_not_a_constant_is_an_error(tmp_path):
    module = _copy(tmp_path)
    (module / "variables.tf").write_text(
        (module / "variables.tf").read_text("utf-8") + '\nvariable "bad" {\n  type    = map(string)\n  default = tomap({})\n}\n', "utf-8"
    )
    with pytest.raises(moddocs.ModuleDocsError, match=r"variables\.tf:\d+: default is not a constant"):
        moddocs.render_block(module)


# --- (d) the format, held by a golden block -----------------------------------------------------------

SYNTHETIC = {
    "versions.tf": """
        terraform {
          required_version = ">= 1.5"

          required_providers {
            aws = {
              source  = "hashicorp/aws"
              version = ">= 5.46, < 7"
            }
            random = {
              source  = "hashicorp/random"
              version = "3.6.0"
            }
          }
        }
    """,
    "main.tf": """
        data "aws_caller_identity" "current" {}

        resource "random_id" "suffix" {
          byte_length = 4
        }

        resource "aws_sqs_queue" "this" {
          name = "${var.name}-${random_id.suffix.hex}"
        }

        module "topic" {
          source = "../notifications"

          name       = var.name
          account_id = data.aws_caller_identity.current.account_id
        }
    """,
    "variables.tf": """
        variable "name" {
          description = "Name of the queue_and_topic."
          type        = string
        }

        variable "password" {
          description = "A secret | with a pipe."
          type        = string
          sensitive   = true
          default     = null
        }

        variable "settings" {
          description = "Settings.\\nSecond line."
          type = object({
            retries = number
            labels  = list(string)
          })
          default = {
            retries = 3
            labels  = ["a", "b"]
          }
        }

        # Tags for everything.
        variable "tags" {
          type    = map(string)
          default = { team = "data", "cost-center" = "42" }
        }

        variable "zones" {
          description = "Zones, e.g. `eu_west_1a`."
          type        = list(string)
          default     = []
        }

        variable "ratio" {
          description = "A ratio."
          type        = number
          default     = 0.25
        }

        variable "enabled" {
          description = "Whether _it_ runs."
          type        = bool
          default     = true
        }

        variable "legacy" {
          default = "x"
        }
    """,
    "outputs.tf": """
        output "queue_arn" {
          description = "ARN of the queue."
          value       = aws_sqs_queue.this.arn
        }

        output "secret" {
          description = "The password, sensitive."
          value       = var.password
          sensitive   = true
        }

        output "undocumented" {
          value = 1
        }
    """,
}

# Written by hand from terraform-docs' documented `markdown table` output (defaults: anchors,
# escaped `_` and `|`, types in backticks or <pre>, defaults as JSON, n/a when required, Required
# column, resources before data sources with registry links, everything sorted by name).
GOLDEN = r"""<!-- BEGIN_TF_DOCS -->
## Requirements

| Name | Version |
| ---- | ------- |
| <a name="requirement_terraform"></a> [terraform](#requirement\_terraform) | >= 1.5 |
| <a name="requirement_aws"></a> [aws](#requirement\_aws) | >= 5.46, < 7 |
| <a name="requirement_random"></a> [random](#requirement\_random) | 3.6.0 |

## Providers

| Name | Version |
| ---- | ------- |
| <a name="provider_aws"></a> [aws](#provider\_aws) | >= 5.46, < 7 |
| <a name="provider_random"></a> [random](#provider\_random) | 3.6.0 |

## Modules

| Name | Source | Version |
| ---- | ------ | ------- |
| <a name="module_topic"></a> [topic](#module\_topic) | ../notifications | n/a |

## Resources

| Name | Type |
| ---- | ---- |
| [aws_sqs_queue.this](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/sqs_queue) | resource |
| [random_id.suffix](https://registry.terraform.io/providers/hashicorp/random/3.6.0/docs/resources/id) | resource |
| [aws_caller_identity.current](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/caller_identity) | data source |

## Inputs

| Name | Description | Type | Default | Required |
| ---- | ----------- | ---- | ------- | :------: |
| <a name="input_enabled"></a> [enabled](#input\_enabled) | Whether _it_ runs. | `bool` | `true` | no |
| <a name="input_legacy"></a> [legacy](#input\_legacy) | n/a | `string` | `"x"` | no |
| <a name="input_name"></a> [name](#input\_name) | Name of the queue\_and\_topic. | `string` | n/a | yes |
| <a name="input_password"></a> [password](#input\_password) | A secret \| with a pipe. | `string` | `null` | no |
| <a name="input_ratio"></a> [ratio](#input\_ratio) | A ratio. | `number` | `0.25` | no |
| <a name="input_settings"></a> [settings](#input\_settings) | Settings.<br/>Second line. | <pre>object({<br/>    retries = number<br/>    labels  = list(string)<br/>  })</pre> | <pre>{<br/>  "labels": [<br/>    "a",<br/>    "b"<br/>  ],<br/>  "retries": 3<br/>}</pre> | no |
| <a name="input_tags"></a> [tags](#input\_tags) | Tags for everything. | `map(string)` | <pre>{<br/>  "cost-center": "42",<br/>  "team": "data"<br/>}</pre> | no |
| <a name="input_zones"></a> [zones](#input\_zones) | Zones, e.g. `eu_west_1a`. | `list(string)` | `[]` | no |

## Outputs

| Name | Description |
| ---- | ----------- |
| <a name="output_queue_arn"></a> [queue\_arn](#output\_queue\_arn) | ARN of the queue. |
| <a name="output_secret"></a> [secret](#output\_secret) | The password, sensitive. |
| <a name="output_undocumented"></a> [undocumented](#output\_undocumented) | n/a |
<!-- END_TF_DOCS -->"""

EMPTY_GOLDEN = """<!-- BEGIN_TF_DOCS -->
## Requirements

No requirements.

## Providers

No providers.

## Modules

No modules.

## Resources

No resources.

## Inputs

No inputs.

## Outputs

No outputs.
<!-- END_TF_DOCS -->"""


def _synthetic(tmp_path: Path, files: dict[str, str]) -> Path:
    module = tmp_path / "synthetic"
    module.mkdir(parents=True)
    for name, text in files.items():
        (module / name).write_text(textwrap.dedent(text).lstrip("\n"), "utf-8")
    return module


def test_golden_block_of_a_synthetic_module(tmp_path):
    module = _synthetic(tmp_path, SYNTHETIC)
    assert moddocs.render_block(module) == GOLDEN


def test_golden_block_does_not_depend_on_how_the_files_are_split(tmp_path):
    one = tmp_path / "one"
    module = _synthetic(one, {"main.tf": "\n".join(textwrap.dedent(SYNTHETIC[n]) for n in sorted(SYNTHETIC))})
    assert moddocs.render_block(module) == GOLDEN


def test_golden_block_of_an_empty_module(tmp_path):
    module = _synthetic(tmp_path, {"main.tf": "locals {}\n"})
    assert moddocs.render_block(module) == EMPTY_GOLDEN


def test_readme_written_from_nothing(tmp_path):
    module = _synthetic(tmp_path, SYNTHETIC)
    assert not moddocs.update(module, check=False)
    assert (module / "README.md").read_text("utf-8") == f"{moddocs.HEADING}\n\n{moddocs.INTRO}\n\n{GOLDEN}\n"


def test_cli_does_not_import_moddocs():
    code = "import sys, rsqgen.cli; print('rsqgen.tools.moddocs' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"
    assert "moddocs" not in (REPO / "generator" / "cli.py").read_text("utf-8")

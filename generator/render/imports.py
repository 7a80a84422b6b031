"""imports.tf for `rsqgen adopt`: one `import {}` block per resource made by hand, addressed into the
generated modules, with the provider's import ids (rule `NAME`, target `RULE/TARGET_ID`, schedule
`GROUP/NAME`: internal/service/events/rule.go, target.go, scheduler/schedule.go). The string form
works with provider 5 and 6; `import` blocks need Terraform 1.5, the generated code's minimum."""

from __future__ import annotations

from . import hcl

__all__ = ["imports_tf"]


def imports_tf(imports: list[tuple[str, str]]) -> bytes:
    blocks = [
        "# Written by `rsqgen adopt`: the first `terraform plan` imports what was made by hand and",
        "# replaces nothing. Once applied these blocks do nothing; you may delete this file.",
    ]
    for address, import_id in imports:
        blocks += ["", "import {", f"  to = {address}", f"  id = {hcl.string(import_id)}", "}"]
    return hcl.layout("\n".join(blocks) + "\n").encode()

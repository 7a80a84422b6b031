"""imports.tf for `rsqgen adopt`: one `import {}` block per resource made by hand, addressed into the
generated modules, with the provider's import ids (rule `NAME`, target `RULE/TARGET_ID`, schedule
`GROUP/NAME`: internal/service/events/rule.go, target.go, scheduler/schedule.go). The string form
works with provider 5 and 6; `import` blocks need Terraform 1.5, the generated code's minimum."""

from __future__ import annotations

import json
import re

from . import hcl

__all__ = ["imported_rules", "imports_tf"]

_RULE_IMPORT = re.compile(r'^  to = \S+\.aws_cloudwatch_event_rule\.this\n  id = ("(?:[^"\\]|\\.)*")$', re.M)


def imports_tf(imports: list[tuple[str, str]]) -> bytes:
    blocks = [
        "# Written by `rsqgen adopt`: the first `terraform plan` imports what was made by hand and",
        "# replaces nothing. Once applied these blocks do nothing; you may delete this file.",
    ]
    for address, import_id in imports:
        blocks += ["", "import {", f"  to = {address}", f"  id = {hcl.string(import_id)}", "}"]
    return hcl.layout("\n".join(blocks) + "\n").encode()


def imported_rules(text: str) -> frozenset[str]:
    """The rule names an imports.tf (as imports_tf writes it) brings in: they exist in the account
    on purpose until the first apply tags them."""
    return frozenset(json.loads(m.group(1)) for m in _RULE_IMPORT.finditer(text))

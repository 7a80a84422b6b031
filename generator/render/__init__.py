"""Stage 3, rendering: a Deployment -> the bytes of every file of the output tree (in memory).

HCL and Markdown are escaped by default (see terraform.py); `diagram` draws the same Deployment.
"""

from .imports import imported_rules, imports_tf
from .terraform import ROOT_FILES, render

__all__ = ["ROOT_FILES", "imported_rules", "imports_tf", "render"]

"""rsqgen: Amazon Redshift scheduled queries as code.

The pipeline, one stage a subpackage, imports pointing down the line only:
spec (load, validate) -> deploy (decide) -> render -> writer (atomic write) -> tools (checks,
review, explain); `core` is the one way through it, `cli` the thin layer over core. See
docs/architecture.md.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]

"""Stage 1, the spec: YAML with positions -> validated model -> resolved meaning.

Everything a user can get wrong is found here and reported at file:line:col; later stages may
assume a valid spec.
"""

from .load import LoadedSpec, environment_names, load_spec, load_spec_text
from .semantics import ResolvedQuery

__all__ = ["LoadedSpec", "ResolvedQuery", "environment_names", "load_spec", "load_spec_text"]

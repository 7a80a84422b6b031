"""The libyaml fast path gives exactly what the pure-Python reference loader gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rsqgen.spec.yamlsrc as ys
import yaml
from helpers import EXAMPLES, EXAMPLES_DIR
from hypothesis import given, settings
from hypothesis import strategies as st
from rsqgen.errors import SpecError

BAD = sorted((Path(__file__).resolve().parent / "bad_specs").glob("*.yaml"))


def both(text: str):
    """(fast result, reference result); each a (data, positions) pair or the error's text."""
    out = []
    for fast in (True, False):
        saved = ys._CParser
        if not fast:
            ys._CParser = None
        try:
            doc = ys.load_yaml_text(text, "spec.yaml")
            out.append((doc.data, dict(doc.positions)))
        except SpecError as exc:
            out.append(str(exc))
        finally:
            ys._CParser = saved
    return out


def test_fast_path_is_available():
    assert ys._CParser is not None, "PyYAML was built without libyaml: specs load about four times slower"


@pytest.mark.parametrize("path", [EXAMPLES_DIR / e / "spec.yaml" for e in EXAMPLES] + BAD, ids=lambda p: p.parent.name + "/" + p.stem)
def test_same_result_on_examples_and_bad_specs(path):
    fast, reference = both(path.read_bytes().decode("utf-8", errors="replace"))
    assert fast == reference


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(min_size=1, max_size=10), children, max_size=4),
    max_leaves=20,
)


@given(JSONISH)
@settings(max_examples=200, deadline=None)
def test_same_result_on_generated_documents(value):
    for text in (yaml.safe_dump({"root": value}), json.dumps({"root": value})):
        fast, reference = both(text)
        assert fast == reference

"""Each example's rendered output, byte for byte. Refresh with `make golden` and read the diff."""

from __future__ import annotations

import difflib

import pytest
from helpers import EXAMPLES, EXAMPLES_DIR, GOLDEN_DIR
from refresh_golden import golden_files

from rsqgen import core


def test_every_example_has_golden_output():
    assert EXAMPLES, "no examples found"
    assert sorted(p.name for p in GOLDEN_DIR.iterdir() if p.is_dir()) == EXAMPLES


@pytest.mark.parametrize("example", EXAMPLES)
def test_render_matches_golden(example):
    r = core.render_spec(EXAMPLES_DIR / example / "spec.yaml", display_name=f"examples/{example}/spec.yaml")
    actual = golden_files(r.files)
    expected = {
        p.relative_to(GOLDEN_DIR / example).as_posix(): p.read_bytes()
        for p in sorted((GOLDEN_DIR / example).rglob("*"))
        if p.is_file()
    }
    assert sorted(actual) == sorted(expected), "different file set; run `make golden` if intended"
    for name in expected:
        if actual[name] != expected[name]:
            diff = "".join(
                difflib.unified_diff(
                    expected[name].decode().splitlines(True),
                    actual[name].decode().splitlines(True),
                    f"golden/{example}/{name}",
                    f"rendered/{example}/{name}",
                )
            )
            pytest.fail(f"{example}/{name} differs from its golden file (run `make golden` if intended):\n{diff}")


@pytest.mark.parametrize("example", EXAMPLES)
def test_render_is_deterministic(example, tmp_path):
    """Same spec, same bytes: rendered twice, from two spellings of the path, in two folders."""
    spec = EXAMPLES_DIR / example / "spec.yaml"
    a = core.render_spec(spec, display_name=str(spec))
    b = core.render_spec(spec.resolve(), display_name="spec.yaml")
    assert a.files == b.files
    core.write(a, tmp_path / "one")
    core.write(b, tmp_path / "two")
    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*") if p.is_file()}
    two = {p.relative_to(tmp_path / "two"): p.read_bytes() for p in (tmp_path / "two").rglob("*") if p.is_file()}
    assert one == two

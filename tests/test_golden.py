"""Each example's rendered output, byte for byte. Refresh with `make golden` and read the diff."""

from __future__ import annotations

import difflib
import hashlib
import json
import subprocess

import pytest
from helpers import EXAMPLES, EXAMPLES_DIR, GOLDEN_DIR, REPO
from refresh_golden import golden_files
from rsqgen import core
from rsqgen.writer import MANIFEST


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
            if name == MANIFEST:
                diff = module_diffs(example, expected[name], r.files)
            else:
                diff = unified(expected[name], actual[name], f"golden/{example}/{name}", f"rendered/{example}/{name}")
            pytest.fail(f"{example}/{name} differs from its golden file (run `make golden` if intended):\n{diff}")


def unified(old: bytes | None, new: bytes | None, old_name: str, new_name: str) -> str:
    return "".join(
        difflib.unified_diff(
            (old or b"").decode(errors="replace").splitlines(True),
            (new or b"").decode(errors="replace").splitlines(True),
            old_name,
            new_name,
        )
    )


def golden_module_file(example: str, rel: str, digest: str) -> bytes | None:
    """The module file the golden manifest pins, recovered from git: the version of `rel` in the
    commit that last wrote the golden manifest, if its hash is the pinned one."""
    manifest = (GOLDEN_DIR / example / MANIFEST).relative_to(REPO).as_posix()
    log = subprocess.run(["git", "log", "-1", "--format=%H", "--", manifest], cwd=REPO, capture_output=True, text=True, check=False)
    commit = log.stdout.strip()
    if not commit:
        return None
    show = subprocess.run(["git", "show", f"{commit}:{rel}"], cwd=REPO, capture_output=True, check=False)
    if show.returncode == 0 and hashlib.sha256(show.stdout).hexdigest() == digest:
        return show.stdout
    return None


def module_diffs(example: str, golden_manifest: bytes, files: dict[str, bytes]) -> str:
    """The manifest pins the copied modules by hash; show what changed in the module files themselves."""
    pinned = json.loads(golden_manifest)["files"]
    out = []
    for rel in sorted(set(pinned) | {f for f in files if f.startswith("modules/")}):
        new = files.get(rel)
        if new is not None and pinned.get(rel) == hashlib.sha256(new).hexdigest():
            continue
        if rel not in pinned:
            out.append(f"new file {rel}\n" + unified(None, new, "/dev/null", f"rendered/{example}/{rel}"))
        elif new is None:
            out.append(f"{rel} is no longer rendered\n")
        elif rel.startswith("modules/"):
            old = golden_module_file(example, rel, pinned[rel])
            if old is None:
                out.append(f"{rel}: sha256 {pinned[rel][:12]}… → {hashlib.sha256(new).hexdigest()[:12]}… (the pinned version is not in git history)\n")
            else:
                out.append(unified(old, new, f"golden/{example}/{rel}", f"rendered/{example}/{rel}"))
        else:
            out.append(f"{rel}: root file hash changed (its diff is shown on its own)\n")
    return "".join(out) or "only the manifest's layout differs"


def test_a_changed_module_file_is_shown_as_a_diff(tmp_path):
    """The failure message of a changed module is its diff, not two hashes."""
    r = core.render_spec(EXAMPLES_DIR / "seed" / "spec.yaml", display_name="examples/seed/spec.yaml")
    files = dict(r.files)
    rel = "modules/scheduled-query/main.tf"
    files[rel] = files[rel].replace(b'"ENABLED"', b'"DISABLED"', 1)
    text = module_diffs("seed", (GOLDEN_DIR / "seed" / MANIFEST).read_bytes(), files)
    assert f"rendered/seed/{rel}" in text
    assert '-  state               = var.enabled ? "ENABLED" : "DISABLED"' in text
    assert '+  state               = var.enabled ? "DISABLED" : "DISABLED"' in text


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

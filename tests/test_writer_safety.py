"""The writer under faults: the swap itself interrupted or observed half-way, and hand edits to
files a re-render no longer needs. Each test fails on a plausible bug (a delete-then-rename swap,
a lost restore, an orphan deleted silently)."""

from __future__ import annotations

import os
import shutil

import pytest
from rsqgen import writer
from rsqgen.errors import OutputError

OLD = {"main.tf": b"old", "modules/m/main.tf": b"old module"}
NEW = {"main.tf": b"new", "modules/m/main.tf": b"new module", "outputs.tf": b"new outputs"}


def tree(path) -> dict[str, bytes]:
    return {
        p.relative_to(path).as_posix(): p.read_bytes()
        for p in sorted(path.rglob("*"))
        if p.is_file() and p.name != writer.MANIFEST
    }


def whole(path) -> bool:
    """The folder holds the previous render or the new one, entirely."""
    return path.is_dir() and tree(path) in (OLD, NEW)


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_output_is_whole_at_every_step_of_the_swap(tmp_path, monkeypatch, exchange):
    out = tmp_path / "out"
    writer.write_tree(out, OLD)
    seen: list[tuple[str, bool]] = []
    real_rename, real_rmtree, real_exchange = os.rename, shutil.rmtree, writer._exchange

    def spy(name, fn):
        def call(*args, **kwargs):
            seen.append((f"before {name}", whole(out)))
            result = fn(*args, **kwargs)
            seen.append((f"after {name}", whole(out)))
            return result

        return call

    monkeypatch.setattr(writer.os, "rename", spy("rename", real_rename))
    monkeypatch.setattr(writer.shutil, "rmtree", spy("rmtree", real_rmtree))
    monkeypatch.setattr(writer, "_exchange", spy("exchange", real_exchange if exchange else (lambda a, b: False)))
    writer.write_tree(out, NEW)
    monkeypatch.undo()
    assert tree(out) == NEW
    if exchange:  # one atomic exchange: the folder is never missing or mixed
        assert all(ok for _, ok in seen), seen
    else:  # two renames: the only gap is between them, and the previous output waits beside it
        gaps = [step for step, ok in seen if not ok]
        assert gaps in ([], ["after rename", "before rename"]), seen
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_interrupted_two_rename_swap_puts_the_previous_output_back(tmp_path, monkeypatch):
    out = tmp_path / "out"
    writer.write_tree(out, OLD)
    real_rename = os.rename
    calls = []

    def rename(src, dst):
        calls.append((str(src), str(dst)))
        if len(calls) == 2:  # the new tree moving in: killed
            raise KeyboardInterrupt
        return real_rename(src, dst)

    monkeypatch.setattr(writer, "_exchange", lambda a, b: False)
    monkeypatch.setattr(writer.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        writer.write_tree(out, NEW)
    monkeypatch.undo()
    assert tree(out) == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging or old copy left


def test_failed_exchange_leaves_previous_output(tmp_path, monkeypatch):
    out = tmp_path / "out"
    writer.write_tree(out, OLD)

    def broken(a, b):
        raise OSError(5, "I/O error", str(a))

    monkeypatch.setattr(writer, "_exchange", broken)
    with pytest.raises(OSError):
        writer.write_tree(out, NEW)
    monkeypatch.undo()
    assert tree(out) == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_hand_edit_to_a_file_the_spec_no_longer_needs_is_not_deleted(tmp_path):
    out = tmp_path / "out"
    writer.write_tree(out, {"main.tf": b"a", "modules/dlq/main.tf": b"queue"})
    (out / "modules/dlq/main.tf").write_bytes(b"queue, tuned by hand")
    with pytest.raises(OutputError, match="modules/dlq/main.tf"):
        writer.write_tree(out, {"main.tf": b"a"})
    assert (out / "modules/dlq/main.tf").read_bytes() == b"queue, tuned by hand"
    result = writer.write_tree(out, {"main.tf": b"a"}, force=True)  # --force: the user said so
    assert result.removed == ("modules/dlq/main.tf",) and not (out / "modules/dlq").exists()


def test_unchanged_orphan_is_removed_and_reported(tmp_path):
    out = tmp_path / "out"
    writer.write_tree(out, {"main.tf": b"a", "modules/dlq/main.tf": b"queue"})
    result = writer.write_tree(out, {"main.tf": b"a"})
    assert result.removed == ("modules/dlq/main.tf",)
    assert tree(out) == {"main.tf": b"a"}


def test_manifest_lists_exactly_what_was_written_with_hashes(tmp_path):
    out = tmp_path / "out"
    writer.write_tree(out, NEW)
    assert writer.read_manifest(out) == {name: writer.sha256(data) for name, data in NEW.items()}


def test_files_people_keep_beside_the_output_need_no_force(tmp_path):
    out = tmp_path / "out"
    writer.write_tree(out, OLD)
    kept = {".gitignore": b".terraform/\n", "backend.tf": b'terraform {\n  backend "s3" {}\n}\n', "plan.json": b"{}", ".terraform-version": b"1.11.4\n"}
    for name, data in kept.items():
        (out / name).write_bytes(data)
    result = writer.write_tree(out, NEW)  # no --force
    assert sorted(result.kept) == sorted(kept)
    assert {name: (out / name).read_bytes() for name in kept} == kept
    # and the hand-edit check still stands without --force
    (out / "main.tf").write_bytes(b"edited")
    with pytest.raises(OutputError, match="changed since rsqgen wrote it"):
        writer.write_tree(out, OLD)


def test_a_kept_name_the_render_writes_is_not_overwritten_by_the_old_copy(tmp_path):
    out = tmp_path / "out"
    writer.write_tree(out, {"main.tf": b"a", "backend.tf": b"rendered v1"})
    writer.write_tree(out, {"main.tf": b"a", "backend.tf": b"rendered v2"})
    assert (out / "backend.tf").read_bytes() == b"rendered v2"


def test_output_folder_gets_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        writer.write_tree(tmp_path / "out", OLD)
    finally:
        os.umask(old)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755  # not mkdtemp's 0700
    (tmp_path / "out").chmod(0o750)
    writer.write_tree(tmp_path / "out", NEW)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o750  # a re-render keeps the user's choice


def test_a_file_dropped_into_a_rendered_folder_is_not_silently_kept(tmp_path):
    out = tmp_path / "out"
    writer.write_tree(out, OLD)
    (out / "notes.tf").write_bytes(b"# mine")  # not rsqgen's, not a kept name: refuse, do not guess
    with pytest.raises(OutputError, match="notes.tf"):
        writer.write_tree(out, NEW)
    assert tree(out) == {**OLD, "notes.tf": b"# mine"}
    result = writer.write_tree(out, NEW, force=True)
    assert result.kept == ("notes.tf",) and (out / "notes.tf").read_bytes() == b"# mine"

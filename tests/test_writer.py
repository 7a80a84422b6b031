"""Atomic writes into folders rsqgen owns; Terraform's working files survive; no orphans."""

from __future__ import annotations

import json

import pytest
from rsqgen import writer
from rsqgen.errors import OutputError


def files(**kw: str) -> dict[str, bytes]:
    return {k.replace("__", "/"): v.encode() for k, v in kw.items()}


def test_new_folder_gets_files_and_manifest(tmp_path):
    out = tmp_path / "out"
    res = writer.write_tree(out, files(main_tf="a", modules__m__main_tf="b"))
    assert (out / "main_tf").read_text() == "a" and (out / "modules/m/main_tf").read_text() == "b"
    manifest = json.loads((out / writer.MANIFEST).read_text())
    assert set(manifest["files"]) == {"main_tf", "modules/m/main_tf"}
    assert res.removed == () and res.kept == ()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left behind


def test_rerender_removes_orphans_and_keeps_terraform_state(tmp_path):
    out = tmp_path / "out"
    writer.write_tree(out, files(main_tf="a", old_tf="gone"))
    (out / "terraform.tfstate").write_text("STATE")
    (out / ".terraform").mkdir()
    (out / ".terraform" / "plugin").write_text("P")
    (out / "prod.tfvars").write_text("x = 1")
    res = writer.write_tree(out, files(main_tf="b"))
    assert res.removed == ("old_tf",)
    assert not (out / "old_tf").exists()
    assert (out / "main_tf").read_text() == "b"
    assert (out / "terraform.tfstate").read_text() == "STATE"
    assert (out / ".terraform" / "plugin").read_text() == "P"
    assert (out / "prod.tfvars").read_text() == "x = 1"


def test_refuses_a_folder_with_foreign_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="notes.txt"):
        writer.write_tree(out, files(main_tf="a"))
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    writer.write_tree(out, files(main_tf="a"), force=True)
    assert (out / "notes.txt").read_text() == "mine"  # --force writes beside it, never deletes it


def test_refuses_to_overwrite_hand_edits(tmp_path):
    out = tmp_path / "out"
    writer.write_tree(out, files(main_tf="a"))
    (out / "main_tf").write_text("edited by hand")
    with pytest.raises(OutputError, match="changed since rsqgen wrote it"):
        writer.write_tree(out, files(main_tf="b"))
    assert (out / "main_tf").read_text() == "edited by hand"
    writer.write_tree(out, files(main_tf="b"), force=True)
    assert (out / "main_tf").read_text() == "b"


def test_interrupted_write_leaves_previous_output_whole(tmp_path, monkeypatch):
    out = tmp_path / "out"
    writer.write_tree(out, files(main_tf="old", other_tf="old2"))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = {"n": 0}
    real = writer.Path.write_bytes

    def failing(self, data):
        calls["n"] += 1
        if calls["n"] == 2:  # die in the middle of writing the new tree
            raise KeyboardInterrupt
        return real(self, data)

    monkeypatch.setattr(writer.Path, "write_bytes", failing)
    with pytest.raises(KeyboardInterrupt):
        writer.write_tree(out, files(main_tf="new", other_tf="new2", third_tf="new3"))
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_file_where_the_folder_should_be(tmp_path):
    (tmp_path / "out").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        writer.write_tree(tmp_path / "out", files(main_tf="a"))


def test_force_overwrites_your_own_file_at_a_path_the_render_now_writes(tmp_path):
    """Your backend.tf is kept beside the output; once the spec has a backend, --force writes
    rsqgen's over it (it was carried over the rendered one before)."""
    from rsqgen import writer

    out = tmp_path / "out"
    writer.write_tree(out, {"main.tf": b"# main\n"})
    (out / "backend.tf").write_text('terraform {\n  backend "local" {}\n}\n')
    writer.write_tree(out, {"main.tf": b"# main\n"})
    assert "local" in (out / "backend.tf").read_text()  # kept while rsqgen does not write one
    rendered = {"main.tf": b"# main\n", "backend.tf": b'terraform {\n  backend "s3" {}\n}\n'}
    with pytest.raises(Exception, match="did not write"):
        writer.write_tree(out, rendered)
    writer.write_tree(out, rendered, force=True)
    assert (out / "backend.tf").read_bytes() == rendered["backend.tf"]
    writer.write_tree(out, rendered)  # and it is rsqgen's now: no refusal, no "changed since"


def test_a_kept_name_rsqgen_wrote_is_removed_when_no_longer_rendered(tmp_path):
    """backend.tf is kept beside the output when it is yours; rsqgen's own (from a `backend:` that
    is gone now) is removed, or Terraform would go on using the old state."""
    from rsqgen import writer

    out = tmp_path / "out"
    writer.write_tree(out, {"main.tf": b"# main\n", "backend.tf": b'terraform {\n  backend "s3" {}\n}\n'})
    result = writer.write_tree(out, {"main.tf": b"# main\n"})
    assert not (out / "backend.tf").exists() and "backend.tf" in result.removed

"""Write a rendered tree into an output folder atomically, touching only what rsqgen owns.

The new tree is built next to the output folder and swapped in with one rename (an atomic exchange
on Linux), so an interruption at any point leaves either the previous output or the new one,
whole. A manifest (`.rsqgen-manifest.json`) records which files rsqgen wrote and their hashes:
files it no longer needs disappear with the swap (no orphans), files edited by hand since the last
render are not overwritten without --force, and a folder holding files rsqgen does not know is
refused (unless they are Terraform's own working files, which are carried over).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import difflib
import errno
import fnmatch
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError
from .text import diff_lines

__all__ = ["KEPT_FILES", "MANIFEST", "WriteResult", "assess", "diff_tree", "manifest_bytes", "read_manifest", "write_tree"]

MANIFEST = ".rsqgen-manifest.json"

# Files that live beside a generated configuration and are not rsqgen's: Terraform's working files
# and what people keep next to them (their backend, version pins, VCS files, saved plans). Kept
# across renders, never counted as foreign, never a reason for --force. Matched against the path
# relative to the output folder.
KEPT_FILES = (
    ".terraform",
    ".terraform/*",
    ".terraform.lock.hcl",
    ".terraform.tfstate.lock.info",
    "terraform.tfstate",
    "terraform.tfstate.backup",
    "terraform.tfstate.d",
    "terraform.tfstate.d/*",
    "*.tfvars",
    "*.tfvars.json",
    "override.tf",
    "override.tf.json",
    "*_override.tf",
    "*_override.tf.json",
    "*.tfplan",
    "tfplan",
    "crash.log",
    "backend.tf",
    "backend.tf.json",
    "*.plan.json",
    "plan.json",
    "tfplan.json",
    ".gitignore",
    ".gitattributes",
    ".terraform-version",
    ".tool-versions",
    "imports.tf",  # import blocks (`rsqgen adopt` writes them beside the tree, for the first plan)
    "spec.yaml",  # the spec kept beside its output (`rsqgen adopt` writes it there)
)


@dataclass(frozen=True)
class WriteResult:
    path: Path
    written: tuple[str, ...]  # every file of the new tree
    removed: tuple[str, ...]  # files of the previous render that the spec no longer needs
    kept: tuple[str, ...]  # KEPT_FILES found there (and, with force, foreign files), carried over


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_bytes(files: dict[str, bytes]) -> bytes:
    doc = {"generator": "rsqgen", "files": {name: sha256(data) for name, data in sorted(files.items())}}
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def read_manifest(out: Path) -> dict[str, str] | None:
    path = out / MANIFEST
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text("utf-8"))
        files = doc["files"]
        if doc.get("generator") != "rsqgen" or not isinstance(files, dict):
            raise ValueError
        return {str(k): str(v) for k, v in files.items()}
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise OutputError(f"{path} is not a manifest rsqgen can read; remove it or choose another output folder") from None


def _is_kept(rel: str) -> bool:
    return any(fnmatch.fnmatch(rel, pattern) for pattern in KEPT_FILES)


def _existing_files(out: Path) -> list[str]:
    """Files below `out`, relative; Terraform's working folders are listed whole, not walked."""
    found = []
    for root, dirs, names in os.walk(out):
        rel_root = Path(root).relative_to(out)
        working = [d for d in dirs if _is_kept((rel_root / d).as_posix())]
        found += [(rel_root / d).as_posix() for d in sorted(working)]
        dirs[:] = sorted(d for d in dirs if d not in working)
        found += [(rel_root / name).as_posix() for name in sorted(names)]
    return found


def assess(out: Path, files: dict[str, bytes], *, force: bool) -> tuple[list[str], list[str]]:
    """(files a write would remove, files it would keep); raise OutputError when writing is not safe."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder")
    if not out.exists():
        return [], []
    owned = read_manifest(out)
    present = [f for f in _existing_files(out) if f != MANIFEST]
    # A kept name that the render itself writes is the render's (a rendered backend.tf, say).
    # A kept name rsqgen wrote earlier and no longer renders (backend.tf after `backend:` went) is
    # its to remove, not to keep.
    keep = [f for f in present if _is_kept(f) and f not in files and not (owned and f in owned)]
    candidates = [f for f in present if f not in keep]
    if owned is None:
        if candidates and not force:
            listed = ", ".join(candidates[:5]) + (f" and {len(candidates) - 5} more" if len(candidates) > 5 else "")
            raise OutputError(
                f"{out} holds files rsqgen did not write ({listed}); render into an empty or new folder, or pass --force to write beside them"
            )
        return [], keep + [f for f in candidates if f not in files]
    foreign = [f for f in candidates if f not in owned]
    if foreign and not force:
        listed = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise OutputError(f"{out} holds files rsqgen did not write ({listed}); move them away, or pass --force to keep them beside the output")
    edited = [f for f in candidates if f in owned and sha256((out / f).read_bytes()) != owned[f] and (f not in files or files[f] != (out / f).read_bytes())]
    if edited and not force:
        listed = ", ".join(edited[:5]) + (f" and {len(edited) - 5} more" if len(edited) > 5 else "")
        raise OutputError(
            f"{listed} in {out} changed since rsqgen wrote {'it' if len(edited) == 1 else 'them'}; change the spec instead, or pass --force to overwrite"
        )
    removed = [f for f in candidates if f in owned and f not in files]
    # With force, a foreign file the render writes itself (your backend.tf, once the spec has a
    # backend) is overwritten, not carried over the rendered one.
    return removed, keep + [f for f in foreign if f not in files]


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_symlink():
        os.symlink(os.readlink(src), dst)
    elif src.is_dir():
        for child in sorted(src.iterdir()):
            _link_or_copy(child, dst / child.name)
        dst.mkdir(exist_ok=True)
    else:
        try:
            os.link(src, dst)  # same inode: state written later is the same file
        except OSError:
            shutil.copy2(src, dst)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2). False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    at_fdcwd = -100
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    if ctypes.get_errno() in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(a))


def write_tree(out: Path, files: dict[str, bytes], *, force: bool = False, beside: dict[str, bytes] | None = None) -> WriteResult:
    """Write `files` as the whole tree at `out`, atomically. `beside`: files of the kept kinds
    (KEPT_FILES, e.g. adopt's spec.yaml and imports.tf) written with the tree, in the same swap,
    but not recorded as rsqgen's: later renders keep them."""
    out = Path(out)
    removed, keep = assess(out, files, force=force)
    beside = beside or {}
    assert all(_is_kept(rel) for rel in beside), f"not files a render keeps: {sorted(beside)}"
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.rsqgen-new-", dir=parent))
    try:
        staging.chmod(_folder_mode(out))  # mkdtemp makes it 0700; the output is an ordinary folder
        for rel, data in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (staging / MANIFEST).write_bytes(manifest_bytes(files))
        for rel in keep:
            _link_or_copy(out / rel, staging / rel)
        for rel, data in beside.items():
            (staging / rel).write_bytes(data)
        for f in sorted(staging.rglob("*")):
            if f.is_file() and not f.is_symlink():
                with open(f, "rb") as fh:
                    os.fsync(fh.fileno())
        _swap_in(staging, out.resolve())
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return WriteResult(out, tuple(files), tuple(removed), tuple(keep))


def _folder_mode(out: Path) -> int:
    """The previous output's mode, or what a plain mkdir would give under this umask."""
    if out.is_dir():
        return out.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def _swap_in(staging: Path, out: Path) -> None:
    if not out.exists():
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging)  # now holds the previous output
        return
    # No atomic exchange here: two renames; between them the previous output sits in `old`.
    old = out.with_name(f".{out.name}.rsqgen-old")
    if old.exists():
        shutil.rmtree(old)
    os.rename(out, old)
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old)


def diff_tree(out: Path, files: dict[str, bytes]) -> str:
    """A unified diff from what `out` holds to what a render would write ("" when current).

    Compares every file the render would write and the files of the previous render that it would
    remove; Terraform's working files and foreign files are not rsqgen's. The manifest's hashes
    are not shown (they change with the files shown), only a line when nothing else differs.
    """
    out = Path(out)
    wanted = dict(files)
    owned = (read_manifest(out) or {}) if out.is_dir() else {}
    chunks: list[str] = []
    for rel in sorted(set(wanted) | set(owned)):
        path = out / rel
        old = path.read_bytes() if path.is_file() else None
        new = wanted.get(rel)
        if old == new:
            continue
        old_lines = _text_lines(old)
        new_lines = _text_lines(new)
        chunks.append(
            "".join(
                difflib.unified_diff(
                    old_lines, new_lines, f"a/{rel}" if old is not None else "/dev/null", f"b/{rel}" if new is not None else "/dev/null"
                )
            )
        )
    manifest = out / MANIFEST
    if not chunks and (not manifest.is_file() or manifest.read_bytes() != manifest_bytes(files)):
        chunks.append(f"{MANIFEST} is missing or out of date (the files themselves are current)\n")
    return "".join(chunks)


def _text_lines(data: bytes | None) -> list[str]:
    return [] if data is None else diff_lines(data.decode("utf-8", errors="replace"))

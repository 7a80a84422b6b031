"""rsqgen's cache: work whose result depends only on its input and on the code that did it.

Two things are kept, both so that rendering a large spec again (after one edit, or `render --check`
in CI) does not redo what it did last time: the templates compiled to Python (jinja's bytecode
cache, which checks each template's source) and the SQL pre-flight's verdict on each SQL text
(keyed by the text and by the bytes of the code that judged it: rsqgen's pre-flight and sqlglot's
version). A hit gives exactly what a fresh run would; the output's bytes never depend on the cache.

Where: $RSQGEN_CACHE_DIR, else $XDG_CACHE_HOME/rsqgen, else ~/.cache/rsqgen (made 0700).
`RSQGEN_CACHE=off` turns it off. A cache that cannot be read or written is no cache: never an
error, never a half-written file (each write goes to a temporary file, then replaces).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["Store", "directory"]


def directory() -> Path | None:
    """The cache's folder, made if need be; None when the cache is off or cannot be made."""
    if os.environ.get("RSQGEN_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    configured = os.environ.get("RSQGEN_CACHE_DIR")
    if configured:
        path = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = Path(base) / "rsqgen"
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


def fingerprint(*parts: str | bytes) -> str:
    """A key for what these parts decide (sha256 over each part, separated)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


class Store:
    """A JSON file of key -> value for one kind of result, read once, written back once at exit when
    something was added. At most `limit` entries are kept (the newest)."""

    def __init__(self, name: str, code: str, limit: int = 50_000) -> None:
        self.name = name
        self.code = code  # what the stored values were computed by: a different code is a different store
        self.limit = limit
        self._entries: dict[str, Any] | None = None
        self._dirty = False
        self._path: Path | None = None

    def _load(self) -> dict[str, Any]:
        if self._entries is None:
            self._entries = {}
            folder = directory()
            if folder is not None:
                self._path = folder / f"{self.name}.json"
                try:
                    doc = json.loads(self._path.read_text("utf-8"))
                    if isinstance(doc, dict) and doc.get("code") == self.code and isinstance(doc.get("entries"), dict):
                        self._entries = doc["entries"]
                except (OSError, ValueError):
                    pass
        return self._entries

    def get(self, key: str) -> Any:
        return self._load().get(key)

    def put(self, key: str, value: Any) -> None:
        entries = self._load()
        if self._path is None:
            return
        entries.pop(key, None)
        entries[key] = value  # newest last: what a full store drops first is the oldest
        if not self._dirty:
            self._dirty = True
            atexit.register(self.flush)

    def flush(self) -> None:
        if not self._dirty or self._path is None or self._entries is None:
            return
        self._dirty = False
        entries = self._entries
        if len(entries) > self.limit:
            entries = dict(list(entries.items())[-self.limit :])
        try:
            fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=f".{self.name}-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump({"code": self.code, "entries": entries}, f, separators=(",", ":"))
                os.replace(tmp, self._path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            pass

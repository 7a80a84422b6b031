"""Text that reaches a person: a terminal, or Markdown (the generated README, `rsqgen review`).

One home for the control characters that must never be written raw, and the Markdown escapers.
Imports only `values`, so the review tool can use it without loading the spec or the renderer.
"""

from __future__ import annotations

import re

from .values import ACCOUNT

__all__ = ["CONTROL", "CONTROL_CHARS", "diff_lines", "md_code", "md_span", "md_text", "terminal_safe", "visible"]

# Control characters (all but tab and newline) and the Unicode line and paragraph separators:
# invisible, or line-breaking, in a terminal, a reviewer's diff or a rendered page. A regular
# expression character class body, so other escapers can extend it.
CONTROL_CHARS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029"
CONTROL = re.compile(f"[{CONTROL_CHARS}]")


def terminal_safe(text: str) -> str:
    """Text for a terminal: control characters from a spec are shown escaped, never sent raw."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def visible(text: str) -> str:
    """Control characters as `\\uNNNN`, and the account placeholder as `<account>`."""
    return CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text.replace(ACCOUNT, "<account>"))


def md_text(text: str) -> str:
    """One line of prose inside a table or list: no newlines, no pipes that split a table, no markup."""
    flat = visible(text).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return re.sub(r"([\\|*_`<>\[\]#])", r"\\\1", flat)


def md_span(text: str, in_table: bool = False) -> str:
    """An inline code span holding `text` exactly as shown (backslashes are literal in code spans,
    so only backticks, line breaks and, in a table, pipes need care)."""
    flat = visible(text).replace("\r", " ").replace("\n", " ")
    if in_table:
        flat = flat.replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def md_code(text: str, lang: str = "") -> str:
    """A fenced code block longer than any run of backticks in `text`."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = visible(text.replace("\r\n", "\n").replace("\r", "\n")).rstrip("\n")
    return f"{fence}{lang}\n{body}\n{fence}"


def diff_lines(text: str) -> list[str]:
    """Lines for difflib: a last line without a newline gets one, and diff's own marker after it,
    so that the diff never runs two lines together (`-a+b`)."""
    lines = text.splitlines(True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines

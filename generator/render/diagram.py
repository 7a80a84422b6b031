"""`rsqgen diagram`: the picture that makes the trust set-up obvious.

operators -> assume -> schedule role <- trusted services; rule/schedule -> Data API -> warehouse;
SNS fan-out. One graph model, two writers: Mermaid (renders in pull requests and in the generated
README) and Graphviz DOT (SVG/PNG through `dot`, when it is installed).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field

from ..deploy import Deployment
from ..errors import ToolError
from ..text import CONTROL_CHARS

__all__ = ["Graph", "build", "find_dot", "render_image", "to_dot", "to_mermaid"]

_CONTROL = re.compile(f"[\t{CONTROL_CHARS}]")  # all but \n, which labels use


@dataclass
class Graph:
    nodes: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (label, shape)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (from, to, label)
    groups: dict[str, list[str]] = field(default_factory=dict)  # group title -> node ids
    ids: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, name) -> node id

    def id(self, prefix: str, name: str) -> str:
        """A Mermaid/DOT-safe id, unique per (kind, name) even when names differ only in punctuation."""
        key = (prefix, name)
        if key not in self.ids:
            base = prefix + "_" + re.sub(r"[^A-Za-z0-9]", "_", name)
            taken = set(self.ids.values())
            ident, n = base, 1
            while ident in taken:
                n += 1
                ident = f"{base}_{n}"
            self.ids[key] = ident
        return self.ids[key]

    def node(self, ident: str, label: str, shape: str = "box", group: str | None = None) -> str:
        if ident not in self.nodes:
            self.nodes[ident] = (label, shape)
            if group:
                self.groups.setdefault(group, []).append(ident)
        return ident

    def edge(self, a: str, b: str, label: str = "") -> None:
        self.edges.append((a, b, label))


def build(d: Deployment) -> Graph:
    g = Graph()
    role = g.node("role", f"schedule role\n{d.role.name}", "box")
    for svc in d.role.trusted_services:
        g.edge(g.node(g.id("svc", svc), svc, "stadium", "Trusted services"), role, "assumes")
    for user, create in d.operators.users.items():
        g.edge(g.node(g.id("user", user), f"IAM user {user}" + ("" if create else " (existing)"), "box", "Operators"), role, "sts:AssumeRole")
    for arn in d.operators.role_arns:
        g.edge(g.node(g.id("oprole", arn), f"role {arn.split('/')[-1]}", "box", "Operators"), role, "sts:AssumeRole")
    api = g.node("dataapi", "Redshift Data API", "hexagon")
    g.edge(role, api, "calls as role")
    for w in d.warehouses:
        label = f"{'cluster' if w.type == 'cluster' else 'serverless'} {w.identifier}" + ("" if w.created else " (existing)")
        g.edge(api, g.node(g.id("wh", w.key), label, "cylinder", "Warehouses"), "")
    for t in d.topics:
        topic = g.node(g.id("topic", t.key), f"SNS {t.name}", "parallelogram", "Notifications")
        for e in t.emails:
            g.edge(topic, g.node(g.id("email", e), e, "box", "Notifications"), "email")
    for q in d.queries:
        kind = "rule" if q.backend == "rule" else "schedule"
        zone = f" {q.timezone}" if q.timezone else ""
        node = g.node(g.id("q", q.key), f"{kind} {q.rule_name}\n{q.schedule_expression}{zone}" + ("" if q.enabled else "\n(disabled)"), "box", "Scheduled queries")
        g.edge(node, role, "runs as")
        g.edge(node, g.id("wh", q.warehouse), f"{q.database}")
        for topic in q.trigger_topics:
            g.edge(node, g.id("topic", topic), "fired")
        for status in q.statuses:
            g.edge(node, g.id("topic", status.topic), "/".join(status.states).lower())
    return g


def _mermaid_label(text: str) -> str:
    text = _CONTROL.sub(" ", text)
    # '#' first: Mermaid reads '#...;' as an entity, and a cron such as 6#3 must stay text.
    text = text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    return text.replace("\n", "<br/>")


_MERMAID_SHAPES = {"box": ('["', '"]'), "stadium": ('(["', '"])'), "hexagon": ('{{"', '"}}'), "cylinder": ('[("', '")]'), "parallelogram": ('[/"', '"/]')}


def to_mermaid(g: Graph) -> str:
    lines = ["flowchart LR"]
    grouped = {i for ids in g.groups.values() for i in ids}

    def node_line(ident: str, indent: str) -> str:
        label, shape = g.nodes[ident]
        left, right = _MERMAID_SHAPES[shape]
        return f"{indent}{ident}{left}{_mermaid_label(label)}{right}"

    for n, (title, ids) in enumerate(sorted(g.groups.items())):
        lines.append(f'  subgraph g{n}["{_mermaid_label(title)}"]')
        lines += [node_line(i, "    ") for i in ids]
        lines.append("  end")
    lines += [node_line(i, "  ") for i in g.nodes if i not in grouped]
    for a, b, label in g.edges:
        lines.append(f'  {a} -- "{_mermaid_label(label)}" --> {b}' if label else f"  {a} --> {b}")
    return "\n".join(lines) + "\n"


def _dot_label(text: str) -> str:
    return _CONTROL.sub(" ", text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


_DOT_SHAPES = {"box": "box", "stadium": "oval", "hexagon": "hexagon", "cylinder": "cylinder", "parallelogram": "parallelogram"}


def to_dot(g: Graph) -> str:
    lines = ["digraph rsqgen {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];']
    grouped = {i for ids in g.groups.values() for i in ids}
    for n, (title, ids) in enumerate(sorted(g.groups.items())):
        lines.append(f'  subgraph cluster_{n} {{ label="{_dot_label(title)}"; style=rounded;')
        lines += [f'    {i} [label="{_dot_label(g.nodes[i][0])}", shape={_DOT_SHAPES[g.nodes[i][1]]}];' for i in ids]
        lines.append("  }")
    lines += [f'  {i} [label="{_dot_label(g.nodes[i][0])}", shape={_DOT_SHAPES[g.nodes[i][1]]}];' for i in g.nodes if i not in grouped]
    lines += [f'  {a} -> {b} [label="{_dot_label(label)}"];' for a, b, label in g.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def find_dot() -> str | None:
    return shutil.which("dot")


def render_image(dot_source: str, fmt: str) -> bytes:
    """SVG or PNG bytes through Graphviz; raises ToolError when `dot` is missing or fails."""
    binary = find_dot()
    if binary is None:
        raise ToolError(f"Graphviz `dot` is needed for {fmt.upper()} output and was not found on PATH (apt-get install graphviz); Mermaid output needs nothing")
    proc = subprocess.run([binary, f"-T{fmt}"], input=dot_source.encode(), capture_output=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise ToolError(f"dot failed: {proc.stderr.decode(errors='replace').strip()[-300:]}")
    return proc.stdout

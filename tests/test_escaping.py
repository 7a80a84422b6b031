"""Escaping is the renderer's default, not a filter each template must remember: any `{{ }}` value
is escaped for the kind of file it lands in (HCL or Markdown) unless a filter already did it."""

from __future__ import annotations

import yaml
from helpers import MINIMAL
from helpers.hcl_literal import decode_literal, find_attribute
from rsqgen import core
from rsqgen.render import hcl, terraform
from rsqgen.text import md_text

HOSTILE = 'x"\n# heading\n${var.secret} %{ if true }| `code` <b> [l](u)'


def test_an_unfiltered_value_is_escaped_for_hcl():
    env = terraform._environment("hcl")
    out = env.from_string("a = {{ v }}\n").render(v=HOSTILE)
    assert out == f"a = {hcl.string(HOSTILE)}\n"
    assert decode_literal(find_attribute(out, "a"), normalize=False) == HOSTILE


def test_an_unfiltered_value_is_escaped_for_markdown():
    env = terraform._environment("markdown")
    out = env.from_string("| {{ v }} |").render(v=HOSTILE)
    assert out == f"| {md_text(HOSTILE)} |"
    assert "\n" not in out and "\\#" in out and "\\|" in out and "\\`" in out


def test_filters_escape_once_not_twice():
    env = terraform._environment("hcl")
    assert env.from_string("{{ v | hcl }}").render(v='a"b') == hcl.string('a"b')
    md = terraform._environment("markdown")
    assert md.from_string("{{ v | md_span }}").render(v="a_b") == "`a_b`"


def test_a_description_cannot_add_a_heading_to_the_generated_readme(write_spec):
    doc = yaml.safe_load(MINIMAL)
    doc["queries"]["top5-sales"]["description"] = "# Owned\n## by a spec"
    rendered = core.render_spec(write_spec(yaml.safe_dump(doc)))
    readme = rendered.files["README.md"].decode()
    assert not [line for line in readme.splitlines() if line.startswith("# Owned") or line.startswith("## by")]
    assert "\\# Owned \\#\\# by a spec" in readme

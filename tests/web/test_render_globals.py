"""The templates' ``badge`` and ``id_link`` are Python (a macro call per
row cost Jinja more than the rest of the row): they write exactly what the
macros they replace wrote, escape what they show and quote the id."""

from __future__ import annotations

import pytest
from jinja2 import Environment, select_autoescape

from gugus.web.render import ENV, badge, id_link

# the macro id_link was, verbatim
ID_LINK_MACRO = (
    '{% macro id_link(entity_id, caption=None) %}<a href="/entities/{{ entity_id|urlencode }}">'
    "{{ caption or entity_id }}</a>{% endmacro %}"
)
IDS = [
    "mx-fgr.0a1b2c",
    "a/b c#d?e&f",
    'x"><script>alert(1)</script>',
    "ñandú:ü%20",
    "",
]


@pytest.mark.parametrize("entity_id", IDS)
@pytest.mark.parametrize("caption", [None, "", 'Juan <b>Pérez</b> & "hijos"', "María"])
def test_id_link_writes_what_the_macro_wrote(entity_id, caption):
    env = Environment(autoescape=select_autoescape(["html"], default=True))
    macro = env.from_string(ID_LINK_MACRO).module.id_link
    assert str(id_link(entity_id, caption)) == str(macro(entity_id, caption))
    assert "<script>" not in str(id_link(entity_id, caption))


@pytest.mark.parametrize(
    "marking",
    [
        None,
        {},
        {"tlp": "clear", "handling": []},
        {"tlp": "amber+strict", "handling": ["LE-ONLY", "NO-FOREIGN"]},
        {"tlp": "red", "handling": ["<b>x</b>"]},
        {"tlp": "green"},
    ],
)
def test_badge_writes_what_the_macro_writes(marking):
    macro = ENV.get_template("macros.html").module.badge
    assert str(badge(marking)) == (str(macro(marking)) if marking else "")
    assert str(badge(marking)) == str(badge(marking))  # and again, from the cache
    assert "<b>x" not in str(badge(marking))


def test_every_template_uses_the_globals():
    """No template imports the replaced macros (an import would shadow the
    global with a slower macro; macros.html no longer defines id_link)."""
    for name in ENV.list_templates(extensions=["html"]):
        source = ENV.loader.get_source(ENV, name)[0]
        for line in source.splitlines():
            if "import" in line and "macros.html" in line:
                assert "badge" not in line and "id_link" not in line, name


class _Row(dict):
    """A dict subclass: Jinja's own lookup (attribute first) applies."""


@pytest.mark.parametrize(
    "expr",
    [
        "r.caption",
        "r.missing",
        "r.missing is defined",
        "r['items']",
        "r.items()|list|length",
        "r.get('caption')",
        "r.values is callable",
        "r.keys()|sort|join(',')",
        "r.__class__.__name__",
        "s.caption",
        "s.items is callable",
        "n.real",
    ],
)
def test_templates_find_what_jinja_finds(expr):
    """Plain dicts' items are looked up first by the pages' environment,
    unless the name is a dict attribute: every expression means what it
    means in Jinja's own environment, a key that names a dict method
    included."""
    row = {"caption": "Pérez <b>", "items": "shadowed", "values": 3}
    given = {"r": row, "s": _Row(row), "n": 5}
    plain = Environment(autoescape=select_autoescape(["html"], default=True))
    source = "{{ " + expr + " }}"
    assert ENV.from_string(source).render(given) == plain.from_string(source).render(given)

"""The leak property through the search page: for every user of a random
world, the page lists exactly the entities the rules allow, its facet counts
equal a recount over the user's visible statements (names in the page's
language), and no hidden value's text reaches the HTML."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from babel import Locale
from hypothesis import given, settings
from leakpages import PAGE_SHARE, session_client
from leakworld import (
    SLOW_EXAMPLES,
    WORDS,
    expected_search,
    expected_statements,
    final_markings,
    rebuild,
    search_hits,
    worlds,
)

ENTITY = re.compile(r'<a href="/entities/([^"]+)">')
FACET = re.compile(
    r'<li><a href="/search\?[^"]*"[^>]*>(?:<span[^>]*>✓ </span>)?([^<]+)</a> '
    r'<span class="count">([^<]+)</span></li>'
)
COUNTRY = Locale.parse("en_US").territories


def page_counts(html: str) -> dict[str, int]:
    return {html_lib.unescape(label): int(count) for label, count in FACET.findall(html)}


def expected_counts(world, allowed, hits) -> dict[str, int]:
    """Facet label → count: schema, collection and organisation by name, a
    country by its English name (labels of different facets never clash in
    these worlds: c0…, O0…, Person, country names)."""
    out: dict[str, int] = {}
    for facet, values in expected_search(world, allowed, hits)["facets"].items():
        for value, count in values.items():
            label = COUNTRY[value.upper()] if facet == "country" else value
            out[label] = count
    return out


def check_search_page(node, world) -> None:
    stored = final_markings(world)
    for user in world["users"]:
        c = session_client(node, user["name"])
        allowed = expected_statements(world, user)
        shown = {s[2] for s in allowed}
        hidden = {s[2] for s in stored if s not in allowed and s[1] in ("name", "notes")} - shown
        for word in WORDS[:4]:
            r = c.get("/search", params={"q": word})
            assert r.status_code == 200, (user, word)
            hits = search_hits(allowed, word)
            assert set(ENTITY.findall(r.text)) == hits, (user, word)
            assert page_counts(r.text) == expected_counts(world, allowed, hits), (user, word)
            text = html_lib.unescape(r.text)
            assert not [v for v in hidden if v in text], (user, word)


@pytest.mark.slow
def test_search_page_shows_and_counts_only_what_is_visible(node):
    examples = max(10, settings().max_examples // PAGE_SHARE)

    @settings(max_examples=examples, suppress_health_check=SLOW_EXAMPLES)
    @given(world=worlds())
    def run(world):
        rebuild(node, world)
        check_search_page(node, world)

    run()

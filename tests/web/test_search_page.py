"""The search page over HTTP: one box, results with their markings, facets
with exact counts named in the user's language, filters and paging in the
URL, htmx swaps of the search region; nothing a user may not see."""

from __future__ import annotations

import re

import pytest
import searchworld as sw
from leakpages import session_client

from gugus.web.i18n import COOKIE
from gugus.web.pages import search as search_page


@pytest.fixture
def world(node):
    sw.build(node)
    return node


def facet_counts(html: str) -> dict[str, str]:
    """Facet label → count as the page writes them."""
    found = re.findall(
        r'<li><a href="/search\?[^"]*"[^>]*>(?:<span[^>]*>✓ </span>)?([^<]+)</a> '
        r'<span class="count">([^<]+)</span></li>',
        html,
    )
    return dict(found)


def test_results_facets_and_markings(world):
    c = session_client(world, "bob")
    r = c.get("/search", params={"q": "perez"})
    assert r.status_code == 200
    html = r.text
    assert "<h1>Search</h1>" in html and "4 results" in html
    for caption in ("José Pérez", "María Pérez", "Transportes Pérez SA de CV", "Jose Perez"):
        assert caption in html
    assert f'href="/entities/{sw.P1}"' in html
    assert "TLP:AMBER H1" in html and "TLP:GREEN H0" in html
    assert 'id="banner-top" class="banner tlp-amber"' in html  # the strictest shown
    assert facet_counts(html) == {
        "Person": "3",
        "Company": "1",
        "fgr-casos": "3",
        "hsi-leads": "1",
        "MX-FGR": "3",
        "US-HSI": "1",
        "Mexico": "3",
        "Honduras": "2",
        "Guatemala": "1",
        "United States": "1",
    }
    # Nothing of the RED values bob may not see: not the text, not the country.
    assert sw.RED_WORD not in html and "El Salvador" not in html


def test_another_organisation_sees_its_own_counts(world):
    html = session_client(world, "ana").get("/search", params={"q": "perez"}).text
    assert "5 results" in html
    assert facet_counts(html)["El Salvador"] == "1"  # ana's own RED nationality


def test_spanish_names_and_a_country_name_query(world):
    c = session_client(world, "bob")
    c.cookies.set(COOKIE, "es_MX")
    html = c.get("/search", params={"q": "Honduras"}).text
    assert "2 resultados" in html and "<h1>Buscar</h1>" in html
    counts = facet_counts(html)
    assert counts["Persona"] == "2" and counts["Honduras"] == "2"
    assert counts["México"] == "1" and counts["Estados Unidos"] == "1"


def test_filters_and_paging_live_in_the_url(world, monkeypatch):
    c = session_client(world, "bob")
    html = c.get("/search", params=[("q", "perez"), ("country", "hn")]).text
    assert "2 results" in html
    assert 'href="/search?q=perez&amp;country=hn&amp;country=mx"' in html  # adds a value
    assert 'aria-current="true"' in html and 'href="/search?q=perez"' in html  # removes it
    assert '<input type="hidden" name="country" value="hn">' in html  # kept by a new query
    page = c.get("/search", params={"q": "perez", "offset": 0}).text
    assert 'rel="next"' not in page
    monkeypatch.setattr(search_page, "PAGE_SIZE", 3)
    first = c.get("/search", params={"q": "perez"}).text
    assert "showing 1–3" in first and 'href="/search?q=perez&amp;offset=3" rel="next"' in first
    second = c.get("/search", params={"q": "perez", "offset": 3}).text
    assert "showing 4–4" in second and 'href="/search?q=perez" rel="prev"' in second


def test_no_results_says_so(world):
    c = session_client(world, "bob")
    assert "No results for “nadie”." in c.get("/search", params={"q": "nadie"}).text
    empty = c.get("/search").text
    assert 'id="search-q"' in empty and "results" not in empty.split("<main", 1)[1].lower()


def test_phone_forms_find_the_same_person(world):
    c = session_client(world, "bob")
    for query in ("2221859062", "222 185 9062", "+52 222 185 9062"):
        html = c.get("/search", params={"q": query}).text
        assert "1 result" in html and "José Pérez" in html, query


def test_htmx_swaps_the_region_and_its_banners(world):
    c = session_client(world, "bob")
    r = c.get("/search", params={"q": "perez"}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.text and "4 results" in r.text
    assert 'id="banner-top" class="banner tlp-amber" hx-swap-oob="true"' in r.text
    restore = c.get(
        "/search",
        params={"q": "perez"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.text  # a history miss gets the whole page


def test_a_bad_filter_is_an_error_page(world):
    r = session_client(world, "bob").get("/search", params={"q": "perez", "country": "Atlantis"})
    assert r.status_code == 400 and "unknown country" in r.text

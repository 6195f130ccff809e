"""The search page in a real browser against a real ``gugus serve`` on the
demo world (fixtures of tests/web/conftest.py): search → facet → entity →
back/forward keeps the query, the filters and the counts; the URL carries
them (a shared link opens the same view); axe finds nothing serious."""

from __future__ import annotations

import re


def status(page) -> str:
    return page.locator(".search-status").inner_text().strip()


ORG = "US-HSI"  # most of the demo's Honduran nationals are other organisations' records


def test_search_facet_entity_and_back_forward_keep_the_state(
    web_node, new_page, login, shot, axe, tab_through
):
    user = web_node.user(org=ORG, role="analyst")
    page = new_page(locale="en-US")
    login(page, user)
    page.goto(f"{web_node.url}/search")
    page.get_by_label("Search names, phones, accounts, documents").fill("Honduras")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=Honduras$"))
    everything = status(page)
    assert re.match(r"\d+ results", everything), everything
    axe(page)

    person = page.locator(".facets a", has_text=re.compile(r"^Person$"))
    person.click()
    page.wait_for_url(re.compile(r"/search\?q=Honduras&schema=Person$"))
    people = status(page)
    count = page.locator(".facets li", has=page.locator("a.active")).locator(".count")
    assert people.split()[0] == count.inner_text().strip()  # the facet's count is the total
    assert page.locator("ul.chips").get_by_text("Type: Person").is_visible()
    shot(page, "search")

    page.locator(".results tbody a").first.click()
    page.wait_for_url(re.compile(r"/entities/"))
    page.go_back()
    page.wait_for_url(re.compile(r"schema=Person$"))
    assert status(page) == people
    assert page.locator("#search-q").input_value() == "Honduras"
    page.go_back()
    page.wait_for_url(re.compile(r"/search\?q=Honduras$"))
    assert status(page) == everything
    page.go_forward()
    page.wait_for_url(re.compile(r"schema=Person$"))
    assert status(page) == people

    assert tab_through(page)

    shared = new_page(locale="es-MX")
    login(shared, user)
    shared.goto(page.url)  # a shared link: the same results, in the reader's language
    assert status(shared).split()[0] == people.split()[0]
    assert shared.locator("ul.chips").get_by_text("Tipo: Persona").is_visible()
    axe(shared)
    shot(shared, "search-es")

"""Issue #9, browser test 7 (the part every screen shares): each screen the
navigation leads to, in Spanish and English — as an analyst, then as a
supervisor for the screens only supervisors have (Audit): no serious or
critical axe violation, a keyboard walk with visible, unobscured focus, one
h1, the page's language, and a screenshot.  Screens are found from the
navigation itself, so each new one is swept the day its link answers;
screen-specific states (results, an entity) are swept by their own tests."""

from __future__ import annotations

import pytest

LOCALES = ["en-US", "es-MX"]
ORG = "US-HSI"
# Every screen of the navigation, all merged: each must answer 200.
SCREENS = {"/", "/search", "/review", "/notices", "/load", "/audit"}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_screen_of_the_navigation(web_node, new_page, login, axe, shot, tab_through, locale):
    swept: set[str] = set()
    for role in ("analyst", "supervisor"):
        page = new_page(locale=locale)
        login(page, web_node.user(org=ORG, role=role))
        links = page.locator("header nav a").evaluate_all("links => links.map(a => a.pathname)")
        assert (
            set(links) <= SCREENS and "/" in links and ("/audit" in links) == (role == "supervisor")
        ), links
        for path in dict.fromkeys(links):
            if path in swept:
                continue
            swept.add(path)
            answer = page.goto(f"{web_node.url}{path}")
            assert answer.status == 200, f"{path} answered {answer.status}"
            assert page.locator("html").get_attribute("lang") == locale, path
            assert page.locator("h1").count() == 1, f"{path}: one h1"
            name = path.strip("/").replace("/", "-") or "home"
            shot(page, f"{name}-{locale}")
            axe(page)
            assert tab_through(page), f"{path}: nothing reachable by keyboard"

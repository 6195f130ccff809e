"""Issue #9, browser test 7 (the part every screen shares): each screen the
navigation leads to, in Spanish and English, as a supervisor (who also sees
Audit): no serious or critical axe violation, a keyboard walk with visible,
unobscured focus, one h1, the page's language, and a screenshot.  Screens
are found from the navigation itself, so each new one is swept the day its
link answers; screen-specific states (results, an entity) are swept by their
own tests."""

from __future__ import annotations

import pytest

LOCALES = ["en-US", "es-MX"]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_screen_of_the_navigation(web_node, new_page, login, axe, shot, tab_through, locale):
    page = new_page(locale=locale)
    login(page, web_node.user(org="US-HSI", role="supervisor"))
    links = page.locator("header nav a").evaluate_all("links => links.map(a => a.pathname)")
    assert "/" in links and "/audit" in links
    for path in dict.fromkeys(links):
        answer = page.goto(f"{web_node.url}{path}")
        assert answer.status < 500, f"{path} answered {answer.status}"
        assert page.locator("html").get_attribute("lang") == locale, path
        assert page.locator("h1").count() == 1, f"{path}: one h1"
        axe(page)
        stops = tab_through(page)
        assert stops, f"{path}: nothing reachable by keyboard"
        name = path.strip("/").replace("/", "-") or "home"
        shot(
            page, f"{name}-{locale}" if answer.status == 200 else f"{name}-{answer.status}-{locale}"
        )

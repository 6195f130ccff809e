"""The browser-test machinery itself: a real served demo node, Debian's
Chromium, axe-core offline, screenshots on disk."""

from __future__ import annotations

import json

import pytest
import webworld


def test_the_served_demo_node_answers_in_chromium(web_node, page):
    answer = page.goto(f"{web_node.url}/api/v1/health")
    assert answer.status == 200
    assert json.loads(page.inner_text("body"))  # the health document, parsed
    page.goto(f"{web_node.url}/docs")
    page.wait_for_selector(".swagger-ui")  # rendered by scripts gugus serves itself
    assert "gugus" in page.title().lower()


def test_the_demo_logins_cover_every_role_of_several_organisations(web_node):
    roles = {login["role"] for login in web_node.logins.values()}
    orgs = {login["org"] for login in web_node.logins.values()}
    assert {"analyst", "liaison", "supervisor"} <= roles
    assert len(orgs) >= 2
    assert web_node.logins[web_node.user(org="US-HSI", role="analyst")]["password"]


def test_axe_runs_offline_and_names_what_fails(web_node, page):
    page.goto(f"{web_node.url}/docs")
    page.wait_for_selector(".swagger-ui")
    results = webworld.run_axe(page)
    assert results.response["testEngine"]["name"] == "axe-core"
    assert results.response["url"].endswith("/docs")
    # A page built to fail: the check names the rule and the element.
    page.set_content('<html><body><img src="x.png"></body></html>')
    problems = webworld.failing(webworld.run_axe(page))
    assert any(line.startswith("image-alt (critical)") and "img" in line for line in problems)


def test_a_screenshot_is_written(web_node, page, shot):
    page.goto(f"{web_node.url}/docs")
    page.wait_for_selector(".swagger-ui")
    path = shot(page, "api-docs")
    assert path == webworld.SCREENS / "api-docs.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_page_watch_catches_inline_scripts_under_a_strict_csp(web_node, browser):
    """What the page fixture fails a test on: an inline script the CSP
    refuses, an uncaught script error."""
    context = browser.new_context()
    try:
        page = context.new_page()
        problems = webworld.watch(page)
        probe = f"{web_node.url}/csp-probe"
        page.route(
            probe,
            lambda route: route.fulfill(
                content_type="text/html",
                headers={"Content-Security-Policy": "script-src 'self'"},
                body="<html><body><script>document.title = 'ran'</script></body></html>",
            ),
        )
        with page.expect_console_message(lambda msg: msg.type == "error"):
            page.goto(probe)
        with page.expect_event("pageerror"):
            page.evaluate("setTimeout(() => { throw new Error('boom') }, 0)")
        assert page.title() != "ran"
        assert any("Content Security Policy" in line for line in problems), problems
        assert any("boom" in line for line in problems), problems
    finally:
        context.close()


def test_the_keyboard_walk_finds_hidden_focus(page):
    page.set_content(
        "<html lang=en><body>"
        "<div style='position:fixed;top:0;left:0;right:0;height:60px;background:#000'></div>"
        "<a href='#a' style='display:block;margin-top:20px'>under the banner</a>"
        "<button style='margin-top:100px;outline:none'>no ring</button>"
        "<a href='#b' style='display:block;margin-top:100px'>fine</a>"
        "</body></html>"
    )
    with pytest.raises(AssertionError) as caught:
        webworld.tab_through(page)
    message = str(caught.value)
    assert "'a under the banner' is covered" in message
    assert "'button no ring' has no visible focus indicator" in message
    assert "fine" not in message
    page.set_content("<html lang=en><body><a href='#a'>one</a> <button>two</button></body></html>")
    assert webworld.tab_through(page) == ["a one", "button two"]

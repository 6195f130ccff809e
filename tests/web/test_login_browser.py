"""Issue #9, browser test 1: log in, switch language, log out; CSRF; session
expiry; and the axe sweep of the login and home pages in both languages.
A real ``gugus serve`` on a demo node, driven by Chromium."""

from __future__ import annotations

import pytest
import webworld
from pageworld import csrf_of

from gugus.web.i18n import translations

ES = translations("es_MX")


def _lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def _path(page, web_node) -> str:
    return page.url.removeprefix(web_node.url)


def _csrf(page) -> str:
    return page.locator("meta[name=csrf-token]").get_attribute("content")


def test_log_in_switch_language_log_out(web_node, page, login):
    user = web_node.user(role="analyst")
    page.goto(f"{web_node.url}/")
    assert _path(page, web_node).startswith("/login")  # no session: the login page
    login(page, user)
    assert _path(page, web_node) == "/"
    assert _lang(page) == "en-US"
    assert page.get_by_role("button", name="Log out").is_visible()

    with page.expect_navigation():
        page.get_by_role("link", name="Español").click()
    assert _lang(page) == "es-MX"
    assert _path(page, web_node) == "/"
    log_out = ES.gettext("Log out")
    assert log_out != "Log out", "the catalogue has no Spanish for 'Log out'"
    assert page.get_by_role("button", name=log_out).is_visible()
    assert (
        page.get_by_role("heading", level=1)
        .inner_text()
        .startswith(ES.gettext("Welcome, %(name)s").split("%")[0])
    )
    page.goto(f"{web_node.url}/")  # remembered, whatever the browser asks for
    assert _lang(page) == "es-MX"

    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert _lang(page) == "en-US"

    token = webworld.session_token(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    assert _path(page, web_node).startswith("/login")
    assert not [c for c in page.context.cookies() if c["name"] == webworld.SESSION_COOKIE]
    page.goto(f"{web_node.url}/")
    assert _path(page, web_node).startswith("/login")
    # The session ended on the server too: its cookie, replayed, opens nothing.
    page.context.add_cookies(
        [{"name": webworld.SESSION_COOKIE, "value": token, "url": web_node.url}]
    )
    page.goto(f"{web_node.url}/")
    assert _path(page, web_node).startswith("/login")


def test_the_language_comes_from_the_browser_until_chosen(web_node, new_page):
    page = new_page(locale="es-MX")
    page.goto(f"{web_node.url}/login")
    assert _lang(page) == "es-MX"
    assert page.get_by_role("heading", level=1).inner_text() == ES.gettext("Log in")
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert _lang(page) == "en-US"
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"


def test_the_session_cookie_is_httponly_and_samesite_strict(web_node, page, login):
    login(page, web_node.user(role="liaison"))
    (cookie,) = [c for c in page.context.cookies() if c["name"] == webworld.SESSION_COOKIE]
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie").find(webworld.SESSION_COOKIE) == -1


def test_a_post_without_this_sessions_csrf_token_is_refused(web_node, page, login):
    login(page, web_node.user(role="analyst"))
    logout = f"{web_node.url}/logout"
    for kwargs in (
        {"form": {"other": "1"}},
        {"form": {"csrf": "0" * 64}},
        {"headers": {"X-CSRF-Token": "nope"}},
    ):
        refused = page.request.post(logout, max_redirects=0, **kwargs)
        assert refused.status == 403, kwargs
    page.goto(f"{web_node.url}/")
    assert _path(page, web_node) == "/"  # the refused logouts did nothing
    done = page.request.post(logout, headers={"X-CSRF-Token": _csrf(page)}, max_redirects=0)
    assert done.status == 303
    assert done.headers["location"] == "/login"


def test_a_form_posted_from_another_site_does_not_log_the_user_out(web_node, page, login):
    """A hostile page submits a form to the node: no token, and SameSite=Strict
    keeps the session cookie out of it."""
    login(page, web_node.user(role="analyst"))
    evil = "http://evil.example/"
    page.route(
        evil,
        lambda route: route.fulfill(
            content_type="text/html",
            body=f'<html lang="en"><body><form method="post" action="{web_node.url}/logout">'
            '<button type="submit">win</button></form></body></html>',
        ),
    )
    page.goto(evil)
    with page.expect_navigation():
        page.click("button")
    assert page.url.startswith(web_node.url)
    page.goto(f"{web_node.url}/")
    assert _path(page, web_node) == "/"  # still logged in


def test_the_login_form_itself_needs_its_csrf_token(web_node, page):
    user = web_node.user(role="analyst")
    page.goto(f"{web_node.url}/login")  # sets the pre-login cookie
    refused = page.request.post(
        f"{web_node.url}/login",
        form={"username": user, "password": web_node.logins[user]["password"]},
        max_redirects=0,
    )
    assert refused.status == 403
    assert not [c for c in page.context.cookies() if c["name"] == webworld.SESSION_COOKIE]


def test_an_expired_session_leads_back_to_login_and_then_to_the_page(web_node, page, login):
    user = web_node.user(role="supervisor")
    login(page, user)
    web_node.expire_session(webworld.session_token(page))
    page.goto(f"{web_node.url}/?from=expiry")
    assert _path(page, web_node).startswith("/login?next=")
    webworld.submit_login(page, web_node, user)
    assert _path(page, web_node) == "/?from=expiry"


def test_a_wrong_password_says_so_and_keeps_the_user_name(web_node, page, axe):
    user = web_node.user(role="analyst")
    page.goto(f"{web_node.url}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "not the password")
    with page.expect_navigation() as nav:
        page.click("button[type=submit]")
    assert nav.value.status == 401
    assert page.get_by_role("alert").inner_text() == "Wrong user name or password."
    assert page.input_value("input[name=username]") == user
    axe(page)


@pytest.mark.parametrize("locale", ["en-US", "es-MX"])
def test_axe_login_and_home(web_node, new_page, login, shot, axe, locale):
    page = new_page(locale=locale)
    page.goto(f"{web_node.url}/login")
    assert _lang(page) == locale
    axe(page)
    shot(page, f"login-{locale}")
    login(page, web_node.user(org="MX-FGR", role="liaison"))
    assert _lang(page) == locale
    axe(page)
    shot(page, f"home-{locale}")


def test_a_plain_http_session_logs_in_and_out_like_the_browser(web_node):
    user = web_node.user(org="US-HSI", role="analyst")
    with webworld.http_session(web_node, user) as client:
        home = client.get("/")
        assert home.status_code == 200
        assert user in home.text
        out = client.post("/logout", data={"csrf": csrf_of(home.text)})
        assert (out.status_code, out.headers["location"]) == (303, "/login")
        assert client.get("/").status_code == 303

"""The web skeleton over HTTP: login, sessions, CSRF, language, security
headers, error pages, the home page (TestClient on the API tests' world)."""

from __future__ import annotations

import re

import pytest
from apiworld import PASSWORD, build_world
from pageworld import client, csrf_of, logged_in, login, submit_login
from sqlalchemy import update

from gugus.store.tables import tokens
from gugus.web.session import SESSION_COOKIE


@pytest.fixture
def world(node):
    return build_world(node)


def test_pages_need_a_session(world):
    c = client(world.node)
    r = c.get("/?q=x", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/%3Fq%3Dx"
    r = c.get("/", headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.status_code == 204 and r.headers["HX-Redirect"].startswith("/login")


def test_login_sets_a_strict_session_cookie_and_lands_on_next(world):
    r = submit_login(client(world.node), "us_analyst", next="/search")
    assert r.status_code == 303 and r.headers["location"] == "/search"
    cookie = r.headers["set-cookie"].lower()
    assert SESSION_COOKIE in cookie
    for attr in ("httponly", "samesite=strict", "secure", "max-age=28800"):
        assert attr in cookie, attr


def test_login_refuses_a_foreign_redirect(world):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        r = submit_login(client(world.node), "us_analyst", next=target)
        assert r.headers["location"] == "/", target


def test_wrong_password_says_so_and_issues_nothing(world):
    c = client(world.node)
    form = c.get("/login")
    r = c.post(
        "/login",
        data={"username": "us_analyst", "password": "nope", "csrf": csrf_of(form.text)},
    )
    assert r.status_code == 401
    assert "Wrong user name or password." in r.text
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
    r = c.post("/login", data={"username": "ghost", "password": "x", "csrf": csrf_of(form.text)})
    assert r.status_code == 401 and "Wrong user name or password." in r.text


def test_forms_without_the_csrf_token_are_refused(world):
    c = client(world.node)
    c.get("/login")
    r = c.post("/login", data={"username": "us_analyst", "password": PASSWORD})
    assert r.status_code == 403
    assert "did not come from this site" in r.text
    assert r.headers["content-type"].startswith("text/html")
    logged = logged_in(world.node, "us_analyst")
    r = logged.post("/logout", data={"csrf": "0" * 64}, follow_redirects=False)
    assert r.status_code == 403
    assert logged.get("/", follow_redirects=False).status_code == 200  # still logged in
    # The login form's token is not the session's: a token from before login fails after it
    r = logged.post("/logout", data={"csrf": csrf_of(client(world.node).get("/login").text)})
    assert r.status_code == 403


def test_logout_revokes_the_session(world):
    c = logged_in(world.node, "us_analyst")
    token = c.cookies.get(SESSION_COOKIE)
    again = client(world.node)
    again.cookies.set(SESSION_COOKIE, token)
    assert again.get("/", follow_redirects=False).status_code == 200  # a copy of the cookie works
    home = c.get("/")
    r = c.post("/logout", data={"csrf": csrf_of(home.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert again.get("/", follow_redirects=False).status_code == 303  # ... until logout
    api = again.get("/api/v1/collections", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_an_expired_session_goes_back_to_login(world):
    c = logged_in(world.node, "us_analyst")
    assert c.get("/", follow_redirects=False).status_code == 200
    with world.node.db.writer.begin() as conn:
        conn.execute(update(tokens).values(expires_at="2000-01-01T00:00:00+00:00"))
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_a_bad_session_length_fails_at_start(world, monkeypatch):
    from gugus.api import create_app
    from gugus.errors import InvalidInput

    monkeypatch.setenv("GUGUS_WEB_SESSION_MINUTES", "forever")
    with pytest.raises(InvalidInput, match="GUGUS_WEB_SESSION_MINUTES"):
        create_app(world.node)


def test_language_from_the_browser_then_the_choice(world):
    c = client(world.node)
    r = c.get("/login", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.8"})
    assert '<html lang="es-MX">' in r.text and "Iniciar sesión" in r.text
    assert r.headers["content-language"] == "es-MX"
    r = c.get("/login", headers={"Accept-Language": "fr-FR, en;q=0.5"})
    assert '<html lang="en-US">' in r.text and "Log in" in r.text
    r = c.get("/lang/es_MX?next=/login", follow_redirects=False)
    assert r.headers["location"] == "/login"
    r = c.get("/login", headers={"Accept-Language": "en-US"})
    assert "Iniciar sesión" in r.text  # the choice wins over the browser
    r = c.get("/lang/es_MX?next=//evil.example", follow_redirects=False)
    assert r.headers["location"] == "/"


def test_every_page_carries_a_strict_csp_and_no_inline_script(world):
    c = logged_in(world.node, "mx_analyst")
    for path in ("/login", "/", "/no-such-page"):
        r = c.get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["cache-control"] == "no-store"
        assert not re.search(r"<script(?![^>]*\bsrc=)", r.text), path
        assert not re.search(r"\sstyle=|\son[a-z]+=", r.text), path
    assert "content-security-policy" not in c.get("/api/v1/health").headers


def test_htmx_is_vendored_and_pinned(world):
    r = client(world.node).get("/static/htmx.min.js")
    assert r.status_code == 200 and 'version:"2.0.11"' in r.text


def test_errors_are_pages_for_pages_and_json_for_the_api(world):
    c = logged_in(world.node, "us_analyst")
    r = c.get("/no-such-page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in r.text
    r = c.get("/api/v1/no-such-route")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_home_shows_what_the_user_may_see_only(world):
    mx = logged_in(world.node, "mx_analyst").get("/").text
    us = logged_in(world.node, "us_analyst").get("/").text
    assert "<td>gt-red</td>" in mx and "<td>mx-internal</td>" in mx
    assert "<td>mx-cases</td>" in us and "<td>us-public</td>" in us
    assert "gt-red" not in us and "mx-internal" not in us
    assert 'class="badge tlp-red">TLP:RED</span>' in mx
    assert "us_analyst (USHSI)" in us


def test_home_lists_recent_loads_of_the_own_organisation(world):
    html = logged_in(world.node, "mx_analyst").get("/").text
    loads = html.split('id="h-loads"')[1].split("</section>")[0]
    assert "mx-cases" in loads and "us-public" not in loads


def test_login_is_rate_limited(world, monkeypatch):
    monkeypatch.setenv("GUGUS_LOGIN_LIMIT_USER", "2/60")
    c = client(world.node)
    token = csrf_of(c.get("/login").text)
    codes = [
        c.post(
            "/login", data={"username": "us_analyst", "password": "bad", "csrf": token}
        ).status_code
        for _ in range(3)
    ]
    assert codes[-1] == 429, codes
    assert login(client(world.node), "mx_analyst")


def test_the_api_twin_of_recent_loads(world):
    from pageworld import client as page_client

    c = page_client(world.node)
    mx = c.get("/api/v1/loads", headers=world.headers("mx_analyst")).json()["loads"]
    us = c.get("/api/v1/loads", headers=world.headers("us_analyst")).json()["loads"]
    assert {x["collection"] for x in mx} == {"mx-cases", "mx-internal"}
    assert {x["collection"] for x in us} == {"us-public"}
    assert all(set(x) == {"time", "user", "collection", "marking"} for x in mx + us)
    gt = c.get("/api/v1/loads", headers=world.headers("gt_analyst")).json()["loads"]
    assert {x["collection"] for x in gt} == {"gt-red"}


def test_an_api_token_is_not_a_web_session(world):
    c = client(world.node)
    c.cookies.set(SESSION_COOKIE, world.tokens["us_analyst"])  # an API token in the cookie
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert c.get("/api/v1/collections", headers=world.headers("us_analyst")).status_code == 200


def test_a_post_after_the_session_ended_returns_to_its_page_after_login(world):
    c = logged_in(world.node, "us_analyst")
    token = csrf_of(c.get("/").text)
    with world.node.db.writer.begin() as conn:
        conn.execute(update(tokens).values(expires_at="2000-01-01T00:00:00+00:00"))
    r = c.post(
        "/review/judge",
        data={"csrf": token, "a": "x", "b": "y", "verdict": "same"},
        headers={"Referer": "https://testserver/review?position=2"},
        follow_redirects=False,
    )
    assert r.status_code == 303  # not back to a POST-only address (a 405 after login)
    assert r.headers["location"] == "/login?next=/review"

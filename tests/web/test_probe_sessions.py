"""Found by the outside probe of the web UI (issue 9): a second login in the
same browser, error answers under /static, a busy database on a page."""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
from apiworld import PASSWORD, build_world
from pageworld import client, csrf_of, logged_in, submit_login

from gugus.node import Node
from gugus.web.session import SESSION_COOKIE


@pytest.fixture
def world(node):
    return build_world(node)


def test_logging_in_again_ends_the_session_it_replaces(world):
    """A shared terminal: B logs in over A's live session; A's token must
    not stay valid (its cookie is only overwritten in this browser)."""
    c = logged_in(world.node, "mx_analyst")
    first = c.cookies.get(SESSION_COOKIE)
    r = submit_login(c, "us_analyst")
    assert r.status_code == 303
    assert c.cookies.get(SESSION_COOKIE) != first
    stale = client(world.node)
    stale.cookies.set(SESSION_COOKIE, first)
    r = stale.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_a_failed_login_keeps_the_session_it_would_replace(world):
    c = logged_in(world.node, "mx_analyst")
    r = submit_login(c, "us_analyst", password="wrong")
    assert r.status_code == 401
    assert c.get("/", follow_redirects=False).status_code == 200


def test_error_pages_under_static_are_not_stored(world):
    """An HTML 404 under /static carries the session's CSRF token: no
    cache may keep it (files that exist stay cacheable)."""
    c = logged_in(world.node, "mx_analyst")
    for path in ("/static/nope.js", "/static/%2e%2e/session.py"):
        r = c.get(path)
        assert r.status_code == 404
        assert r.headers["cache-control"] == "no-store", path
    assert "cache-control" not in c.get("/static/gugus.js").headers


def test_a_busy_database_answers_a_503_page(tmp_path, monkeypatch):
    """Another writer holds SQLite's lock: a page that must write (login
    issues a session) answers an HTML 503 with Retry-After, not the API's
    JSON envelope."""
    db = tmp_path / "gugus.db"
    world_node = Node(str(db))
    world_node.db.migrate()
    build_world(world_node)
    world_node.close()
    monkeypatch.setenv("GUGUS_BUSY_TIMEOUT", "0.5")
    node = Node(str(db))
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        c = client(node)
        form = c.get("/login")
        holder.execute("BEGIN EXCLUSIVE")
        r = c.post(
            "/login",
            data={"username": "mx_analyst", "password": PASSWORD, "csrf": csrf_of(form.text)},
            follow_redirects=False,
        )
        assert r.status_code == 503
        assert r.headers["content-type"].startswith("text/html")
        assert int(r.headers["retry-after"]) > 0
        assert "<h1>" in r.text and "Traceback" not in r.text
        assert "content-security-policy" in r.headers
    finally:
        holder.close()
        node.close()


def test_a_client_that_hangs_up_mid_upload_is_not_an_internal_error(world, caplog):
    """A browser closing the tab during an upload: nothing to answer, and
    not logged as a bug with a traceback."""

    c = logged_in(world.node, "mx_analyst")
    token = c.cookies.get(SESSION_COOKIE)
    csrf = csrf_of(c.get("/load").text)
    app = c.app
    head = (
        b'--B\r\nContent-Disposition: form-data; name="collection"\r\n\r\nmx-cases\r\n'
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n'
    )
    messages = iter(
        [
            {"type": "http.request", "body": head, "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    sent = []

    async def receive():
        return next(messages, {"type": "http.disconnect"})

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": "/load",
        "raw_path": b"/load",
        "root_path": "",
        "query_string": b"",
        "server": ("testserver", 443),
        "client": ("127.0.0.1", 5000),
        "headers": [
            (b"host", b"testserver"),
            (b"cookie", f"{SESSION_COOKIE}={token}".encode()),
            (b"x-csrf-token", csrf.encode()),
            (b"content-type", b"multipart/form-data; boundary=B"),
            (b"content-length", b"100000"),
        ],
    }
    caplog.set_level("INFO", logger="gugus.api")
    # In a thread of its own: after the browser tests, Playwright's sync API
    # leaves an event loop running in this thread (asyncio.run would refuse).
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
    assert not any(m.get("status") == 500 for m in sent)

"""Page tests over HTTP (FastAPI's TestClient) on the API tests' world
(tests/apiworld.py): log in through the form, as a browser does."""

from __future__ import annotations

import re
import warnings

from apiworld import PASSWORD

from gugus.api import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # see tests/api/conftest.py
    from fastapi.testclient import TestClient

CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def client(node, **kwargs) -> TestClient:
    # base_url https: the session cookie is Secure over TLS; the client must send it back
    return TestClient(create_app(node), base_url="https://testserver", **kwargs)


def submit_login(c: TestClient, username: str, password: str = PASSWORD, **fields):
    """Fill and send the login form as a browser does; the raw answer."""
    form = c.get("/login")
    data = {"username": username, "password": password, "csrf": csrf_of(form.text), **fields}
    return c.post("/login", data=data, follow_redirects=False)


def login(c: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    """Log ``c`` in through the login form; returns it."""
    r = submit_login(c, username, password)
    assert r.status_code == 303, r.text[:300]
    return c


def logged_in(node, username: str, **kwargs) -> TestClient:
    return login(client(node, **kwargs), username)

"""The leak property through the web pages: a logged-in session per user of a
leak world (tests/leakworld.py).  Each screen's page-leak test uses it."""

from __future__ import annotations

import re
import warnings

from gugus.api import create_app
from gugus.auth import issue_token
from gugus.web.session import SESSION_COOKIE

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # see tests/api/conftest.py
    from fastapi.testclient import TestClient

# A page-leak test runs this share of the profile's examples, at least 10
# worlds per backend (CI's 100 // 25 = 4 and dev's 60 // 25 = 2 both give 10): the service-level leak tests carry
# the depth (every rule, every read path); the page tests guard that a route
# renders no more than its service returned, which each world checks for
# every user, entity and word.  Measured: ~1-3 s a world per page test.
PAGE_SHARE = 25

CELL = re.compile(r"<td>([^<]*)</td>")


def session_client(node, username: str) -> TestClient:
    """A client holding a web session of ``username`` (a real session token,
    as the login form issues)."""
    token, _ = issue_token(node, node.reader(username), days=1, label="web")
    c = TestClient(create_app(node), base_url="https://testserver")
    c.cookies.set(SESSION_COOKIE, token)
    return c


def cells(html: str) -> set[str]:
    return set(CELL.findall(html))

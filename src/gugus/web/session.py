"""Web sessions and CSRF.

A session is a gugus token (:mod:`gugus.auth`: random, stored hashed,
expiring, revocable, audited when issued and revoked) held in an HttpOnly,
SameSite=Strict cookie — Secure when the page is served over TLS.  Every page
checks it against the database, so logout, a disabled user or an expired
session stop it at once.

CSRF: every form and htmx request carries a token derived from the session
cookie (HMAC), which a page of another site can neither read nor compute;
before login, from a random login cookie."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request

from gugus import auth
from gugus.access import Reader
from gugus.errors import AuthError, Forbidden, InvalidInput, Msg

SESSION_COOKIE = "gugus_session"
LOGIN_COOKIE = "gugus_login"
DEFAULT_MINUTES = 480  # one working day
MAX_MINUTES = 7 * 24 * 60


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__("login required")
        self.next_path = next_path


def session_minutes() -> int:
    raw = os.environ.get("GUGUS_WEB_SESSION_MINUTES", str(DEFAULT_MINUTES)).strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_MINUTES:
        raise InvalidInput(
            f"GUGUS_WEB_SESSION_MINUTES: a whole number of minutes from 1 to {MAX_MINUTES}"
        )
    return int(raw)


def csrf_for(secret: str) -> str:
    return hmac.new(secret.encode(), b"gugus-csrf", hashlib.sha256).hexdigest()


def login_secret(request: Request) -> str:
    """The pre-login cookie's value (a new one when missing: set by the page)."""
    value = request.cookies.get(LOGIN_COOKIE)
    if not value or len(value) > 100:
        value = secrets.token_urlsafe(24)
        request.state.new_login_cookie = value
    return value


def local_path(value: str | None, default: str = "/") -> str:
    """A redirect target on this site only (no scheme, no //host)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value[:2000]


def page_reader(request: Request) -> Reader:
    """The logged-in reader, checked against the database on every page."""
    token = request.cookies.get(SESSION_COOKIE)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":  # after login, back to the page the form was on, not to a POST
        target = local_path(urlsplit(request.headers.get("referer", "")).path or "/")
    if not token:
        raise LoginRequired(target)
    try:
        reader = auth.reader_for_token(request.app.state.node, token, label=auth.WEB_SESSION)
    except AuthError:
        raise LoginRequired(target) from None
    request.state.user = reader
    request.state.csrf = csrf_for(token)
    return reader


async def csrf_checked(request: Request) -> None:
    """Refuse a state-changing request without this session's CSRF token."""
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.method == "POST":
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = (await request.form()).get("csrf")
    check_csrf(request, sent)


def check_csrf(request: Request, sent) -> None:
    """Refuse ``sent`` unless it is this session's CSRF token (for a route
    that reads its own body, as the load page's bounded upload does)."""
    secret = request.cookies.get(SESSION_COOKIE) or request.cookies.get(LOGIN_COOKIE)
    if not secret or not isinstance(sent, str) or not hmac.compare_digest(sent, csrf_for(secret)):
        raise Forbidden(
            Msg(
                "this form has expired or did not come from this site: reload the page and try again"
            )
        )


def login_redirect(next_path: str) -> str:
    return "/login?next=" + quote(local_path(next_path), safe="/")


PageReader = Annotated[Reader, Depends(page_reader)]
CsrfChecked = Annotated[None, Depends(csrf_checked)]

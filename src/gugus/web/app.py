"""Mount the web UI on the FastAPI application: pages, static files, the
language of each request, security headers, HTML error pages."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from gugus import ratelimit
from gugus.errors import Msg, translated
from gugus.web import i18n
from gugus.web.messages import http_message, validation_message
from gugus.web.pages import ROUTERS
from gugus.web.render import page
from gugus.web.session import LoginRequired, login_redirect, session_minutes

STATIC = Path(__file__).with_name("static")
API_PREFIXES = ("/api/", "/docs", "/redoc", "/openapi.json")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # no address ever leaves the node; a form post may return to its page after login
    "Cache-Control": "no-store",
}


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES)


def error_page(request: Request, status: int, message: str) -> Response:
    """An error on a page route, as a page (the API keeps its JSON envelope);
    a :class:`gugus.errors.Msg` message in the page's language."""
    gettext = i18n.translator(request).gettext
    headings = {
        400: gettext("This request cannot be answered"),
        403: gettext("Not allowed"),
        404: gettext("Not found"),
        405: gettext("Not allowed"),
        413: gettext("Too large"),
        429: gettext("Too many requests"),
        503: gettext("Busy: try again in a moment"),
    }
    heading = headings.get(status, gettext("Something went wrong"))
    if status >= 500 and not isinstance(message, Msg):  # an operator's matter, in English
        message = gettext("The server could not answer; the fault is logged. Try again later.")
    message = translated(message, gettext)
    return page(request, "error.html", status=status, heading=heading, message=message)


def _pages_first(app: FastAPI, exc_class, page_message) -> None:
    """Pages answer ``exc_class`` with an error page whose message
    ``page_message(exc)`` (a Msg) is in the page's language; the API keeps
    the application's handler (its JSON envelope, in English)."""
    api_handler = app.exception_handlers[exc_class]

    async def handler(request: Request, exc) -> Response:
        if is_page(request):
            status = getattr(exc, "status_code", 400)
            response = error_page(request, status, page_message(exc))
            response.headers.update(exc_headers(exc))
            return response
        return await api_handler(request, exc)

    app.add_exception_handler(exc_class, handler)


def exc_headers(exc) -> dict:
    return {k: v for k, v in (getattr(exc, "headers", None) or {}).items() if k.lower() == "allow"}


def _path_only(headers: list) -> list:
    """A redirect's ``location`` as a path on this site: Starlette builds its
    trailing-slash redirects from the Host header, which a client may forge."""
    out = []
    for key, value in headers:
        if key.lower() == b"location":
            target = urlsplit(value.decode("latin-1"))
            if target.scheme or target.netloc:
                path = "/" + target.path.lstrip("/")  # never //host
                value = (path + (f"?{target.query}" if target.query else "")).encode("latin-1")
        out.append((key, value))
    return out


class PageRequests:
    """Pure ASGI (the API's hot routes pay almost nothing): the request's
    language for pages, and the security headers on every page answer.

    With several worker processes (``gugus serve --workers N``) a page
    answer also closes its connection.  A kept-alive connection stays with
    the worker that accepted it, and the kernel hands new connections to
    whichever worker wakes first, not to the idle one: 10 browser sessions
    were measured split 8 / 2 (one worker's CPU 15.0 s against 24.4 s for
    the same pages), so a page waited for eight sessions on one core while
    the other core idled.  A new connection per page goes to a worker ready
    to accept it (measured 16.6 / 16.4 s): what a reverse proxy without
    upstream keep-alive does anyway.  Static files and the API keep their
    connections (cheap answers; API clients keep theirs)."""

    def __init__(self, app) -> None:
        self.app = app
        self.one_page_per_connection = ratelimit.serving_workers() > 1

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(API_PREFIXES):
            return await self.app(scope, receive, send)
        request = Request(scope)
        lang = i18n.choose(request.cookies.get(i18n.COOKIE), request.headers.get("accept-language"))
        scope.setdefault("state", {})["lang"] = lang
        extra = [(k.lower().encode(), v.encode()) for k, v in PAGE_HEADERS.items()]
        static = path.startswith("/static/")
        extra.append((b"content-language", i18n.html_lang(lang).encode()))
        if self.one_page_per_connection and not static:
            extra.append((b"connection", b"close"))

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                if 300 <= message["status"] < 400:
                    message["headers"] = _path_only(message.get("headers", []))
                present = {k.lower() for k, _ in message.get("headers", [])}
                # Static files may be cached; an error page under /static
                # (it carries the session's CSRF token) may not.
                cacheable = static and message["status"] < 400
                message["headers"] = list(message.get("headers", [])) + [
                    h
                    for h in extra
                    if h[0] not in present and not (cacheable and h[0] == b"cache-control")
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


def mount(app: FastAPI) -> None:
    session_minutes()  # a bad GUGUS_WEB_SESSION_MINUTES fails at start, not at login

    app.add_middleware(PageRequests)
    _pages_first(app, RequestValidationError, validation_message)
    _pages_first(app, StarletteHTTPException, http_message)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        target = login_redirect(exc.next_path)
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)

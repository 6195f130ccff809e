"""Log in, log out, choose the language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from gugus import auth
from gugus.errors import AuthError
from gugus.ratelimit import RateLimited
from gugus.web import i18n
from gugus.web.render import page
from gugus.web.session import (
    SESSION_COOKIE,
    CsrfChecked,
    local_path,
    session_minutes,
)

router = APIRouter(include_in_schema=False)
YEAR = 365 * 24 * 3600


@router.get("/login")
def login_form(request: Request, next: str | None = None):  # noqa: A002 - the query's name
    return page(request, "login.html", next_path=local_path(next))


@router.post("/login")
async def login(
    request: Request,
    csrf: CsrfChecked,
    username: Annotated[str, Form(max_length=128)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",  # noqa: A002 - the form field's name
):
    gettext = i18n.translator(request).gettext
    node = request.app.state.node
    target = local_path(next)
    if not username or not password:
        error, status = gettext("Enter your user name and password."), 400
    else:
        try:
            attempt = request.app.state.login_limiter.attempt(
                request.client.host if request.client else None, username
            )
            reader = await run_in_threadpool(auth.check_password, node, username, password)
            attempt.succeeded()
            minutes = session_minutes()
            token, _expires = await run_in_threadpool(
                auth.issue_token, node, reader, days=minutes / 1440, label=auth.WEB_SESSION
            )
            replaced = request.cookies.get(SESSION_COOKIE)
            if replaced:  # a shared browser: the session this login replaces ends
                await run_in_threadpool(auth.end_session, node, replaced)
        except AuthError:
            error, status = gettext("Wrong user name or password."), 401
        except RateLimited as exc:
            error = gettext("Too many attempts: wait %(seconds)s seconds and try again.") % {
                "seconds": int(exc.retry_after) + 1
            }
            status = 429
        else:
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(
                SESSION_COOKIE,
                token,
                max_age=minutes * 60,
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
                path="/",
            )
            return response
    return page(
        request, "login.html", status=status, error=error, username=username, next_path=target
    )


@router.post("/logout")
async def logout(request: Request, csrf: CsrfChecked):
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(auth.end_session, request.app.state.node, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{lang}")
def choose_language(request: Request, lang: str, next: str | None = None):  # noqa: A002
    """Remember the language (a preference, not data: a plain link)."""
    response = RedirectResponse(local_path(next), status_code=303)
    if lang in i18n.LANGUAGES:
        response.set_cookie(
            i18n.COOKIE, lang, max_age=YEAR, samesite="lax", httponly=True, path="/"
        )
    return response

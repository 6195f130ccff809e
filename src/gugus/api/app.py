"""The FastAPI application: one error envelope, offline docs, the routers."""

from __future__ import annotations

import logging
import os
import traceback

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

import gugus
from gugus import auth, shared_results
from gugus.api import entity_routes, overview_routes, routes, serving, xref_routes
from gugus.api import match as match_routes
from gugus.api.responses import drop_validation_422
from gugus.api.turns import RequestTurns
from gugus.errors import GugusError
from gugus.node import Node
from gugus.ratelimit import LoginLimiter
from gugus.store.faults import translate
from gugus.web import app as web

log = logging.getLogger("gugus.api")


def error_response(
    status: int, code: str, message: str, details: list | None = None, headers: dict | None = None
) -> JSONResponse:
    body: dict = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, headers=headers or None)


def retry_headers(exc: GugusError) -> dict:
    """Busy or full storage: when to try again (``Retry-After``)."""
    retry = getattr(exc, "retry_after", None)
    return {"Retry-After": str(retry)} if retry else {}


def gugus_error_response(exc: GugusError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, exc.details, retry_headers(exc))


class StorageFaults:
    """Every failure that is not a GugusError becomes an answer in the one
    envelope — busy or unreachable storage 503 with Retry-After, a full disk
    507, anything else 500 — instead of reaching Starlette's last-resort
    handler, which re-raises and makes uvicorn drop the (keep-alive)
    connection.  Logged without the exception's message: driver messages may
    quote stored values."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def watch(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except ClientDisconnect:  # the client hung up (mid-upload): nobody to answer
            log.info("%s %s: the client disconnected", scope.get("method"), scope.get("path"))
            return
        except Exception as exc:
            error = translate(exc)
            if type(error) is GugusError:  # not a known storage state: a bug
                where = "".join(traceback.format_tb(exc.__traceback__))
                log.error("unexpected %s (message withheld)\n%s", type(exc).__name__, where)
                response = error_response(
                    500, "internal_error", "internal error (logged on the server)"
                )
            else:
                log.warning("%s %s: %s", scope.get("method"), scope.get("path"), error.message)
                response = gugus_error_response(error)
            if started:  # a streamed answer was cut short: only closing can say so
                raise
            request = Request(scope)
            if web.is_page(request):  # a page answers a page, with the same status
                status = response.status_code
                message = error.message if status != 500 else "internal error"
                page = web.error_page(request, status, message)
                page.headers.update(
                    {k: v for k, v in response.headers.items() if k == "retry-after"}
                )
                response = page
            await response(scope, receive, send)


def create_app(node: Node) -> FastAPIOffline:
    # FastAPIOffline serves the Swagger UI / ReDoc assets from its wheel (no CDN).
    app = FastAPIOffline(
        title="gugus",
        version=gugus.__version__,
        description="Enforced information sharing for joint task forces against human trafficking.",
    )
    app.state.node = node
    app.state.login_limiter = LoginLimiter.from_env()  # a bad GUGUS_LOGIN_LIMIT_* fails here
    auth.warm_up()

    @app.exception_handler(GugusError)
    async def _gugus_error(request: Request, exc: GugusError) -> Response:
        if web.is_page(request):
            page = web.error_page(request, exc.status, exc.message)
            page.headers.update(retry_headers(exc))
            return page
        return gugus_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg", "")}
            for err in exc.errors()
        ]
        first = details[0] if details else {"field": "?", "message": "invalid request"}
        if web.is_page(request):
            return web.error_page(request, 400, f"{first['field']}: {first['message']}")
        return error_response(
            400, "invalid_input", f"{first['field']}: {first['message']}", details
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if web.is_page(request):
            return web.error_page(request, exc.status_code, str(exc.detail))
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
            exc.status_code, "error"
        )
        return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected %s (message withheld)", type(exc).__name__)
        return error_response(500, "internal_error", "internal error (logged on the server)")

    app.add_middleware(RequestTurns)  # inside StorageFaults: a wait too long answers 503
    app.add_middleware(StorageFaults)
    app.include_router(routes.router)
    app.include_router(match_routes.router)
    app.include_router(xref_routes.router)
    app.include_router(overview_routes.router)
    app.include_router(entity_routes.router)
    web.mount(app)  # pages under /, after the API: /api/v1 answers first
    openapi = app.openapi  # builds the schema once and caches it in app.openapi_schema
    app.openapi = lambda: app.openapi_schema or drop_validation_422(openapi())
    return app


def app_from_env() -> FastAPIOffline:
    """Factory for multi-process serving: each worker opens the database named
    by ``GUGUS_DB``."""
    node = Node.open(None)
    if os.environ.get(shared_results.ENV):
        node.share_results()
    app = create_app(node)
    serving.settle()
    return app

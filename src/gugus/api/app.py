"""The FastAPI application: one error envelope, offline docs, the routers."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

import gugus
from gugus import auth
from gugus.api import routes
from gugus.api.responses import drop_validation_422
from gugus.errors import GugusError
from gugus.node import Node
from gugus.ratelimit import LoginLimiter

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
    async def _gugus_error(_request: Request, exc: GugusError) -> JSONResponse:
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        return error_response(exc.status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg", "")}
            for err in exc.errors()
        ]
        first = details[0] if details else {"field": "?", "message": "invalid request"}
        return error_response(
            400, "invalid_input", f"{first['field']}: {first['message']}", details
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
            exc.status_code, "error"
        )
        return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=exc)
        return error_response(500, "internal_error", "internal error (logged on the server)")

    app.include_router(routes.router)
    openapi = app.openapi  # builds the schema once and caches it in app.openapi_schema
    app.openapi = lambda: app.openapi_schema or drop_validation_422(openapi())
    return app


def app_from_env() -> FastAPIOffline:
    """Factory for multi-process serving: each worker opens the database named
    by ``GUGUS_DB``."""
    return create_app(Node.open(None))

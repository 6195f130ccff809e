"""What the API answers besides success, declared in the OpenAPI schema.

Every failure is the one error envelope (``gugus.api.app.error_response``);
each route declares the statuses it can answer, so a client generated from
``/openapi.json`` (and the schemathesis run in the tests) knows them all.
Invalid input is 400 with the envelope, never FastAPI's 422 shape.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response


class JSONBody(Response):
    """A JSON answer rendered with orjson (compact UTF-8, like JSONResponse).

    The read routes return it themselves: FastAPI then neither validates
    nor re-encodes their dict (for a plain ``def`` route, validation is one
    more hand-over to the thread pool per request).  The route declares its
    schema with ``response_model``."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=jsonable_encoder, option=orjson.OPT_NON_STR_KEYS)


class ErrorBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorEnvelope(BaseModel):
    """``{"error": {"code", "message", "details"?}}`` and nothing else."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorBody


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"]
    expires_at: str


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
_DESCRIPTIONS = {
    400: "Invalid input: the message names the parameter, field or line.",
    401: "Missing, invalid, expired or revoked token, disabled user, or wrong user name or password.",
    403: "Authenticated, but this role or organisation may not do this.",
    404: "Not found, or not visible to you (the same answer).",
    429: "Too many attempts: logins (per client address, user name or node), match queries (per user).",
    503: "The database is busy or unavailable; try again.",
    507: "The disk holding the database is full.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, each the error envelope."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        out[status] = {"model": ErrorEnvelope, "description": _DESCRIPTIONS[status]}
        if status in (429, 503):
            out[status]["headers"] = _RETRY_AFTER
    return out


def drop_validation_422(schema: dict) -> dict:
    """Remove FastAPI's automatic 422 responses and their schemas (the API
    answers invalid input with 400 and the envelope, declared per route)."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            operation.get("responses", {}).pop("422", None)
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    return schema

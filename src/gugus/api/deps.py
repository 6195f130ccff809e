"""Request dependencies: the node and the authenticated reader.

FastAPI runs a plain ``def`` dependency in its thread pool, one hand-over
per dependency and request: those that only read the request are ``async``
(no I/O, run on the event loop); the token lookup reads the database and
stays a ``def``."""

from __future__ import annotations

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gugus.access import Reader
from gugus.auth import reader_for_token
from gugus.errors import AuthError
from gugus.node import Node

_bearer = HTTPBearer(auto_error=False)


async def get_node(request: Request) -> Node:
    return request.app.state.node


async def get_token(
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> str:
    """The bearer token as sent, not yet checked."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthError("missing bearer token (POST /api/v1/token first)")
    return credentials.credentials


def get_reader(node: Node = Depends(get_node), token: str = Depends(get_token)) -> Reader:
    """The token's user, checked against the database on every request (a
    revoked token or a disabled user stops working at once)."""
    return reader_for_token(node, token)


async def get_purpose(
    x_gugus_purpose: str | None = Header(default=None, max_length=500),
) -> str | None:
    """Why the data is read: stored in the audit log with every read."""
    return x_gugus_purpose

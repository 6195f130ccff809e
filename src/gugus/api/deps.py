"""Request dependencies: the node and the authenticated reader."""

from __future__ import annotations

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gugus.access import Reader
from gugus.auth import reader_for_token
from gugus.errors import AuthError
from gugus.node import Node

_bearer = HTTPBearer(auto_error=False)


def get_node(request: Request) -> Node:
    return request.app.state.node


def get_reader(
    node: Node = Depends(get_node),
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> Reader:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthError("missing bearer token (POST /api/v1/token first)")
    return reader_for_token(node, credentials.credentials)


def get_purpose(x_gugus_purpose: str | None = Header(default=None, max_length=500)) -> str | None:
    """Why the data is read: stored in the audit log with every read."""
    return x_gugus_purpose

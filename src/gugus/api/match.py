"""Routes of the online match and hit notices (/api/v1/match, /api/v1/notices).
Each parses, calls one service, renders."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from gugus.access import Reader
from gugus.api import models as m
from gugus.api.deps import get_node, get_purpose, get_reader
from gugus.api.models import ok
from gugus.api.responses import errors
from gugus.node import Node
from gugus.share import notices
from gugus.xref import match as match_service

router = APIRouter(prefix="/api/v1", responses=errors(503, 507))
NodeDep = Annotated[Node, Depends(get_node)]
ReaderDep = Annotated[Reader, Depends(get_reader)]
PurposeDep = Annotated[str | None, Depends(get_purpose)]

_EXAMPLE = {
    "queries": {
        "q1": {
            "schema": "Person",
            "properties": {"name": ["María García"], "birthDate": ["1980-03-04"]},
        }
    }
}


@router.post(
    "/match",
    response_model=None,
    responses={
        **ok(m.MatchAnswer, "Scored results and hit notices, by query key."),
        **errors(400, 401, 429),
    },
)
def match(
    node: NodeDep,
    reader: ReaderDep,
    purpose: PurposeDep,
    body: Annotated[dict[str, Any], Body(examples=[_EXAMPLE])],
    limit: Annotated[int, Query(ge=1, le=match_service.MAX_LIMIT)] = match_service.DEFAULT_LIMIT,
) -> dict:
    """Match entities against the node, shaped like yente's ``/match``:
    ``responses`` by query key with scored ``results`` (only from what you may
    see, each with its ``features`` and ``explanation``) and ``notices`` —
    hit notices for records you may not see (kind, holder, contact,
    reference; never content).  Rate-limited per user (429)."""
    return match_service.match(node, reader, body, limit=limit, purpose=purpose)


@router.get(
    "/notices",
    response_model=None,
    responses={**ok(m.Notices, "Hit notices out and in."), **errors(400, 401)},
)
def list_notices(
    node: NodeDep,
    reader: ReaderDep,
    direction: Annotated[str, Query(pattern="^(in|out|all)$")] = "all",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict:
    """Hit notices: ``out`` — hits on your (your organisation's, for liaison
    officers and supervisors) queries and records, with the holder's contact
    point; ``in`` — mirror notices about your organisation's records
    (liaison officers and supervisors), with the requester's contact point."""
    return notices.list_notices(node, reader, direction=direction, limit=limit)

"""Routes of what the web UI's home page shows besides the existing reads:
the recent loads of the caller's organisation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from gugus import overview
from gugus.access import Reader
from gugus.api.deps import get_node, get_reader
from gugus.api.responses import errors
from gugus.node import Node

router = APIRouter(prefix="/api/v1", responses=errors(503, 507))


class Load(BaseModel):
    time: str
    user: str | None
    collection: str
    marking: dict


class Loads(BaseModel):
    loads: list[Load]


@router.get("/loads", responses=errors(400, 401))
def recent_loads(
    node: Annotated[Node, Depends(get_node)],
    reader: Annotated[Reader, Depends(get_reader)],
    limit: Annotated[int, Query(ge=1, le=overview.MAX_LOADS)] = 10,
) -> Loads:
    """The latest loads into your organisation's collections that you may see:
    when, by whom, into which collection (with its marking).  No counts: a
    load's counts may include values you may not see."""
    return Loads(loads=overview.recent_loads(node, reader, limit=limit))

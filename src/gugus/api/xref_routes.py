"""Routes of /api/v1/xref: start a cross-referencing run, read its status and
pairs.  Thin: parse, call :mod:`gugus.xref.runs`, render."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, FastAPI, Query
from pydantic import BaseModel, Field

from gugus.access import Reader
from gugus.api import models as m
from gugus.api.deps import get_node, get_purpose, get_reader
from gugus.api.models import ok
from gugus.api.responses import errors
from gugus.node import Node
from gugus.xref import queue, runs
from gugus.xref.selectors import DEFAULT_CAP

log = logging.getLogger(__name__)


@asynccontextmanager
async def recover_runs(app: FastAPI):
    """When the server opens the node: runs left "running" by a process that
    is gone (the server killed mid-run) are marked failed (each worker checks;
    a sibling's live run is left alone)."""
    try:
        await to_thread.run_sync(runs.recover, app.state.node)
    except Exception as exc:  # noqa: BLE001 - serving goes on; a status read tries again
        log.warning("xref: recovering interrupted runs failed (%s)", type(exc).__name__)
    yield


router = APIRouter(prefix="/api/v1", responses=errors(503, 507), lifespan=recover_runs)
NodeDep = Annotated[Node, Depends(get_node)]
ReaderDep = Annotated[Reader, Depends(get_reader)]
PurposeDep = Annotated[str | None, Depends(get_purpose)]


class XrefRequest(BaseModel):
    collections: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        default_factory=list, max_length=200
    )
    engine: str = "duckdb"
    retrain: bool = False
    cap: int = Field(default=DEFAULT_CAP, ge=2, le=10_000)


@router.post(
    "/xref",
    status_code=202,
    response_model=None,
    responses={**ok(m.XrefRun, "The run, queued.", 202), **errors(400, 401, 404)},
)
def start_xref(
    node: NodeDep, reader: ReaderDep, purpose: PurposeDep, body: XrefRequest | None = None
) -> dict:
    """Start a run over the collections (default: every collection you may
    read).  It runs in the background on the server; poll
    ``GET /api/v1/xref/{run}``."""
    body = body or XrefRequest()
    return runs.start(
        node,
        reader,
        body.collections,
        engine_name=body.engine,
        background=True,
        retrain=body.retrain,
        cap=body.cap,
        purpose=purpose,
    )


@router.get(
    "/xref/review",
    response_model=None,
    responses={**ok(m.XrefReview, "Pairs waiting for your judgement."), **errors(400, 401)},
)
def xref_review(
    node: NodeDep,
    reader: ReaderDep,
    purpose: PurposeDep,
    limit: Annotated[int, Query(ge=1, le=runs.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    """Pairs of the latest finished run that you may see and still have to
    judge, most probable first."""
    return runs.review(node, reader, limit=limit, offset=offset, purpose=purpose)


@router.get(
    "/xref/review/pair",
    response_model=None,
    responses={**ok(m.ReviewPair, "The pair at that position, side by side."), **errors(400, 401)},
)
def xref_review_pair(
    node: NodeDep,
    reader: ReaderDep,
    purpose: PurposeDep,
    position: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict:
    """The review screen's pair: the one at ``position`` of your queue (0:
    the first still to decide; past the end it wraps), with both entities
    side by side as you may see them (each value with its collection,
    origin and marking) and the explanation per field in words.  ``total``:
    the pairs waiting; ``pair`` is null when none does.  Judge it with
    ``POST /api/v1/judgements``."""
    return queue.review_pair(node, reader, position=position, purpose=purpose)


@router.get(
    "/xref/review/count",
    response_model=None,
    responses={**ok(m.ReviewCount, "How many pairs wait for you."), **errors(401)},
)
def xref_review_count(node: NodeDep, reader: ReaderDep) -> dict:
    """How many pairs wait for your judgement (only pairs you may see)."""
    return {"count": queue.review_count(node, reader)}


@router.get(
    "/xref/{run_id}",
    response_model=None,
    responses={**ok(m.XrefStatus, "The run and a page of its pairs."), **errors(400, 401, 404)},
)
def xref_status(
    node: NodeDep,
    reader: ReaderDep,
    purpose: PurposeDep,
    run_id: int,
    limit: Annotated[int, Query(ge=1, le=runs.MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    min_probability: Annotated[float | None, Query(ge=0, le=1)] = None,
) -> dict:
    """A run's status and the page of its pairs you may see, most probable first."""
    return runs.status(
        node,
        reader,
        run_id,
        limit=limit,
        offset=offset,
        min_probability=min_probability,
        purpose=purpose,
    )

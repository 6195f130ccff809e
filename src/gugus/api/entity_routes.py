"""Routes of the entity page's parts: an entity's relationships and what it
is possibly the same as.  Thin: parse, call :mod:`gugus.relations` or
:mod:`gugus.xref.same_as`, render."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from gugus import relations
from gugus.access import Reader
from gugus.api.deps import get_node, get_purpose, get_reader
from gugus.api.responses import JSONBody, errors
from gugus.node import Node
from gugus.xref import same_as

router = APIRouter(prefix="/api/v1", responses=errors(503, 507))
NodeDep = Annotated[Node, Depends(get_node)]
ReaderDep = Annotated[Reader, Depends(get_reader)]
PurposeDep = Annotated[str | None, Depends(get_purpose)]


class MarkingView(BaseModel):
    """A TLP 2.0 marking as stored."""

    tlp: Literal["clear", "green", "amber", "amber+strict", "red"]
    handling: list[str]
    handling_text: str | None
    release_to: list[str]
    recipients: list[str]
    originator: str | None
    purpose: str | None


class EntityRef(BaseModel):
    """An entity as a relationship or pair shows it: id (as search shows it,
    canonical for a resolved entity), schema, caption from its visible
    caption values, and the most restrictive marking of those."""

    id: str
    schema_: str = Field(alias="schema")
    caption: str
    marking: MarkingView


class Relationship(BaseModel):
    direction: Literal["in", "out"] | None = Field(
        description="out: this entity names the other (or is the link's source); "
        "in: the other names it (or it is the link's target); null: no direction."
    )
    via: list[str] = Field(description="The properties through which this entity is named.")
    other_via: list[str] = Field(description="The link's properties naming the other end.")
    link: EntityRef | None = Field(description="The interval between (Payment, Family, Mention …).")
    other: EntityRef
    marking: MarkingView = Field(description="The most restrictive of every statement shown.")


class RelationshipsResponse(BaseModel):
    entity: str
    limit: int
    offset: int
    more: bool = Field(description="Whether a next page exists (offset + limit).")
    relationships: list[Relationship]


class SameAsPair(BaseModel):
    left: str
    right: str
    other: EntityRef
    merged: bool = Field(description="Both ends are already one resolved entity for you.")
    run: int
    schema_: str = Field(alias="schema")
    probability: float
    kind: str
    explanation: dict[str, Any] = Field(
        description="Per field: the level that fired and its weight."
    )
    judgement: Literal["same", "different", "unsure"] | None
    marking: MarkingView


class NoticeOut(BaseModel):
    reference: str
    kind: str
    what: str
    holder: str
    contact: str
    time: str
    message: str
    count: int
    last: str


class NoticeRecord(BaseModel):
    entity_id: str
    collection: str


class NoticeIn(BaseModel):
    reference: str
    kind: str
    what: str
    requester: str
    time: str
    last: str
    count: int
    records: list[NoticeRecord]


class EntityNotices(BaseModel):
    out: list[NoticeOut] = Field(description="Others hold a record matching this one.")
    in_: list[NoticeIn] = Field(
        alias="in", description="Mirror notices on this record (liaison officers, supervisors)."
    )


class SameAsResponse(BaseModel):
    entity: str
    limit: int
    pairs: list[SameAsPair]
    notices: EntityNotices


@router.get(
    "/entities/{entity_id}/relationships",
    response_model=RelationshipsResponse,
    responses=errors(400, 401, 404),
)
def entity_relationships(
    node: NodeDep,
    reader: ReaderDep,
    purpose: PurposeDep,
    entity_id: str,
    limit: Annotated[int, Query(ge=1, le=relations.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=relations.MAX_OFFSET)] = 0,
) -> JSONBody:
    """An entity's relationships as you may see them: payments, family,
    associates, ownership, memberships, identity documents, mentions in
    documents, events and trips, through the link between when there is one.
    A relationship whose other end you may not see is left out entirely.
    A canonical (``gc-…``) id has the relationships of every member."""
    return JSONBody(
        relations.relationships(
            node, reader, entity_id, limit=limit, offset=offset, purpose=purpose
        )
    )


@router.get(
    "/entities/{entity_id}/same-as",
    response_model=SameAsResponse,
    responses=errors(400, 401, 404),
)
def entity_same_as(
    node: NodeDep,
    reader: ReaderDep,
    purpose: PurposeDep,
    entity_id: str,
    limit: Annotated[int, Query(ge=1, le=same_as.MAX_PAIRS)] = 50,
) -> JSONBody:
    """What the entity is possibly the same as: the cross-reference pairs you
    may see (probability, kind, per-field explanation, your current
    judgement), and the hit notices that concern it."""
    return JSONBody(same_as.same_as(node, reader, entity_id, limit=limit, purpose=purpose))

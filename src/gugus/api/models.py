"""The bodies /api/v1 answers, as pydantic models for the OpenAPI schema.

They document; they do not validate.  Every route returns its service's dict
as it always did (``response_model=None``) and names its model in
``responses={200: ...}`` (see :func:`ok`), so the schema at /docs describes
each answer without an extra validation pass on the hot read routes and
without a body changing shape.  tests/api/test_openapi.py checks the
models against real answers (an undocumented or missing field fails), so
a route that adds a field adds it here too.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Marking(Doc):
    """A TLP 2.0 marking: level, Europol handling codes, release-to
    organisations, named recipients (RED), originator and purpose."""

    tlp: Literal["clear", "green", "amber", "amber+strict", "red"]
    handling: list[str] = Field(description="H0 … H3")
    handling_text: str | None = Field(description="The text of an H3 handling code.")
    release_to: list[str] = Field(description="Organisations it is released to.")
    recipients: list[str] = Field(description="TLP:RED: the users it is for.")
    originator: str | None
    purpose: str | None = Field(description="Purpose or legal basis.")


class Health(Doc):
    status: Literal["ok"]
    version: str
    database: Literal["sqlite", "postgresql"]
    writable: bool


class Statement(Doc):
    """One value with its provenance and its own marking."""

    id: str
    entity_id: str
    schema_: str = Field(alias="schema")
    prop: str
    value: str
    collection: str
    marking: Marking
    origin: str | None = Field(description="e.g. import:people.jsonl:12")
    first_seen: str
    last_seen: str


class KnownTo(Doc):
    org: str = Field(description="An organisation whose records you may see match this.")
    records: int


class Entity(Doc):
    """An entity assembled from the statements the reader may see; its
    marking is the most restrictive of theirs."""

    id: str
    schema_: str = Field(alias="schema")
    properties: dict[str, list[str]]
    caption: str
    marking: Marking | None
    collections: list[str]
    members: list[str] | None = Field(
        None, description="A resolved entity (gc-…): the entities it joins."
    )
    statements: list[Statement] | None = Field(None, description="With statements=true.")
    possibly_known_to: list[KnownTo] | None = Field(None, description="With known=true.")


class FacetValue(Doc):
    value: str
    count: int = Field(description="Resolved entities you may see having this value.")


class SearchResults(Doc):
    query: str
    limit: int
    offset: int
    results: list[Entity] = Field(description="Most recently loaded first.")
    total: int = Field(description="Exactly how many (resolved) entities you may see match.")
    facets: dict[str, list[FacetValue]] = Field(
        description="schema, collection, org, country: counted over what you may see."
    )
    facets_capped: bool = Field(description="Facets counted over the newest 500 results only.")
    facets_marking: Marking | None = Field(
        description="The most restrictive marking of the statements the facets counted."
    )
    filters: dict[str, list[str]] = Field(description="The filters applied.")


class Collection(Doc):
    name: str
    org: str
    label: str | None
    country: str | None
    marking: Marking = Field(description="The collection's default marking.")


class Collections(Doc):
    collections: list[Collection]


class HitNotice(Doc):
    """A hit on a record you may not see: never its content."""

    reference: str
    kind: str
    what: str
    holder: str = Field(description="The organisation holding the record.")
    contact: str = Field(description="Its contact point.")
    time: str
    message: str


class LoadError(Doc):
    line: int
    where: str
    error: str


class DroppedValue(Doc):
    where: str
    property: str
    value: str
    type: str


class LoadSummary(Doc):
    collection: str
    source: str
    lines: int
    entities: int
    statements: int
    skipped_lines: int
    dropped_values: int = Field(description="Values FollowTheMoney's types rejected.")
    kept_stricter_markings: int
    namespace: str
    errors: list[LoadError] = Field(description="Skipped lines (on_error=skip), first 100.")
    dropped_examples: list[DroppedValue] = Field(description="The first 20 dropped values.")
    possibly_known_to: list[KnownTo]
    notices: list[HitNotice] = Field(description="The first 20 hit notices.")
    notices_total: int


class AuditRecord(Doc):
    seq: int
    ts: str
    username: str
    org: str
    action: str
    object_ids: list[str] | None
    purpose: str | None
    detail: dict[str, Any] | None
    redacted: bool = Field(description="A read of what you may not see: who, when, what kind.")
    marking: Marking | None = Field(
        description="Shown in full: the most restrictive marking of the data it touched."
    )


class AuditRecords(Doc):
    records: list[AuditRecord] = Field(description="Newest first.")


class Judgement(Doc):
    id: int
    left: str
    right: str
    verdict: Literal["same", "different", "unsure"]
    reason: str | None
    user: str
    org: str
    created_at: str
    marking: Marking = Field(description="What its judge saw of the two entities.")


class Cluster(Doc):
    id: str
    members: list[str]


class JudgementMade(Judgement):
    cluster: Cluster
    merged: bool | None = Field(None, description="verdict 'same': the two are one entity now.")


class Judgements(Doc):
    entity: str
    judgements: list[Judgement] = Field(description="Newest first.")


class MatchReason(Doc):
    """One contribution to a match score: which values met, and its weight."""

    field: str
    feature: str
    query: Any = Field(description="The query's value.")
    candidate: Any = Field(description="The candidate's value.")
    weight: float
    detail: Any


class MatchResult(Doc):
    id: str
    schema_: str = Field(alias="schema")
    caption: str
    properties: dict[str, list[str]]
    collections: list[str]
    marking: Marking | None
    score: float
    match: bool
    features: dict[str, float]
    explanation: list[MatchReason]


class Total(Doc):
    value: int
    relation: Literal["eq"]


class QueryAnswer(Doc):
    status: int
    results: list[MatchResult]
    total: Total
    query: dict[str, Any]
    notices: list[HitNotice]


class MatcherFeature(Doc):
    coefficient: float
    description: str


class MatchAnswer(Doc):
    responses: dict[str, QueryAnswer] = Field(description="By the request's query keys.")
    matcher: dict[str, MatcherFeature]
    limit: int


class NoticeOut(HitNotice):
    count: int
    last: str
    recipient: str
    source: str
    own_entity_id: str | None = Field(description="Your record that matched, if any.")


class NoticedRecord(Doc):
    entity_id: str
    collection: str


class NoticeIn(Doc):
    reference: str
    kind: str
    what: str
    requester: str
    contact: str = Field(description="The requester's contact point.")
    time: str
    last: str
    count: int
    records: list[NoticedRecord] = Field(description="Your records it concerns that you may see.")
    message: str


class Notices(Doc):
    out: list[NoticeOut] | None = None
    in_: list[NoticeIn] | None = Field(None, alias="in")


class XrefRun(Doc):
    run: int
    status: str = Field(description="queued, running, done or failed")
    engine: str
    created_at: str
    started_at: str | None
    finished_at: str | None
    collections: list[str] | None = Field(None, description="Your own runs only.")
    counts: dict[str, Any] | None = Field(None, description="Your own runs only.")
    notes: list[str] | None = Field(None, description="Your own runs only.")


class Pair(Doc):
    left: str
    right: str
    schema_: str = Field(alias="schema")
    probability: float
    kind: str = Field(description="model or selector")
    explanation: dict[str, Any] = Field(description="Per field: the level and its weight.")
    marking: Marking


class XrefStatus(XrefRun):
    total: int
    limit: int
    offset: int
    pairs: list[Pair] = Field(description="Most probable first.")


class PairToReview(Pair):
    judgement: Any = Field(None, description="Your latest verdict on it, if any (unsure).")


class XrefReview(Doc):
    run: int | None
    pairs: list[PairToReview]
    limit: int
    offset: int


class ReviewCount(Doc):
    count: int = Field(description="Pairs waiting for your judgement (only pairs you may see).")


class ReviewValue(Doc):
    value: str
    marking: Marking
    collection: str
    origin: str | None


class ReviewField(Doc):
    """One property, both sides' values with their own markings."""

    prop: str
    label: str
    left: list[ReviewValue]
    right: list[ReviewValue]
    compared: list[str] = Field(description="The explanation's fields that read it.")


class ReviewSide(Doc):
    entity_id: str
    id: str
    caption: str
    schema_: str = Field(alias="schema")
    collections: list[str]
    marking: Marking | None
    members: list[str] | None = None


class ReviewPairDetail(Doc):
    left: str
    right: str
    schema_: str = Field(alias="schema")
    probability: float
    kind: str
    marking: Marking
    judgement: Any = Field(description="Your latest verdict on it, if any.")
    explanation: list[dict[str, Any]] = Field(description="Per field, in words.")
    sides: dict[str, ReviewSide] = Field(description="left and right, as you may see them.")
    fields: list[ReviewField]


class ReviewPair(Doc):
    run: int | None
    total: int = Field(description="The pairs waiting.")
    position: int
    pair: ReviewPairDetail | None = Field(description="null when nothing waits.")


def ok(model: type[BaseModel], description: str, status: int = 200) -> dict:
    """OpenAPI ``responses`` entry for a route's success answer."""
    return {status: {"model": model, "description": description}}

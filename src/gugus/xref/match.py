"""Online match: "which records of the node look like this person?".

yente-shaped (OpenSanctions' ``/match``): ``{"queries": {KEY: {"schema",
"properties"}}}`` → ``{"responses": {KEY: {"status", "results", "total",
"query", "notices"}}, "matcher", "limit"}``.

For each query: the blocking index gives candidates (at most ``CAP`` postings
per key, so a common name costs a bounded number of rows), each posting
labelled with whether the reader may see it (gugus.access's grants, in SQL).

- A candidate found through a key the reader may see is a *result*: its
  properties, score, features and explanation come only from the statements
  the reader may see.
- A candidate found only through keys the reader may not see is never shown:
  if its (holder-permitted) statements match — a score at the threshold, or
  an equal selector — the reader gets one *hit notice* per holding
  organisation and kind (gugus.share.notices), with no content, score or
  value, the same for one copy or many; the holder gets the mirror.

Queries are rate-limited per user (``GUGUS_MATCH_LIMIT_USER``) and every
match is audited.  Loads match their new entities at once
(:func:`match_loaded`), entity reads say which organisations possibly know
the entity (:func:`known_to`).
"""

from __future__ import annotations

import functools
import heapq
import json
import os
import threading
import time
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from followthemoney import model

from gugus import reads
from gugus.access import Reader, ReadScope
from gugus.audit import AuditEvent
from gugus.errors import InvalidInput
from gugus.ingest.parse import parse_entity
from gugus.model.markings import TLP
from gugus.model.roles import Role
from gugus.model.statements import ID_PROP, assemble
from gugus.node import Node
from gugus.ratelimit import Buckets, Rate, RateLimited
from gugus.share.notices import Hit, HitGroup, record_hit_groups
from gugus.store import directory
from gugus.store import match as match_sql
from gugus.store import statements as stmt_sql
from gugus.xref import match_score
from gugus.xref.match_keys import (
    DOB_PROPS,
    MATCHABLE,
    NAME_PROPS,
    SELECTOR_KINDS,
    key_hash,
    query_keys,
    selector_kind,
)

CAP = 200  # postings read per key (a longer list is cut: see _postings)
MAX_CANDIDATES = 10  # candidates scored per query (visible and hidden each), best-connected first
LOAD_CANDIDATES = 10  # per loaded entity: a load matches thousands at once
MAX_QUERIES = 50
MAX_LIMIT = 50
DEFAULT_LIMIT = 5
_SELECTOR_WEIGHT = 4  # a shared selector ranks a candidate like four name keys


# -- rate limits ------------------------------------------------------------------
class MatchLimiter:
    """Queries per user (a token bucket each, ``gugus.ratelimit``): probing
    for hidden records is slow, and every refusal is audited."""

    def __init__(self, rate: Rate | None) -> None:
        self.buckets = Buckets(rate) if rate is not None else None
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls) -> MatchLimiter:
        raw = os.environ.get("GUGUS_MATCH_LIMIT_USER", "120/60")
        return cls(Rate.parse("GUGUS_MATCH_LIMIT_USER", raw))

    def take(self, username: str, n: int) -> None:
        if self.buckets is None:
            return
        with self._lock:
            now = time.monotonic()
            missing = n - self.buckets._tokens(username, now)
            if missing > 0:
                raise RateLimited(
                    f"too many match queries for this user ({n} asked); try again later",
                    retry_after=missing / self.buckets.rate.per_second,
                )
            self.buckets.add(username, now, -n)


_limiters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_limiters_lock = threading.Lock()


def limiter(node: Node) -> MatchLimiter:
    with _limiters_lock:
        found = _limiters.get(node)
        if found is None:
            found = _limiters[node] = MatchLimiter.from_env()
        return found


# -- queries ------------------------------------------------------------------------
@dataclass
class Query:
    key: str
    schema: str
    props: dict[str, list[str]]
    types: dict[str, str]
    _keys: list[tuple[str, str]] | None = field(default=None, repr=False, compare=False)
    _hashes: list[int] | None = field(default=None, repr=False, compare=False)

    def blocking_keys(self) -> list[tuple[str, str]]:
        if self._keys is None:
            self._keys = query_keys(self.schema, self.props)
        return self._keys

    def hashes(self) -> list[int]:
        if self._hashes is None:
            self._hashes = [key_hash(k) for _, k in self.blocking_keys()]
        return self._hashes

    def fingerprint(self) -> str:
        return json.dumps([self.schema, sorted(k for _, k in self.blocking_keys())])

    def to_dict(self) -> dict:
        return {"schema": self.schema, "properties": self.props}


def parse_queries(body: object) -> dict[str, Query]:
    """The request body → queries; InvalidInput names the field."""
    if not isinstance(body, dict) or not isinstance(body.get("queries"), dict):
        raise InvalidInput('body: expected {"queries": {KEY: {"schema": …, "properties": {…}}}}')
    queries = body["queries"]
    if not queries:
        raise InvalidInput("queries: empty (give at least one entity)")
    if len(queries) > MAX_QUERIES:
        raise InvalidInput(f"queries: {len(queries)} given, at most {MAX_QUERIES} per request")
    out = {}
    for key, entity in queries.items():
        where = f"queries.{str(key)[:40]}"
        if not isinstance(entity, dict):
            raise InvalidInput(f"{where}: expected an object with schema and properties")
        schema = entity.get("schema")
        if isinstance(schema, str) and model.get(schema) is not None and schema not in MATCHABLE:
            raise InvalidInput(
                f"{where}.schema: {schema!r} cannot be matched (allowed: {', '.join(sorted(MATCHABLE))})"
            )
        line = json.dumps(
            {"id": "query", "schema": schema, "properties": entity.get("properties", {})}
        )
        parsed = parse_entity(line, where)
        props: dict[str, list[str]] = {}
        types: dict[str, str] = {}
        for prop, ptype, value in parsed.values:
            props.setdefault(prop, []).append(value)
            types[prop] = ptype
        out[str(key)] = Query(str(key), parsed.schema, props, types)
    return out


# -- candidates and their resolution -------------------------------------------------
@dataclass
class Candidates:
    """Postings of one query, grouped by entity: visible and hidden-only."""

    seen: dict[str, int] = field(default_factory=dict)  # entity → rank weight
    hidden: dict[str, set] = field(default_factory=dict)  # entity → (key, kind) of hidden postings

    @classmethod
    def of(
        cls, postings: Iterable, exclude: Iterable[str] = (), most: int = MAX_CANDIDATES
    ) -> Candidates:
        """From labelled postings ``(key, entity, kind, collection, marking, seen)``."""
        seen_rows, hidden_rows = [], []
        for key, eid, kind, _cid, _mid, seen in postings:
            (seen_rows if seen else hidden_rows).append((key, eid, kind))
        return cls.split(seen_rows, hidden_rows, exclude, most)

    @classmethod
    def split(
        cls,
        seen_rows: Iterable,
        hidden_rows: Iterable,
        exclude: Iterable[str] = (),
        most: int = MAX_CANDIDATES,
    ) -> Candidates:
        """From ``(key, entity, kind)`` postings the reader may and may not
        see: the ``most`` best-connected entities of each (distinct keys,
        a selector weighing like four name keys; ties by entity id), hidden
        ones only if no visible posting names them."""
        skip = set(exclude)
        # Distinct (entity, key, kind): an entity found twice through one key
        # (a name and an alias) counts once.  A common name brings hundreds.
        seen_w = _weights({(eid, key, kind) for key, eid, kind in seen_rows}, skip)
        hidden = {(eid, key, kind) for key, eid, kind in hidden_rows}
        hidden_w = _weights(hidden, skip.union(seen_w))
        out = cls()
        out.seen = {eid: -w for w, eid in heapq.nsmallest(most, _ranked(seen_w))}
        # Best first: entity → its (key, kind) postings.
        out.hidden = {eid: set() for _, eid in heapq.nsmallest(most, _ranked(hidden_w))}
        for eid, key, kind in hidden:
            found = out.hidden.get(eid)
            if found is not None:
                found.add((key, kind))
        return out


def _weights(distinct: set, skip: set) -> dict[str, int]:
    weight: dict[str, int] = {}
    for eid, _key, kind in distinct:
        if eid not in skip:
            weight[eid] = weight.get(eid, 0) + (_SELECTOR_WEIGHT if kind in SELECTOR_KINDS else 1)
    return weight


def _ranked(weights: dict[str, int]):
    return ((-w, eid) for eid, w in weights.items())


def _postings(conn, scope: ReadScope, q: Query, *, hidden: bool = True) -> tuple[list, list]:
    """The postings of a query's keys, at most CAP per key.  A longer list
    is cut in index order (by entity id): a name shared by thousands finds
    candidates through the query's rarer keys (birth date, selectors)."""
    seen, hidden_rows, _capped = match_sql.postings(conn, scope, q.hashes(), CAP, hidden=hidden)
    return seen, hidden_rows


def _query_props(rows) -> dict[str, tuple[str | None, dict[str, list[str]]]]:
    """entity → (schema of its id statement, props) from ``(entity_id,
    schema, prop, value)`` rows; an entity without an id statement has no
    schema (it is not matched)."""
    out: dict[str, tuple[str | None, dict[str, list[str]]]] = {}
    schemas: dict[str, str] = {}
    for eid, schema, prop, value in rows:
        if prop == ID_PROP:
            schemas[eid] = schema
            continue
        entry = out.get(eid)
        if entry is None:
            entry = out[eid] = (None, {})
        entry[1].setdefault(prop, []).append(value)
    return {eid: (schemas.get(eid), props) for eid, (_, props) in out.items()}


def _query_props_read() -> frozenset[str]:
    """The properties a loaded entity's query is keyed and scored by (the
    rest of its statements could change neither): names, birth date,
    countries, gender and every selector property of a matched schema,
    with the id statement that gives the schema."""
    selectors = {
        name
        for schema in MATCHABLE
        for name, p in model.get(schema).properties.items()
        if selector_kind(name, p.type.name) is not None
    }
    return frozenset(
        {ID_PROP, "birthDate", "gender", *NAME_PROPS, *DOB_PROPS}
        | set(match_score.NAME_PROPS)
        | set(match_score.COUNTRY_PROPS)
        | selectors
    )


QUERY_PROPS = _query_props_read()


@functools.lru_cache(maxsize=64)
def _types(schema: str) -> dict[str, str]:
    found = model.get(schema)
    return {name: p.type.name for name, p in found.properties.items()} if found else {}


@dataclass
class Resolved:
    results: list[tuple[dict, match_score.Score, list]]  # (entity view, score, statements)
    hits: list[Hit]


class Resolver:
    """Scores the candidates of several queries with a few reads: the visible
    statements of every visible candidate, and — for the hit decision only —
    the statements of hidden candidates that their holders let raise hits."""

    def __init__(self, node: Node, conn, scope: ReadScope, hidden: dict | None = None) -> None:
        self.node = node
        self.conn = conn
        self.scope = scope
        self._allows: dict[int, bool] = {}
        # entity → its hit-check entry (None: raises no hit), kept across the
        # chunks of one batch (a common name's hidden records are candidates
        # of thousands of queries: read once, not once per chunk).
        self._hidden = {} if hidden is None else hidden

    def allows(self, marking_id: int) -> bool:
        found = self._allows.get(marking_id)
        if found is None:
            found = self._allows[marking_id] = self.scope.allows(marking_id)
        return found

    def resolve(
        self, items: Sequence[tuple[Query, Candidates]], *, hits: bool = True, light: bool = False
    ) -> list[Resolved]:
        """Results (entity view, score, statements used) and hits per query.
        ``light``: views are only ``{"id", "collection_ids"}`` (a load counts
        who holds matches; it shows no entity)."""
        seen_ids = sorted({e for _, c in items for e in c.seen})
        rows = stmt_sql.for_entities(self.conn, self.scope, seen_ids) if seen_ids else []
        views = _light_views(rows) if light else self._views(rows)
        hidden_props = self._hidden_props(items) if hits else {}
        out = []
        for query, cands in items:
            if not (cands.seen or cands.hidden):  # nothing to score (most of a load)
                out.append(Resolved([], []))
                continue
            prepared = match_score.prepare(query.props, {**_types(query.schema), **query.types})
            results = []
            for eid in cands.seen:
                if eid not in views:
                    continue
                view, props, schema, used = views[eid]
                sc = match_score.score(prepared, props, _types(schema))
                if sc.score >= match_score.CUTOFF:
                    results.append((view() if callable(view) else view, sc, used))
            results.sort(key=lambda r: (-r[1].score, r[0]["id"]))
            found: list[Hit] = []
            for eid in cands.hidden:
                entry = hidden_props.get(eid)
                if entry is None:
                    continue
                props, schema, records, holder = entry
                sc = match_score.score(prepared, props, _types(schema))
                kinds = sorted(sc.selectors | ({"person"} if sc.match else set()))
                found.extend(Hit(k, holder, list(records)) for k in kinds)
            out.append(Resolved(results, found))
        return out

    def _views(self, rows) -> dict:
        """entity → (view maker, visible props, schema, statements used)."""
        stmts = reads._statements(self.node, self.conn, rows)
        views = {}
        for proxy, marking, used in assemble(stmts):
            if proxy.schema.name in MATCHABLE:
                props = proxy.to_dict()["properties"]
                view = functools.partial(reads.entity_view, proxy, marking, used)
                views[proxy.id] = (view, props, proxy.schema.name, used)
        return views

    def _hidden_props(self, items) -> dict:
        """entity → (prepared props, schema, hidden records, holder) from the
        statements that may raise hits: TLP:RED ones only where the collection
        allows it.  Prepared once: a hidden record with a common name is the
        candidate of thousands of queries of a batch."""
        ids = sorted({e for _, c in items for e in c.hidden})
        if not ids:
            return {}
        known = self._hidden
        missing = [e for e in ids if e not in known]
        if missing:
            rows = match_sql.statements_for_hit_check(self.conn, missing)
            known.update(dict.fromkeys(missing))
            known.update(self._hit_entries(rows))
        return {e: known[e] for e in ids if known[e] is not None}

    def _hit_entries(self, rows) -> dict:
        out: dict = {}
        schema: dict[str, str] = {}
        red: dict[int, bool] = {}  # marking → TLP:RED (decided once per marking)
        for eid, sch, prop, value, cid, mid, org, red_hits in rows:
            is_red = red.get(mid)
            if is_red is None:
                is_red = red[mid] = self.node.catalogue.get(self.conn, mid).tlp is TLP.RED
            if is_red and not red_hits:
                continue
            if prop == ID_PROP:
                schema[eid] = sch
                continue
            props, _, records, _ = out.setdefault(eid, ({}, sch, set(), org))
            props.setdefault(prop, []).append(value)
            if not self.allows(mid):
                records.add((eid, cid, mid))
        return {
            eid: (
                match_score.prepare(props, _types(schema.get(eid, sch))),
                schema.get(eid, sch),
                recs,
                org,
            )
            for eid, (props, sch, recs, org) in out.items()
            if recs and schema.get(eid, sch) in MATCHABLE
        }


def _light_views(rows) -> dict:
    """entity → ({"id", "collection_ids"}, visible props, schema, []) straight
    from statement rows (no entity assembled)."""
    out: dict = {}
    for r in rows:
        entry = out.setdefault(
            r.entity_id, ({"id": r.entity_id, "collection_ids": set()}, {}, r.schema, [])
        )
        entry[0]["collection_ids"].add(r.collection_id)
        if r.prop != ID_PROP:
            entry[1].setdefault(r.prop, []).append(r.value)
    return {eid: v for eid, v in out.items() if v[2] in MATCHABLE}


def _result(view: dict, sc: match_score.Score) -> dict:
    return {
        "id": view["id"],
        "schema": view["schema"],
        "caption": view["caption"],
        "properties": view["properties"],
        "collections": view["collections"],
        "marking": view["marking"],
        "score": sc.score,
        "match": sc.match,
        "features": sc.features,
        "explanation": sc.explanation,
    }


# -- the service --------------------------------------------------------------------------
def match(
    node: Node,
    reader: Reader,
    body: object,
    *,
    limit: int = DEFAULT_LIMIT,
    purpose: str | None = None,
) -> dict:
    """Answer a yente-shaped match request as ``reader`` may see it."""
    queries = parse_queries(body)
    limit = max(1, min(int(limit), MAX_LIMIT))
    try:
        limiter(node).take(reader.username, len(queries))
    except RateLimited:
        node.audit.append(
            AuditEvent(
                "match.refused",
                reader.username,
                reader.org,
                [],
                purpose,
                reader.audit_detail({"reason": "rate_limited", "queries": len(queries)}),
            )
        )
        raise
    scope = node.scope(reader)
    with node.db.reader.connect() as conn:
        items = []
        for q in queries.values():
            items.append((q, Candidates.split(*_postings(conn, scope, q))))
        resolved = Resolver(node, conn, scope).resolve(items)
    shown = [res.results[:limit] for res in resolved]
    used_all = [s for results in shown for _, _, used in results for s in used]

    def audit_event(notices: list[list[dict]]) -> AuditEvent:
        return AuditEvent(
            "match",
            reader.username,
            reader.org,
            sorted({s.entity_id for s in used_all}),
            purpose,
            reader.audit_detail(
                {
                    "queries": {k: q.to_dict() for k, q in queries.items()},
                    "results": sum(len(r) for r in shown),
                    "notices": sorted(n["reference"] for ns in notices for n in ns),
                }
            ),
            sorted({node.catalogue.id_of(s.marking) for s in used_all} - {None}),
        )

    # The notices of every query in one transaction, audited with the match
    # itself (one audit commit per request).
    groups = [
        HitGroup(q.fingerprint(), res.hits) for (q, _), res in zip(items, resolved, strict=True)
    ]
    notices = record_hit_groups(
        node, reader, groups, source="match", purpose=purpose, also=lambda ns: [audit_event(ns)]
    )
    if not any(g.hits for g in groups):
        node.audit.append(audit_event(notices))
    responses = {
        q.key: {
            "status": 200,
            "results": [_result(v, sc) for v, sc, _ in results],
            "total": {"value": len(res.results), "relation": "eq"},
            "query": q.to_dict(),
            "notices": ns,
        }
        for (q, _), res, results, ns in zip(items, resolved, shown, notices, strict=True)
    }
    return {"responses": responses, "matcher": match_score.matcher_docs(), "limit": limit}


# -- at load time -------------------------------------------------------------------------
_LOAD_CHUNK = 500


def load_reader(node: Node, actor: Reader | None, org: str) -> Reader:
    """Who a load matches as: its actor, or for the node operator's own loads
    the collection's organisation (notices go to the organisation)."""
    return actor if actor is not None else Reader("local-operator", org, Role.ANALYST)


@dataclass
class Batch:
    """What the :func:`match_loaded` calls of one batch (an xref run's
    notices, as one reader) share: the hit checks of hidden candidates
    (:class:`Resolver`), and the postings the reader may not see, read once
    (:class:`gugus.store.match.HiddenPostings`)."""

    hit_checks: dict = field(default_factory=dict)
    hidden: match_sql.HiddenPostings | None = None

    def hidden_postings(self, conn, scope: ReadScope) -> match_sql.HiddenPostings:
        if self.hidden is None:
            self.hidden = match_sql.HiddenPostings(conn, scope)
        return self.hidden

    def may_meet_hidden(self, conn, scope: ReadScope, queries: list, collection_id: int) -> list:
        """The queries with a key that has a hidden posting outside
        ``collection_id``: the others can find no hidden candidate (their
        postings are not read at all)."""
        index = self.hidden_postings(conn, scope).collections
        return [
            q
            for q in queries
            if any((cs := index.get(h)) and not cs <= {collection_id} for h in q.hashes())
        ]


def match_loaded(
    node: Node,
    actor: Reader | None,
    collection_id: int,
    org: str,
    entity_ids: Iterable[str],
    *,
    purpose: str | None = None,
    source: str = "load",
    results: bool = True,
    batch: Batch | None = None,
) -> dict:
    """Match the entities a load wrote (or a batch xref run read: ``source``
    "xref") against everything else indexed:
    ``{"possibly_known_to": [{"org", "records"}], "notices": [...]}`` —
    organisations (other than the loader's) whose *visible* records match,
    with how many loaded records they match; hidden matches become notices.
    Keys shared by more than CAP records are skipped (reported as ``capped``).
    ``results=False``: only the notices (an xref run scores what its runner
    sees itself); visible candidates are not read nor scored.  ``batch``:
    what the calls of one batch made as the same reader share (:class:`Batch`)."""
    reader = load_reader(node, actor, org)
    scope = node.scope(reader)
    batch = Batch() if batch is None else batch
    ids = sorted(entity_ids)
    known: dict[str, set] = {}
    notices: list[dict] = []
    capped_total = 0
    for start in range(0, len(ids), _LOAD_CHUNK):
        chunk = ids[start : start + _LOAD_CHUNK]
        with node.db.reader.connect() as conn:
            queries = [
                Query(eid, sch, props, _types(sch))
                for eid, (sch, props) in _query_props(
                    match_sql.query_statements(conn, scope, chunk, QUERY_PROPS)
                ).items()
                if sch in MATCHABLE
            ]
            if not results:  # only queries that may meet a hidden posting
                queries = batch.may_meet_hidden(conn, scope, queries, collection_id)
            wanted = {h: None for q in queries for h in q.hashes()}
            found, capped = match_sql.postings_many(
                conn,
                scope,
                list(wanted),
                CAP,
                exclude_collection=collection_id,
                hidden=None if results else batch.hidden_postings(conn, scope),
            )
            capped_total += len(capped)
            by_key: dict[int, list] = {}
            for p in found:
                by_key.setdefault(p.key, []).append(p)
            items = [
                (
                    q,
                    Candidates.of(
                        (p for h in q.hashes() for p in by_key.get(h, [])), [q.key], LOAD_CANDIDATES
                    ),
                )
                for q in queries
            ]
            if not results:  # visible postings only kept hidden copies out of the notices
                for _, cands in items:
                    cands.seen = {}
            resolved = Resolver(node, conn, scope, batch.hit_checks).resolve(items, light=True)
            colls = {c.id: c.org for c in directory.list_collections(conn)}
        groups = []
        for (q, _), res in zip(items, resolved, strict=True):
            for view, sc, _used in res.results:
                if sc.match:
                    for cid in view["collection_ids"]:
                        if colls.get(cid) not in (None, reader.org):
                            known.setdefault(colls[cid], set()).add(q.key)
            if res.hits:
                groups.append(HitGroup(f"entity:{q.key}", res.hits, q.key))
        for found_notices in record_hit_groups(
            node, reader, groups, source=source, purpose=purpose
        ):
            notices.extend(found_notices)
    unique = {n["reference"]: n for n in notices}
    return {
        "possibly_known_to": [
            {"org": org_, "records": len(ents)} for org_, ents in sorted(known.items())
        ],
        "notices": list(unique.values()),
        "capped_keys": capped_total,
    }


# -- on an entity read -----------------------------------------------------------------
def known_to(node: Node, reader: Reader, view: dict) -> list[dict]:
    """Organisations other than the reader's whose records — that the reader
    may see — match this entity ("possibly known to …"); no notices."""
    if view.get("schema") not in MATCHABLE:
        return []
    scope = node.scope(reader)
    q = Query(view["id"], view["schema"], view["properties"], _types(view["schema"]))
    with node.db.reader.connect() as conn:
        seen, _ = _postings(conn, scope, q, hidden=False)  # no notices from a read
        cands = Candidates.split(seen, [], [view["id"]])
        res = Resolver(node, conn, scope).resolve([(q, cands)], hits=False, light=True)[0]
        colls = {c.id: c.org for c in directory.list_collections(conn)}
    known: dict[str, set] = {}
    for v, sc, _ in res.results:
        if sc.match:
            for cid in v["collection_ids"]:
                if colls.get(cid) not in (None, reader.org):
                    known.setdefault(colls[cid], set()).add(v["id"])
    return [{"org": o, "records": len(ids)} for o, ids in sorted(known.items())]

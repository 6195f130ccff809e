"""Read services: entity, search, collections, export, audit listing.

Each asks :mod:`gugus.access` for the reader's scope, reads through the store's
scoped queries, and records the read in the audit log when it returned
anything that is not TLP:CLEAR.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from followthemoney.proxy import EntityProxy
from sqlalchemy import Connection

from gugus.access import Reader, ReadScope, audit_orgs
from gugus.audit import AuditEvent
from gugus.clock import parse_moment
from gugus.errors import Forbidden, InvalidInput, Msg, NotFound
from gugus.ingest.parse import valid_entity_id
from gugus.model.markings import TLP, Marking, combine
from gugus.model.statements import Statement, assemble
from gugus.node import Node
from gugus.store import audit as audit_sql
from gugus.store import directory
from gugus.store import relations as rel_sql
from gugus.store import statements as stmt_sql
from gugus.xref import judgements, resolver

MAX_LIMIT = 100


def _statements(node: Node, conn, rows) -> list[Statement]:
    """Statements of rows that name the columns of
    :data:`gugus.store.statements.COLUMN_NAMES` (or plain tuples of them).  Rows in that order (most
    reads) are unpacked by position: a SQLAlchemy row's attribute costs
    ~0.5 µs, ten a statement, 200 statements a search page.  Collection
    names and markings are looked up once per id."""
    if not rows:
        return []
    names: dict[int, str] = {}
    markings: dict[int, Marking] = {}

    def collection(cid: int) -> str:
        name = names.get(cid)
        if name is None:
            name = names[cid] = node.collection_name(conn, cid)
        return name

    def marking(mid: int) -> Marking:
        found = markings.get(mid)
        if found is None:
            found = markings[mid] = node.catalogue.get(conn, mid)
        return found

    if type(rows[0]) is tuple or getattr(rows[0], "_fields", None) == stmt_sql.COLUMN_NAMES:
        tuples = rows  # plain tuples (stmt_sql.statement_tuples) are in that order
    else:
        tuples = [tuple(getattr(r, f) for f in stmt_sql.COLUMN_NAMES) for r in rows]
    # Statement's fields are the columns' order, with the collection's name
    # and the marking for their ids
    return [
        Statement(e, schema, prop, ptype, value, collection(cid), marking(mid), origin, first, last)
        for e, schema, prop, ptype, value, cid, mid, origin, first, last in tuples
    ]


def entity_view(
    proxy: EntityProxy,
    marking: Marking | None,
    used: list[Statement],
    *,
    with_statements: bool = False,
) -> dict:
    data = proxy.to_dict()
    data["caption"] = proxy.caption
    data["marking"] = marking.to_dict() if marking else None
    data["collections"] = sorted({s.collection for s in used})
    if with_statements:
        data["statements"] = [s.to_dict() for s in used]
    return data


def _audit_read(
    node: Node,
    reader: Reader,
    action: str,
    used: list[Statement],
    purpose: str | None,
    detail: dict,
) -> None:
    """Record a read of anything not TLP:CLEAR before its result is released,
    with the stored markings of every statement returned (a supervisor's
    listing shows the record's details only if it may see all of them)."""
    restricted = [s for s in used if s.marking.tlp is not TLP.CLEAR]
    if not restricted:
        return
    entity_ids = sorted({s.entity_id for s in restricted})
    markings = {node.catalogue.id_of(s.marking) for s in used}
    if None in markings:  # cannot happen: statements carry the catalogue's markings
        raise RuntimeError("a statement's marking is not in the catalogue")
    node.audit.append(
        AuditEvent(
            action,
            reader.username,
            reader.org,
            entity_ids,
            purpose,
            reader.audit_detail(detail),
            markings,
        )
    )


@dataclass(slots=True)
class Subject:
    """An entity id as one reader's reads see it inside one transaction
    (:func:`reading`): the reader's scope, the reader's judgement graph read
    once, and the stored ids the entity id stands for (``members``).  The
    reads of an entity page (the entity, its relationships, its pairs) share
    one, so each finds the members and their visibility only once."""

    node: Node
    reader: Reader
    scope: ReadScope
    conn: Connection
    graphs: resolver.Graphs
    entity_id: str
    members: frozenset[str]
    visible: bool | None = None  # whether the reader may see any member, once known
    rows: list | None = None  # the members' visible statements, once read

    def require_visible(self) -> None:
        """NotFound unless the reader may see a statement of a member."""
        if self.visible is None:
            self.visible = rel_sql.any_visible(self.conn, self.scope, self.ids)
        if not self.visible:
            raise NotFound(Msg("entity %(id)r not found", id=self.entity_id))

    @property
    def ids(self) -> list[str]:
        return sorted(self.members)


@contextmanager
def reading(node: Node, reader: Reader, entity_id: str) -> Iterator[Subject]:
    """The subject of the reads of one entity id, on one connection (one
    snapshot).  Services wrap it in ``node.audit.deferred()`` (outside), so
    their audit records are appended after the connection is returned and
    before their answer is."""
    scope = node.scope(reader)
    with node.db.reader.connect() as conn:
        graphs = resolver.Pinned(resolver.graphs_of(node), conn, scope)
        members = entity_members(node, conn, scope, entity_id, graphs)
        yield Subject(node, reader, scope, conn, graphs, entity_id, members)


def get_entity(
    node: Node,
    reader: Reader,
    entity_id: str,
    *,
    purpose: str | None = None,
    with_statements: bool = False,
    known: bool = False,
) -> dict:
    """One entity as ``reader`` may see it.  ``entity_id`` is the stored
    (namespaced) id as search, exports and load summaries show it; a bare id
    (``p-21``, as in the reader's own files) means the one in the reader's own
    organisation's namespace (:func:`gugus.model.ids.read_id`).

    An entity the reader's visible judgements join with others (and a
    canonical id, ``gc-…``) reads as the resolved entity: the visible
    statements of every member, each with its own entity id, collection and
    marking, under the canonical id, with the ``members`` it merged.

    ``known``: also ``possibly_known_to`` — other organisations whose records
    the reader may see match this one (an online match costing about twice
    the read itself, so asked for rather than computed on every read)."""
    with node.audit.deferred(), reading(node, reader, entity_id) as subject:
        view = entity_of(subject, purpose=purpose, with_statements=with_statements)
    if known:
        from gugus.xref.match import known_to  # the match service reads through this module

        view["possibly_known_to"] = known_to(node, reader, view)
    return view


def entity_of(
    subject: Subject, *, purpose: str | None = None, with_statements: bool = False
) -> dict:
    """:func:`get_entity` of a subject (audited; NotFound when the reader
    may see nothing of it)."""
    node, conn, members = subject.node, subject.conn, subject.members
    rows = subject.rows = stmt_sql.for_entities(conn, subject.scope, subject.ids)
    subject.visible = bool(rows)  # what require_visible asks: a visible statement of a member
    stmts = _statements(node, conn, rows)
    canonical = resolver.canonical_id(members) if len(members) > 1 else None
    for proxy, marking, used in assemble(stmts, _to(canonical)):
        detail = {"statements": len(used)}
        if canonical is not None:
            detail["canonical"] = canonical
        _audit_read(node, subject.reader, "entity.read", used, purpose, detail)
        view = entity_view(proxy, marking, used, with_statements=with_statements)
        if canonical is not None:
            view["members"] = sorted(members)
        return view
    # Same answer whether it does not exist or is invisible.
    raise NotFound(Msg("entity %(id)r not found", id=subject.entity_id))


def entity_members(
    node: Node, conn, scope: ReadScope, entity_id: str, graphs: resolver.Graphs
) -> frozenset[str]:
    """The stored ids an entity id given by the reader stands for: a
    canonical id's cluster, else the stored id and the entities the reader's
    visible judgements join with it (NotFound for an id that cannot exist;
    whether any of them is visible is for the caller to find)."""
    if resolver.is_canonical(entity_id):
        members = judgements.members_of(conn, scope, entity_id, graphs)
        if members is not None:
            return members
    if not valid_entity_id(entity_id):
        raise NotFound(Msg("entity %(id)r not found", id=entity_id[:80]))
    stored = judgements.stored_id(node, scope.reader, entity_id)
    return resolver.resolve(conn, scope, [stored], graphs).connected(stored)


def _to(canonical: str | None):
    return None if canonical is None else (lambda _entity_id: canonical)


def search(node: Node, reader: Reader, query: str, **options) -> dict:
    """Entities with a visible statement matching the query, newest first,
    with an exact total, facets and filters: :func:`gugus.search_facets.search`."""
    from gugus import search_facets  # it reads through this module

    return search_facets.search(node, reader, query, **options)


def visible_collections(node: Node, reader: Reader) -> list[dict]:
    """Collections whose default marking the reader may see (every statement of
    a collection is at least as restricted as its default)."""
    scope = node.scope(reader)
    with node.db.reader.connect() as conn:
        rows = directory.list_collections(conn)
        return [collection_view(node, conn, r) for r in rows if scope.allows(r.marking_id)]


def collection_view(node: Node, conn, row) -> dict:
    return {
        "name": row.name,
        "org": row.org,
        "label": row.label,
        "country": row.country,
        "marking": node.catalogue.get(conn, row.marking_id).to_dict(),
    }


def export_collection(
    node: Node, reader: Reader, collection: str, *, purpose: str | None = None, fmt: str = "ftm"
) -> Iterator[str]:
    """FtM JSON lines of what the reader may see in a collection.

    Every line carries its ``"marking"`` (one line per entity and marking), so
    the markings travel with the data: loading the export back restores them,
    and loading it into another organisation's collection is refused (the
    originator differs).  The export is audited before the first line is
    produced, so an export read only in part is still on record.
    """
    scope = node.scope(reader)
    with node.db.reader.connect() as conn:
        coll = directory.get_collection(conn, collection)
    if coll is None or not scope.allows(coll.marking_id):
        raise NotFound(Msg("collection %(name)r not found", name=collection))
    node.audit.append(
        AuditEvent(
            "export",
            reader.username,
            reader.org,
            [f"collection:{collection}"],
            purpose,
            reader.audit_detail({"format": fmt}),
        )
    )
    return _export_lines(node, scope, coll)


def _export_lines(node: Node, scope: ReadScope, coll) -> Iterator[str]:
    with node.db.reader.connect() as conn:
        batch: list = []
        for row in stmt_sql.for_collection(conn, scope, coll.id):
            if batch and row.entity_id != batch[-1].entity_id:
                yield from _export_entity(node, conn, batch)
                batch = []
            batch.append(row)
        if batch:
            yield from _export_entity(node, conn, batch)


def _export_entity(node: Node, conn, rows) -> list[str]:
    groups: dict[int, list] = {}
    for row in rows:
        groups.setdefault(row.marking_id, []).append(row)
    lines = []
    for mid in sorted(groups):
        stmts = _statements(node, conn, groups[mid])
        for proxy, _marking, _used in assemble(stmts):
            data = proxy.to_dict()
            data["marking"] = node.catalogue.get(conn, mid).to_dict()
            lines.append(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
    return lines


def list_audit(
    node: Node,
    reader: Reader,
    *,
    limit: int = 100,
    before: int | None = None,
    action: str | None = None,
    user: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[dict]:
    """The audit records of the supervisor's organisation(s), newest first.

    Filters: ``before`` a sequence number (paging), one ``action``, one
    ``user`` (user name), ``since`` / ``until`` (ISO 8601 dates or times; a
    time without offset is UTC; ``since`` inclusive, ``until`` exclusive, a
    bare ``until`` date includes that day).  They select only on what every
    record shows, redacted or not (who, what kind, when), so a filter never
    tells more than the unfiltered listing does.

    A record shows its objects, purpose and details only if the supervisor
    may see every object it names and every stored marking of the data it
    touched; otherwise only who, which organisation, what kind of action and
    when (oversight still learns *that* a colleague read something), and the
    rest is replaced by :data:`REDACTED`.  A record shown in full carries
    ``marking``: the most restrictive marking of the data it touched (what a
    page showing it puts in its banner); None when redacted or touching
    none.  No record shows its chain hashes:
    a record's hash, or the next record's ``prev_hash``, lets anyone test
    guesses of a redacted record's query (a short passport number) offline —
    an outside review did exactly that.  ``gugus audit verify`` checks the
    chain; the listing is for oversight."""
    decision, orgs = audit_orgs(reader)
    if not decision.allowed:
        raise Forbidden(decision.reason)
    start = parse_moment(since, "since") if since else None
    end = parse_moment(until, "until", end_of_day=True) if until else None
    if start is not None and end is not None and end <= start:
        raise InvalidInput(Msg("until: must be later than since"))
    scope = node.scope(reader)
    with node.db.audit_reader.connect() as aconn:
        rows = audit_sql.list_for_orgs(
            aconn,
            sorted(orgs),
            limit=max(1, min(limit, 1000)),
            before=before,
            action=action or None,
            username=user or None,
            since=start,
            until=end,
        )
    items = []
    for r in rows:
        item = dict(r._mapping)
        item["object_ids"] = json.loads(item["object_ids"])
        item["detail"] = json.loads(item["detail"])
        item["markings"] = json.loads(item["markings"] or "[]")
        items.append(item)
    with node.db.reader.connect() as conn:
        visible = _visible_objects(conn, scope, {o for i in items for o in i["object_ids"]})
        for item in items:
            marks = item.pop("markings")
            del item["hash"], item["prev_hash"]
            shown = all(scope.allows(m) for m in marks) and all(
                o in visible for o in item["object_ids"]
            )
            if not shown:
                item.update(
                    object_ids=[REDACTED],
                    purpose=REDACTED if item["purpose"] is not None else None,
                    detail={"redacted": True},
                )
            # What a record shown in full carries (its query, its objects):
            # the most restrictive marking of the data it touched.
            marking = combine(node.catalogue.get(conn, m) for m in marks) if shown else None
            item["marking"] = marking.to_dict() if marking is not None else None
            item["redacted"] = not shown
    return items


REDACTED = "[not visible to you]"


def _visible_objects(conn, scope: ReadScope, objects: set[str]) -> set[str]:
    """Which audit object ids the scope may see: entities with a visible
    statement, collections with a visible default marking; other kinds
    (users, tokens, organisations) are not data and stay as they are."""
    entity_ids = [o for o in objects if ":" not in o]
    visible = {r.entity_id for r in stmt_sql.for_entities(conn, scope, entity_ids)}
    for o in objects:
        kind, _, name = o.partition(":")
        if kind == "collection":
            coll = directory.get_collection(conn, name)
            if coll is not None and scope.allows(coll.marking_id):
                visible.add(o)
        elif name:
            visible.add(o)
    return visible


__all__ = [
    "REDACTED",
    "Subject",
    "collection_view",
    "entity_members",
    "entity_of",
    "export_collection",
    "get_entity",
    "list_audit",
    "reading",
    "search",
    "visible_collections",
]

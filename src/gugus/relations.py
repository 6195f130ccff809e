"""An entity's relationships as one reader may see them.

A relationship is read from *references*: entity-typed statements
(``Payment.payer``, ``Family.relative``, ``Passport.holder``,
``Mention.resolved`` …) whose value is the stored id of the entity they name.

- **out**: the entity's own references (a payment's payer, a vehicle's owner);
- **through a link**: another entity names this one and is an interval or link
  (``Payment``, ``Ownership``, ``Family``, ``Associate``, ``UnknownLink``,
  ``Mention``, an ``Event`` or ``Trip`` …, :func:`is_link`): each entity the
  link names besides this one is the *other end*, the link is shown between;
- **in**: another entity names this one and is not a link, or is a link that
  names nothing else the reader may see (a passport's holder, a vehicle's
  owner).

Only visible statements count, and a relationship is shown only when the
reader may see its other end: a link whose other end is invisible shows
nothing of that end — not its id, not that it exists (the relationship is left
out entirely).  Ends are shown by their schema and caption, built from their
visible caption statements only (never a linked document's text).  Each
relationship carries the most restrictive marking of every statement it
shows; each end its own.  A resolved entity (a canonical ``gc-`` id, or an
entity the reader's judgements join with others) has the relationships of all
its members, and other ends that are resolved show their canonical id.

Pages of at most :data:`MAX_LIMIT`; every query is bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from followthemoney import model
from followthemoney.exc import InvalidData

from gugus.access import Reader
from gugus.model.markings import combine
from gugus.model.statements import Statement, assemble
from gugus.node import Node
from gugus.reads import Subject, _audit_read, _statements, reading
from gugus.store import relations as rel_sql
from gugus.store import statements as stmt_sql
from gugus.xref import resolver

MAX_LIMIT = 200
MAX_OFFSET = 10_000


def is_link(schema_name: str) -> bool:
    """Whether an entity of this schema stands *between* the entities it
    names (an interval, a mention, an event or trip) rather than being one
    end of a relationship itself (a person, a vehicle, a document)."""
    try:
        schema = model.get(schema_name)
    except InvalidData:
        return False
    if schema is None:
        return False
    return not schema.is_a("Thing") or schema.is_a("Interval")


def _direction(schema_name: str, props: list[str]) -> str | None:
    """``out`` when the entity is the link's source (a payment's payer),
    ``in`` when its target, None for a link without a direction."""
    schema = model.get(schema_name)
    if schema is None or not schema.edge:
        return None
    if schema.source_prop is not None and schema.source_prop.name in props:
        return "out"
    if schema.target_prop is not None and schema.target_prop.name in props:
        return "in"
    return None


@dataclass
class _Candidate:
    """A relationship before its ends are known to be visible."""

    direction: str | None
    via: list[str]
    other: str
    other_via: list[str] = field(default_factory=list)
    link: str | None = None
    refs: list = field(default_factory=list)  # the reference rows it shows


def _candidates(members: frozenset[str], own: list, refs: list, ends: dict) -> list[_Candidate]:
    """Relationships in order: the entity's own references, then those of
    other entities by their first reference."""
    out: list[_Candidate] = []
    named: dict[str, list] = {}  # one relationship per entity named (in several collections)
    for row in own:
        if row.value not in members:
            named.setdefault(row.value, []).append(row)
    for other, rows in named.items():
        out.append(_Candidate("out", list(dict.fromkeys(r.prop for r in rows)), other, refs=rows))
    by_link: dict[str, list] = {}
    for row in refs:
        by_link.setdefault(row.entity_id, []).append(row)
    for link, rows in by_link.items():
        via = list(dict.fromkeys(r.prop for r in rows))
        far: dict[str, list] = {}
        if is_link(rows[0].schema):
            for end in ends.get(link, []):
                if end.value not in members:
                    far.setdefault(end.value, []).append(end)
        if not far:
            out.append(_Candidate("in", via, link, refs=rows))
            continue
        direction = _direction(rows[0].schema, via)
        for other, end_rows in far.items():
            other_via = list(dict.fromkeys(r.prop for r in end_rows))
            out.append(_Candidate(direction, via, other, other_via, link, rows + end_rows))
    return out


def _own_references(subject: Subject, per_entity: int) -> list:
    """:func:`gugus.store.relations.outgoing` of the subject's members,
    taken from their visible statements when the entity read has them (in
    the same order: by entity, then as stored)."""
    if subject.rows is None:
        return rel_sql.outgoing(subject.conn, subject.scope, subject.ids, per_entity)
    taken: dict[str, int] = {}
    own = []
    for row in subject.rows:
        if row.prop_type == rel_sql.REFERENCE and taken.get(row.entity_id, 0) < per_entity:
            taken[row.entity_id] = taken.get(row.entity_id, 0) + 1
            own.append(row)
    return own


def _end(proxy, used: list[Statement], shown_id: str) -> dict:
    return {
        "id": shown_id,
        "schema": proxy.schema.name,
        "caption": proxy.caption,
        "marking": combine(s.marking for s in used).to_dict(),
    }


def shown_entities(node: Node, conn, scope, ids: set) -> dict[str, tuple]:
    """id → (proxy, statements used) of the entities among ``ids`` that the
    reader may see, built from their caption statements (from all their
    visible statements when none of those is visible)."""
    ids.discard(None)
    stmts = _statements(node, conn, rel_sql.caption_statements(conn, scope, sorted(ids)))
    views = {p.id: (p, used) for p, _m, used in assemble(stmts)}
    missing = sorted(ids - views.keys())
    if missing:
        rows = stmt_sql.for_entities(conn, scope, missing)
        views.update((p.id, (p, used)) for p, _m, used in assemble(_statements(node, conn, rows)))
    return views


def relationships(
    node: Node,
    reader: Reader,
    entity_id: str,
    *,
    limit: int = 50,
    offset: int = 0,
    purpose: str | None = None,
) -> dict:
    """One page of the relationships of an entity as ``reader`` may see them
    (module docstring), with ``more``: whether a next page exists.  The
    entity answers NotFound when the reader may see nothing of it."""
    with node.audit.deferred(), reading(node, reader, entity_id) as subject:
        return relationships_of(subject, limit=limit, offset=offset, purpose=purpose)


def relationships_of(
    subject: Subject, *, limit: int = 50, offset: int = 0, purpose: str | None = None
) -> dict:
    """:func:`relationships` of a subject (:func:`gugus.reads.reading`)."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, min(int(offset), MAX_OFFSET))
    wanted = offset + limit + 1
    subject.require_visible()
    node, conn, scope, members = subject.node, subject.conn, subject.scope, subject.members
    own = _own_references(subject, wanted)
    fetch = wanted
    while True:
        refs = rel_sql.incoming(conn, scope, subject.ids, fetch)
        links = [r.entity_id for r in refs if is_link(r.schema)]
        ends: dict[str, list] = {}
        for row in rel_sql.outgoing(conn, scope, links, wanted):
            ends.setdefault(row.entity_id, []).append(row)
        found = _candidates(members, own, refs, ends)
        views = shown_entities(
            node, conn, scope, {c.other for c in found} | {c.link for c in found}
        )
        kept = [c for c in found if c.other in views and (c.link is None or c.link in views)]
        if len(kept) >= wanted or len(refs) < fetch:
            break
        fetch *= 2  # relationships left out (invisible ends): read further
    canonical = resolver.resolve(conn, scope, sorted({c.other for c in kept}), subject.graphs)
    page = kept[offset : offset + limit]
    out, used_all = [], []
    for c in page:
        other, other_used = views[c.other]
        used = _statements(node, conn, c.refs) + other_used
        item = {
            "direction": c.direction,
            "via": c.via,
            "other_via": c.other_via,
            "link": None,
            "other": _end(other, other_used, canonical.canonical(c.other)),
        }
        if c.link is not None:
            link, link_used = views[c.link]
            item["link"] = _end(link, link_used, c.link)
            used += link_used
        item["marking"] = combine(s.marking for s in used).to_dict()
        out.append(item)
        used_all.extend(used)
    _audit_read(
        node,
        subject.reader,
        "entity.relationships",
        used_all,
        purpose,
        {"relationships": len(out), "offset": offset},
    )
    return {
        "entity": subject.entity_id,
        "limit": limit,
        "offset": offset,
        "more": len(kept) > offset + limit,
        "relationships": out,
    }


__all__ = [
    "MAX_LIMIT",
    "MAX_OFFSET",
    "is_link",
    "relationships",
    "relationships_of",
    "shown_entities",
]

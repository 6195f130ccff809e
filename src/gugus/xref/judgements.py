"""Judgements: a person's verdict that two entities are the same, different,
or that they cannot tell.

Stored with user, organisation and time, audited, never lost: judging a pair
again (anyone, any verdict) adds a row, and the current verdict is the latest
row the reader may see.  Each judgement carries the most restrictive marking
of everything the judge saw of both entities (:func:`gugus.model.markings.combine`),
so only readers who may see all of it see the judgement.  An entity the judge
may not see answers exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from sqlalchemy import Connection

from gugus.access import Reader, ReadScope, may_see
from gugus.audit import AuditEvent
from gugus.clock import now_iso
from gugus.errors import InvalidInput, Msg, NotFound
from gugus.ingest.parse import valid_entity_id
from gugus.model.ids import looks_signed, read_id
from gugus.model.markings import TLP, Marking, combine
from gugus.node import Node
from gugus.store import judgements as judg_sql
from gugus.store import statements as stmt_sql
from gugus.store.markings import marking_id
from gugus.xref import resolver
from gugus.xref.resolver import SAME, VERDICTS

MAX_REASON = 2000


def missing(entity_id: str) -> NotFound:
    """The one answer for an entity that does not exist or may not be seen
    (the same words as an entity read)."""
    return NotFound(f"entity {entity_id!r} not found")


def stored_id(node: Node, reader: Reader, entity_id: str) -> str:
    """The stored id an entity id given by a reader means (a bare id: the
    reader's own organisation's namespace); NotFound for an invalid id."""
    if not valid_entity_id(entity_id):  # exists nowhere; may be long or odd
        raise NotFound(Msg("entity %(id)r not found", id=entity_id[:80]))
    stored = read_id(entity_id, reader.org, node.org_codes())
    if stored != entity_id and looks_signed(entity_id):  # signed by an organisation added since?
        stored = read_id(entity_id, reader.org, node.org_codes(refresh=True))
    return stored


def members_of(
    conn: Connection, scope: ReadScope, canonical: str, graphs: resolver.Graphs | None = None
) -> frozenset[str] | None:
    """The reader's cluster whose canonical id this is, or None (no such
    cluster for this reader: answered like a missing entity)."""
    key = canonical[len(resolver.PREFIX) :]
    for candidate in sorted(judg_sql.ids_with_key(conn, key)):
        found = resolver.resolve(conn, scope, [candidate], graphs)
        members = found.connected(candidate)
        if len(members) > 1 and resolver.canonical_id(members) == canonical:
            return members
    return None


def _entity(node: Node, conn: Connection, scope: ReadScope, reader: Reader, given: str) -> str:
    """The stored id of an entity the reader names and may see; a canonical
    id means its cluster's smallest member."""
    if resolver.is_canonical(given):
        members = members_of(conn, scope, given, resolver.graphs_of(node))
        if members is not None:
            return min(members)
    stored = stored_id(node, reader, given)
    if not stmt_sql.visible_entities(conn, scope, [stored]):
        raise missing(given)
    return stored


def _seen_marking(reader: Reader, seen: list[Marking]) -> Marking:
    """The judgement's marking: the most restrictive of what the judge saw.
    When inputs name different TLP:RED recipients, ``combine`` may name no
    one; the judge saw every input, so naming the judge too reveals nothing
    new and keeps the judge's own judgement visible to them."""
    marking = combine(seen)
    if not may_see(reader, marking) and marking.tlp is TLP.RED:
        named = (marking.recipients - {"-"}) | {reader.username}
        marking = replace(marking, recipients=frozenset(named))
    if not may_see(reader, marking):  # cannot happen: the judge saw every input
        raise RuntimeError("a judgement's marking hides it from its judge")
    return marking


def judge(
    node: Node,
    reader: Reader,
    a: str,
    b: str,
    verdict: str,
    reason: str | None = None,
    *,
    purpose: str | None = None,
) -> dict:
    """Record ``reader``'s verdict on the pair (a, b); answers the judgement
    and the reader's cluster of ``a`` afterwards."""
    verdict = (verdict or "").strip().lower()
    if verdict not in VERDICTS:
        raise InvalidInput(
            Msg("verdict: must be one of %(verdicts)s", verdicts=", ".join(VERDICTS))
        )
    if reason is not None:
        reason = reason.strip() or None
        if reason is not None and len(reason) > MAX_REASON:
            raise InvalidInput(Msg("reason: longer than %(max)s characters", max=MAX_REASON))
        if reason is not None and "\x00" in reason:
            raise InvalidInput(Msg("reason: contains a NUL character"))
    scope = node.scope(reader)
    with node.db.writer.begin() as conn:
        left = _entity(node, conn, scope, reader, a)
        right = _entity(node, conn, scope, reader, b)
        if left == right:
            raise InvalidInput(
                Msg("an entity cannot be judged against itself (a and b are the same)")
            )
        rows = stmt_sql.for_entities(conn, scope, [left, right])
        stmt_markings = sorted({r.marking_id for r in rows})
        seen = [node.catalogue.get(conn, mid) for mid in stmt_markings]
        marking = _seen_marking(reader, seen)
        mid = marking_id(conn, marking)
        created = now_iso()
        jid = judg_sql.add(
            conn,
            left,
            right,
            verdict=verdict,
            reason=reason,
            username=reader.username,
            org=reader.org,
            created_at=created,
            marking_id=mid,
        )
        pair = judg_sql.ordered(left, right)
        node.audit.append(
            AuditEvent(
                "judgement",
                reader.username,
                reader.org,
                list(pair),
                purpose,
                reader.audit_detail({"verdict": verdict, "judgement": jid}),
                sorted({mid, *stmt_markings}),
            )
        )
    with node.db.reader.connect() as conn:
        found = resolver.resolve(conn, scope, [left], resolver.graphs_of(node))
    members = found.connected(left)
    view = {
        "id": jid,
        "left": pair[0],
        "right": pair[1],
        "verdict": verdict,
        "reason": reason,
        "user": reader.username,
        "org": reader.org,
        "created_at": created,
        "marking": marking.to_dict(),
        "cluster": {"id": found.canonical(left), "members": sorted(members)},
    }
    if verdict == SAME:
        # A "different" between the two clusters keeps them apart (kept on
        # record; judge the blocking pair again to join them).
        view["merged"] = right in members
    return view


def list_judgements(
    node: Node, reader: Reader, entity: str, *, purpose: str | None = None
) -> list[dict]:
    """The judgements the reader may see on the entity (a canonical id: on
    any member of the reader's cluster), newest first, history included;
    only those between entities the reader may see."""
    scope = node.scope(reader)
    with node.db.reader.connect() as conn:
        stored = _entity(node, conn, scope, reader, entity)
        members = resolver.resolve(conn, scope, [stored], resolver.graphs_of(node)).connected(
            stored
        )
        rows = judg_sql.touching(conn, scope, members)
        ends = {x for r in rows for x in (r.left_id, r.right_id)}
        visible = stmt_sql.visible_entities(conn, scope, sorted(ends))
        rows = [r for r in rows if r.left_id in visible and r.right_id in visible]
        out = [_view(node, conn, r) for r in reversed(rows)]
    if any(v["marking"]["tlp"] != TLP.CLEAR.value for v in out):
        node.audit.append(
            AuditEvent(
                "judgement.list",
                reader.username,
                reader.org,
                sorted(members),
                purpose,
                reader.audit_detail({"judgements": len(out)}),
                sorted({r.marking_id for r in rows}),
            )
        )
    return out


def _view(node: Node, conn: Connection, row) -> dict:
    return {
        "id": row.id,
        "left": row.left_id,
        "right": row.right_id,
        "verdict": row.verdict,
        "reason": row.reason,
        "user": row.username,
        "org": row.org,
        "created_at": row.created_at,
        "marking": node.catalogue.get(conn, row.marking_id).to_dict(),
    }


def verdicts(
    conn: Connection, pairs: Iterable, *, scope: ReadScope | None = None
) -> dict[tuple[str, str], str]:
    """The current verdict of each judged pair among ``pairs`` (stored entity
    ids, either order: ``(a, b)`` tuples or mappings with ``left`` and
    ``right``), keyed by ``(a, b)`` / ``(left, right)`` as given; unjudged
    pairs are absent.

    For xref: a judged pair is not proposed again with another verdict.  Pass
    the reader's ``scope`` when the results go to a reader (only judgements it
    may see count — a hidden one must not silently drop a pair, which would
    tell the reader it was judged); ``scope=None`` counts every judgement
    (node-level work)."""
    given = [(p["left"], p["right"]) if isinstance(p, Mapping) else tuple(p) for p in pairs]
    current = judg_sql.for_pairs(conn, scope, given)
    out = {}
    for a, b in given:
        row = current.get(judg_sql.ordered(a, b))
        if row is not None:
            out[(a, b)] = row.verdict
    return out


__all__ = ["judge", "list_judgements", "stored_id", "verdicts"]

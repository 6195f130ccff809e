"""'Possibly the same as': the cross-reference pairs and hit notices of one
entity, as one reader may see them (the entity page, ``GET
/api/v1/entities/{id}/same-as``, ``gugus entity ID --same-as``).

- **pairs**: the candidate pairs of xref runs naming the entity (a resolved
  entity: any member) whose own marking the reader may see and whose other
  entity the reader may see (a pair naming a hidden entity is never shown,
  whatever its marking) — the latest run's pair once per pair of entities
  and kind (a model score, a shared selector),
  with probability, kind, the per-field explanation and the reader's current
  visible judgement;
- **notices**: ``out`` — hit notices raised on this entity for the reader
  (or, for liaison officers and supervisors, its organisation): another
  organisation holds something matching it; ``in`` — mirror notices about
  this entity held by the reader's organisation (liaison officers and
  supervisors only, :func:`gugus.access.notice_reach`).

Bounded (:data:`MAX_PAIRS`, :data:`MAX_NOTICES`) and audited like an entity
read when it shows anything not TLP:CLEAR.
"""

from __future__ import annotations

import json

from gugus.access import Reader, notice_reach
from gugus.audit import AuditEvent
from gugus.model.markings import TLP, combine
from gugus.node import Node
from gugus.reads import Subject, reading
from gugus.relations import shown_entities
from gugus.share import notices
from gugus.store import judgements as judg_sql
from gugus.store import match as match_sql
from gugus.store import relations as rel_sql

MAX_PAIRS = 200
MAX_NOTICES = 100


def same_as(
    node: Node,
    reader: Reader,
    entity_id: str,
    *,
    limit: int = 50,
    purpose: str | None = None,
) -> dict:
    """The entity's visible candidate pairs (most recent run first, most
    probable first) and the hit notices that concern it (module docstring).
    The entity answers NotFound when the reader may see nothing of it."""
    with node.audit.deferred(), reading(node, reader, entity_id) as subject:
        return same_as_of(subject, limit=limit, purpose=purpose)


def same_as_of(subject: Subject, *, limit: int = 50, purpose: str | None = None) -> dict:
    """:func:`same_as` of a subject (:func:`gugus.reads.reading`)."""
    limit = max(1, min(int(limit), MAX_PAIRS))
    subject.require_visible()
    node, conn, scope, reader = subject.node, subject.conn, subject.scope, subject.reader
    members = subject.members
    org_wide = notice_reach(reader).allowed
    rows, seen = [], set()
    for row in rel_sql.pairs_touching(conn, scope, subject.ids, 4 * limit):
        if (row.left_id, row.right_id, row.kind) not in seen:  # the latest run's
            seen.add((row.left_id, row.right_id, row.kind))
            rows.append(row)
    ends = {x for r in rows for x in (r.left_id, r.right_id)}
    views = shown_entities(node, conn, scope, ends)
    rows = [r for r in rows if r.left_id in views and r.right_id in views][:limit]
    current = judg_sql.for_pairs(conn, scope, [(r.left_id, r.right_id) for r in rows])
    pairs = [_pair(node, conn, r, members, views, current) for r in rows]
    out_rows = rel_sql.notices_about(
        conn,
        subject.ids,
        recipient_org=reader.org,
        recipient_user=None if org_wide else reader.username,
        limit=MAX_NOTICES,
    )
    held = (
        rel_sql.notices_holding(conn, scope, subject.ids, holder_org=reader.org, limit=MAX_NOTICES)
        if org_wide
        else []
    )
    info = match_sql.contacts(conn, {r.holder_org for r in out_rows})
    shown_marks = {r.marking_id for r in rows} | {r.record_marking_id for r in held}
    restricted = any(node.catalogue.get(conn, m).tlp is not TLP.CLEAR for m in shown_marks)
    used = [s for r in rows for x in (r.left_id, r.right_id) for s in views[x][1]]
    restricted = restricted or any(s.marking.tlp is not TLP.CLEAR for s in used)
    if restricted:
        node.audit.append(
            AuditEvent(
                "entity.same_as",
                reader.username,
                reader.org,
                sorted(members | ends.intersection(views) | {r.record_entity_id for r in held}),
                purpose,
                reader.audit_detail({"pairs": len(pairs), "notices_in": len(held)}),
                sorted(shown_marks | {node.catalogue.id_of(s.marking) for s in used}),
            )
        )
    return {
        "entity": subject.entity_id,
        "limit": limit,
        "pairs": pairs,
        "notices": {
            "out": [_out_notice(r, info.get(r.holder_org)) for r in out_rows],
            "in": _in_notices(held),
        },
    }


def _pair(node: Node, conn, row, members, views: dict, current: dict) -> dict:
    """A pair seen from the entity: ``other`` is the end outside it (both
    ends inside when a judgement already joined them: ``merged``)."""
    merged = row.left_id in members and row.right_id in members
    other = row.left_id if row.right_id in members and not merged else row.right_id
    proxy, used = views[other]
    verdict = current.get(judg_sql.ordered(row.left_id, row.right_id))
    return {
        "left": row.left_id,
        "right": row.right_id,
        "other": {
            "id": other,
            "schema": proxy.schema.name,
            "caption": proxy.caption,
            "marking": combine(s.marking for s in used).to_dict(),
        },
        "merged": merged,
        "run": row.run_id,
        "schema": row.schema,
        "probability": round(row.probability, 6),
        "kind": row.kind,
        "explanation": json.loads(row.explanation),
        "judgement": None if verdict is None else verdict.verdict,
        "marking": node.catalogue.get(conn, row.marking_id).to_dict(),
    }


def _out_notice(row, contact: str | None) -> dict:
    return {**notices.render(row, contact), "count": row.count, "last": row.last_at}


def _in_notices(held: list) -> list[dict]:
    """Mirror notices, one per notice with the entity's records in it."""
    rows: dict[int, tuple] = {}
    for r in held:
        rows.setdefault(r.id, (r, []))[1].append((r.record_entity_id, r.record_collection))
    return [notices.render_mirror(row, records) for row, records in rows.values()]


__all__ = ["MAX_NOTICES", "MAX_PAIRS", "same_as", "same_as_of"]

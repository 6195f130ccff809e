"""`gugus xref review`: the candidate pairs still waiting for a person's
judgement, most probable first, as one reader may see them.

The xref part owns the pairs (``xref_pairs``, read through its visible
listing); this module owns what "undecided" means, from the reader's own
judgements view:

- both entities are visible to the reader (a pair naming a hidden entity is
  never shown, whatever its own marking);
- no visible current verdict "same" or "different" on the pair ("unsure" is
  still undecided and says so);
- the two are not already one resolved entity for the reader (a chain of
  other judgements joined them), and no "different" between their clusters
  keeps them apart (judging them "same" would change nothing).

The seam: ``fetch(conn, scope, limit, offset)`` answers the reader's visible
pairs, most probable first, as mappings with ``left``, ``right`` and
``probability`` (plus anything else to show, e.g. ``marking_id``,
``explanation``); :func:`review` pages over the undecided ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from sqlalchemy import Connection

from gugus.access import Reader, ReadScope
from gugus.audit import AuditEvent
from gugus.model.markings import TLP
from gugus.node import Node
from gugus.store import judgements as judg_sql
from gugus.store import statements as stmt_sql
from gugus.xref import resolver
from gugus.xref.resolver import DIFFERENT, SAME

Fetch = Callable[[Connection, ReadScope, int, int], list[Mapping]]
MAX_LIMIT = 500


def undecided(
    conn: Connection,
    scope: ReadScope,
    pairs: Iterable[Mapping],
    graphs: resolver.Graphs | None = None,
) -> list[dict]:
    """The pairs (in their order) the reader still has to decide, each with
    ``judgement``: the reader's current visible verdict ("unsure") or None."""
    pairs = list(pairs)
    ids = sorted({x for p in pairs for x in (p["left"], p["right"])})
    if not ids:
        return []
    visible = stmt_sql.visible_entities(conn, scope, ids)
    found = resolver.resolve(conn, scope, visible, graphs)
    current = judg_sql.for_pairs(conn, scope, [(p["left"], p["right"]) for p in pairs])
    out = []
    for p in pairs:
        left, right = p["left"], p["right"]
        if left not in visible or right not in visible or left == right:
            continue
        row = current.get(judg_sql.ordered(left, right))
        if row is not None and row.verdict in (SAME, DIFFERENT):
            continue
        if not found.check_candidate(left, right):
            continue
        out.append({**p, "judgement": None if row is None else row.verdict})
    return out


def review(
    node: Node,
    reader: Reader,
    fetch: Fetch,
    *,
    limit: int = 50,
    offset: int = 0,
    purpose: str | None = None,
) -> list[dict]:
    """One page of the reader's undecided pairs, most probable first."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    scope = node.scope(reader)
    wanted = offset + limit
    batch = max(4 * wanted, 200)
    kept: list[dict] = []
    with node.db.reader.connect() as conn:
        start = 0
        while len(kept) < wanted:
            page = fetch(conn, scope, batch, start)
            kept.extend(undecided(conn, scope, page, resolver.graphs_of(node)))
            if len(page) < batch:
                break
            start += batch
        result = kept[offset:wanted]
        marks = sorted({p["marking_id"] for p in result if p.get("marking_id") is not None})
        restricted = any(node.catalogue.get(conn, m).tlp is not TLP.CLEAR for m in marks)
    if restricted:
        node.audit.append(
            AuditEvent(
                "xref.review",
                reader.username,
                reader.org,
                sorted({x for p in result for x in (p["left"], p["right"])}),
                purpose,
                reader.audit_detail({"pairs": len(result)}),
                marks,
            )
        )
    return result


__all__ = ["Fetch", "review", "undecided"]

"""Matches of privacy-preserving matching as hit notices
(``gugus pprl match A.clk B.clk --notify --as USER``).

Each likely pair of a match between the reader's organisation's CLK file
and a partner's becomes a hit notice on the reader's side, through the one
hit-notice service (:mod:`gugus.share.notices`): kind ``person``, the
partner as holder, its contact point, a reference, the time, and the
reader's own record it is about.  Nothing else of the partner's side is
stored or shown: not its opaque record reference, not the similarity, not
the file's marking (docs/pprl.md, "Hit notices from a match").

Our side of each pair is mapped back to the record with the node's
reference key and the file's check value (no secret needed), among the
persons the reader may see in the collections named (default: every one the
reader may read): a pair whose reference names a record the reader may not
see raises nothing and is not told apart from a reference of another node.
The same pair notified again keeps its reference (the notice counts the
repeat).  Audited: each notice and its mirror, and the records read
(``pprl.notify``).
"""

from __future__ import annotations

from collections.abc import Sequence

from gugus.access import Reader
from gugus.audit import AuditEvent
from gugus.errors import InvalidInput, NotFound
from gugus.node import Node
from gugus.share.notices import Hit, HitGroup, record_hit_groups
from gugus.store import directory
from gugus.xref import pprl

SOURCE = "pprl"


def _collection_ids(node: Node, reader: Reader, names: Sequence[str]) -> list[int]:
    scope = node.scope(reader)
    with node.db.reader.connect() as conn:
        readable = {
            r.name: r.id for r in directory.list_collections(conn) if scope.allows(r.marking_id)
        }
    if not names:
        return sorted(readable.values())
    missing = [n for n in dict.fromkeys(names) if n not in readable]
    if missing:
        raise NotFound(f"collection {missing[0]!r} not found")
    return sorted({readable[n] for n in names})


def notify(
    node: Node,
    reader: Reader,
    result: dict,
    *,
    collections: Sequence[str] = (),
    purpose: str | None = None,
) -> dict:
    """Hit notices for the pairs of ``result`` (what :func:`pprl.match`
    returned): ``{"pairs": n, "notices": [notice as its recipient sees it]}``."""
    candidates = pprl.hit_candidates(result, reader.org)
    left, right = result["left"]["org"], result["right"]["org"]
    partner = right if left == reader.org else left
    if partner == reader.org:
        raise InvalidInput(f"both files were made by {reader.org}: no partner to notify about")
    if partner not in node.org_codes(refresh=True):
        raise InvalidInput(
            f"the partner organisation {partner!r} is not known on this node: "
            "add it first (gugus org add)"
        )
    ids = _collection_ids(node, reader, collections)
    wanted = {c["own_reference"] for c in candidates}
    with node.db.reader.connect() as conn:
        found, used = pprl.find_refs(
            conn, node.scope(reader), ids, pprl.reference_key(node), result["fingerprint"], wanted
        )
    groups = [
        HitGroup(
            f"pprl:{result['fingerprint']}:{c['own_reference']}:{c['reference']}",
            [Hit("person", partner, [])],
            found[c["own_reference"]],
        )
        for c in candidates
        if c["own_reference"] in found
    ]

    def read_event(_notices) -> list[AuditEvent]:
        return [
            AuditEvent(
                "pprl.notify",
                reader.username,
                reader.org,
                sorted({g.own_entity_id for g in groups}),
                purpose,
                reader.audit_detail(
                    {
                        "partner": partner,
                        "fingerprint": result["fingerprint"],
                        "notices": len(groups),
                    }
                ),
                sorted(used),
            )
        ]

    out = record_hit_groups(node, reader, groups, source=SOURCE, purpose=purpose, also=read_event)
    notices = [
        n | {"own_entity_id": g.own_entity_id}
        for g, ns in zip(groups, out, strict=True)
        for n in ns
    ]
    return {"pairs": len(candidates), "notices": notices}


__all__ = ["notify"]

"""The review queue, one pair at a time: what the review screen shows
(``GET /api/v1/xref/review/pair``, ``gugus xref pair``), and the number of
pairs waiting (``review_count``, for the home screen).

The queue is the reader's undecided pairs of the latest finished run (the
reader's own, else the node's latest; :mod:`gugus.xref.review` says what is
undecided): pairs nobody has judged first, most probable first, then the
pairs whose current verdict is "unsure" (so that answering "unsure" moves on
instead of showing the same pair again).  A judged pair leaves the queue,
so coming back starts at the first pair still to decide; ``position`` skips
ahead (past the end it wraps to the first).  Nothing is stored per user: a
colleague's judgement the reader may see takes the pair out of the reader's
queue too.

A pair comes with both entities side by side as the reader may see them
(read through :func:`gugus.reads.get_entity`, so audited like any entity
read): caption, schema, collections, marking, and per property each visible
value with its collection, origin and own marking; and the pair's
explanation in words (:mod:`gugus.xref.explain`).
"""

from __future__ import annotations

from followthemoney import model

from gugus import reads
from gugus.access import Reader
from gugus.audit import AuditEvent
from gugus.model.markings import TLP
from gugus.node import Node
from gugus.store import xref as xref_sql
from gugus.xref import resolver
from gugus.xref import review as review_mod
from gugus.xref.explain import explain
from gugus.xref.records import PROPS
from gugus.xref.resolver import UNSURE
from gugus.xref.runs import pair_view


def _latest_run(conn, reader: Reader):
    return xref_sql.latest_done_run(conn, reader.username) or xref_sql.latest_done_run(conn)


def _pending(node: Node, reader: Reader) -> tuple[int | None, list[dict]]:
    """(run id, the reader's whole queue in order: ``id``, ``left``,
    ``right``, ``judgement``); (None, []) before any run."""
    scope = node.scope(reader)
    with node.db.reader.connect() as conn:
        run = _latest_run(conn, reader)
        if run is None:
            return None, []
        keys = xref_sql.pair_keys(conn, scope, run.id)
        pairs = [{"id": k.id, "left": k.left_id, "right": k.right_id} for k in keys]
        open_ = review_mod.undecided(conn, scope, pairs, resolver.graphs_of(node))
    # Stable: most probable first within each part.
    open_.sort(key=lambda p: p["judgement"] == UNSURE)
    return run.id, open_


def review_count(node: Node, reader: Reader) -> int:
    """How many pairs wait for the reader's judgement: exactly the queue's
    length, counting only what the reader may see.  A count shows no
    content and is not audited (the home screen asks on every visit)."""
    return len(_pending(node, reader)[1])


def review_pair(
    node: Node, reader: Reader, *, position: int = 0, purpose: str | None = None
) -> dict:
    """The pair at ``position`` (0: the first still to decide) of the
    reader's queue, with both entities side by side; ``pair`` is None when
    nothing waits.  ``total``: the queue's length."""
    position = max(0, int(position))
    run_id, queue = _pending(node, reader)
    view: dict = {"run": run_id, "total": len(queue), "position": 0, "pair": None}
    if not queue:
        return view
    position %= len(queue)
    item = queue[position]
    with node.db.reader.connect() as conn:
        row = xref_sql.get_pair(conn, node.scope(reader), item["id"])
        if row is None:  # hidden since (marked again): the queue moved on
            return review_pair(node, reader, position=position, purpose=purpose)
        marking = node.catalogue.get(conn, row.marking_id)
    pair = pair_view(row, marking)
    if marking.tlp is not TLP.CLEAR:
        node.audit.append(
            AuditEvent(
                "xref.review",
                reader.username,
                reader.org,
                [row.left_id, row.right_id],
                purpose,
                reader.audit_detail({"pairs": 1, "position": position}),
                [row.marking_id],
            )
        )
    sides = {
        side: reads.get_entity(node, reader, eid, purpose=purpose, with_statements=True)
        for side, eid in (("left", row.left_id), ("right", row.right_id))
    }
    items = explain(pair.pop("explanation"))
    pair.update(
        judgement=item["judgement"],
        explanation=items,
        sides={
            side: _side(sides[side], eid)
            for side, eid in (("left", pair["left"]), ("right", pair["right"]))
        },
        fields=side_by_side(sides["left"], sides["right"], items),
    )
    view.update(position=position, pair=pair)
    return view


def _side(entity: dict, entity_id: str) -> dict:
    side = {
        "entity_id": entity_id,
        "id": entity["id"],
        "caption": entity["caption"],
        "schema": entity["schema"],
        "collections": entity["collections"],
        "marking": entity["marking"],
    }
    if "members" in entity:
        side["members"] = entity["members"]
    return side


def _values(entity: dict, prop: str) -> list[dict]:
    return [
        {
            "value": s["value"],
            "marking": s["marking"],
            "collection": s["collection"],
            "origin": s["origin"],
        }
        for s in entity["statements"]
        if s["prop"] == prop
    ]


def _label(schema: str, prop: str) -> str:
    found = model.get(schema)
    prop_ = found.get(prop) if found is not None else None
    return prop_.label if prop_ is not None else prop


def side_by_side(left: dict, right: dict, items: list[dict]) -> list[dict]:
    """One row per property either side shows (the compared ones first, in
    the model's order): ``prop``, ``label``, ``left`` and ``right`` values
    (each with marking, collection, origin), ``compared`` (the explanation
    fields that read it)."""
    props = {s["prop"] for e in (left, right) for s in e["statements"] if s["prop"] != "id"}
    family = "Person" if left["schema"] == "Person" or right["schema"] == "Person" else ""
    first = PROPS.get(family or "Organization", ())
    order = [p for p in first if p in props] + sorted(props - set(first))
    return [
        {
            "prop": prop,
            "label": _label(left["schema"], prop),
            "left": _values(left, prop),
            "right": _values(right, prop),
            "compared": [i["field"] for i in items if prop in i["props"]],
        }
        for prop in order
    ]


__all__ = ["review_count", "review_pair", "side_by_side"]

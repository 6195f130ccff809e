"""Selector correlation: entities that share an exact selector.

Phones (E.164), e-mail addresses, identity numbers, passports, accounts and
plates — including the ``Mention``\\ s document extraction produced — are
grouped by normalised value in SQL (:func:`gugus.store.xref.shared_selectors`);
only the members of groups of at most ``cap`` entities are read and paired.
A value shared by more (a switchboard, a shelter's phone) is reported as a
count, never as the value and never exploded into pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

from sqlalchemy import Connection

from gugus.access import ReadScope
from gugus.store import xref as xref_sql

DEFAULT_CAP = 20
LABELS = {
    "phone": "phone",
    "email": "e-mail",
    "identity": "identity number",
    "passport": "passport",
    "account": "account",
    "plate": "plate",
    "mention": "identifier",
}


@dataclass
class Correlated:
    pairs: list[dict] = field(
        default_factory=list
    )  # left, right, schema, kind, explanation, inputs
    capped: list[dict] = field(default_factory=list)  # kind, entities (count only)


def _kind(family: str, kinds: set[str]) -> str:
    if family in ("phone", "email"):
        return family
    named = kinds - {"mention"}
    return named.pop() if len(named) == 1 else "identifier"


def correlate(
    conn: Connection, scope: ReadScope, collection_ids: list[int], cap: int = DEFAULT_CAP
) -> Correlated:
    """Pairs of visible entities sharing a selector; each pair lists the
    marking ids of the statements that carried the value on both sides
    (``inputs``), for the pair's combined marking."""
    members, capped = xref_sql.shared_selectors(conn, scope, collection_ids, cap)
    out = Correlated()
    groups: dict[tuple[str, str], list] = {}
    for row in members:
        groups.setdefault((row.family, row.value), []).append(row)
    merged: dict[tuple[str, str, str], dict] = {}
    for (family, _value), rows in groups.items():
        marks: dict[str, set[int]] = {}
        schema: dict[str, str] = {}
        for r in rows:
            got = marks.setdefault(r.entity, set())
            got.add(r.marking_id)
            if r.holder_marking is not None:
                got.add(r.holder_marking)
            schema.setdefault(r.entity, r.schema)
        kind = _kind(family, {r.kind for r in rows})
        for left, right in combinations(sorted(marks), 2):
            key = (left, right, kind)
            pair = merged.get(key)
            if pair is None:
                pair = merged[key] = {
                    "left": left,
                    "right": right,
                    "schema": schema[left] if schema[left] == schema[right] else "Thing",
                    "kind": kind,
                    "probability": 1.0,
                    "explanation": {"selector": {"kind": LABELS.get(kind, kind), "shared": 0}},
                    "inputs": set(),
                }
            sel = pair["explanation"]["selector"]
            sel["shared"] += 1
            sel["entities"] = max(sel.get("entities", 0), len(marks))
            pair["inputs"] |= marks[left] | marks[right]
    out.pairs = list(merged.values())
    out.capped = [
        {"kind": LABELS.get(_kind(r.family, {r.kind}), r.kind), "entities": int(r.n)}
        for r in capped
    ]
    return out

"""A finished xref run stored straight into a node, for the review queue's
tests (service, API, CLI, pages): the pairs a run would have stored, each
with the most restrictive marking of every statement of both entities, as
:func:`gugus.xref.runs._store` gives them.

``PAIRS`` name entities of the judgement world (tests/judgeworld.py):

    h1 (MX only) – u1 (CLEAR)         0.99  model
    a1 (REL TO US; birth date MX only) – u1   0.95  model
    a2 – u2                           0.90  model
    u1 – u3                           0.80  selector (a shared phone)
    a1 – u3                           0.70  model
    u1 – u2                           0.60  model
    a2 – u3                           0.50  model
    h1 – r1 (GT RED, recipient mx)    0.40  model
"""

from __future__ import annotations

from sqlalchemy import select

from gugus import clock
from gugus.model.markings import combine
from gugus.store import xref as xref_sql
from gugus.store.markings import store_markings
from gugus.store.tables import statements

EXPLAINED = {
    "given": {"level": "Exact match on given", "weight": 6.5},
    "surname": {"level": "Jaro-Winkler distance of s1 >= 0.92", "weight": 4.2},
    "birth_date": {"level": "All other comparisons", "weight": -6.1},
}
SHARED_PHONE = {"selector": {"kind": "phone", "shared": 1, "entities": 2}}
PAIRS = [
    ("h1", "u1", 0.99, "model"),
    ("a1", "u1", 0.95, "model"),
    ("a2", "u2", 0.9, "model"),
    ("u1", "u3", 0.8, "phone"),
    ("a1", "u3", 0.7, "model"),
    ("u1", "u2", 0.6, "model"),
    ("a2", "u3", 0.5, "model"),
    ("h1", "r1", 0.4, "model"),
]


def pair_marking(node, left: str, right: str):
    """What a run by someone who sees everything stores: the combined
    marking of every statement of both entities."""
    with node.db.reader.connect() as conn:
        mids = conn.execute(
            select(statements.c.marking_id).where(statements.c.entity_id.in_([left, right]))
        ).scalars()
        return combine(node.catalogue.get(conn, m) for m in sorted(set(mids)))


def store_run(node, ids, pairs=PAIRS, username: str = "mx", org: str = "MX") -> int:
    """A done run holding ``pairs`` (short names mapped by ``ids``)."""
    rows = []
    for a, b, probability, kind in pairs:
        left, right = sorted((ids(a), ids(b)))
        rows.append(
            {
                "left": left,
                "right": right,
                "schema": "Person",
                "probability": probability,
                "kind": kind,
                "explanation": dict(SHARED_PHONE if kind != "model" else EXPLAINED),
                "marking": pair_marking(node, left, right),
            }
        )
    now = clock.now_iso()
    with node.db.writer.begin() as conn:
        run_id = xref_sql.create_run(conn, username, org, "duckdb", [], now)
        stored = store_markings(conn, list({r["marking"].key: r["marking"] for r in rows}.values()))
        for r in rows:
            r["marking_id"] = stored[r.pop("marking").key]
        xref_sql.insert_pairs(conn, run_id, rows)
        xref_sql.update_run(conn, run_id, status="done", finished_at=now, counts={}, notes=[])
    return run_id

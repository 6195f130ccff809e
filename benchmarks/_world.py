"""Shared set-up of the scope benchmarks: a node with two organisations and
statements written through the store (works on the code before and after
issue #7's grants, so "before" figures come from the same script)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from gugus import admin
from gugus.model.markings import Marking
from gugus.model.statements import statement_id
from gugus.node import Node
from gugus.store import directory
from gugus.store import statements as stmt_sql
from gugus.store.tables import markings

NOW = "2025-01-01T00:00:00.000000Z"


def throwaway_postgres():
    """A throwaway PostgreSQL server (the test suite's, tests/pgserver.py)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from pgserver import PostgresServer

    server = PostgresServer()
    server.start()
    return server


def new_node(url: str) -> Node:
    node = Node(url)
    node.db.migrate()
    with node.db.writer.begin() as conn:
        directory.add_organisation(conn, "MX-FGR", "FGR", "MX")
        directory.add_organisation(conn, "US-HSI", "HSI", "US")
        directory.add_user(conn, "ana", "US-HSI", "analyst", "not-a-hash")
    return node


def collection(node: Node, name: str, tlp: str, release_to=None):
    admin.add_collection(node, name, "MX-FGR", tlp, None, release_to=release_to)
    with node.db.reader.connect() as conn:
        return directory.get_collection(conn, name)


def row(coll, mid: int, entity_id: str, value: str) -> dict:
    return {
        "id": statement_id(coll.name, entity_id, "name", value),
        "entity_id": entity_id,
        "schema": "Person",
        "prop": "name",
        "prop_type": "name",
        "value": value,
        "search_text": stmt_sql.fold(value),
        "collection_id": coll.id,
        "marking_id": mid,
        "origin": "bench",
        "first_seen": NOW,
        "last_seen": NOW,
    }


def write(node: Node, rows: list[dict], batch: int = 20000) -> None:
    for start in range(0, len(rows), batch):
        with node.db.writer.begin() as conn:
            stmt_sql.upsert(conn, node.db.dialect, rows[start : start + batch])


def store_markings(node: Node, marks: list[Marking]) -> list[int]:
    """Ids of many new markings, stored in bulk (the store's bulk path when
    it has one, else rows of the original schema)."""
    try:
        from gugus.store.markings import store_markings as bulk
    except ImportError:  # the code before grants: no audience to compute
        bulk = None
    ids: list[int] = []
    for start in range(0, len(marks), 10000):
        part = marks[start : start + 10000]
        with node.db.writer.begin() as conn:
            if bulk is not None:
                found = bulk(conn, part)
                ids += [found[m.key] for m in part]
                continue
            rows = conn.execute(
                markings.insert().returning(markings.c.key, markings.c.id),
                [
                    {
                        "key": m.key,
                        "tlp": m.tlp.value,
                        "handling": "",
                        "handling_text": None,
                        "release_to": ",".join(sorted(m.release_to)),
                        "recipients": "",
                        "originator": m.originator,
                        "purpose": m.purpose,
                    }
                    for m in part
                ],
            )
            found = {r.key: r.id for r in rows}
            ids += [found[m.key] for m in part]
    return ids


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def summary(values: list[float]) -> str:
    return (
        f"p50 {pct(values, 0.5):7.2f} ms  p95 {pct(values, 0.95):7.2f} ms  "
        f"mean {statistics.fmean(values) * 1000:7.2f} ms  (n={len(values)})"
    )

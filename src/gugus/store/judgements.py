"""Judgement rows: append-only history, read through the reader's scope.

A pair is stored in canonical order (``left_id < right_id``).  Nothing here
decides visibility: every read filters the rows' ``marking_id`` with
:func:`gugus.store.grants.visible`, and callers check the entities themselves
(:func:`gugus.store.statements.visible_entities`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, func, insert, or_, select

from gugus.access import ReadScope
from gugus.store import grants
from gugus.store.rows import raw_rows
from gugus.store.tables import judgements

_CHUNK = 500  # ids per IN list


def id_key(entity_id: str) -> str:
    """The SHA-1 of an entity id: what a canonical id is made of."""
    return hashlib.sha1(entity_id.encode("utf-8")).hexdigest()  # noqa: S324 - an id, not a secret


def ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def add(
    conn: Connection,
    a: str,
    b: str,
    *,
    verdict: str,
    reason: str | None,
    username: str,
    org: str,
    created_at: str,
    marking_id: int,
) -> int:
    """Store one judgement (inside a write transaction); answers its id."""
    left, right = ordered(a, b)
    return conn.execute(
        insert(judgements)
        .values(
            left_id=left,
            right_id=right,
            left_key=id_key(left),
            right_key=id_key(right),
            verdict=verdict,
            reason=reason,
            username=username,
            org=org,
            created_at=created_at,
            marking_id=marking_id,
        )
        .returning(judgements.c.id)
    ).scalar_one()


def _chunks(ids: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def touching(conn: Connection, scope: ReadScope | None, entity_ids: Iterable[str]) -> list:
    """Every judgement row (history, oldest first) naming one of the
    entities, only those the scope may see (``scope=None``: all, for
    node-level work such as a system xref run)."""
    ids = sorted(set(entity_ids))
    found: dict[int, object] = {}
    for part in _chunks(ids):
        query = select(judgements).where(
            or_(judgements.c.left_id.in_(part), judgements.c.right_id.in_(part))
        )
        if scope is not None:
            query = query.where(grants.visible(scope, judgements.c.marking_id))
        found.update((row.id, row) for row in conn.execute(query))
    return [found[i] for i in sorted(found)]


def latest(rows: Iterable) -> dict[tuple[str, str], object]:
    """The latest row of each pair among ``rows`` (the current verdict)."""
    out: dict[tuple[str, str], object] = {}
    for row in sorted(rows, key=lambda r: r.id):
        out[(row.left_id, row.right_id)] = row
    return out


def for_pairs(
    conn: Connection, scope: ReadScope | None, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], object]:
    """The current (latest visible) row of each given pair that has one,
    keyed by the pair in canonical order."""
    wanted = {ordered(a, b) for a, b in pairs}
    if not wanted:
        return {}
    rows = touching(conn, scope, sorted({left for left, _ in wanted}))
    return {k: v for k, v in latest(rows).items() if k in wanted}


def ids_with_key(conn: Connection, key: str) -> set[str]:
    """Entity ids with a judgement whose id hashes to ``key``."""
    left = select(judgements.c.left_id).where(judgements.c.left_key == key)
    right = select(judgements.c.right_id).where(judgements.c.right_key == key)
    return set(conn.execute(left).scalars()) | set(conn.execute(right).scalars())


# Built once: reads run it on every entity read and search (no per-call
# statement construction).
_LAST_ID = select(func.coalesce(func.max(judgements.c.id), 0))


def last_id(conn: Connection) -> int:
    """The newest judgement's id (ids are never reused: AUTOINCREMENT on
    SQLite, a sequence on PostgreSQL), 0 when there is none."""
    return raw_rows(conn, _LAST_ID)[0][0]


def visible_edges(conn: Connection, scope: ReadScope) -> list:
    """(id, left_id, right_id, verdict) of every judgement the reader may
    see, oldest first."""
    query = (
        select(judgements.c.id, judgements.c.left_id, judgements.c.right_id, judgements.c.verdict)
        .where(grants.visible(scope, judgements.c.marking_id))
        .order_by(judgements.c.id)
    )
    return conn.execute(query).all()

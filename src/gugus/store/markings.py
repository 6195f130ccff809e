"""Stored markings: each distinct marking is kept once and referenced by id."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from gugus.model.markings import TLP, Marking
from gugus.store.tables import markings


def _row_to_marking(row) -> Marking:
    return Marking.build(
        TLP(row.tlp),
        row.originator,
        row.handling.split(",") if row.handling else [],
        row.handling_text,
        row.release_to.split(",") if row.release_to else [],
        row.recipients.split(",") if row.recipients else [],
        row.purpose,
    )


def marking_id(conn: Connection, marking: Marking, cache: dict | None = None) -> int:
    """Id of a stored marking, storing it first if new (call inside a write transaction)."""
    if cache is not None and marking.key in cache:
        return cache[marking.key]
    found = conn.execute(select(markings.c.id).where(markings.c.key == marking.key)).scalar()
    if found is None:
        found = conn.execute(
            insert(markings)
            .values(
                key=marking.key,
                tlp=marking.tlp.value,
                handling=",".join(sorted(marking.handling)),
                handling_text=marking.handling_text,
                release_to=",".join(sorted(marking.release_to)),
                recipients=",".join(sorted(marking.recipients)),
                originator=marking.originator,
                purpose=marking.purpose,
            )
            .returning(markings.c.id)
        ).scalar_one()
    if cache is not None:
        cache[marking.key] = found
    return found


def markings_by_ids(conn: Connection, ids: list[int]) -> dict[int, Marking]:
    rows = conn.execute(select(markings).where(markings.c.id.in_(ids)))
    return {row.id: _row_to_marking(row) for row in rows}


def markings_since(conn: Connection, after_id: int) -> list[tuple[int, Marking]]:
    rows = conn.execute(select(markings).where(markings.c.id > after_id).order_by(markings.c.id))
    return [(row.id, _row_to_marking(row)) for row in rows]


class MarkingCatalogue:
    """All stored markings, kept in memory (markings are immutable, only
    appended; there are few distinct ones)."""

    def __init__(self) -> None:
        self.by_id: dict[int, Marking] = {}
        self.max_id = 0

    def refresh(self, conn: Connection) -> None:
        for mid, marking in markings_since(conn, self.max_id):
            self.by_id[mid] = marking
            self.max_id = max(self.max_id, mid)

    def get(self, conn: Connection, mid: int) -> Marking:
        if mid not in self.by_id:
            self.refresh(conn)
        return self.by_id[mid]

    def items(self) -> list[tuple[int, Marking]]:
        return list(self.by_id.items())

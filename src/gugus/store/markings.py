"""Stored markings: each distinct marking is kept once and referenced by id."""

from __future__ import annotations

import threading

from sqlalchemy import Connection, func, insert, select

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
    """All stored markings, kept in memory (markings are immutable, only ever
    added, and few).  Refresh it only through connections that see committed
    data: a marking of an uncommitted transaction could be rolled back and its
    id reused.

    PostgreSQL may commit marking ids out of order, so the catalogue reloads
    whenever the stored count differs from what it holds, not only past the
    highest id it knows.
    """

    def __init__(self) -> None:
        self.by_id: dict[int, Marking] = {}
        self.by_key: dict[str, int] = {}
        self.version = 0
        self._lock = threading.Lock()

    def refresh(self, conn: Connection) -> None:
        stored = conn.execute(select(func.count()).select_from(markings)).scalar_one()
        with self._lock:
            if stored == len(self.by_id):
                return
        rows = conn.execute(select(markings).order_by(markings.c.id)).all()
        with self._lock:
            for row in rows:
                if row.id not in self.by_id:
                    self.by_id[row.id] = _row_to_marking(row)
                    self.by_key[row.key] = row.id
            self.version += 1

    def get(self, conn: Connection, mid: int) -> Marking:
        marking = self.by_id.get(mid)
        if marking is None:
            self.refresh(conn)
            marking = self.by_id.get(mid)
        if marking is None:  # committed after the count was read
            found = markings_by_ids(conn, [mid])
            if mid not in found:
                raise KeyError(f"marking {mid} not found")
            with self._lock:
                self.by_id[mid] = found[mid]
                self.by_key[found[mid].key] = mid
                self.version += 1
            marking = found[mid]
        return marking

    def id_of(self, marking: Marking) -> int | None:
        """The stored id of a marking this catalogue holds (statements read
        through it carry the catalogue's markings)."""
        return self.by_key.get(marking.key)

    def snapshot(self) -> tuple[int, list[tuple[int, Marking]]]:
        """(version, items) read together."""
        with self._lock:
            return self.version, list(self.by_id.items())

"""Stored markings: each distinct marking is kept once and referenced by id,
with its audience (and so its grants, store/grants.py) stored in the same
transaction."""

from __future__ import annotations

import threading

from sqlalchemy import Connection, insert, select

from gugus.access import audience
from gugus.model.markings import TLP, Marking
from gugus.store.grants import audience_id
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
            .values(_row(marking, audience_id(conn, marking)))
            .returning(markings.c.id)
        ).scalar_one()
    if cache is not None:
        cache[marking.key] = found
    return found


def _row(marking: Marking, audience: int) -> dict:
    return {
        "audience_id": audience,
        "key": marking.key,
        "tlp": marking.tlp.value,
        "handling": ",".join(sorted(marking.handling)),
        "handling_text": marking.handling_text,
        "release_to": ",".join(sorted(marking.release_to)),
        "recipients": ",".join(sorted(marking.recipients)),
        "originator": marking.originator,
        "purpose": marking.purpose,
    }


def store_markings(conn: Connection, items: list[Marking], batch: int = 1000) -> dict[str, int]:
    """Ids of many markings by key, storing the new ones in bulk (inside a
    write transaction): a few statements per thousand markings."""
    out: dict[str, int] = {}
    audiences: dict[str, int] = {}
    unique = list({m.key: m for m in items}.values())
    for start in range(0, len(unique), batch):
        part = unique[start : start + batch]
        found = conn.execute(
            select(markings.c.key, markings.c.id).where(markings.c.key.in_([m.key for m in part]))
        )
        out.update({row.key: row.id for row in found})
        new = []
        for m in part:
            if m.key not in out:
                aud = audience(m).key
                if aud not in audiences:
                    audiences[aud] = audience_id(conn, m)
                new.append(_row(m, audiences[aud]))
        if new:
            rows = conn.execute(insert(markings).returning(markings.c.key, markings.c.id), new)
            out.update({row.key: row.id for row in rows})
    return out


def markings_by_ids(conn: Connection, ids: list[int]) -> dict[int, Marking]:
    rows = conn.execute(select(markings).where(markings.c.id.in_(ids)))
    return {row.id: _row_to_marking(row) for row in rows}


class MarkingCatalogue:
    """A bounded cache of stored markings by id, filled on demand.

    Markings are immutable and a committed id never changes meaning, so a
    marking found through a connection that sees committed data can be kept;
    an id not found is not remembered (it may be committed later).  Reads
    never load every marking: there may be hundreds of thousands.
    """

    def __init__(self, size: int = 50_000) -> None:
        self.by_id: dict[int, Marking] = {}
        self.by_key: dict[str, int] = {}
        self.size = size
        self._lock = threading.Lock()

    def find(self, conn: Connection, mid: int) -> Marking | None:
        marking = self.by_id.get(mid)
        if marking is None:
            marking = markings_by_ids(conn, [mid]).get(mid)
            if marking is not None:
                with self._lock:
                    if len(self.by_id) >= self.size:
                        self.by_id.clear()
                        self.by_key.clear()
                    self.by_id[mid] = marking
                    self.by_key[marking.key] = mid
        return marking

    def id_of(self, marking: Marking) -> int | None:
        """The stored id of a marking this catalogue returned (statements
        read through it carry the catalogue's markings); None if evicted."""
        return self.by_key.get(marking.key)

    def get(self, conn: Connection, mid: int) -> Marking:
        marking = self.find(conn, mid)
        if marking is None:
            raise KeyError(f"marking {mid} not found")
        return marking

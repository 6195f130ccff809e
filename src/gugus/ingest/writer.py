"""The statement writer: the one write path from cleaned entities to the store.

An import runs in one write transaction: it commits whole or not at all, and a
re-run of the same input is idempotent (statement ids are stable; a statement
seen again only moves its last_seen).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection

from gugus.admin import check_marking
from gugus.clock import now_iso
from gugus.errors import InvalidInput, Msg, joined
from gugus.model.markings import Marking, combine
from gugus.model.search_words import index_text
from gugus.model.statements import statement_id
from gugus.store import match as match_sql
from gugus.store import statements as stmt_sql
from gugus.store.db import Dialect
from gugus.store.markings import marking_id, markings_by_ids

BATCH = 5000
MID = stmt_sql.ROW_FIELDS.index("marking_id")


@dataclass
class Summary:
    collection: str
    source: str
    entities: int = 0
    statements: int = 0
    lines: int = 0
    skipped: int = 0
    dropped: int = 0
    kept_stricter: int = 0
    namespace: str | None = None  # the organisation whose namespace signs the ids
    errors: list[dict] = field(default_factory=list)
    dropped_values: list[dict] = field(default_factory=list)
    # The online match of the loaded entities (gugus.xref.match.match_loaded):
    # organisations whose visible records match, and hit notices for hidden ones.
    possibly_known_to: list[dict] = field(default_factory=list)
    notices: list[dict] = field(default_factory=list)  # the first 20 (of notices_total)
    notices_total: int = 0

    def add_dropped(self, dropped: list[dict]) -> None:
        """Count dropped values; keep the first 20 as examples for the report."""
        if dropped:
            self.dropped += len(dropped)
            room = 20 - len(self.dropped_values)
            if room > 0:
                self.dropped_values.extend(dropped[:room])

    def to_dict(self) -> dict:
        return {
            "collection": self.collection,
            "source": self.source,
            "lines": self.lines,
            "entities": self.entities,
            "statements": self.statements,
            "skipped_lines": self.skipped,
            "dropped_values": self.dropped,
            "kept_stricter_markings": self.kept_stricter,
            "namespace": self.namespace,
            "errors": self.errors[:100],
            "dropped_examples": self.dropped_values[:20],
            "possibly_known_to": self.possibly_known_to,
            "notices": self.notices[:20],
            "notices_total": self.notices_total,
        }


class StatementWriter:
    """Buffers statement rows for one collection inside an open transaction."""

    def __init__(self, conn: Connection, dialect: Dialect, collection, base: Marking) -> None:
        self.conn = conn
        self.dialect = dialect
        self.collection = collection
        self.base = base
        self.now = now_iso()
        self._marking_ids: dict[str, int] = {}
        self._markings: dict[int, Marking] = {}
        self._checked: set[tuple[str, str]] = set()
        self.base_id = self._store(base)
        self.kept_stricter = 0
        self._rows: dict[str, tuple] = {}
        self._upserter = stmt_sql.Upserter(conn, dialect)
        # The online match's blocking index, kept current in the same transaction.
        self.keys = match_sql.KeyWriter(conn, dialect)
        self.written = 0

    def _store(self, marking: Marking) -> int:
        mid = marking_id(self.conn, marking, self._marking_ids)
        self._markings[mid] = marking
        return mid

    def marking_for(self, data, where: str, floor: int | None = None) -> int:
        """Id of an override marking given in the input, after checking it is
        not looser than the collection's nor than ``floor`` (the line's own
        marking, for a property marking)."""
        marking = Marking.from_dict(data, self.base.originator, where=where)
        floor_marking = self._markings[floor] if floor is not None else self.base
        if (marking.key, floor_marking.key) not in self._checked:
            for bound, what in (
                (self.base, Msg("collection %(name)r's marking", name=self.collection.name)),
                (floor_marking, Msg("the line's marking")),
            ):
                problems = marking.loosening_against(bound)
                if problems:
                    raise InvalidInput(
                        Msg(
                            "%(where)s: looser than %(what)s (%(bound)s): %(problems)s",
                            where=where,
                            what=what,
                            bound=bound.label(),
                            problems=joined(problems),
                        )
                    )
            check_marking(self.conn, marking, where)
            self._checked.add((marking.key, floor_marking.key))
        return self._store(marking)

    def _resolve(self, old: int, new: int) -> int:
        """The marking a statement keeps when loaded again: a new marking may
        tighten the old one; one that would loosen it is combined with it
        (most restrictive of both), so a re-load never widens visibility."""
        if old == new:
            return new
        missing = [m for m in (old, new) if m not in self._markings]
        if missing:
            self._markings.update(markings_by_ids(self.conn, missing))
        old_m, new_m = self._markings[old], self._markings[new]
        if not new_m.loosening_against(old_m):
            return new
        self.kept_stricter += 1
        return self._store(combine([old_m, new_m]))

    def add(
        self,
        entity_id: str,
        schema: str,
        prop: str,
        prop_type: str,
        value: str,
        mid: int,
        origin: str,
    ) -> None:
        sid = statement_id(self.collection.name, entity_id, prop, value)
        previous = self._rows.get(sid)
        if previous is not None:
            mid = self._resolve(previous[MID], mid)
        # Same order as stmt_sql.ROW_FIELDS.  Keyed by statement id: a value
        # repeated within one batch is written once.
        self._rows[sid] = (
            sid,
            entity_id,
            schema,
            prop,
            prop_type,
            value,
            index_text(prop_type, value),
            self.collection.id,
            mid,
            origin,
            self.now,
            self.now,
        )
        if len(self._rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self._rows:
            rows = list(self._rows.values())
            existing = stmt_sql.existing_markings(self.conn, [(r[1], r[0]) for r in rows])
            if existing:
                rows = [
                    r
                    if r[0] not in existing
                    else (*r[:MID], self._resolve(existing[r[0]], r[MID]), *r[MID + 1 :])
                    for r in rows
                ]
            self._upserter.write(rows)
            self.keys.write(rows)
            self.written += len(self._rows)
            self._rows = {}

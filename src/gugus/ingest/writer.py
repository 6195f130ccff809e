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
from gugus.errors import InvalidInput
from gugus.model.markings import Marking
from gugus.model.statements import statement_id
from gugus.store import statements as stmt_sql
from gugus.store.db import Dialect
from gugus.store.markings import marking_id

BATCH = 5000


@dataclass
class Summary:
    collection: str
    source: str
    entities: int = 0
    statements: int = 0
    lines: int = 0
    skipped: int = 0
    dropped: int = 0
    errors: list[dict] = field(default_factory=list)
    dropped_values: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "collection": self.collection,
            "source": self.source,
            "lines": self.lines,
            "entities": self.entities,
            "statements": self.statements,
            "skipped_lines": self.skipped,
            "dropped_values": self.dropped,
            "errors": self.errors[:100],
            "dropped_examples": self.dropped_values[:20],
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
        self._checked: set[str] = set()
        self.base_id = marking_id(conn, base, self._marking_ids)
        self._rows: dict[str, tuple] = {}
        self._upserter = stmt_sql.Upserter(conn, dialect)
        self.written = 0

    def marking_for(self, data, where: str) -> int:
        """Id of an override marking given in the input, after checking it is
        not looser than the collection's."""
        marking = Marking.from_dict(data, self.base.originator, where=where)
        if marking.key not in self._checked:
            problems = marking.loosening_against(self.base)
            if problems:
                raise InvalidInput(
                    f"{where}: looser than collection {self.collection.name!r}'s marking "
                    f"({self.base.label()}): " + "; ".join(problems)
                )
            check_marking(self.conn, marking, where)
            self._checked.add(marking.key)
        return marking_id(self.conn, marking, self._marking_ids)

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
        # Same order as stmt_sql.ROW_FIELDS.  Keyed by statement id: a value
        # repeated within one batch is written once (the last marking wins).
        self._rows[sid] = (
            sid,
            entity_id,
            schema,
            prop,
            prop_type,
            value,
            stmt_sql.fold(value) if prop_type in stmt_sql.SEARCH_TYPES else None,
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
            self._upserter.write(list(self._rows.values()))
            self.written += len(self._rows)
            self._rows = {}

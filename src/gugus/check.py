"""`gugus check`: is the stored data what was written?

Two checks, both read-only:

1. the database engine's own integrity check (SQLite ``PRAGMA
   integrity_check``; PostgreSQL: every row of every table is read);
2. every statement's content against its id: a statement id is the hash of
   (collection, entity id, property, value) (:func:`statement_id`), so a
   changed byte in any of them — a flipped digit of an e-mail — no longer
   matches; its search text must be what the store writes for its value
   and its marking's audience (:func:`gugus.store.statements.search_terms`);
   on SQLite, the search's copy of each indexed statement's marking and
   entity (``search_keys``) must be the statement's, and the data version
   searches are cached under must be trustworthy (its row and every
   trigger that raises it: :func:`gugus.store.generation.problems`), and
   its index of entities must be its statements' (every trigger present;
   each document's collections, schemata, countries and words:
   :func:`gugus.store.entity_words.problems`).

What is damaged is named by table, row key, statement id and entity id —
never by the stored value.  Statements are streamed in batches: memory does
not grow with the size of the store.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError

from gugus.model.search_words import index_text
from gugus.model.statements import statement_id
from gugus.node import Node
from gugus.store import entity_words, generation, integrity
from gugus.store.faults import translate
from gugus.store.statements import search_terms

LIMIT = 100  # damaged rows listed (all are counted)
_HEX40 = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True, slots=True)
class Damage:
    table: str
    problem: str
    pk: int | None = None
    statement_id: str | None = None
    entity_id: str | None = None

    def to_dict(self) -> dict:
        names = ("table", "problem", "pk", "statement_id", "entity_id")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}

    def line(self) -> str:
        where = [self.table]
        if self.pk is not None:
            where.append(f"row {self.pk}")
        if self.statement_id:
            where.append(f"statement {self.statement_id}")
        if self.entity_id:
            where.append(f"entity {self.entity_id}")
        return f"{', '.join(where)}: {self.problem}"


@dataclass
class CheckResult:
    database: str
    statements: int = 0
    damaged_count: int = 0
    damaged: list[Damage] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.damaged_count == 0

    def add(self, damage: Damage) -> None:
        self.damaged_count += 1
        if len(self.damaged) < LIMIT:
            self.damaged.append(damage)

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "database": self.database,
            "statements": self.statements,
            "damaged_count": self.damaged_count,
            "damaged": [d.to_dict() for d in self.damaged],
        }


def check(
    node: Node, *, quick: bool = False, progress: Callable[[int], None] | None = None
) -> CheckResult:
    """Check the store; damage is reported in the result, never raised."""
    db = node.db
    result = CheckResult(repr(db))
    try:
        with db.reader.connect() as conn:
            integrity.begin_snapshot(conn, db.dialect)
            for problem in integrity.engine_check(conn, db.dialect, quick=quick, limit=LIMIT):
                result.add(Damage("database", problem))
            names = integrity.collection_names(conn)
            audiences = integrity.marking_audiences(conn)
            for batch in integrity.statement_batches(conn, db.dialect):
                for row in batch:
                    _check_row(row, names, audiences, result)
                result.statements += len(batch)
                if progress is not None:
                    progress(result.statements)
            for pk in integrity.search_key_mismatches(conn, db.dialect):
                result.add(Damage("search_keys", "does not match its statement", pk=pk))
            for problem in generation.problems(conn, db.dialect):
                result.add(Damage("data_version", problem))
            if db.dialect.is_sqlite:
                for problem in entity_words.problems(conn):
                    result.add(Damage("entity_docs", problem))
    except DBAPIError as exc:  # a damaged file can fail the read itself
        result.add(Damage("database", translate(exc).message))
    return result


def _text(raw) -> tuple[str | None, bool]:
    """(text, valid UTF-8); bytes come from SQLite, str from PostgreSQL."""
    if raw is None or isinstance(raw, str):
        return raw, True
    try:
        return bytes(raw).decode("utf-8"), True
    except UnicodeDecodeError:
        return bytes(raw).decode("utf-8", "backslashreplace"), False


def _expected_search(prop_type: str | None, value: str, audience: int | None) -> str | None:
    """The search text the store writes (ingest indexes searchable values,
    :func:`index_text`; the Upserter prefixes their words with the marking's
    audience)."""
    text = index_text(prop_type, value)
    if text is None or audience is None:
        return None
    return search_terms(audience, text)


def _check_row(
    row: tuple, names: dict[int, str], audiences: dict[int, int | None], result: CheckResult
) -> None:
    pk, collection_id, marking_id = row[0], row[1], row[2]
    decoded = [_text(raw) for raw in row[3:]]
    (sid, _), (entity_id, _), (prop, _), (prop_type, _), (value, _), (search, _) = decoded
    damage = _damage(decoded, collection_id, names)
    if damage is None and search != _expected_search(prop_type, value, audiences.get(marking_id)):
        damage = "its search text does not match its value"
    if damage is not None:
        result.add(
            Damage(
                "statements",
                damage,
                pk=pk,
                statement_id=sid if sid and _HEX40.fullmatch(sid) else None,
                entity_id=entity_id,
            )
        )


def _damage(decoded: list, collection_id: int, names: dict[int, str]) -> str | None:
    bad = [
        col for col, (_, valid) in zip(integrity.TEXT_COLUMNS, decoded, strict=True) if not valid
    ]
    if bad:
        return f"not valid UTF-8 in {', '.join(bad)}"
    sid, entity_id, prop, _prop_type, value, _search = (text for text, _ in decoded)
    collection = names.get(collection_id)
    if collection is None:
        return f"its collection {collection_id} does not exist"
    if None in (sid, entity_id, prop, value):
        return "a required field is empty"
    if statement_id(collection, entity_id, prop, value) != sid:
        return "its content does not match its statement id (changed after it was written)"
    return None

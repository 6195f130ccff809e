"""The store's data versions (SQLite): a number per audience, raised in the
transaction of every write that can change what a reader of that audience
is answered (migration 0009: triggers on markings, grants, collections,
judgements and statement changes, each for the audience of its marking;
the statement writer once per batch of new statements).  Read inside a
snapshot, the versions of a reader's audiences name the data that snapshot
holds for that reader — and nothing of what the reader may not see: a
write to another audience leaves them.  A version starts at the clock's
microseconds when its audience is first written and counts up from there,
so a row deleted behind gugus's back restarts above any value it had.
PostgreSQL keeps none (``None``).

A search result is kept under the version only while the version can be
trusted: its row is there and every trigger that raises it is in place.  A
database edited behind gugus's back (the row deleted, a trigger dropped)
answers ``None`` — searches are computed afresh, never served stale — and
`gugus check` names what is missing (:func:`problems`)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Connection, text

from gugus.store.db import Dialect
from gugus.store.rows import raw_rows

# The triggers that raise the version (migration 0009).
TRIGGERS = (
    "data_version_statements_au",
    "data_version_statements_ad",
    *(
        f"data_version_{name}_{event}"
        for name in ("markings", "audience_grants", "collections", "judgements")
        for event in "iud"
    ),
)

# Constant SQL run as is (no statement to build: a cached search costs ~1 ms).
_NAMES = ", ".join(f"'{name}'" for name in TRIGGERS)
_PRESENT = text(
    f"SELECT name FROM sqlite_master WHERE (type = 'trigger' AND name IN ({_NAMES})) "  # noqa: S608 - constant names
    "OR (type = 'table' AND name = 'data_version')"
)
_TOTAL = "SELECT coalesce(sum(n), 0) FROM data_version"
_VERSIONS = text("SELECT id, n FROM data_version WHERE id IN (SELECT value FROM json_each(:ids))")


def _missing(conn: Connection) -> list[str]:
    found = {row[0] for row in raw_rows(conn, _PRESENT)}
    return [name for name in ("data_version", *TRIGGERS) if name not in found]


def kept(dialect: Dialect) -> bool:
    """Whether the store keeps data versions (SQLite), so that results may
    be kept under them."""
    return dialect.is_sqlite


def versions(
    conn: Connection, dialect: Dialect, audiences: Sequence[int]
) -> tuple[tuple[int, int], ...] | None:
    """The versions of these audiences that the connection's snapshot sees,
    as (audience, version) pairs (an audience never written: 0), or None:
    not kept, or not to be trusted — see :func:`problems`."""
    if not kept(dialect) or _missing(conn):
        return None
    found = dict(raw_rows(conn, _VERSIONS, {"ids": json.dumps(list(audiences))}))
    return tuple((a, found.get(a, 0)) for a in sorted(audiences))


def current(conn: Connection, dialect: Dialect) -> int | None:
    """The sum of every audience's version: it grows with every write that
    can change an answer (None where :func:`versions` is None)."""
    if not kept(dialect) or _missing(conn):
        return None
    return conn.exec_driver_sql(_TOTAL).scalar_one()


def problems(conn: Connection, dialect: Dialect) -> list[str]:
    """What keeps the data versions from being trusted ([] when sound; always
    [] on PostgreSQL, which keeps none)."""
    if not dialect.is_sqlite:
        return []
    return [
        ("the table is missing" if name == "data_version" else f"trigger {name} is missing")
        + " (searches are not cached)"
        for name in _missing(conn)
    ]


def bump_new(conn: Connection, after_pk: int) -> None:
    """Raise the audiences of the statements stored after ``after_pk``
    (SQLite; inside the write transaction that stored them)."""
    conn.exec_driver_sql(_BUMP_NEW, (after_pk,))


_BUMP_NEW = (  # a new row starts at the clock's microseconds (migration 0009)
    "INSERT INTO data_version (id, n) SELECT DISTINCT m.audience_id, "
    "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER) "
    "FROM statements s JOIN markings m ON m.id = s.marking_id "
    "WHERE s.pk > ? AND m.audience_id IS NOT NULL "
    "ON CONFLICT (id) DO UPDATE SET n = n + 1"
)

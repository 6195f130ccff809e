"""The store's data version (SQLite): a number raised in the transaction of
every write that can change what a search answers (migration 0009: triggers
on markings, grants, collections, judgements and statement changes; the
statement writer once per batch of new statements).  Read inside a snapshot,
it names the data that snapshot holds.  PostgreSQL keeps none (``None``).

A search result is kept under the version only while the version can be
trusted: its row is there and every trigger that raises it is in place.  A
database edited behind gugus's back (the row deleted, a trigger dropped)
answers ``None`` — searches are computed afresh, never served stale — and
`gugus check` names what is missing (:func:`problems`)."""

from __future__ import annotations

from sqlalchemy import Connection, column, table, update

from gugus.store.db import Dialect

_version = table("data_version", column("id"), column("n"))

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
_PRESENT = (
    f"SELECT name FROM sqlite_master WHERE (type = 'trigger' AND name IN ({_NAMES})) "  # noqa: S608 - constant names
    "OR (type = 'table' AND name = 'data_version')"
)
_ROW = "SELECT n FROM data_version WHERE id = 1"


def _missing(conn: Connection) -> list[str]:
    found = {row[0] for row in conn.exec_driver_sql(_PRESENT)}
    return [name for name in ("data_version", *TRIGGERS) if name not in found]


def current(conn: Connection, dialect: Dialect) -> int | None:
    """The data version the connection's snapshot sees (None: not kept, or
    not to be trusted — see :func:`problems`)."""
    if not dialect.is_sqlite or _missing(conn):
        return None
    return conn.exec_driver_sql(_ROW).scalar_one_or_none()


def problems(conn: Connection, dialect: Dialect) -> list[str]:
    """What keeps the data version from being trusted ([] when sound; always
    [] on PostgreSQL, which keeps none)."""
    if not dialect.is_sqlite:
        return []
    missing = _missing(conn)
    out = [
        "the table is missing" if name == "data_version" else f"trigger {name} is missing"
        for name in missing
    ]
    if "data_version" not in missing and conn.exec_driver_sql(_ROW).scalar_one_or_none() is None:
        out.append("its row is missing")
    return [f"{problem} (searches are not cached)" for problem in out]


def bump(conn: Connection) -> None:
    """Raise the data version (SQLite; inside the write transaction)."""
    conn.execute(update(_version).where(_version.c.id == 1).values(n=_version.c.n + 1))

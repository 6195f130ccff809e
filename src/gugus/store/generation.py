"""The store's data version (SQLite): a number raised in the transaction of
every write that can change what a search answers (migration 0009: triggers
on markings, grants, collections, judgements and statement changes; the
statement writer once per batch of new statements).  Read inside a snapshot,
it names the data that snapshot holds.  PostgreSQL keeps none (``None``)."""

from __future__ import annotations

from sqlalchemy import Connection, column, select, table, update

from gugus.store.db import Dialect

_version = table("data_version", column("id"), column("n"))


def current(conn: Connection, dialect: Dialect) -> int | None:
    """The data version the connection's snapshot sees (None: not kept)."""
    if not dialect.is_sqlite:
        return None
    return conn.execute(select(_version.c.n).where(_version.c.id == 1)).scalar_one()


def bump(conn: Connection) -> None:
    """Raise the data version (SQLite; inside the write transaction)."""
    conn.execute(update(_version).where(_version.c.id == 1).values(n=_version.c.n + 1))

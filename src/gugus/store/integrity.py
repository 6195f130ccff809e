"""SQL for `gugus check`: the database's own integrity check and every
statement row, read in primary-key order a batch at a time (memory stays
bounded however many statements are stored).

Text columns are read as bytes on SQLite, which stores whatever bytes it is
given: a flipped bit can leave invalid UTF-8 that the driver would refuse to
decode (and quote in its error).  PostgreSQL validates encoding on write.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, LargeBinary, cast, select, text

from gugus.store.db import Dialect
from gugus.store.tables import collections, markings, metadata, statements

TEXT_COLUMNS = ("id", "entity_id", "prop", "prop_type", "value", "search_text")


def engine_check(conn: Connection, dialect: Dialect, *, quick: bool, limit: int) -> list[str]:
    """Problems the database engine finds in its own file ([] when sound).

    SQLite: ``PRAGMA quick_check`` (structure) or ``integrity_check`` (also
    index contents).  PostgreSQL has no such check for ordinary users: every
    row of every table is read instead (a damaged page fails the read);
    statements are read by :func:`statement_batches` anyway.
    """
    if dialect.is_sqlite:
        pragma = "quick_check" if quick else "integrity_check"
        rows = conn.exec_driver_sql(f"PRAGMA {pragma}({int(limit)})").fetchall()
        found = [str(r[0]) for r in rows]
        return [] if found == ["ok"] else found
    for table in metadata.sorted_tables:
        if table is statements:
            continue
        result = conn.execution_options(stream_results=True, yield_per=5000).execute(select(table))
        for _ in result:
            pass
    return []


def search_key_mismatches(conn: Connection, dialect: Dialect) -> Iterator[int]:
    """SQLite: primary keys where ``search_keys`` (what a search checks the
    grants of) differs from the statements: a key row missing, left over,
    or with another marking or entity than its statement."""
    if not dialect.is_sqlite:
        return iter(())
    return conn.exec_driver_sql(
        "SELECT s.pk FROM statements s LEFT JOIN search_keys k ON k.pk = s.pk "
        "WHERE s.search_text IS NOT NULL AND (k.pk IS NULL "
        "OR k.marking_id IS NOT s.marking_id OR k.entity_id IS NOT s.entity_id) "
        "UNION ALL SELECT k.pk FROM search_keys k LEFT JOIN statements s ON s.pk = k.pk "
        "WHERE s.pk IS NULL OR s.search_text IS NULL ORDER BY 1"
    ).scalars()


def collection_names(conn: Connection) -> dict[int, str]:
    return {r.id: r.name for r in conn.execute(select(collections.c.id, collections.c.name))}


def marking_audiences(conn: Connection) -> dict[int, int | None]:
    """The visibility audience of each stored marking (search terms carry it)."""
    return {
        r.id: r.audience_id for r in conn.execute(select(markings.c.id, markings.c.audience_id))
    }


def statement_batches(
    conn: Connection, dialect: Dialect, size: int = 10_000
) -> Iterator[list[tuple]]:
    """Lists of ``(pk, collection_id, marking_id, id, entity_id, prop,
    prop_type, value, search_text)`` in pk order; the text columns are bytes
    on SQLite."""
    cols = [
        cast(statements.c[name], LargeBinary) if dialect.is_sqlite else statements.c[name]
        for name in TEXT_COLUMNS
    ]
    query = select(
        statements.c.pk, statements.c.collection_id, statements.c.marking_id, *cols
    ).order_by(statements.c.pk)
    after = None
    while True:
        page = query if after is None else query.where(statements.c.pk > after)
        rows = [tuple(r) for r in conn.execute(page.limit(size))]
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def begin_snapshot(conn: Connection, dialect: Dialect) -> None:
    """One consistent view for the whole check (PostgreSQL: repeatable read)."""
    if not dialect.is_sqlite:
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))

"""Reading rows as the driver gives them."""

from __future__ import annotations

from sqlalchemy import Connection


def raw_rows(conn: Connection, query, params: dict | None = None) -> list[tuple]:
    """The rows of a query as the driver gives them (plain tuples): for
    reads of tens of thousands of ids, SQLAlchemy's row objects cost a
    third of the read."""
    result = conn.execute(query, params)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()

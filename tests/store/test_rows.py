"""Reads on the driver (:mod:`gugus.store.rows`): on SQLite a read whose
parameters are plain values runs straight on the driver's connection,
compiled once; it answers what SQLAlchemy answers, inside the
connection's transaction (one snapshot with its other reads), and a
statement it cannot run as is goes through SQLAlchemy."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import bindparam, column, event, select, table, text

from gugus.store import rows
from gugus.store.rows import raw_rows

_things = table("rows_test", column("id"), column("name"))
BY_NAMES = text("SELECT value FROM json_each(:names) ORDER BY key")
BY_ID = select(_things.c.name).where(_things.c.id == bindparam("cid"))
EXPANDING = select(_things.c.name).where(_things.c.id.in_(bindparam("ids", expanding=True)))


def _through_sqlalchemy(conn) -> list[str]:
    seen: list[str] = []
    event.listen(conn, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def _add_row(node, name: str) -> int:
    """A row of a table of this test's own (committed)."""
    with node.db.writer.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS rows_test (id INTEGER PRIMARY KEY, name TEXT)"
        )
        return conn.exec_driver_sql(
            "INSERT INTO rows_test (name) VALUES (?) RETURNING id", (name,)
        ).scalar_one()


def test_a_plain_read_runs_on_the_driver_and_answers_what_sqlalchemy_answers(sqlite_node):
    names = ["a", "ñ", "x'; DROP TABLE statements; --"]
    given = {"names": json.dumps(names)}
    with sqlite_node.db.reader.connect() as conn:
        expected = [tuple(r) for r in conn.execute(BY_NAMES, given)]
    with sqlite_node.db.reader.connect() as conn:
        seen = _through_sqlalchemy(conn)
        assert raw_rows(conn, BY_NAMES, given) == expected == [(n,) for n in names]
        assert raw_rows(conn, BY_NAMES, given) == expected  # compiled once, run again
    assert seen == ["BEGIN"]  # the transaction is begun; the reads go to the driver


def test_reads_on_the_driver_see_the_connections_snapshot(sqlite_node):
    first = _add_row(sqlite_node, "before")
    with sqlite_node.db.reader.connect() as conn:
        assert raw_rows(conn, BY_ID, {"cid": first}) == [("before",)]
        later = _add_row(sqlite_node, "after")  # committed by another connection
        assert raw_rows(conn, BY_ID, {"cid": later}) == []
        assert conn.execute(BY_ID, {"cid": later}).all() == []
    with sqlite_node.db.reader.connect() as conn:
        assert raw_rows(conn, BY_ID, {"cid": later}) == [("after",)]


def test_what_cannot_run_as_is_goes_through_sqlalchemy(sqlite_node):
    cid = _add_row(sqlite_node, "one")
    with sqlite_node.db.reader.connect() as conn:
        seen = _through_sqlalchemy(conn)
        # an IN list expanded at execution
        assert raw_rows(conn, EXPANDING, {"ids": [cid, cid + 1]}) == [("one",)]
        assert any("IN (?, ?)" in s for s in seen)
        # a required parameter left out: SQLAlchemy says which
        with pytest.raises(Exception, match="cid"):
            raw_rows(conn, BY_ID, {})
        # a parameter the statement does not have: SQLAlchemy runs it
        before = len(seen)
        assert raw_rows(conn, BY_ID, {"cid": cid, "other": 1}) == [("one",)]
        assert len(seen) == before + 1
    plan = rows._plan(EXPANDING, conn.dialect)
    assert plan is None


def test_compiled_statements_are_bounded_and_never_mistaken(sqlite_node, monkeypatch):
    monkeypatch.setattr(rows, "PLANS", 4)
    monkeypatch.setattr(rows, "_plans", {})
    cid = _add_row(sqlite_node, "kept")
    with sqlite_node.db.reader.connect() as conn:
        for n in range(20):  # new statement objects, some at a freed object's address
            query = text(f"SELECT {n} AS n, name FROM rows_test WHERE id = :cid")  # noqa: S608
            assert raw_rows(conn, query, {"cid": cid}) == [(n, "kept")]
            del query
    assert len(rows._plans) <= 4

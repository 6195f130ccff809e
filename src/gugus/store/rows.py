"""Reading rows as the driver gives them.

On SQLite, reads run straight on the driver's connection, inside the
SQLAlchemy connection's transaction (begun first, so every read of a
request sees one snapshot), with each statement compiled once: a search
page runs some fifteen small reads, and SQLAlchemy's execution of each
(~50 µs: compiled-cache lookup, parameter processing, events, a result
object) cost more than SQLite took to answer most of them.  Elsewhere
(PostgreSQL) they go through SQLAlchemy, whose error handling notices a
lost server connection.  Driver errors are translated like SQLAlchemy's
(:func:`gugus.store.faults.translate` knows both)."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from sqlalchemy import Connection

# Statements compiled for the driver, by the statement object: module
# constants and the per-reader statements of ``grants.per_scope`` (the
# online match reads each key's postings through one of these).
PLANS = 512


def _driver(conn: Connection):
    if not conn.in_transaction():
        conn.begin()
    return conn.connection.driver_connection


class _Plan:
    """A statement's SQLite text and the order of its parameters, when it
    can run as is: every parameter a plain value (no IN list expanded at
    execution, no type processing of bound values)."""

    __slots__ = ("defaults", "names", "order", "required", "sql")

    def __init__(self, compiled) -> None:
        self.sql = compiled.string
        self.order = tuple(compiled.positiontup)
        self.names = frozenset(self.order)
        self.defaults = {n: compiled.binds[n].value for n in self.order}
        self.required = frozenset(n for n in self.order if compiled.binds[n].required)

    def bind(self, params: Mapping | None) -> tuple | None:
        """The driver's parameters, or None when ``params`` names one the
        statement does not have or leaves a required one out (SQLAlchemy
        then runs it, and says what is wrong)."""
        given = params or {}
        if not given.keys() <= self.names or not self.required <= given.keys():
            return None
        return tuple(given[n] if n in given else self.defaults[n] for n in self.order)


_plans: dict[int, tuple[object, _Plan | None]] = {}
_plans_lock = threading.Lock()


def _plan(query, dialect) -> _Plan | None:
    key = id(query)
    found = _plans.get(key)
    if found is not None and found[0] is query:  # the entry holds the query: its id is its own
        return found[1]
    compiled = query.compile(dialect=dialect)
    simple = (
        compiled.positional
        and not compiled.post_compile_params
        and not compiled.literal_execute_params
        and not compiled._bind_processors  # noqa: SLF001 - no public way to ask
    )
    plan = _Plan(compiled) if simple else None
    with _plans_lock:
        _plans[key] = (query, plan)
        while len(_plans) > PLANS:
            del _plans[next(iter(_plans))]
    return plan


def raw_rows(conn: Connection, query, params: dict | None = None) -> list[tuple]:
    """The rows of a query as the driver gives them (plain tuples): for
    reads of tens of thousands of ids, SQLAlchemy's row objects cost a
    third of the read.  On SQLite the query runs on the driver (see the
    module's note) when its parameters are plain values."""
    if conn.dialect.name == "sqlite":
        plan = _plan(query, conn.dialect)
        bound = plan.bind(params) if plan is not None else None
        if bound is not None:
            return _driver(conn).execute(plan.sql, bound).fetchall()
    result = conn.execute(query, params)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()

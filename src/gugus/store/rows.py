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
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import Connection

# Statements compiled for the driver, by the statement object: module
# constants and the per-reader statements of ``grants.per_scope``.
PLANS = 512


class Compiled:
    """A statement compiled once to the driver's SQL (IN lists of values
    bound when it was built are written out) with its bound values;
    :meth:`params` gives them in the driver's form, ``names`` bound anew
    for each execution."""

    __slots__ = ("names", "order", "sql", "values")

    def __init__(self, stmt, dialect, names: Sequence[str]) -> None:
        compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        self.sql = compiled.string
        self.values = dict(compiled.params)
        self.order = list(compiled.positiontup) if compiled.positional else None
        self.names = tuple(names)

    def params(self, *values) -> tuple | dict:
        bound = {**self.values, **dict(zip(self.names, values, strict=True))}
        return bound if self.order is None else tuple(bound[n] for n in self.order)


def runner(conn: Connection) -> Callable[[str, tuple | dict], list]:
    """``run(sql, params) -> rows``: SQL in the driver's form run on the
    connection (on SQLite on the driver's own, in the connection's
    transaction)."""
    if conn.dialect.name != "sqlite":
        return lambda sql, params: conn.exec_driver_sql(sql, params).fetchall()
    driver = _driver(conn)
    return lambda sql, params: driver.execute(sql, params).fetchall()


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

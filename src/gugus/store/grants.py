"""Audiences and their grants: visibility materialised for SQL joins.

Each stored marking points at its *audience* (the fields that decide who sees
it, :func:`gugus.access.audience`); each audience has the grantee keys that
:func:`gugus.access.grants` computed from the policy.  They are written in the
transaction that stores the marking, and extended in the transaction that adds
an organisation or a user, so a committed marking is never without its grants.

Nothing here decides visibility: every grant row is an answer of
``gugus.access``; SQL only joins on them (:func:`visible`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from sqlalchemy import Connection, exists, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from gugus.access import ReadScope, audience, grants
from gugus.model.markings import Marking
from gugus.store.rows import raw_rows
from gugus.store.tables import audience_grants, audiences, markings, organisations, users

# PostgreSQL writers may run concurrently: one that adds an organisation or a
# user takes this advisory lock exclusively, one that adds an audience shares
# it, so neither computes grants from a directory the other is changing.
_LOCK_KEY = 0x67756775


def _lock(conn: Connection, *, exclusive: bool) -> None:
    if conn.dialect.name == "postgresql":
        fn = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
        conn.execute(select(fn(_LOCK_KEY)))
    # SQLite: writers are serialised by the database (BEGIN IMMEDIATE).


def _marking(key: str) -> Marking:
    d = json.loads(key)
    return Marking.build(
        d["tlp"],
        d["originator"],
        d["handling"],
        d["handling_text"],
        d["release_to"],
        d["recipients"],
        d["purpose"],
    )


def _insert_grants(conn: Connection, rows: Iterable[tuple[str, int]]) -> None:
    values = [{"grantee": g, "audience_id": a} for g, a in rows]
    if values:
        conn.execute(insert(audience_grants), values)


def audience_id(conn: Connection, marking: Marking) -> int:
    """Id of the marking's audience, storing it and its grants first if new
    (call inside the write transaction that stores the marking)."""
    aud = audience(marking)
    found = conn.execute(select(audiences.c.id).where(audiences.c.key == aud.key)).scalar()
    if found is not None:
        return found
    _lock(conn, exclusive=False)
    ins = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(audiences)
    new = conn.execute(
        ins.values(key=aud.key).on_conflict_do_nothing().returning(audiences.c.id)
    ).scalar()
    if new is None:  # a concurrent writer stored it (and its grants) first
        return conn.execute(select(audiences.c.id).where(audiences.c.key == aud.key)).scalar_one()
    orgs = conn.execute(select(organisations.c.code)).scalars().all()
    named = sorted(aud.recipients)
    people = (
        conn.execute(
            select(users.c.username, users.c.org, users.c.role).where(users.c.username.in_(named))
        ).all()
        if named
        else []
    )
    _insert_grants(conn, ((g, new) for g in grants(aud, orgs, people)))
    return new


def _each_audience(conn: Connection) -> list[tuple[int, Marking]]:
    rows = conn.execute(select(audiences.c.id, audiences.c.key).order_by(audiences.c.id))
    return [(row.id, _marking(row.key)) for row in rows]


def grant_organisation(conn: Connection, code: str) -> None:
    """Grants of a new organisation on every stored audience (e.g. TLP:CLEAR)."""
    _lock(conn, exclusive=True)
    _insert_grants(
        conn, ((g, aid) for aid, aud in _each_audience(conn) for g in grants(aud, [code], []))
    )


def _user_grants(conn: Connection, username: str, org: str, role: str):
    person = [(username, org, role)]
    return (
        (g, aid)
        for aid, aud in _each_audience(conn)
        for g in grants(aud, [org], person)
        if g.startswith("user:")
    )


def grant_user(conn: Connection, username: str, org: str, role: str) -> None:
    """Grants of a new user on every stored audience that names them."""
    _lock(conn, exclusive=True)
    _insert_grants(conn, _user_grants(conn, username, org, role))


def named_audiences(conn: Connection, username: str, org: str, role: str) -> int:
    """How many stored audiences would grant a new user of this name what
    their organisation does not see (TLP:RED markings naming them)."""
    return sum(1 for _ in _user_grants(conn, username, org, role))


def backfill(conn: Connection) -> None:
    """Audiences and grants of markings stored without them (migration 0003)."""
    rows = conn.execute(
        select(markings.c.id, markings.c.key).where(markings.c.audience_id.is_(None))
    )
    for row in rows.all():
        conn.execute(
            update(markings)
            .where(markings.c.id == row.id)
            .values(audience_id=audience_id(conn, _marking(row.key)))
        )


# -- reads --------------------------------------------------------------------
def _granted_to(scope: ReadScope):
    """SQL condition: a grant row to one of the reader's grantee keys.  An
    IN list of bound values, one each (``IN (?, ?)``): a list given as
    values is expanded at every execution instead, which costs SQLAlchemy
    more than the probe costs the database."""
    return audience_grants.c.grantee.in_([literal(g) for g in scope.grantees])


def visible(scope: ReadScope, marking_col):
    """SQL condition: the marking in ``marking_col`` is granted to the reader.

    Checked per row by two primary-key probes (marking, then grant), with two
    bound values.  The ``OFFSET 0`` keeps both databases from turning it into
    a join over every visible marking (PostgreSQL's semi-join with a scan of
    ``markings``, SQLite's EXISTS-to-IN), whose cost grows with the markings.
    """
    return exists(
        select(1)
        .select_from(
            markings.join(audience_grants, audience_grants.c.audience_id == markings.c.audience_id)
        )
        .where(markings.c.id == marking_col, _granted_to(scope))
        .offset(0)
    )


def visible_set(scope: ReadScope, marking_col):
    """SQL condition as :func:`visible`, for reads that check many rows:
    ``marking_col`` in the reader's granted markings, a set the database
    builds once per query (its cost grows with the markings the reader may
    see, not with the rows checked; per-row probes cost a search of a word
    matched 37,000 times a third of its time)."""
    granted = (
        select(markings.c.id)
        .select_from(
            markings.join(audience_grants, audience_grants.c.audience_id == markings.c.audience_id)
        )
        .where(_granted_to(scope))
    )
    return marking_col.in_(granted)


def sees_every_marking(conn: Connection, scope: ReadScope) -> bool:
    """Whether every stored marking is granted to the reader (one query,
    whatever the number of markings)."""
    hidden = select(markings.c.id).where(~visible_set(scope, markings.c.id)).limit(1)
    return conn.execute(hidden).first() is None


_Statement = TypeVar("_Statement")


def per_scope(build: Callable[..., _Statement], size: int = 1024) -> Callable[..., _Statement]:
    """``build(scope, *args)`` — a read statement filtered with
    :func:`visible` whose other values are bound at execution — made once
    per reader and reused.  Building a statement and computing its cache
    key cost SQLAlchemy more than SQLite needs to run an entity read; a
    statement object reused keeps its cache key and compiled form.

    Keyed by what a :class:`ReadScope` is compared by (its reader and
    grantee keys) plus ``args`` (hashable), never by the scope object,
    which holds its node's marking lookup.  Bounded: cleared when full."""
    cache: dict[Hashable, _Statement] = {}
    lock = threading.Lock()

    def get(scope: ReadScope, *args: Hashable) -> _Statement:
        key = (scope.reader, scope.grantees, *args)
        stmt = cache.get(key)
        if stmt is None:
            stmt = build(scope, *args)
            with lock:
                if len(cache) >= size:
                    cache.clear()
                cache[key] = stmt
        return stmt

    return get


@per_scope
def _visible_audiences(scope: ReadScope):
    return (
        select(audience_grants.c.audience_id)
        .where(_granted_to(scope))
        .distinct()
        .order_by(audience_grants.c.audience_id)
    )


def visible_audiences(conn: Connection, scope: ReadScope) -> list[int]:
    """Ids of the audiences the reader may see."""
    return [row[0] for row in raw_rows(conn, _visible_audiences(scope))]

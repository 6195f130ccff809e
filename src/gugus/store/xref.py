"""SQL of cross-referencing: runs, pairs, trained parameters, and the two
scoped reads a run makes (feature statements, shared selectors).

Every read of data takes the runner's :class:`~gugus.access.ReadScope` and
keeps only statements whose marking is granted (``grants.visible``); pairs are
read back through the same filter on their own (combined) marking.
"""

from __future__ import annotations

import heapq
import itertools
import json
import operator
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from sqlalchemy import (
    Connection,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from gugus.access import ReadScope
from gugus.store import grants
from gugus.store.tables import statements, xref_pairs, xref_params, xref_runs

# -- runs ------------------------------------------------------------------------


OPEN = ("queued", "running")  # a run whose process may still be working on it


def create_run(
    conn: Connection,
    username: str,
    org: str,
    engine: str,
    collections: list[str],
    now: str,
    owner: dict | None = None,
) -> int:
    """A queued run; ``owner``: who will execute it (kept in ``counts``
    until the run ends, see :mod:`gugus.xref.run_owner`)."""
    return conn.execute(
        insert(xref_runs)
        .values(
            username=username,
            org=org,
            status="queued",
            engine=engine,
            collections=json.dumps(collections),
            counts=json.dumps(owner, sort_keys=True) if owner is not None else None,
            created_at=now,
        )
        .returning(xref_runs.c.id)
    ).scalar_one()


def update_run(conn: Connection, run_id: int, **values) -> None:
    for key in ("counts", "notes"):
        if key in values and not isinstance(values[key], str | None):
            values[key] = json.dumps(values[key], sort_keys=True)
    conn.execute(update(xref_runs).where(xref_runs.c.id == run_id).values(**values))


def beat(conn: Connection, run_id: int, owner: dict) -> None:
    """Refresh an open run's owner record (its heartbeat); a run that ended
    meanwhile keeps its counts."""
    conn.execute(
        update(xref_runs)
        .where(xref_runs.c.id == run_id, xref_runs.c.status.in_(OPEN))
        .values(counts=json.dumps(owner, sort_keys=True))
    )


def open_runs(conn: Connection, run_id: int | None = None) -> list:
    """Runs still queued or running (only ``run_id`` when given)."""
    query = select(xref_runs).where(xref_runs.c.status.in_(OPEN))
    if run_id is not None:
        query = query.where(xref_runs.c.id == run_id)
    return conn.execute(query.order_by(xref_runs.c.id)).all()


def fail_open_run(conn: Connection, run, now: str, note: str) -> bool:
    """Mark an open run failed, only if it is still as read (same status,
    same owner record: not refreshed by a heartbeat since).  True if it was."""
    same = xref_runs.c.counts.is_(None) if run.counts is None else xref_runs.c.counts == run.counts
    done = conn.execute(
        update(xref_runs)
        .where(xref_runs.c.id == run.id, xref_runs.c.status == run.status, same)
        .values(status="failed", finished_at=now, counts=None, notes=json.dumps([note]))
    )
    return done.rowcount == 1


def get_run(conn: Connection, run_id: int):
    return conn.execute(select(xref_runs).where(xref_runs.c.id == run_id)).first()


def runs_of(conn: Connection, username: str, status: str | None = None) -> list:
    query = select(xref_runs).where(xref_runs.c.username == username)
    if status is not None:
        query = query.where(xref_runs.c.status == status)
    return conn.execute(query.order_by(xref_runs.c.id.desc())).all()


def latest_done_run(conn: Connection, username: str | None = None):
    """The most recent finished run (of ``username``, or of anyone)."""
    query = select(xref_runs).where(xref_runs.c.status == "done")
    if username is not None:
        query = query.where(xref_runs.c.username == username)
    return conn.execute(query.order_by(xref_runs.c.id.desc()).limit(1)).first()


# -- pairs -----------------------------------------------------------------------


def insert_pairs(conn: Connection, run_id: int, rows: Sequence[dict], batch: int = 5000) -> None:
    """The run's pairs (dicts with left, right, schema, probability, kind,
    explanation as a dict, marking_id), in the caller's transaction."""
    for start in range(0, len(rows), batch):
        conn.execute(
            insert(xref_pairs),
            [
                {
                    "run_id": run_id,
                    "left_id": r["left"],
                    "right_id": r["right"],
                    "schema": r["schema"],
                    "probability": r["probability"],
                    "kind": r["kind"],
                    "explanation": json.dumps(r["explanation"], sort_keys=True),
                    "marking_id": r["marking_id"],
                }
                for r in rows[start : start + batch]
            ],
        )


def delete_pairs(conn: Connection, run_id: int) -> None:
    conn.execute(delete(xref_pairs).where(xref_pairs.c.run_id == run_id))


def _visible_pairs(scope: ReadScope, run_id: int, min_probability: float | None):
    cond = [xref_pairs.c.run_id == run_id, grants.visible(scope, xref_pairs.c.marking_id)]
    if min_probability is not None:
        cond.append(xref_pairs.c.probability >= min_probability)
    return and_(*cond)


def list_pairs(
    conn: Connection,
    scope: ReadScope,
    run_id: int,
    *,
    limit: int,
    offset: int = 0,
    min_probability: float | None = None,
) -> list:
    """The run's pairs the reader may see, most probable first."""
    return conn.execute(
        select(xref_pairs)
        .where(_visible_pairs(scope, run_id, min_probability))
        .order_by(xref_pairs.c.probability.desc(), xref_pairs.c.id)
        .limit(limit)
        .offset(offset)
    ).all()


def pair_keys(conn: Connection, scope: ReadScope, run_id: int) -> list:
    """(id, left_id, right_id) of every pair of the run the reader may see,
    most probable first: the review queue's input, without the explanations."""
    return conn.execute(
        select(xref_pairs.c.id, xref_pairs.c.left_id, xref_pairs.c.right_id)
        .where(_visible_pairs(scope, run_id, None))
        .order_by(xref_pairs.c.probability.desc(), xref_pairs.c.id)
    ).all()


def get_pair(conn: Connection, scope: ReadScope, pair_id: int):
    """One pair, if the reader may see it."""
    return conn.execute(
        select(xref_pairs).where(
            xref_pairs.c.id == pair_id, grants.visible(scope, xref_pairs.c.marking_id)
        )
    ).first()


def count_pairs(
    conn: Connection, scope: ReadScope, run_id: int, min_probability: float | None = None
) -> int:
    return conn.execute(
        select(func.count())
        .select_from(xref_pairs)
        .where(_visible_pairs(scope, run_id, min_probability))
    ).scalar_one()


# -- trained parameters ------------------------------------------------------------


def get_params(conn: Connection, schema: str, engine: str):
    return conn.execute(
        select(xref_params).where(xref_params.c.schema == schema, xref_params.c.engine == engine)
    ).first()


def save_params(
    conn: Connection, schema: str, engine: str, model_key: str, params: dict, now: str, n: int
) -> None:
    conn.execute(
        delete(xref_params).where(xref_params.c.schema == schema, xref_params.c.engine == engine)
    )
    conn.execute(
        insert(xref_params).values(
            schema=schema,
            engine=engine,
            model_key=model_key,
            params=json.dumps(params, sort_keys=True),
            trained_at=now,
            records=n,
        )
    )


# -- scoped reads of the inputs -------------------------------------------------------


def feature_statements(
    conn: Connection,
    scope: ReadScope,
    collection_ids: Sequence[int],
    schemata: Sequence[str],
    props: Sequence[str],
    batch: int = 20000,
) -> Iterator:
    """(entity_id, schema, prop, value, marking_id, collection_id) of the
    visible statements of some schemata and properties in the collections,
    ordered by entity id (an entity's statements together, across
    collections).  One streamed query per collection along its
    (collection_id, entity_id) index, merged by entity id."""
    cols = (
        statements.c.entity_id,
        statements.c.schema,
        statements.c.prop,
        statements.c.value,
        statements.c.marking_id,
        statements.c.collection_id,
    )
    streams = []
    for cid in collection_ids:
        query = (
            select(*cols)
            .where(
                statements.c.collection_id == cid,
                statements.c.schema.in_(list(schemata)),
                statements.c.prop.in_(list(props)),
                # Every statement of the collections is checked: the granted
                # markings built once per query, not probed per row (a third
                # of this read on FEBRL4's 69,000 statements).
                grants.visible_set(scope, statements.c.marking_id),
            )
            .order_by(statements.c.collection_id, statements.c.entity_id)
        )
        streams.append(conn.execution_options(stream_results=True, yield_per=batch).execute(query))
    if len(streams) == 1:
        yield from streams[0]
    else:  # the entity id by position: cheaper than a row's attribute, per row
        yield from heapq.merge(*streams, key=operator.itemgetter(0))


# Selector kinds by (schema, property); phone and email by value type.
ID_PROPS = {
    ("Person", "idNumber"): "identity",
    ("Person", "taxNumber"): "identity",
    ("Person", "socialSecurityNumber"): "identity",
    ("Person", "passportNumber"): "passport",
    ("Identification", "number"): "identity",
    ("Passport", "number"): "passport",
    ("BankAccount", "iban"): "account",
    ("BankAccount", "accountNumber"): "account",
    ("Company", "registrationNumber"): "identity",
    ("Company", "taxNumber"): "identity",
    ("Organization", "registrationNumber"): "identity",
    ("Organization", "taxNumber"): "identity",
    ("LegalEntity", "taxNumber"): "identity",
    ("Vehicle", "registrationNumber"): "plate",
}
# Document entities whose number belongs to their holder.
HELD = ("Identification", "Passport")


def _has_digit(conn: Connection, col):
    if conn.dialect.name == "postgresql":
        return col.op("~")(literal("[0-9]"))
    return col.op("GLOB")(literal("*[0-9]*"))


def _compact(col):
    """Upper case without spaces, dots, dashes and slashes (identifiers)."""
    out = func.upper(col)
    for ch in (" ", ".", "-", "/"):
        out = func.replace(out, ch, "")
    return out


def _selector_rows(conn: Connection, scope: ReadScope, collection_ids: Sequence[int]):
    """Subquery of (family, kind, value, entity, marking, holder marking, schema)
    for every visible selector statement; numbers of identity documents are
    attributed to their (visible) holder."""
    s = statements
    h = aliased(statements)
    kind_cases = [
        (and_(s.c.schema == schema, s.c.prop == prop), literal(kind))
        for (schema, prop), kind in ID_PROPS.items()
    ]
    mention_id = and_(s.c.schema == "Mention", s.c.prop == "name", _has_digit(conn, s.c.value))
    kind = case(
        (s.c.prop_type == "phone", literal("phone")),
        (s.c.prop_type == "email", literal("email")),
        *kind_cases,
        (mention_id, literal("mention")),
        else_=literal("identity"),
    )
    family = case(
        (s.c.prop_type == "phone", literal("phone")),
        (s.c.prop_type == "email", literal("email")),
        else_=literal("id"),
    )
    value = case(
        (s.c.prop_type == "phone", s.c.value),
        (s.c.prop_type == "email", func.lower(s.c.value)),
        else_=_compact(s.c.value),
    )
    id_cond = or_(*(and_(s.c.schema == sc, s.c.prop == p) for (sc, p) in ID_PROPS), mention_id)
    entity = func.coalesce(h.c.value, s.c.entity_id)
    return (
        select(
            family.label("family"),
            kind.label("kind"),
            value.label("value"),
            entity.label("entity"),
            s.c.marking_id.label("marking_id"),
            h.c.marking_id.label("holder_marking"),
            case((h.c.value.is_(None), s.c.schema), else_=literal("Person")).label("schema"),
        )
        .select_from(
            s.outerjoin(
                h,
                and_(
                    h.c.entity_id == s.c.entity_id,
                    h.c.prop == "holder",
                    s.c.schema.in_(HELD),
                    h.c.collection_id.in_(list(collection_ids)),
                    grants.visible(scope, h.c.marking_id),
                ),
            )
        )
        .where(
            s.c.collection_id.in_(list(collection_ids)),
            or_(s.c.prop_type.in_(("phone", "email")), id_cond),
            grants.visible(scope, s.c.marking_id),
        )
        .subquery("sel")
    )


def member_columns(sel) -> tuple:
    """The columns of a selector group's member rows."""
    return tuple(
        sel.c[name]
        for name in ("family", "value", "kind", "entity", "marking_id", "holder_marking", "schema")
    )


class Capped(NamedTuple):
    """A selector shared by more than the cap: its family, kind and count."""

    family: str
    kind: str
    n: int


def shared_selectors(
    conn: Connection, scope: ReadScope, collection_ids: Sequence[int], cap: int
) -> tuple[list, list]:
    """Selectors shared by several visible entities.

    Returns ``(members, capped)``: ``members`` are rows (family, value, kind,
    entity, marking_id, holder_marking, schema) of every selector shared by 2
    to ``cap`` distinct entities; ``capped`` are (family, kind, n) of the
    selectors shared by more than ``cap`` (their members are not kept: a
    switchboard number must not explode into pairs).

    One pass over the visible selector statements, sorted by value and
    streamed: a value's rows are grouped as they come (a GROUP BY joined
    back to the rows read every statement of the collections several times).
    """
    sel = _selector_rows(conn, scope, collection_ids)
    rows = conn.execution_options(stream_results=True, yield_per=20000).execute(
        select(*member_columns(sel)).order_by(sel.c.family, sel.c.value, sel.c.entity)
    )
    members: list = []
    capped: list[Capped] = []
    for (family, _value), group in itertools.groupby(rows, key=operator.itemgetter(0, 1)):
        found = list(group)
        n = len({r.entity for r in found})
        if n > cap:
            capped.append(Capped(family, min(r.kind for r in found), n))
        elif n > 1:
            members.extend(found)
    capped.sort(key=operator.attrgetter("n"), reverse=True)
    return members, capped

"""The online match's store: the blocking index and hit notices.

The index (``match_keys``) is written by the load loop for the statements it
writes, in the same transaction (:class:`KeyWriter`, called from
``gugus.ingest.writer``); a statement loaded again with another marking moves
its keys to that marking.  Reads take a :class:`~gugus.access.ReadScope`:
postings come back labelled with whether the reader may see them (SQL
``grants.visible``), because a match needs both — visible ones become
results, hidden ones hit notices without content.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, bindparam, case, func, literal_column, not_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from gugus.access import ReadScope
from gugus.store import grants
from gugus.store.db import Dialect
from gugus.store.rows import raw_rows
from gugus.store.statements import ROW_FIELDS
from gugus.store.tables import (
    collections,
    hit_notices,
    hit_records,
    match_keys,
    organisations,
    statements,
)
from gugus.xref.match_keys import (
    DOB_PROPS,
    MATCHABLE,
    NAME_PROPS,
    SELECTOR_TYPES,
    key_hash,
    statement_keys,
)

KEY_FIELDS = ("key", "entity_id", "statement_id", "kind", "collection_id", "marking_id")
_SID, _EID, _SCHEMA, _PROP, _PTYPE, _VALUE = (
    ROW_FIELDS.index(f) for f in ("id", "entity_id", "schema", "prop", "prop_type", "value")
)
_CID, _MID = ROW_FIELDS.index("collection_id"), ROW_FIELDS.index("marking_id")
_BATCH = 5000


def key_rows(rows: Iterable[tuple]) -> list[tuple]:
    """Index rows (``KEY_FIELDS`` order) of statement rows (``ROW_FIELDS`` order)."""
    out = []
    for r in rows:
        prop = r[_PROP]
        if r[_SCHEMA] not in MATCHABLE or not (
            prop in NAME_PROPS or prop in DOB_PROPS or r[_PTYPE] in SELECTOR_TYPES
        ):
            continue
        for kind, key in statement_keys(r[_SCHEMA], prop, r[_PTYPE], r[_VALUE]):
            out.append((key_hash(key), r[_EID], r[_SID], kind, r[_CID], r[_MID]))
    return out


class KeyWriter:
    """Upserts index rows inside the load's transaction (a driver-level
    executemany of one statement compiled once, like the statement Upserter)."""

    def __init__(self, conn: Connection, dialect: Dialect) -> None:
        ins = (sqlite if dialect.is_sqlite else postgresql).insert(match_keys)
        stmt = ins.on_conflict_do_update(
            index_elements=[match_keys.c.key, match_keys.c.entity_id, match_keys.c.statement_id],
            set_={"marking_id": ins.excluded.marking_id},
        )
        compiled = stmt.compile(dialect=conn.dialect, column_keys=list(KEY_FIELDS))
        self.sql = compiled.string
        order = list(compiled.positiontup) if compiled.positional else None
        self.index = None if order is None else [KEY_FIELDS.index(k) for k in order]
        self.conn = conn
        self.entities: set[str] = set()  # matchable entities written (for load-time match)

    def write(self, rows: Sequence[tuple]) -> None:
        keys = key_rows(rows)
        if not keys:
            return
        self.entities.update(k[1] for k in keys)
        unique = list({k[:3]: k for k in keys}.values())
        if self.index is None:
            params = [dict(zip(KEY_FIELDS, k, strict=True)) for k in unique]
        else:
            params = [tuple(k[i] for i in self.index) for k in unique]
        self.conn.exec_driver_sql(self.sql, params)


def backfill(conn: Connection) -> None:
    """Index the statements stored before the index existed (migration 0006)."""
    dialect = Dialect(conn.dialect.name)
    writer = KeyWriter(conn, dialect)
    cols = [statements.c[f] for f in ROW_FIELDS]
    last = 0
    while True:
        rows = conn.execute(
            select(statements.c.pk, *cols)
            .where(statements.c.pk > last, statements.c.schema.in_(sorted(MATCHABLE)))
            .order_by(statements.c.pk)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        writer.write([tuple(r)[1:] for r in rows])
        last = rows[-1].pk


# -- candidate postings ---------------------------------------------------------
def _postings_query(scope: ReadScope):
    """Index rows, each labelled ``seen``: whether the reader may see the
    statement it came from (the grants of gugus.access, joined in SQL)."""
    return select(
        match_keys.c.key,
        match_keys.c.entity_id,
        match_keys.c.kind,
        match_keys.c.collection_id,
        match_keys.c.marking_id,
        grants.visible(scope, match_keys.c.marking_id).label("seen"),
    )


@grants.per_scope
def _key_postings(scope: ReadScope, seen: bool, cap: int):
    """``(key, entity_id, kind)`` of one key's postings (at most ``cap`` + 1)
    that the reader may (``seen``) or may not see, built once per reader (and
    on SQLite compiled once for the driver, :mod:`gugus.store.rows`):
    building and compiling the statement cost more than SQLite needs to run it."""
    vis = grants.visible(scope, match_keys.c.marking_id)
    stmt = (
        select(match_keys.c.key, match_keys.c.entity_id, match_keys.c.kind)
        .where(
            match_keys.c.key == bindparam("k", 0, type_=match_keys.c.key.type),
            vis if seen else not_(vis),
        )
        .limit(cap + 1)
    )
    return stmt


def postings(
    conn: Connection, scope: ReadScope, keys: Sequence[int], cap: int, *, hidden: bool = True
) -> tuple[list, list, list[int]]:
    """Index rows ``(key, entity_id, kind)`` of each key (plain driver
    tuples: a common name brings hundreds per key), split by whether the
    reader may see the statement they came from: ``(seen, hidden, capped)``.
    At most ``cap`` visible and ``cap`` hidden rows per key, cut separately
    so that what the reader is shown never depends on how many hidden
    records share a key; ``capped``: the keys with more than ``cap``
    *visible* postings (too common to block on).

    A posting the reader may not see is never shown to the reader: the
    caller turns those into hit notices (kind and holder only); ``hidden``
    False reads only the visible ones."""
    seen: list = []
    unseen: list = []
    capped: list[int] = []
    seen_q = _key_postings(scope, True, cap)
    hidden_q = _key_postings(scope, False, cap) if hidden else None
    for key in keys:
        rows = raw_rows(conn, seen_q, {"k": key})
        if len(rows) > cap:
            capped.append(key)
            del rows[cap:]
        seen.extend(rows)
        if hidden_q is not None:
            unseen.extend(raw_rows(conn, hidden_q, {"k": key})[:cap])
    return seen, unseen, capped


def postings_many(
    conn: Connection,
    scope: ReadScope,
    keys: Sequence[int],
    cap: int,
    *,
    exclude_collection: int | None = None,
    hidden: HiddenPostings | None = None,
) -> tuple[list, list[int]]:
    """:func:`postings` of many keys at once (a load's entities).  Keys with
    more than ``cap`` postings are left out, counted separately for visible
    and hidden postings (what the reader is shown never depends on hidden
    counts); only keys with too many *visible* postings are returned as capped.

    ``hidden``: the caller wants hidden candidates only (an xref run's
    notices) and read the reader's hidden postings once
    (:class:`HiddenPostings`): visible postings are then read only for the
    entities of hidden ones — all that keeps a hidden copy of a visible
    entity out of the notices — and ``capped`` leaves out the keys of
    entities that meet no hidden posting."""
    found: list = []
    capped: list[int] = []
    vis = grants.visible(scope, match_keys.c.marking_id)
    for start in range(0, len(keys), 1000):
        part = list(keys[start : start + 1000])
        if hidden is not None:
            _hidden_part(conn, scope, part, cap, exclude_collection, hidden, found, capped)
            continue
        # Postings per key, all and visible, in one pass over the keys.
        counts = conn.execute(
            select(match_keys.c.key, func.count(), func.sum(case((vis, 1), else_=0)))
            .where(match_keys.c.key.in_(part))
            .group_by(match_keys.c.key)
        ).all()
        total = {k: n for k, n, _ in counts}
        seen = {k: int(v) for k, _, v in counts if v}
        capped.extend(sorted(k for k, n in seen.items() if n > cap))
        # A key must be shared (n > 1: the loaded entity's own posting is one).
        kept_seen = [k for k, n in seen.items() if n <= cap and total[k] > 1]
        kept_hidden = [k for k, n in total.items() if n > 1 and 0 < n - seen.get(k, 0) <= cap]
        found.extend(_kept_postings(conn, scope, kept_seen, vis, exclude_collection))
        found.extend(_kept_postings(conn, scope, kept_hidden, not_(vis), exclude_collection))
    return found, capped


class HiddenPostings:
    """Every posting a reader may not see, by key (labelled as
    :func:`_postings_query` labels them), read in one pass over the index:
    what a batch (an xref run's notices) matches many queries against."""

    def __init__(self, conn: Connection, scope: ReadScope) -> None:
        hidden = ~grants.visible_set(scope, match_keys.c.marking_id)
        self.rows: dict[int, list] = {}
        self.collections: dict[int, set[int]] = {}
        result = conn.execution_options(stream_results=True, yield_per=20000).execute(
            _postings_query(scope).where(hidden)
        )
        for row in result:
            self.rows.setdefault(row.key, []).append(row)
            self.collections.setdefault(row.key, set()).add(row.collection_id)
        self._crowded: dict[int, dict[int, int]] = {}
        self._mixed: set[str] | None = None

    def mixed(self, conn: Connection, scope: ReadScope) -> set[str]:
        """The entities of hidden postings with any statement the reader may
        see (a superset of those with a visible posting: postings are made
        from statements, with their markings), read once for the batch.
        Most have none (another organisation's records): their visible
        postings need not be looked for."""
        if self._mixed is None:
            ids = sorted({r.entity_id for rows in self.rows.values() for r in rows})
            granted = grants.visible_set(scope, statements.c.marking_id)
            self._mixed = set()
            for start in range(0, len(ids), 1000):
                self._mixed.update(
                    conn.execute(
                        select(statements.c.entity_id)
                        .where(statements.c.entity_id.in_(ids[start : start + 1000]), granted)
                        .distinct()
                    ).scalars()
                )
        return self._mixed

    def crowded(self, conn: Connection, scope: ReadScope, cap: int) -> dict[int, int]:
        """Keys with more than ``cap`` postings in all → their visible
        postings, counted once for the batch: a common name's thousands of
        postings are not read again for every chunk that meets it."""
        found = self._crowded.get(cap)
        if found is None:
            keys = conn.execute(
                select(match_keys.c.key).group_by(match_keys.c.key).having(func.count() > cap)
            ).scalars()
            found = dict.fromkeys(keys, 0)
            vis = grants.visible(scope, match_keys.c.marking_id)
            found.update(_visible_counts(conn, vis, list(found)))
            self._crowded[cap] = found
        return found


def _visible_counts(conn: Connection, vis, keys: list[int]) -> list:
    """(key, visible postings) of the keys with any, 1,000 keys a query."""
    out: list = []
    for start in range(0, len(keys), 1000):
        out += conn.execute(
            select(match_keys.c.key, func.count())
            .where(match_keys.c.key.in_(keys[start : start + 1000]), vis)
            .group_by(match_keys.c.key)
        ).all()
    return out


def _hidden_part(conn, scope, part, cap, exclude, hidden: HiddenPostings, found, capped) -> None:
    """:func:`postings_many` of some keys for hidden candidates: the same
    postings kept (a key kept with 1 to ``cap`` hidden postings and more than
    one in all; a visible one with at most ``cap`` visible postings and more
    than one in all), visible postings counted only where they matter."""
    n_hidden = {k: len(hidden.rows[k]) for k in part if k in hidden.rows}
    maybe = [k for k, n in n_hidden.items() if n <= cap]
    rows = [
        r for k in maybe for r in hidden.rows[k] if exclude is None or r.collection_id != exclude
    ]
    if not rows:
        return
    vis = grants.visible(scope, match_keys.c.marking_id)
    entities = {r.entity_id for r in rows} & hidden.mixed(conn, scope)
    crowded = hidden.crowded(conn, scope, cap)
    # A key with more than ``cap`` visible postings is never kept: not read.
    readable = [k for k in part if crowded.get(k, 0) <= cap]
    visible = (
        _kept_postings(
            conn,
            scope,
            readable,
            vis,
            exclude,
            entities if len(entities) <= _MOST_ENTITIES else None,
        )
        if entities
        else []
    )
    # Visible counts of the keys those postings came through, and of the
    # keys whose one hidden posting is shared only if a visible one exists
    # (a crowded key's from the batch's count; any other has at most ``cap``).
    wanted = {r.key for r in visible} | {k for k in maybe if n_hidden[k] == 1}
    seen = {k: crowded[k] for k in wanted if k in crowded and crowded[k]}
    seen.update(_visible_counts(conn, vis, sorted(k for k in wanted if k not in crowded)))
    capped.extend(sorted(k for k in part if crowded.get(k, 0) > cap))
    kept_seen = {k for k, n in seen.items() if n <= cap and n + n_hidden.get(k, 0) > 1}
    kept_hidden = {k for k in maybe if n_hidden[k] > 1 or seen.get(k, 0) > 0}
    found.extend(r for r in visible if r.key in kept_seen)
    found.extend(r for r in rows if r.key in kept_hidden)


_MOST_ENTITIES = 5000


def _kept_postings(conn, scope, keys, condition, exclude_collection, entities=None) -> list:
    """Labelled postings of ``keys`` under ``condition`` (of ``entities`` only, when given)."""
    if not keys:
        return []
    query = _postings_query(scope).where(match_keys.c.key.in_(keys), condition)
    if exclude_collection is not None:
        query = query.where(match_keys.c.collection_id != exclude_collection)
    if entities is not None:
        # Checked per posting of the keys (``|| ''`` keeps the entity list
        # out of the index search: keys × entities probes cost far more).
        entity = match_keys.c.entity_id.concat(literal_column("''"))
        query = query.where(entity.in_(sorted(entities)))
    return conn.execute(query).all()


@grants.per_scope
def _query_statements(scope: ReadScope, props: tuple[str, ...]):
    return (
        select(statements.c.entity_id, statements.c.schema, statements.c.prop, statements.c.value)
        .where(
            statements.c.entity_id.in_(bindparam("ids", expanding=True)),
            statements.c.prop.in_(props),
            grants.visible(scope, statements.c.marking_id),
        )
        .order_by(statements.c.entity_id, statements.c.pk)
    )


def query_statements(
    conn: Connection, scope: ReadScope, entity_ids: Sequence[str], props: Sequence[str]
) -> list:
    """``(entity_id, schema, prop, value)`` of the visible statements of some
    properties of some entities, in the order of ``statements.for_entities``:
    what a match query is built from, without the columns it does not read."""
    if not entity_ids:
        return []
    query = _query_statements(scope, tuple(sorted(props)))
    return conn.execute(query, {"ids": list(entity_ids)}).all()


# Built once (a statement object reused keeps its cache key and compiled form).
_HIT_CHECK = (
    select(
        statements.c.entity_id,
        statements.c.schema,
        statements.c.prop,
        statements.c.value,
        statements.c.collection_id,
        statements.c.marking_id,
        collections.c.org,
        collections.c.red_hits,
    )
    .select_from(statements.join(collections, collections.c.id == statements.c.collection_id))
    .where(statements.c.entity_id.in_(bindparam("ids", expanding=True)))
    .order_by(statements.c.entity_id, statements.c.pk)
)


def statements_for_hit_check(conn: Connection, entity_ids: Sequence[str]) -> list:
    """Every statement of some entities with its collection's organisation
    and RED option, *unscoped*: only for deciding whether hidden candidates
    match (a hit) — never returned to a reader."""
    if not entity_ids:
        return []
    return conn.execute(_HIT_CHECK, {"ids": list(entity_ids)}).all()


# -- collections and organisations ---------------------------------------------
def collection_info(conn: Connection, ids: Iterable[int]) -> dict[int, tuple[str, str, bool]]:
    """(organisation, name, red_hits) of some collections."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = conn.execute(
        select(
            collections.c.id, collections.c.org, collections.c.name, collections.c.red_hits
        ).where(collections.c.id.in_(wanted))
    )
    return {r.id: (r.org, r.name, bool(r.red_hits)) for r in rows}


def set_red_hits(conn: Connection, collection_id: int, on: bool) -> None:
    conn.execute(update(collections).where(collections.c.id == collection_id).values(red_hits=on))


def contacts(conn: Connection, orgs: Iterable[str]) -> dict[str, str | None]:
    wanted = sorted(set(orgs))
    if not wanted:
        return {}
    rows = conn.execute(
        select(organisations.c.code, organisations.c.contact).where(
            organisations.c.code.in_(wanted)
        )
    )
    return {r.code: r.contact for r in rows}


def set_contact(conn: Connection, org: str, contact: str | None) -> None:
    conn.execute(update(organisations).where(organisations.c.code == org).values(contact=contact))


# -- notices --------------------------------------------------------------------
NOTICE_FIELDS = (
    "reference",
    "kind",
    "recipient_org",
    "recipient_user",
    "holder_org",
    "source",
    "own_entity_id",
)


@functools.cache
def _notice_writes(is_sqlite: bool):
    """The notice upsert and the record insert, built once per dialect."""
    dialect = sqlite if is_sqlite else postgresql
    ins = dialect.insert(hit_notices)
    upsert = ins.on_conflict_do_update(
        index_elements=[hit_notices.c.reference],
        set_={"last_at": ins.excluded.last_at, "count": hit_notices.c.count + 1},
    )
    return upsert, dialect.insert(hit_records).on_conflict_do_nothing()


_NOTICES_BY_REF = select(hit_notices).where(
    hit_notices.c.reference.in_(bindparam("refs", expanding=True))
)


def record_notices(conn: Connection, dialect: Dialect, items: Sequence[dict], now: str) -> dict:
    """Store notices (dicts of ``NOTICE_FIELDS`` and ``records``: the holder's
    (entity, collection, marking) behind each), counting a repeat of a stored
    one (same reference) instead.  Returns the notice rows by reference.
    A few statements for any number of notices."""
    if not items:
        return {}
    upsert, insert_records = _notice_writes(dialect.is_sqlite)
    conn.execute(
        upsert,
        [
            {**{f: n[f] for f in NOTICE_FIELDS}, "created_at": now, "last_at": now, "count": 1}
            for n in {n["reference"]: n for n in items}.values()
        ],
    )
    refs = sorted({n["reference"] for n in items})
    rows: dict = {}
    for start in range(0, len(refs), 500):
        found = conn.execute(_NOTICES_BY_REF, {"refs": refs[start : start + 500]})
        rows.update({r.reference: r for r in found})
    records = {(rows[n["reference"]].id, e, c): m for n in items for e, c, m in n["records"]}
    if records:
        conn.execute(
            insert_records,
            [
                {"notice_id": i, "entity_id": e, "collection_id": c, "marking_id": m}
                for (i, e, c), m in sorted(records.items())
            ],
        )
    return rows


def notices_for(
    conn: Connection,
    *,
    recipient_org: str | None = None,
    recipient_user: str | None = None,
    holder_org: str | None = None,
    limit: int = 100,
    before: int | None = None,
) -> list:
    """Notices addressed to an organisation (all, or one user's) or held by
    one, newest first.  Which the reader may list is decided by the caller
    through gugus.access (notice_reach)."""
    query = select(hit_notices).order_by(hit_notices.c.id.desc()).limit(limit)
    if recipient_org is not None:
        query = query.where(hit_notices.c.recipient_org == recipient_org)
    if recipient_user is not None:
        query = query.where(hit_notices.c.recipient_user == recipient_user)
    if holder_org is not None:
        query = query.where(hit_notices.c.holder_org == holder_org)
    if before is not None:
        query = query.where(hit_notices.c.id < before)
    return conn.execute(query).all()


def visible_records(conn: Connection, scope: ReadScope, notice_ids: Sequence[int]) -> list:
    """The records behind some notices that the reader may see."""
    if not notice_ids:
        return []
    query = (
        select(
            hit_records.c.notice_id,
            hit_records.c.entity_id,
            hit_records.c.marking_id,
            collections.c.name.label("collection"),
        )
        .select_from(hit_records.join(collections, collections.c.id == hit_records.c.collection_id))
        .where(
            hit_records.c.notice_id.in_(list(notice_ids)),
            grants.visible(scope, hit_records.c.marking_id),
        )
        .order_by(hit_records.c.notice_id, hit_records.c.entity_id)
    )
    return conn.execute(query).all()


def count_keys(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(match_keys)).scalar_one()


__all__ = [
    "KeyWriter",
    "backfill",
    "collection_info",
    "contacts",
    "count_keys",
    "HiddenPostings",
    "key_rows",
    "notices_for",
    "postings",
    "postings_many",
    "query_statements",
    "record_notices",
    "set_contact",
    "set_red_hits",
    "statements_for_hit_check",
    "visible_records",
]

"""Search filters and facet rows over matched entities, visible statements only.

Both read the statements of given entities (by the entity index) and keep
only the rows whose marking the reader is granted (:func:`grants.visible`):
a filter or a facet never sees a value the reader may not see.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    String,
    and_,
    any_,
    bindparam,
    case,
    func,
    intersect,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql

from gugus.access import ReadScope
from gugus.store import entity_words, grants
from gugus.store.rows import raw_rows
from gugus.store.tables import collections, statements

_CHUNK = 1000
COUNTRY_TYPE = "country"


@dataclass(frozen=True)
class EntityFilter:
    """What a matched entity must have among its visible statements: for
    each dimension given, one of its values (OR within a dimension, AND
    across them).  Organisations and countries of collections are given as
    collection ids (resolved by the service among visible collections)."""

    schemata: tuple[str, ...] | None = None
    collection_ids: tuple[int, ...] | None = None
    org_collection_ids: tuple[int, ...] | None = None
    countries: tuple[str, ...] | None = None
    country_collection_ids: tuple[int, ...] = ()

    def conditions(self) -> list:
        s = statements.c
        out = []
        if self.schemata is not None:
            out.append(s.schema.in_(self.schemata))
        if self.collection_ids is not None:
            out.append(s.collection_id.in_(self.collection_ids))
        if self.org_collection_ids is not None:
            out.append(s.collection_id.in_(self.org_collection_ids))
        if self.countries is not None:
            out.append(
                or_(
                    and_(s.prop_type == COUNTRY_TYPE, s.value.in_(self.countries)),
                    s.collection_id.in_(self.country_collection_ids),
                )
            )
        return out


def _chunks(ids: Sequence[str]):
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def filter_entities(
    conn: Connection, scope: ReadScope, entity_ids: Sequence[str], wanted: EntityFilter
) -> set[str]:
    """The entities that have, for every dimension of ``wanted``, a visible
    statement with one of its values (an INTERSECT of one query per
    dimension)."""
    conditions = wanted.conditions()
    if not conditions:
        return set(entity_ids)
    s = statements.c
    out: set[str] = set()
    for chunk in _chunks(entity_ids):
        parts = [
            select(s.entity_id).where(
                s.entity_id.in_(chunk), grants.visible(scope, s.marking_id), cond
            )
            for cond in conditions
        ]
        query = parts[0].distinct() if len(parts) == 1 else intersect(*parts)
        out.update(conn.execute(query).scalars())
    return out


def facet_rows(conn: Connection, scope: ReadScope, entity_ids: Sequence[str]) -> list[tuple]:
    """(entity_id, schemata, collection ids, countries, marking_id) of the
    entities' visible statements, for counting facets (each a tuple, alike
    rows sharing equal tuples; an entity may have several rows): every
    (facet, value, entity, marking) of :func:`statement_facet_rows`.  SQLite
    reads them from its index of entities (one row per entity and marking:
    :func:`gugus.store.entity_words.facet_rows`), PostgreSQL from the
    statements."""
    if conn.dialect.name == "sqlite":
        return entity_words.facet_rows(conn, scope, entity_ids)
    return statement_facet_rows(conn, scope, entity_ids)


def statement_facet_rows(
    conn: Connection, scope: ReadScope, entity_ids: Sequence[str]
) -> list[tuple]:
    """Distinct (entity_id, schema, collection_id, country, marking_id) of
    the entities' visible statements, in the shape of :func:`facet_rows`:
    (entity_id, (schema,), (collection_id,), (country,) or (), marking_id),
    ``country`` the value of a country-typed statement.

    The ids are bound as one value (a JSON array on SQLite, an array on
    PostgreSQL) in a statement built once per reader and dialect: rendering
    and caching an IN list of 500 bound ids cost SQLAlchemy as much as the
    database's read of their rows."""
    sqlite = conn.dialect.name == "sqlite"
    query = _facet_query(scope, sqlite)
    rows: list = []
    for chunk in _chunks(entity_ids):
        rows.extend(raw_rows(conn, query, {"ids": json.dumps(chunk) if sqlite else chunk}))
    return [
        (entity, (schema,), (collection,), (country,) if country else (), marking)
        for entity, schema, collection, country, marking in rows
    ]


@grants.per_scope
def _facet_query(scope: ReadScope, sqlite: bool):
    s = statements.c
    country = case((s.prop_type == COUNTRY_TYPE, s.value), else_=literal(None))
    if sqlite:
        given = s.entity_id.in_(
            select(literal_column("value")).select_from(func.json_each(bindparam("ids")))
        )
    else:
        given = s.entity_id == any_(bindparam("ids", type_=postgresql.ARRAY(String)))
    return (
        select(s.entity_id, s.schema, s.collection_id, country.label("country"), s.marking_id)
        .where(given, grants.visible_set(scope, s.marking_id))
        .distinct()
    )


def visible_collections(conn: Connection, scope: ReadScope) -> list:
    """The collections whose default marking the reader is granted (every
    statement of a collection is at least as restricted as its default)."""
    return conn.execute(_visible_collections(scope)).all()


@grants.per_scope
def _visible_collections(scope: ReadScope):
    return select(collections).where(grants.visible(scope, collections.c.marking_id))

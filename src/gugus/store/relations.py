"""SQL of the entity page: references between entities, the cross-reference
pairs and the hit notices of one entity.

References are entity-typed statements (``Payment.payer``, ``Mention.resolved``,
``Passport.holder`` …) whose value is the stored id of the entity they name
(a load signs both with the loading organisation's namespace,
:mod:`gugus.model.ids`).  Every read takes the reader's
:class:`~gugus.access.ReadScope` and keeps only rows whose marking is granted
(``grants.visible``), and every read is bounded by a ``LIMIT``.
"""

from __future__ import annotations

from collections.abc import Sequence

from followthemoney import model
from sqlalchemy import Connection, Integer, bindparam, func, literal_column, or_, select

from gugus.access import ReadScope
from gugus.store import grants
from gugus.store import statements as stmt_sql
from gugus.store.tables import collections, hit_notices, hit_records, statements, xref_pairs

# The type of a reference, and its literal in the partial index
# ``ix_statements_ref`` (a bound value would keep SQLite from using it).
REFERENCE = "entity"
_ENTITY = literal_column(f"'{REFERENCE}'")
# Properties that make an entity's caption, in any schema, and its "id"
# statement (its schema): what an entity page shows of the entities it links to.
CAPTION_PROPS = tuple(sorted({p for s in model.schemata.values() for p in s.caption} | {"id"}))
if not all(p.isidentifier() for p in CAPTION_PROPS):  # they are written into the SQL below
    raise RuntimeError("a FollowTheMoney caption property is not a plain name")
# Written into the SQL as constants: 47 bound values cost SQLAlchemy more per
# read (expanded on every execution) than SQLite needs to run it.
_CAPTION_PROPS = [literal_column(f"'{p}'") for p in CAPTION_PROPS]

_COLUMNS = (statements.c.pk, *stmt_sql._COLUMNS)
_visible = stmt_sql._visible


@grants.per_scope
def _incoming(scope: ReadScope):
    return (
        select(*_COLUMNS)
        .where(
            statements.c.prop_type == _ENTITY,
            statements.c.value.in_(bindparam("ids", expanding=True)),
            statements.c.entity_id.not_in(bindparam("ids2", expanding=True)),
            _visible(scope),
        )
        .order_by(statements.c.pk)
        .limit(bindparam("n", type_=Integer))
    )


def incoming(conn: Connection, scope: ReadScope, entity_ids: Sequence[str], limit: int) -> list:
    """The first ``limit`` visible statements of *other* entities naming one
    of ``entity_ids`` through an entity-typed property, oldest first."""
    ids = sorted(set(entity_ids))
    if not ids:
        return []
    return conn.execute(_incoming(scope), {"ids": ids, "ids2": ids, "n": limit}).all()


@grants.per_scope
def _any_visible(scope: ReadScope):
    return (
        select(statements.c.entity_id)
        .where(statements.c.entity_id.in_(bindparam("ids", expanding=True)), _visible(scope))
        .limit(1)
    )


def any_visible(conn: Connection, scope: ReadScope, entity_ids: Sequence[str]) -> bool:
    """Whether one of the entities has a statement the reader may see."""
    ids = sorted(set(entity_ids))
    return bool(ids) and conn.execute(_any_visible(scope), {"ids": ids}).first() is not None


@grants.per_scope
def _outgoing(scope: ReadScope):
    numbered = (
        select(
            *_COLUMNS,
            func.row_number()
            .over(partition_by=statements.c.entity_id, order_by=statements.c.pk)
            .label("n"),
        )
        .where(
            statements.c.entity_id.in_(bindparam("ids", expanding=True)),
            statements.c.prop_type == _ENTITY,
            _visible(scope),
        )
        .subquery("numbered")
    )
    return (
        select(*(numbered.c[c.name] for c in _COLUMNS))
        .where(numbered.c.n <= bindparam("per", type_=Integer))
        .order_by(numbered.c.entity_id, numbered.c.pk)
    )


def outgoing(
    conn: Connection, scope: ReadScope, entity_ids: Sequence[str], per_entity: int
) -> list:
    """The visible entity-typed statements of some entities (the entities
    they name), at most ``per_entity`` of each, by entity then oldest first."""
    ids = sorted(set(entity_ids))
    if not ids:
        return []
    return conn.execute(_outgoing(scope), {"ids": ids, "per": per_entity}).all()


@grants.per_scope
def _captions(scope: ReadScope):
    return (
        select(*_COLUMNS)
        .where(
            statements.c.entity_id.in_(bindparam("ids", expanding=True)),
            statements.c.prop.in_(_CAPTION_PROPS),
            _visible(scope),
        )
        .order_by(statements.c.entity_id, statements.c.pk)
    )


def caption_statements(conn: Connection, scope: ReadScope, entity_ids: Sequence[str]) -> list:
    """The visible statements that make the schema and caption of some
    entities (never their other values: a linked document's text stays
    unread)."""
    ids = sorted(set(entity_ids))
    out: list = []
    for start in range(0, len(ids), 500):
        out.extend(conn.execute(_captions(scope), {"ids": ids[start : start + 500]}))
    return out


@grants.per_scope
def _pairs(scope: ReadScope):
    return (
        select(xref_pairs)
        .where(
            or_(
                xref_pairs.c.left_id.in_(bindparam("ids", expanding=True)),
                xref_pairs.c.right_id.in_(bindparam("ids2", expanding=True)),
            ),
            grants.visible(scope, xref_pairs.c.marking_id),
        )
        .order_by(xref_pairs.c.run_id.desc(), xref_pairs.c.probability.desc(), xref_pairs.c.id)
        .limit(bindparam("n", type_=Integer))
    )


def pairs_touching(
    conn: Connection, scope: ReadScope, entity_ids: Sequence[str], limit: int
) -> list:
    """The visible cross-reference pairs naming one of the entities, the
    latest run's first, most probable first."""
    ids = sorted(set(entity_ids))
    if not ids:
        return []
    return conn.execute(_pairs(scope), {"ids": ids, "ids2": ids, "n": limit}).all()


# Built once (an entity page reads them on every view); not filtered by
# grants: which notices a reader may list is decided by the caller.
_ABOUT = (
    select(hit_notices)
    .where(
        hit_notices.c.own_entity_id.in_(bindparam("ids", expanding=True)),
        hit_notices.c.recipient_org == bindparam("org"),
    )
    .order_by(hit_notices.c.id.desc())
    .limit(bindparam("n", type_=Integer))
)
_ABOUT_FOR_USER = _ABOUT.where(hit_notices.c.recipient_user == bindparam("user"))


def notices_about(
    conn: Connection,
    entity_ids: Sequence[str],
    *,
    recipient_org: str,
    recipient_user: str | None,
    limit: int,
) -> list:
    """Hit notices raised on the entities (the recipient's own records),
    addressed to an organisation (all, or one user's), newest first.  Which
    the reader may list is decided by the caller through gugus.access."""
    ids = sorted(set(entity_ids))
    if not ids:
        return []
    values = {"ids": ids, "org": recipient_org, "n": limit}
    if recipient_user is None:
        return conn.execute(_ABOUT, values).all()
    return conn.execute(_ABOUT_FOR_USER, {**values, "user": recipient_user}).all()


@grants.per_scope
def _holding(scope: ReadScope):
    return (
        select(
            hit_notices,
            hit_records.c.entity_id.label("record_entity_id"),
            hit_records.c.marking_id.label("record_marking_id"),
            collections.c.name.label("record_collection"),
        )
        .select_from(
            hit_records.join(hit_notices, hit_notices.c.id == hit_records.c.notice_id).join(
                collections, collections.c.id == hit_records.c.collection_id
            )
        )
        .where(
            hit_records.c.entity_id.in_(bindparam("ids", expanding=True)),
            hit_notices.c.holder_org == bindparam("org"),
            grants.visible(scope, hit_records.c.marking_id),
        )
        .order_by(hit_notices.c.id.desc(), hit_records.c.entity_id)
        .limit(bindparam("n", type_=Integer))
    )


def notices_holding(
    conn: Connection, scope: ReadScope, entity_ids: Sequence[str], *, holder_org: str, limit: int
) -> list:
    """Mirror notices whose records include one of the entities, held by
    ``holder_org``: one row per notice and visible record, newest first."""
    ids = sorted(set(entity_ids))
    if not ids:
        return []
    return conn.execute(_holding(scope), {"ids": ids, "org": holder_org, "n": limit}).all()


__all__ = [
    "CAPTION_PROPS",
    "REFERENCE",
    "any_visible",
    "caption_statements",
    "incoming",
    "notices_about",
    "notices_holding",
    "outgoing",
    "pairs_touching",
]

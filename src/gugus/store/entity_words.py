"""SQLite: the search's index of entities (migration 0010).

``entity_docs`` holds one row per (entity, marking): the search terms of
the entity's statements under that marking (each word prefixed with the
marking's audience, as ``search_text``), and what the search facets count
of it (collections, schemata, country values).  Its rowid is the entity's
number (``entity_numbers``: the order entities were first stored) shifted
left by :data:`SHIFT` bits, OR the marking id.  Its full-text index
``entity_fts`` therefore answers a one-word search with the matching
(entity, marking) pairs themselves: the reader's grants are checked on the
marking bits and each entity counts once, without reading a row per
match.  A word matched by 144,000 statements is counted about three times
faster than through the statement index and its ``search_keys``.

A search of several words in one group (every word in one statement) still
reads the statement index (:mod:`gugus.store.statements`): a document holds
all of an entity's statements under one marking, so its words are not one
statement's.

The statement writer rebuilds the documents of each batch's entities in
the load's transaction (:func:`writing`); triggers rebuild them when a
statement changes or is deleted by any other write.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, bindparam, column, func, select, table, text

from gugus.access import ReadScope
from gugus.store import grants
from gugus.store.rows import raw_rows

SHIFT = 31
MARKING_BITS = (1 << SHIFT) - 1
# The entity ids of a batch, in order: numbers for new entities, then every
# document of each entity rebuilt from its statements.
_NUMBER = text(
    "INSERT OR IGNORE INTO entity_numbers (entity_id) "
    "SELECT value FROM json_each(:ids) ORDER BY key"
)
_DROP = text(
    "DELETE FROM entity_docs WHERE id IN (SELECT d.id FROM json_each(:ids) j "
    "JOIN entity_numbers n ON n.entity_id = j.value "
    "JOIN entity_docs d ON d.id BETWEEN n.no << 31 AND (n.no << 31) | 2147483647)"
)
_BUILD = text(
    "INSERT INTO entity_docs (id, collections, schemata, countries, words) "
    "SELECT (n.no << 31) | s.marking_id, json_group_array(DISTINCT s.collection_id), "
    "group_concat(DISTINCT s.schema), "
    "json_group_array(DISTINCT s.value) FILTER (WHERE s.prop_type = 'country'), "
    "group_concat(s.search_text, ' ') "
    "FROM json_each(:ids) j JOIN statements s ON s.entity_id = j.value "
    "JOIN entity_numbers n ON n.entity_id = s.entity_id "
    "GROUP BY s.entity_id, s.marking_id"
)
_WRITING = text("INSERT INTO entity_docs_writing (batch) VALUES (1)")
_WRITTEN = text("DELETE FROM entity_docs_writing")
_TRIGGERS = ("entity_docs_ad", "entity_docs_au", "entity_fts_ad", "entity_fts_ai")

_fts = table("entity_fts", column("rowid"), column("entity_fts"))
_docs = table(
    "entity_docs",
    column("id"),
    column("collections"),
    column("schemata"),
    column("countries"),
)
_numbers = table("entity_numbers", column("no"), column("entity_id"))


@contextmanager
def writing(conn: Connection, entity_ids: Iterable[str]) -> Iterator[None]:
    """Around the statement writer's batch (in its transaction): the
    triggers leave the batch's changes alone, then every document of the
    batch's entities is rebuilt once from their statements (numbering new
    entities in the order given) — a re-load moving an entity's statements
    to another marking rewrites each of its documents once, not twice per
    statement."""
    ids = list(dict.fromkeys(entity_ids))
    conn.execute(_WRITING)
    try:
        yield
    except Exception:
        # A failed batch: its transaction is normally rolled back (the mark
        # with it); should it go on, the mark must not stay.  A connection
        # the failure left unusable answers with its own error: the one
        # raised here is the batch's.
        with contextlib.suppress(Exception):
            conn.execute(_WRITTEN)
            rebuild(conn, ids)
        raise
    # (an interrupt — KeyboardInterrupt, SystemExit — passes through: the
    # load's transaction is rolled back, and nothing may run on it now)
    conn.execute(_WRITTEN)
    rebuild(conn, ids)


def rebuild(conn: Connection, entity_ids: Iterable[str]) -> None:
    """Rebuild every document of these entities from their statements."""
    ids = json.dumps(list(dict.fromkeys(entity_ids)))
    if ids == "[]":
        return
    conn.execute(_NUMBER, {"ids": ids})
    conn.execute(_DROP, {"ids": ids})
    conn.execute(_BUILD, {"ids": ids})


def match_text(words: Sequence[str], audiences: Sequence[int]) -> str:
    """The FTS5 match text of any of ``words`` within any of ``audiences``
    (terms as :func:`gugus.store.statements.search_terms` writes them)."""
    return " OR ".join(f'"a{a}x{w}"' for a in audiences for w in words)


# Rows a count reads at first: a word matched more often is counted in SQL,
# and only the newest entities it needs are read.  A little over what a
# search walks (the newest 500 results its facets count, with room for
# members of clusters): reading ~1 µs a row, a common word's newest 2,000
# cost twice its newest 640, and a word matched 640–2,000 times is counted
# in SQL in less than the difference.
FIRST_READ = 640


def _conditions(scope: ReadScope) -> list:
    """A document matching the bound ``match`` text, under a marking the
    reader is granted."""
    marking = _fts.c.rowid.op("&")(MARKING_BITS)
    return [
        _fts.c.entity_fts.op("MATCH")(bindparam("match")),
        grants.visible_set(scope, marking),
    ]


def _matching(scope: ReadScope, *more):
    return select(_fts.c.rowid).where(*_conditions(scope), *more)


@grants.per_scope
def _match_query(scope: ReadScope):
    return _matching(scope).order_by(_fts.c.rowid.desc())


@grants.per_scope
def _newest_query(scope: ReadScope):
    return _match_query(scope).limit(bindparam("n"))


@grants.per_scope
def _count_query(scope: ReadScope):
    entity = _fts.c.rowid.op(">>")(SHIFT)
    return select(func.count(entity.distinct())).where(*_conditions(scope))


@grants.per_scope
def _among_query(scope: ReadScope):
    entity = _fts.c.rowid.op(">>")(SHIFT)
    given = select(column("value")).select_from(func.json_each(bindparam("nos")))
    return _matching(scope, entity.in_(given))


def _numbers(rows) -> list[int]:
    return list(dict.fromkeys(row[0] >> SHIFT for row in rows))


class Matched:
    """The entities with a visible document matching a query's match texts
    (one per chunk of the reader's audiences), by number, newest (highest)
    first.  The newest :data:`FIRST_READ` documents are read at once; a
    query matching more is counted in SQL (each entity once) and walked
    only as far as asked, so a word matched 144,000 times is not read row
    by row into Python."""

    def __init__(self, conn: Connection, scope: ReadScope, matches: Sequence[str]) -> None:
        self._conn, self._scope, self._matches = conn, scope, list(matches)
        if len(self._matches) == 1:
            given = {"match": self._matches[0], "n": FIRST_READ}
            rows = raw_rows(conn, _newest_query(scope), given)
            self._complete = len(rows) < FIRST_READ
        else:  # a reader of several chunks of audiences: all of them, merged
            rows = [
                r for m in self._matches for r in raw_rows(conn, _match_query(scope), {"match": m})
            ]
            rows.sort(reverse=True)
            self._complete = True
        self._first = _numbers(rows)
        self._count = len(self._first) if self._complete else None

    def _given(self, **more) -> dict:
        return {"match": self._matches[0], **more}

    @property
    def count(self) -> int:
        """How many entities match (each once)."""
        if self._count is None:
            self._count = raw_rows(self._conn, _count_query(self._scope), self._given())[0][0]
        return self._count

    def newest(self, fetch: int) -> list[int]:
        """The ``fetch`` newest matching entities."""
        if self._complete or fetch <= len(self._first):
            return self._first[:fetch]
        limit = 2 * fetch
        while True:
            rows = raw_rows(self._conn, _newest_query(self._scope), self._given(n=limit))
            found = _numbers(rows)
            if len(found) >= fetch or len(rows) < limit:
                return found[:fetch]
            limit *= 2

    def among(self, numbers: Iterable[int]) -> set[int]:
        """Which of ``numbers`` match."""
        numbers = set(numbers)
        if self._complete or not numbers:
            return numbers.intersection(self._first)
        given = self._given(nos=json.dumps(sorted(numbers)))
        return set(_numbers(raw_rows(self._conn, _among_query(self._scope), given)))

    def all(self) -> list[int]:
        """Every matching entity, newest first."""
        if self._complete:
            return list(self._first)
        return _numbers(raw_rows(self._conn, _match_query(self._scope), self._given()))


_IDS_OF = text(
    "SELECT n.no, n.entity_id FROM json_each(:nos) j JOIN entity_numbers n ON n.no = j.value"
)
_NUMBERS_OF = text(
    "SELECT n.entity_id, n.no FROM json_each(:ids) j JOIN entity_numbers n ON n.entity_id = j.value"
)


def ids_of(conn: Connection, numbers: Sequence[int]) -> dict[str, int]:
    """The entity ids of ``numbers`` (id → number), in their order."""
    if not numbers:
        return {}
    found = dict(raw_rows(conn, _IDS_OF, {"nos": json.dumps(list(numbers))}))
    return {found[n]: n for n in numbers if n in found}


def numbers_of(conn: Connection, entity_ids: Iterable[str]) -> dict[str, int]:
    ids = list(entity_ids)
    if not ids:
        return {}
    return dict(raw_rows(conn, _NUMBERS_OF, {"ids": json.dumps(ids)}))


@grants.per_scope
def _facet_query(scope: ReadScope):
    nos = func.json_each(bindparam("nos")).table_valued("value").alias("j")
    doc = _docs.c.id
    lowest = nos.c.value.op("<<")(SHIFT)
    return (
        select(nos.c.value, doc, _docs.c.collections, _docs.c.schemata, _docs.c.countries)
        .select_from(nos.join(_docs, doc.between(lowest, lowest.op("|")(MARKING_BITS))))
        .where(grants.visible_set(scope, doc.op("&")(MARKING_BITS)))
    )


def facet_rows(
    conn: Connection,
    scope: ReadScope,
    entity_ids: Sequence[str],
    known: dict[str, int] | None = None,
) -> list[tuple]:
    """(entity_id, schemata, collection ids, countries, marking_id) of the
    entities' visible documents (one per entity and marking), as
    :func:`gugus.store.facets.facet_rows` gives them for counting: every
    (facet, value, entity) it gives, this gives too, and nothing else.
    ``known``: numbers of some of the ids, read in the same snapshot (the
    others are looked up)."""
    known = known or {}
    numbers = {e: known[e] for e in entity_ids if e in known}
    numbers.update(numbers_of(conn, [e for e in entity_ids if e not in known]))
    by_number = {n: e for e, n in numbers.items()}
    rows = raw_rows(conn, _facet_query(scope), {"nos": json.dumps(list(by_number))})
    return list(_expand(rows, by_number))


def _expand(rows, by_number: dict[int, str]) -> Iterator[tuple]:
    # Most documents share a few lists: each text is read once, and alike
    # rows share equal tuples.
    arrays: dict[str, tuple] = {}
    names: dict[str, tuple] = {}

    def parsed(text: str) -> tuple:
        found = arrays.get(text)
        if found is None:
            found = arrays[text] = tuple(json.loads(text))
        return found

    def split(text: str) -> tuple:
        found = names.get(text)
        if found is None:
            found = names[text] = tuple(text.split(","))
        return found

    for no, doc, collections, schemata, countries in rows:
        yield (
            by_number[no],
            split(schemata),
            parsed(collections),
            parsed(countries),
            doc & MARKING_BITS,
        )


def problems(conn: Connection) -> list[str]:
    """What is wrong with the index (triggers missing; documents that are
    not their statements'), named by table and rowid, never by value."""
    present = {
        r[0]
        for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'entity_%'"
        )
    }
    out = [f"trigger {name} is missing" for name in _TRIGGERS if name not in present]
    if conn.exec_driver_sql("SELECT count(*) FROM entity_docs_writing").scalar_one():
        out.append("a writer's mark is left in entity_docs_writing: the triggers are off")
    out += [f"row {doc} does not match its statements" for doc in _mismatches(conn)]
    return out


# Each (entity, marking) of the statements against its document, compared
# on what does not depend on the order rows were aggregated in: the id, how
# many collections, schemata and countries, and the length of the words.
_EXPECTED = (
    "SELECT (n.no << 31) | s.marking_id AS id, count(DISTINCT s.collection_id) AS c, "
    "count(DISTINCT s.schema) AS sc, count(DISTINCT CASE WHEN s.prop_type = 'country' "
    "THEN s.value END) AS co, sum(length(s.search_text)) + count(s.search_text) - 1 AS w "
    "FROM statements s LEFT JOIN entity_numbers n ON n.entity_id = s.entity_id "
    "GROUP BY s.entity_id, s.marking_id"
)
_STORED = (
    "SELECT id, json_array_length(collections) AS c, "
    "length(schemata) - length(replace(schemata, ',', '')) + 1 AS sc, "
    "json_array_length(countries) AS co, length(words) AS w FROM entity_docs"
)
_MISMATCHES = (  # constants only
    f"SELECT id FROM (SELECT * FROM ({_EXPECTED}) EXCEPT SELECT * FROM ({_STORED})) "  # noqa: S608
    f"UNION SELECT id FROM (SELECT * FROM ({_STORED}) EXCEPT SELECT * FROM ({_EXPECTED})) "
    "ORDER BY 1 LIMIT 100"
)


def _mismatches(conn: Connection) -> list[int | None]:
    return [r[0] for r in conn.exec_driver_sql(_MISMATCHES)]

"""SQLite: the search's index of entities (migrations 0010 and 0011).

``entity_docs`` holds one row per (entity, marking): the search terms of
the entity's statements under that marking (each word prefixed with the
marking's audience, as ``search_text``), and what the search facets count
of it (collections, schemata, country values).  Its rowid is the entity's
number (``entity_numbers``: the order entities were first stored) shifted
left by :data:`SHIFT` bits, OR the marking id, so the facets of an entity
are read by a range of rowids, each document's grants checked on its
marking bits.

``entity_texts`` holds one row per entity (rowid: its number): the words
of all its statements, each under the audience of its statement's marking
now (see ``_WORDS``).  Its full-text index ``entity_terms`` answers a
one-word search with the matching entities themselves, newest (highest
number) first: the match text names only the reader's audiences, so a
match is an entity with a statement the reader may see, counted once
without a ``count(DISTINCT …)`` over its documents — 5× faster than that
count over the documents' own full-text index (dropped by 0011) for a word
matched by 37,000 entities (2.6 against 13.2 ms), which was itself about
three times faster than the statement index and its ``search_keys``.

A search of several words in one group (every word in one statement) still
reads the statement index (:mod:`gugus.store.statements`): a document or a
text holds many statements' words, not one statement's.

The statement writer rebuilds the documents and texts of each batch's
entities in the load's transaction (:func:`writing`); triggers rebuild them
when a statement changes or is deleted by any other write.
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
# ... and the entity's text (migration 0011): its statements' words, each
# under the audience of its statement's marking now.  Every term of a
# search_text carries one prefix by construction ("a<audience>x"); it is
# replaced by the marking's, so a marking changed by any write moves the
# words with it, and a search_text whose terms do not all carry one prefix
# is left out (:func:`problems` names it).
_PREFIX = "substr(s.search_text, 1, instr(s.search_text, 'x'))"
_UNIFORM = (
    f"length(' ' || s.search_text) - length(replace(' ' || s.search_text, ' ' || {_PREFIX}, '')) "
    f"= length(' ' || {_PREFIX}) * "
    "(length(s.search_text) - length(replace(s.search_text, ' ', '')) + 1)"
)
_WORDS = (
    f"group_concat(substr(replace(' ' || s.search_text, ' ' || {_PREFIX}, "
    "' a' || m.audience_id || 'x'), 2), ' ')"
)
_DROP_TEXTS = text(
    "DELETE FROM entity_texts WHERE no IN (SELECT n.no FROM json_each(:ids) j "
    "JOIN entity_numbers n ON n.entity_id = j.value)"
)
# Each numbered entity ``n``'s indexed statements ``s`` with their markings
# ``m``, grouped by entity (what a text is built from, and checked against).
_TEXT_SOURCE = (
    "JOIN statements s ON s.entity_id = n.entity_id JOIN markings m ON m.id = s.marking_id "
    f"WHERE s.search_text IS NOT NULL AND {_UNIFORM} GROUP BY n.no"
)
_BUILD_TEXTS = text(
    f"INSERT INTO entity_texts (no, words) SELECT n.no, {_WORDS} "  # noqa: S608 (constants)
    f"FROM json_each(:ids) j JOIN entity_numbers n ON n.entity_id = j.value {_TEXT_SOURCE}"
)
_WRITING = text("INSERT INTO entity_docs_writing (batch) VALUES (1)")
_WRITTEN = text("DELETE FROM entity_docs_writing")
_TRIGGERS = (
    "entity_docs_ad",
    "entity_docs_au",
    "entity_texts_ad",
    "entity_texts_ai",
    "entity_terms_ad",
    "entity_terms_ai",
)

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
            rebuild(conn, ids)  # (the texts' triggers fire too: same texts)
        raise
    # (an interrupt — KeyboardInterrupt, SystemExit — passes through: the
    # load's transaction is rolled back, and nothing may run on it now)
    rebuild(conn, ids)  # still marked: the texts' triggers leave it to this
    conn.execute(_WRITTEN)


def rebuild(conn: Connection, entity_ids: Iterable[str]) -> None:
    """Rebuild every document and text of these entities from their
    statements."""
    ids = json.dumps(list(dict.fromkeys(entity_ids)))
    if ids == "[]":
        return
    conn.execute(_NUMBER, {"ids": ids})
    conn.execute(_DROP, {"ids": ids})
    conn.execute(_BUILD, {"ids": ids})
    conn.execute(_DROP_TEXTS, {"ids": ids})
    conn.execute(_BUILD_TEXTS, {"ids": ids})


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


# One-word searches read the entities' texts (``entity_terms``: rowid = the
# entity's number).  The reader's grants are in the match text: it names
# only the audiences the reader is granted (grants.visible_audiences), and
# a text holds each word prefixed with the audience of its statement's
# marking, so a text matches when one of the entity's statements the reader
# may see holds the word — what a check of each (entity, marking) document
# against the reader's granted markings finds, one row per entity instead
# of one per document.  (tests/store/test_entity_words.py checks both
# against the statements for every reader and word.)
_terms = table("entity_terms", column("rowid"), column("entity_terms"))
_MATCHING = select(_terms.c.rowid).where(_terms.c.entity_terms.op("MATCH")(bindparam("match")))
_MATCH_QUERY = _MATCHING.order_by(_terms.c.rowid.desc())
_NEWEST_QUERY = _MATCH_QUERY.limit(bindparam("n"))
_COUNT_QUERY = select(func.count()).where(_terms.c.entity_terms.op("MATCH")(bindparam("match")))
_AMONG_QUERY = _MATCHING.where(
    _terms.c.rowid.in_(select(column("value")).select_from(func.json_each(bindparam("nos"))))
)


def _numbers(rows) -> list[int]:
    return [row[0] for row in rows]


class Matched:
    """The entities with a visible statement matching a query's match texts
    (one per chunk of the reader's audiences), by number, newest (highest)
    first.  The newest :data:`FIRST_READ` are read at once; a query
    matching more is counted in SQL and walked only as far as asked, so a
    word matched 144,000 times is not read row by row into Python."""

    def __init__(self, conn: Connection, matches: Sequence[str]) -> None:
        self._conn, self._matches = conn, list(matches)
        if len(self._matches) == 1:
            given = {"match": self._matches[0], "n": FIRST_READ}
            rows = raw_rows(conn, _NEWEST_QUERY, given)
            self._complete = len(rows) < FIRST_READ
            self._first = _numbers(rows)
        else:  # a reader of several chunks of audiences: all of them, merged
            found = {
                r[0] for m in self._matches for r in raw_rows(conn, _MATCH_QUERY, {"match": m})
            }
            self._complete = True
            self._first = sorted(found, reverse=True)
        self._count = len(self._first) if self._complete else None

    def _given(self, **more) -> dict:
        return {"match": self._matches[0], **more}

    @property
    def count(self) -> int:
        """How many entities match (each once)."""
        if self._count is None:
            self._count = raw_rows(self._conn, _COUNT_QUERY, self._given())[0][0]
        return self._count

    def newest(self, fetch: int) -> list[int]:
        """The ``fetch`` newest matching entities."""
        if self._complete or fetch <= len(self._first):
            return self._first[:fetch]
        return _numbers(raw_rows(self._conn, _NEWEST_QUERY, self._given(n=fetch)))

    def among(self, numbers: Iterable[int]) -> set[int]:
        """Which of ``numbers`` match."""
        numbers = set(numbers)
        if self._complete or not numbers:
            return numbers.intersection(self._first)
        given = self._given(nos=json.dumps(sorted(numbers)))
        return set(_numbers(raw_rows(self._conn, _AMONG_QUERY, given)))

    def all(self) -> list[int]:
        """Every matching entity, newest first."""
        if self._complete:
            return list(self._first)
        return _numbers(raw_rows(self._conn, _MATCH_QUERY, self._given()))


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


def facet_rows(conn: Connection, scope: ReadScope, entity_ids: Sequence[str]) -> list[tuple]:
    """(entity_id, schemata, collection ids, countries, marking_id) of the
    entities' visible documents (one per entity and marking), as
    :func:`gugus.store.facets.facet_rows` gives them for counting: every
    (facet, value, entity) it gives, this gives too, and nothing else."""
    by_number = {n: e for e, n in numbers_of(conn, entity_ids).items()}
    return [(by_number[row[0]], *row[1:]) for row in numbered_facet_rows(conn, scope, by_number)]


def numbered_facet_rows(conn: Connection, scope: ReadScope, numbers: Iterable[int]) -> list[tuple]:
    """:func:`facet_rows` of entities given by number, each row naming its
    entity by number."""
    rows = raw_rows(conn, _facet_query(scope), {"nos": json.dumps(list(numbers))})
    return list(_expand(rows))


def _expand(rows) -> Iterator[tuple]:
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
        yield (no, split(schemata), parsed(collections), parsed(countries), doc & MARKING_BITS)


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
    out += [
        f"entity_texts row {no} does not match its statements"
        for no in _column(conn, _TEXT_MISMATCHES)
    ]
    out += [
        f"statement {pk}: its search words do not all carry one audience (not searched)"
        for pk in _column(conn, _MIXED)
    ]
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


# Each entity's text against its statements: its number and the length of
# its words.
_TEXTS_EXPECTED = f"SELECT n.no AS no, length({_WORDS}) AS w FROM entity_numbers n {_TEXT_SOURCE}"  # noqa: S608
_TEXTS_STORED = "SELECT no, length(words) AS w FROM entity_texts"
_TEXT_MISMATCHES = (  # constants only
    f"SELECT no FROM (SELECT * FROM ({_TEXTS_EXPECTED}) EXCEPT SELECT * FROM ({_TEXTS_STORED})) "  # noqa: S608
    f"UNION SELECT no FROM (SELECT * FROM ({_TEXTS_STORED}) EXCEPT SELECT * FROM ({_TEXTS_EXPECTED})) "
    "ORDER BY 1 LIMIT 100"
)
# Statements whose search words do not all carry one audience (left out of
# the entities' texts).
_MIXED = (
    "SELECT s.pk FROM statements s WHERE s.search_text IS NOT NULL "  # noqa: S608 (constants)
    f"AND NOT ({_UNIFORM}) ORDER BY s.pk LIMIT 100"
)


def _column(conn: Connection, sql: str) -> list:
    return [r[0] for r in conn.exec_driver_sql(sql)]


def _mismatches(conn: Connection) -> list[int | None]:
    return _column(conn, _MISMATCHES)

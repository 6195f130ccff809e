"""Statement rows: upsert, word folding, scoped search and reads."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gugus import admin
from gugus.access import Reader
from gugus.model.markings import Marking
from gugus.model.roles import Role
from gugus.model.statements import statement_id
from gugus.store import directory
from gugus.store import statements as stmt_sql
from gugus.store.markings import marking_id
from gugus.store.tables import statements

T1 = "2024-01-01T00:00:00.000000Z"
T2 = "2024-06-01T00:00:00.000000Z"
T3 = "2025-01-01T00:00:00.000000Z"


# -- folding -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "folded"),
    [
        ("José PÉREZ", "jose perez"),
        ("plain ascii", "plain ascii"),
        ("MiXeD", "mixed"),
        ("Ñandú", "nandu"),
        ("Straße", "strasse"),
        ("ÅNGSTRÖM", "angstrom"),
        ("Ça va", "ca va"),
        ("ﬁnca", "finca"),  # ligature, compatibility decomposition
        ("Łódź", "łodz"),  # ł has no decomposition: kept (on both sides of the search)
        ("Müller-Lüdenscheidt", "muller-ludenscheidt"),
        ("", ""),
    ],
)
def test_fold(value, folded):
    assert stmt_sql.fold(value) == folded


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("José Pérez", ["jose", "perez"]),
        ("  JOSÉ   pérez  ", ["jose", "perez"]),
        ("o'Brien-López", ["o", "brien", "lopez"]),
        ("C.U.R.P. 123", ["c", "u", "r", "p", "123"]),
        ('"quoted" OR (x*)', ["quoted", "or", "x"]),
        ("", []),
        ("   ", []),
        ("!!! ... ---", []),
        (" ".join(f"w{i}" for i in range(20)), [f"w{i}" for i in range(16)]),
    ],
)
def test_query_words(query, words):
    assert stmt_sql.query_words(query) == words


# -- store ---------------------------------------------------------------------------
@pytest.fixture
def store(node):
    with node.db.writer.begin() as conn:
        directory.add_organisation(conn, "MX-FGR", "FGR", "MX")
        directory.add_organisation(conn, "US-HSI", "HSI", "US")
    admin.add_collection(node, "fgr", "MX-FGR", "amber", None, release_to=["US-HSI"])
    with node.db.writer.begin() as conn:
        coll = directory.get_collection(conn, "fgr")
        strict = marking_id(conn, Marking.build("amber+strict", "MX-FGR"))
    return node, coll, coll.marking_id, strict


def row(coll, mid, entity_id, prop, value, *, seen=T1, origin="import:a", prop_type="name"):
    return {
        "id": statement_id(coll.name, entity_id, prop, value),
        "entity_id": entity_id,
        "schema": "Person",
        "prop": prop,
        "prop_type": prop_type,
        "value": value,
        "search_text": stmt_sql.index_text(prop_type, value),
        "collection_id": coll.id,
        "marking_id": mid,
        "origin": origin,
        "first_seen": seen,
        "last_seen": seen,
    }


def stored(node, entity_id):
    with node.db.reader.connect() as conn:
        return conn.execute(
            select(statements).where(statements.c.entity_id == entity_id).order_by(statements.c.pk)
        ).all()


def test_upsert_twice_keeps_first_seen_and_moves_last_seen(store):
    node, coll, base, strict = store
    rows1 = [row(coll, base, "p1", "name", "Ana"), row(coll, base, "p1", "alias", "La Güera")]
    with node.db.writer.begin() as conn:
        stmt_sql.upsert(conn, node.db.dialect, rows1)
    rows2 = [
        row(coll, strict, "p1", "name", "Ana", seen=T2, origin="import:b"),
        row(coll, base, "p1", "alias", "La Güera", seen=T3, origin="import:b"),
    ]
    with node.db.writer.begin() as conn:
        stmt_sql.upsert(conn, node.db.dialect, rows2)
        assert stmt_sql.count(conn) == 2
    got = {r.prop: r for r in stored(node, "p1")}
    assert (got["name"].first_seen, got["name"].last_seen) == (T1, T2)
    assert (got["alias"].first_seen, got["alias"].last_seen) == (T1, T3)
    assert got["name"].marking_id == strict  # re-marked by the later load
    assert got["alias"].marking_id == base
    assert got["name"].origin == "import:b"


def test_upsert_nothing(store):
    node, *_ = store
    with node.db.writer.begin() as conn:
        stmt_sql.upsert(conn, node.db.dialect, [])
        assert stmt_sql.count(conn) == 0


@pytest.fixture
def people(store):
    node, coll, base, strict = store
    rows = [
        row(coll, base, "p1", "name", "José Pérez"),
        row(coll, base, "p1", "notes", "visto en Tijuana con O'Brien", prop_type="text"),
        row(coll, base, "p2", "name", "María López"),
        row(coll, strict, "p3", "name", "Jose Lopez"),
        row(coll, base, "p4", "birthDate", "1980", prop_type="date"),  # not searchable
    ]
    with node.db.writer.begin() as conn:
        stmt_sql.upsert(conn, node.db.dialect, rows)
    return node, base, strict


def scope_of(node, reader):
    return node.scope(reader)


HSI = Reader("ana", "US-HSI", Role.ANALYST)
FGR = Reader("luis", "MX-FGR", Role.ANALYST)


SEARCHES = [
    (FGR, "jose", {"p1", "p3"}),
    (FGR, "JOSÉ", {"p1", "p3"}),
    (FGR, "pérez", {"p1"}),
    (FGR, "jose perez", {"p1"}),
    (FGR, "Lopez", {"p2", "p3"}),
    (FGR, "jose lopez", {"p3"}),
    (FGR, "maria perez", set()),  # words must meet in one statement
    (FGR, "tijuana", {"p1"}),
    (FGR, "o'brien", {"p1"}),
    (FGR, "jos", set()),  # whole words only
    (FGR, "1980", set()),  # dates are not searchable text
    (FGR, "", set()),
    (FGR, "¡¿...?!", set()),
    # p3 is AMBER+STRICT, not released to US-HSI
    (HSI, "jose", {"p1"}),
    (HSI, "lopez", {"p2"}),
]


def test_search(people):
    """The table runs in one test per backend (one database each)."""
    node, *_ = people
    wrong = {}
    with node.db.reader.connect() as conn:
        for reader, query, hits in SEARCHES:
            scope = scope_of(node, reader)
            got = stmt_sql.search_entities(conn, node.db.dialect, scope, query, 50)
            if sorted(got) != sorted(hits) or len(got) != len(set(got)):
                wrong[(reader.username, query)] = (got, hits)
    assert wrong == {}


def test_search_paging(people):
    node, *_ = people
    scope = scope_of(node, FGR)
    with node.db.reader.connect() as conn:
        first = stmt_sql.search_entities(conn, node.db.dialect, scope, "jose", 1)
        second = stmt_sql.search_entities(conn, node.db.dialect, scope, "jose", 1, offset=1)
    assert len(first) == len(second) == 1
    assert {*first, *second} == {"p1", "p3"}


def test_empty_scope_reads_nothing(people):
    node, *_ = people
    empty = scope_of(node, Reader("nobody", "XX-NONE", Role.ANALYST))  # no grants at all
    with node.db.reader.connect() as conn:
        assert stmt_sql.search_entities(conn, node.db.dialect, empty, "jose", 50) == []
        assert stmt_sql.for_entities(conn, empty, ["p1", "p2", "p3"]) == []
        assert stmt_sql.statement_tuples(conn, empty, ["p1", "p2", "p3"]) == []
        assert stmt_sql.statement_tuples(conn, empty, []) == []
        assert list(stmt_sql.for_collection(conn, empty, 1)) == []
        # ... while the same queries with the reader's scope do find them
        full = scope_of(node, FGR)
        assert len(stmt_sql.for_entities(conn, full, ["p1", "p2", "p3"])) == 4
        assert stmt_sql.search_entities(conn, node.db.dialect, full, "jose", 50)


def test_scoped_reads_filter_by_marking(people):
    node, base, strict = people
    hsi = scope_of(node, HSI)
    assert hsi.allows(base) and not hsi.allows(strict)
    with node.db.reader.connect() as conn:
        got = stmt_sql.for_entities(conn, hsi, ["p1", "p2", "p3", "p4"])
        assert {r.entity_id for r in got} == {"p1", "p2", "p4"}
        # the search page's read of the same (plain tuples, column order)
        tuples = stmt_sql.statement_tuples(conn, hsi, ["p4", "p3", "p2", "p1", "p1"])
        assert tuples == [tuple(r) for r in got]
        assert all(type(t) is tuple for t in tuples)
        assert stmt_sql.statement_tuples(conn, hsi, ["p3"]) == []
        coll_id = got[0].collection_id
        streamed = list(stmt_sql.for_collection(conn, hsi, coll_id, batch=1))
    assert [r.entity_id for r in streamed] == ["p1", "p1", "p2", "p4"]

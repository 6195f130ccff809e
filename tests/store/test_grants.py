"""Grants: what SQL joins on agrees with gugus.access.decide, and reads cost
the same however many markings exist (findings 8 and 3 of issue #7)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nsids import nsid
from sqlalchemy import delete, event

from gugus import admin, reads
from gugus.access import Reader, decide
from gugus.model.markings import Marking
from gugus.model.roles import Role
from gugus.model.statements import statement_id
from gugus.node import Node
from gugus.store import directory, grants
from gugus.store import statements as stmt_sql
from gugus.store.markings import MarkingCatalogue, marking_id, store_markings
from gugus.store.tables import (
    audience_grants,
    audiences,
    collections,
    markings,
    organisations,
    statements,
    users,
)

NOW = "2025-01-01T00:00:00.000000Z"
P1 = nsid("MX-FGR", "p1")  # as an MX-FGR load stores it


def statement_row(coll_id: int, coll_name: str, mid: int, entity_id: str, value: str) -> dict:
    return {
        "id": statement_id(coll_name, entity_id, "name", value),
        "entity_id": entity_id,
        "schema": "Person",
        "prop": "name",
        "prop_type": "name",
        "value": value,
        "search_text": stmt_sql.fold(value),
        "collection_id": coll_id,
        "marking_id": mid,
        "origin": "test",
        "first_seen": NOW,
        "last_seen": NOW,
    }


# -- grants agree with decide() -------------------------------------------------------
LEVELS = ["clear", "green", "amber", "amber+strict", "red"]


@st.composite
def directories(draw):
    """Organisations and users in two waves (the second added after the
    markings), and markings naming only what exists at their time."""
    orgs = [f"O{i}" for i in range(draw(st.integers(1, 4)))]
    later_orgs = [f"L{i}" for i in range(draw(st.integers(0, 2)))]
    names = iter(f"u{i}" for i in range(100))

    def people(codes, most):
        return [
            (next(names), org, draw(st.sampled_from(["analyst", "supervisor"])))
            for org in codes
            for _ in range(draw(st.integers(0, most)))
        ]

    early = people(orgs, 2)
    # Later users also join early organisations; one reuses an early user's
    # name in another organisation's reader (not a stored user).
    late = people(orgs + later_orgs, 1)
    marks = []
    for _ in range(draw(st.integers(1, 8))):
        originator = draw(st.sampled_from(orgs))
        tlp = draw(st.sampled_from(LEVELS))
        release = draw(st.lists(st.sampled_from(orgs), unique=True, max_size=3))
        recipients = []
        if tlp == "red":
            allowed = [u for u, org, _ in early if org == originator or org in release]
            recipients = (
                draw(st.lists(st.sampled_from(allowed), unique=True, min_size=1))
                if allowed
                else ["-"]
            )
        purpose = draw(st.sampled_from([None, "a", "b"]))
        handling = draw(st.lists(st.sampled_from(["H0", "H1", "H2"]), unique=True, max_size=2))
        marks.append(Marking.build(tlp, originator, handling, None, release, recipients, purpose))
    return orgs, later_orgs, early, late, marks


def wipe(node) -> None:
    with node.db.writer.begin() as conn:
        for table in (
            statements,
            collections,
            markings,
            audience_grants,
            audiences,
            users,
            organisations,
        ):
            conn.execute(delete(table))
    node.catalogue = MarkingCatalogue()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=directories())
def test_grants_agree_with_decide(node, world):
    orgs, later_orgs, early, late, marks = world
    wipe(node)
    with node.db.writer.begin() as conn:
        for org in orgs:
            directory.add_organisation(conn, org, org, "MX")
        for name, org, role in early:
            directory.add_user(conn, name, org, role, "not-a-hash")
        coll = directory.add_collection(
            conn, "c", orgs[0], marking_id(conn, Marking.build("clear", orgs[0])), None, None
        )
        stored = {marking_id(conn, m): m for m in marks}
        stmt_sql.upsert(
            conn,
            node.db.dialect,
            [statement_row(coll, "c", mid, f"e{mid}", f"name {mid}") for mid in stored],
        )
    with node.db.writer.begin() as conn:  # added after the markings
        for org in later_orgs:
            directory.add_organisation(conn, org, org, "MX")
        for name, org, role in late:
            directory.add_user(conn, name, org, role, "not-a-hash")
    # Every user of the directory, and a reader of each organisation no
    # marking names: exactly what decide() allows.
    readers = [Reader(n, o, Role(r)) for n, o, r in early + late]
    readers += [Reader("stranger", org, Role.ANALYST) for org in orgs + later_orgs]
    # A reader that cannot exist (a user's name in another organisation):
    # never more than decide() allows.
    impostors = [Reader(n, o, Role.ANALYST) for n, org, _ in early for o in orgs if o != org]
    entity_ids = [f"e{mid}" for mid in stored]
    with node.db.reader.connect() as conn:
        for reader in readers + impostors:
            scope = node.scope(reader)
            expected = {f"e{mid}" for mid, m in stored.items() if decide(reader, m).allowed}
            got = {r.entity_id for r in stmt_sql.for_entities(conn, scope, entity_ids)}
            found = set(stmt_sql.search_entities(conn, node.db.dialect, scope, "name", 100))
            if reader in impostors:
                assert got <= expected and found <= expected, reader
                continue
            assert got == found == expected, reader
            assert {f"e{mid}" for mid in stored if scope.allows(mid)} == expected


# -- more markings than SQLite's stock variable limit --------------------------------
STOCK_SQLITE_LIMIT = 32766  # SQLITE_MAX_VARIABLE_NUMBER of upstream builds since 3.32
PSYCOPG_LIMIT = 65535  # parameters per PostgreSQL query (protocol limit)


def store_distinct_markings(node, coll, n: int) -> None:
    """``n`` markings that differ only in purpose, each on one statement of
    collection ``coll`` (what a load of n lines with distinct purposes stores)."""
    marks = [
        Marking.build("amber", coll.org, release_to=["US-HSI"], purpose=f"case {i}")
        for i in range(n)
    ]
    with node.db.writer.begin() as conn:
        ids = store_markings(conn, marks)
        rows = [
            statement_row(coll.id, coll.name, ids[m.key], nsid("MX-FGR", f"x{i}"), f"filler {i}")
            for i, m in enumerate(marks)
        ]
        stmt_sql.upsert(conn, node.db.dialect, rows)


@pytest.mark.slow
def test_reads_with_more_markings_than_sql_variables(node):
    """Finding 8: every read bound each visible marking id; past the driver's
    limit every read failed ("too many SQL variables")."""
    if node.db.dialect.is_sqlite:
        # Python's own SQLite here allows 250,000; the upstream default is 32,766.
        node.db.reader.dispose()
        event.listen(
            node.db.reader,
            "connect",
            lambda dbapi, _rec: dbapi.setlimit(
                sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, STOCK_SQLITE_LIMIT
            ),
        )
        n = STOCK_SQLITE_LIMIT + 1
    else:
        n = PSYCOPG_LIMIT + 1
    with node.db.writer.begin() as conn:
        directory.add_organisation(conn, "MX-FGR", "FGR", "MX")
        directory.add_organisation(conn, "US-HSI", "HSI", "US")
        directory.add_user(conn, "ana", "US-HSI", "analyst", "not-a-hash")
    admin.add_collection(node, "fgr", "MX-FGR", "amber", None, release_to=["US-HSI"])
    admin.add_collection(node, "bulk", "MX-FGR", "amber", None, release_to=["US-HSI"])
    with node.db.reader.connect() as conn:
        fgr = directory.get_collection(conn, "fgr")
        bulk = directory.get_collection(conn, "bulk")
    with node.db.writer.begin() as conn:
        stmt_sql.upsert(
            conn, node.db.dialect, [statement_row(fgr.id, "fgr", fgr.marking_id, P1, "Ana Pérez")]
        )
    store_distinct_markings(node, bulk, n)
    ana = node.reader("ana")
    assert reads.get_entity(node, ana, P1)["caption"] == "Ana Pérez"
    assert reads.get_entity(node, ana, nsid("MX-FGR", f"x{n - 1}"))["caption"] == f"filler {n - 1}"
    assert [r["id"] for r in reads.search(node, ana, "perez")["results"]] == [P1]
    assert len(reads.search(node, ana, "filler", limit=100)["results"]) == 100
    lines = [json.loads(line) for line in reads.export_collection(node, ana, "fgr")]
    assert [line["id"] for line in lines] == [P1]
    assert {c["name"] for c in reads.visible_collections(node, ana)} == {"fgr", "bulk"}


# -- finding 3: hidden matches cost nothing --------------------------------------------
def vm_steps(conn, read) -> tuple[object, int]:
    """SQLite: ``read()``'s answer and the virtual-machine steps it took."""
    raw = conn.connection.dbapi_connection
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    raw.set_progress_handler(count, 1)
    try:
        return read(), steps[0]
    finally:
        raw.set_progress_handler(None, 1)


def search_work(node, scope, word: str) -> int:
    """Work the database does for one search, counted (not timed): SQLite
    virtual-machine steps; PostgreSQL rows produced or discarded by every
    plan node (EXPLAIN ANALYZE)."""
    with node.db.reader.connect() as conn:
        if node.db.dialect.is_sqlite:
            read = lambda: stmt_sql.search_entities(conn, node.db.dialect, scope, word, 20)  # noqa: E731
            return vm_steps(conn, read)[1]
        return sum(_rows_touched(plan["Plan"]) for plan in search_plans(node, scope, word))


def search_plans(node, scope, word: str) -> list[dict]:
    """PostgreSQL: the EXPLAIN (ANALYZE, FORMAT JSON) plans of the full-text
    queries one search runs, replayed in order with the planner settings the
    search sets around them."""
    with node.db.reader.connect() as conn:
        seen: list = []

        def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
            seen.append((statement, parameters))

        event.listen(conn, "before_cursor_execute", capture)
        stmt_sql.search_entities(conn, node.db.dialect, scope, word, 20)
        event.remove(conn, "before_cursor_execute", capture)
        plans = []
        for statement, parameters in seen:
            if "tsquery" in statement:
                explain = "EXPLAIN (ANALYZE, FORMAT JSON) " + statement
                plans.append(conn.exec_driver_sql(explain, parameters).scalar()[0])
            else:  # the settings around a query, the grants' audiences
                conn.exec_driver_sql(statement, parameters)
        return plans


def _rows_touched(node: dict) -> int:
    own = sum(
        node.get(k, 0)
        for k in ("Actual Rows", "Rows Removed by Filter", "Rows Removed by Index Recheck")
    )
    return own + sum(_rows_touched(child) for child in node.get("Plans", []))


def open_and_closed(node, partners: int = 0):
    """MX-FGR's "open" (released to US-HSI) and "closed" (its own)
    collections, and ``partners`` more collections US-HSI sees, each of its
    own audience (released to US-HSI and a partner organisation)."""
    with node.db.writer.begin() as conn:
        directory.add_organisation(conn, "MX-FGR", "FGR", "MX")
        directory.add_organisation(conn, "US-HSI", "HSI", "US")
        for i in range(partners):
            directory.add_organisation(conn, f"P{i}", f"P{i}", "GT")
    admin.add_collection(node, "open", "MX-FGR", "amber", None, release_to=["US-HSI"])
    admin.add_collection(node, "closed", "MX-FGR", "amber+strict", None)
    for i in range(partners):
        admin.add_collection(node, f"c{i}", "MX-FGR", "amber", None, release_to=["US-HSI", f"P{i}"])
    with node.db.reader.connect() as conn:
        return directory.get_collection(conn, "open"), directory.get_collection(conn, "closed")


def test_search_work_does_not_follow_hidden_matches(node):
    """A word in 2,000 statements the reader may not see costs the same as a
    word in none (the visible matches being alike)."""
    open_, closed = open_and_closed(node)
    rows = [
        statement_row(open_.id, "open", open_.marking_id, f"v{i}", f"needle {i}") for i in range(5)
    ]
    rows += [
        statement_row(open_.id, "open", open_.marking_id, f"w{i}", f"thread {i}") for i in range(5)
    ]
    rows += [
        statement_row(closed.id, "closed", closed.marking_id, f"h{i}", f"needle hidden {i}")
        for i in range(2000)
    ]
    with node.db.writer.begin() as conn:
        stmt_sql.upsert(conn, node.db.dialect, rows)
    scope = node.scope(Reader("ana", "US-HSI", Role.ANALYST))
    with node.db.reader.connect() as conn:
        assert sorted(stmt_sql.search_entities(conn, node.db.dialect, scope, "needle", 20)) == [
            f"v{i}" for i in range(5)
        ]
    assert search_work(node, scope, "needle") == search_work(node, scope, "thread")


@pytest.mark.parametrize("hidden", [200, 2000])
def test_a_one_word_count_does_not_follow_hidden_matches(tmp_path, hidden):
    """SQLite's index of entities (what a one-word search counts from): a
    word costs the database the same whether the hidden entities stored
    beside the reader's hold it or another word (two nodes alike but for
    that; virtual-machine steps counted, not timed; each index merged into
    one segment, as its own merging would in time)."""

    def work(hidden_text: str) -> tuple[int, int]:
        node = Node(str(tmp_path / f"{hidden_text}.db"))
        node.db.migrate()
        try:
            open_, closed = open_and_closed(node)
            rows = [
                statement_row(open_.id, "open", open_.marking_id, f"v{i}", f"needle {i}")
                for i in range(5)
            ]
            rows += [
                statement_row(closed.id, "closed", closed.marking_id, f"h{i}", f"{hidden_text} {i}")
                for i in range(hidden)
            ]
            with node.db.writer.begin() as conn:
                stmt_sql.upsert(conn, node.db.dialect, rows)
                conn.exec_driver_sql("INSERT INTO entity_terms (entity_terms) VALUES ('optimize')")
            scope = node.scope(Reader("ana", "US-HSI", Role.ANALYST))
            with node.db.reader.connect() as conn:
                found, steps = vm_steps(
                    conn, lambda: stmt_sql.matched_numbers(conn, node.db.dialect, scope, "needle")
                )
            return found.count, steps
        finally:
            node.close()

    with_word, without = work("needle"), work("thread")  # words of one length
    assert with_word == without
    assert with_word[0] == 5


def test_changed_marking_moves_search_terms(node):
    """A statement re-marked into another audience is found only by readers of
    the new one (the index follows the update)."""
    with node.db.writer.begin() as conn:
        directory.add_organisation(conn, "MX-FGR", "FGR", "MX")
        directory.add_organisation(conn, "US-HSI", "HSI", "US")
    admin.add_collection(node, "open", "MX-FGR", "amber", None, release_to=["US-HSI"])
    with node.db.writer.begin() as conn:
        coll = directory.get_collection(conn, "open")
        strict = marking_id(conn, Marking.build("amber+strict", "MX-FGR"))
        stmt_sql.upsert(
            conn, node.db.dialect, [statement_row(coll.id, "open", coll.marking_id, "p1", "Ana")]
        )
    hsi = node.scope(Reader("ana", "US-HSI", Role.ANALYST))
    fgr = node.scope(Reader("luis", "MX-FGR", Role.ANALYST))

    def found(scope):
        with node.db.reader.connect() as conn:
            return stmt_sql.search_entities(conn, node.db.dialect, scope, "ana", 20)

    assert found(hsi) == found(fgr) == ["p1"]
    with node.db.writer.begin() as conn:
        stmt_sql.upsert(
            conn, node.db.dialect, [statement_row(coll.id, "open", strict, "p1", "Ana")]
        )
    assert found(hsi) == []
    assert found(fgr) == ["p1"]
    if node.db.dialect.is_sqlite:
        with node.db.reader.connect() as conn:
            check = conn.exec_driver_sql(
                "INSERT INTO statements_fts(statements_fts, rank) VALUES ('integrity-check', 1)"
            )
            assert check is not None


def test_visible_audiences_are_the_granted_ones(node):
    with node.db.writer.begin() as conn:
        directory.add_organisation(conn, "MX-FGR", "FGR", "MX")
        directory.add_organisation(conn, "US-HSI", "HSI", "US")
        shared = grants.audience_id(conn, Marking.build("amber", "MX-FGR", release_to=["US-HSI"]))
        own = grants.audience_id(conn, Marking.build("amber+strict", "MX-FGR", purpose="x"))
        again = grants.audience_id(
            conn, Marking.build("amber+strict", "MX-FGR", ["H1"], purpose="y")
        )
    assert own == again  # purpose and handling do not make a new audience
    with node.db.reader.connect() as conn:
        assert grants.visible_audiences(conn, node.scope(Reader("a", "US-HSI", Role.ANALYST))) == [
            shared
        ]
        assert grants.visible_audiences(
            conn, node.scope(Reader("b", "MX-FGR", Role.ANALYST))
        ) == sorted([shared, own])


def test_migration_grants_what_was_stored_before(node, tmp_path):
    """A node of the schema before audiences (0002_audit) upgraded: its markings get
    audiences and grants, its statements search terms, and reads agree."""
    from alembic import command
    from sqlalchemy import insert, text

    fresh = type(node)(node.db.url)
    with fresh.db.writer.begin() as conn:
        command.downgrade(fresh.db._alembic(conn), "0002_audit")
        conn.execute(
            insert(organisations),
            [
                {"code": c, "name": c, "country": "MX", "created_at": NOW}
                for c in ("MX-FGR", "US-HSI")
            ],
        )
        legacy = [
            Marking.build("amber", "MX-FGR", release_to=["US-HSI"]),
            Marking.build("amber+strict", "MX-FGR"),
        ]
        mids = [
            conn.execute(
                insert(markings)
                .values(
                    key=m.key,
                    tlp=m.tlp.value,
                    handling="",
                    release_to=",".join(sorted(m.release_to)),
                    recipients="",
                    originator=m.originator,
                )
                .returning(markings.c.id)
            ).scalar_one()
            for m in legacy
        ]
        coll = conn.execute(
            insert(collections)
            .values(name="c", org="MX-FGR", marking_id=mids[0], created_at=NOW)
            .returning(collections.c.id)
        ).scalar_one()
        conn.execute(
            insert(statements),
            [
                statement_row(coll, "c", mids[0], "p1", "Ana Pérez"),
                statement_row(coll, "c", mids[1], "p2", "Ana López"),
            ],
        )
        if fresh.db.dialect.is_sqlite:
            conn.execute(
                text(
                    "INSERT INTO statements_fts(rowid, search_text) "
                    "SELECT pk, search_text FROM statements"
                )
            )
    fresh.db.migrate()
    hsi = fresh.scope(Reader("ana", "US-HSI", Role.ANALYST))
    fgr = fresh.scope(Reader("luis", "MX-FGR", Role.ANALYST))
    with fresh.db.reader.connect() as conn:
        assert sorted(stmt_sql.search_entities(conn, fresh.db.dialect, hsi, "ana", 10)) == ["p1"]
        assert sorted(stmt_sql.search_entities(conn, fresh.db.dialect, fgr, "ana", 10)) == [
            "p1",
            "p2",
        ]
        assert [r.entity_id for r in stmt_sql.for_entities(conn, hsi, ["p1", "p2"])] == ["p1"]
        if fresh.db.dialect.is_sqlite:
            conn.exec_driver_sql(
                "INSERT INTO statements_fts(statements_fts, rank) VALUES ('integrity-check', 1)"
            )
    fresh.close()

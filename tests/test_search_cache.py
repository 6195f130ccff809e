"""Search results kept per reader while the data stands (gugus.search_cache):
a repeated search is answered from the cache, and every committed write that
changes the answer — new statements, a marking narrowed on re-load, a
judgement, a new collection — is seen by the next search.  Run on both
backends: on PostgreSQL nothing is cached (no data version), so the same
assertions hold without it."""

from __future__ import annotations

import json

import pytest
import searchworld as sw
from sqlalchemy import select

from gugus import admin, search_facets
from gugus.ingest import ftm
from gugus.store import generation
from gugus.xref import judgements


@pytest.fixture
def world(node, monkeypatch):
    sw.build(node)
    calls = []
    real = search_facets._matches

    def counted(*args, **kwargs):
        calls.append(args[4] if len(args) > 4 else kwargs.get("given"))
        return real(*args, **kwargs)

    monkeypatch.setattr(search_facets, "_matches", counted)
    node.computed = calls
    return node


def total(node, reader, query="perez", **filters) -> int:
    return search_facets.search(node, reader, query, **filters)["total"]


def cached(node) -> bool:
    with node.db.reader.connect() as conn:
        return generation.current(conn, node.db.dialect) is not None


def test_a_repeated_search_is_answered_from_the_cache(world):
    bob = world.reader("bob")
    first = search_facets.search(world, bob, "perez", limit=2)
    second = search_facets.search(world, bob, "perez", limit=2, offset=2)
    assert first["total"] == second["total"] == 4
    assert {r["id"] for r in first["results"] + second["results"]} == {
        sw.P1,
        sw.P2,
        sw.C1,
        sw.H1,
    }
    assert len(world.computed) == (1 if cached(world) else 2)
    search_facets.search(world, bob, "perez", schema=["Person"])  # other filters: computed
    assert len(world.computed) == (2 if cached(world) else 3)


def test_one_reader_is_never_answered_from_another_readers_entry(world):
    assert total(world, world.reader("bob")) == 4
    assert total(world, world.reader("ana")) == 5  # ana sees mp-gt and the RED values
    assert total(world, world.reader("gus")) == 2  # hsi-leads and mp-gt
    assert total(world, world.reader("bob")) == 4
    assert len(world.computed) == (3 if cached(world) else 4)


def test_new_statements_are_counted_at_once(world):
    bob = world.reader("bob")
    assert total(world, bob) == 4
    line = json.dumps({"id": "h-9", "schema": "Person", "properties": {"name": ["Luis Pérez"]}})
    ftm.load_lines(world, "hsi-leads", [line], source="later")
    assert total(world, bob) == 5


def test_a_marking_narrowed_on_reload_hides_at_once(world):
    bob = world.reader("bob")
    assert total(world, bob) == 4
    narrowed = json.dumps(
        {
            "id": "p-1",
            "schema": "Person",
            "properties": {"name": ["José Pérez"]},
            "marking": sw.RED_ONLY_MX,
        }
    )
    summary = ftm.load_lines(world, "fgr-casos", [narrowed], source="narrowed")
    assert not summary.errors
    found = search_facets.search(world, bob, "perez")
    assert found["total"] == 3 and sw.P1 not in {r["id"] for r in found["results"]}
    assert total(world, world.reader("ana")) == 5


def test_a_judgement_resolves_at_once(world):
    bob = world.reader("bob")
    assert total(world, bob, "jose perez") == 2
    judgements.judge(world, bob, sw.P1, sw.H1, "same", "same phone owner")
    assert total(world, bob, "jose perez") == 1


def test_a_new_collection_is_a_new_facet_at_once(world):
    bob = world.reader("bob")
    before = search_facets.search(world, bob, "perez")["facets"]["collection"]
    admin.add_collection(world, "hsi-new", "US-HSI", "green", "H0", country="US")
    line = json.dumps({"id": "n-1", "schema": "Person", "properties": {"name": ["Ana Perez"]}})
    ftm.load_lines(world, "hsi-new", [line], source="new")
    after = search_facets.search(world, bob, "perez")["facets"]["collection"]
    assert {f["value"] for f in after} == {f["value"] for f in before} | {"hsi-new"}


def test_every_write_raises_the_data_version(world):
    """The triggers and the writer raise it in the write's own transaction;
    a rolled-back write leaves it."""
    if not cached(world):
        pytest.skip("PostgreSQL keeps no data version")

    def version() -> int:
        with world.db.reader.connect() as conn:
            return generation.current(conn, world.db.dialect)

    start = version()
    line = json.dumps({"id": "h-9", "schema": "Person", "properties": {"name": ["Luis"]}})
    ftm.load_lines(world, "hsi-leads", [line], source="later")
    assert version() > start
    start = version()
    ftm.load_lines(world, "hsi-leads", [line], source="later")  # nothing changes
    assert version() == start
    bad = ['{"id": "h-10", "schema": "Person", "properties": {"name": ["X"]}}', "{not json"]
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the version is what matters
        ftm.load_lines(world, "hsi-leads", bad, source="bad")
    assert version() == start
    judgements.judge(world, world.reader("bob"), sw.P1, sw.H1, "different", "not him")
    assert version() > start


def test_search_keys_follow_the_statements(world):
    """SQLite: the FTS index's narrow companion holds exactly each indexed
    statement's pk, marking and entity, after loads and a narrowing re-load."""
    if not world.db.dialect.is_sqlite:
        pytest.skip("SQLite only")
    narrowed = json.dumps(
        {
            "id": "c-1",
            "schema": "Company",
            "properties": {"name": ["Transportes Pérez SA de CV"]},
            "marking": sw.RED_ONLY_MX,
        }
    )
    ftm.load_lines(world, "fgr-casos", [narrowed], source="narrowed")
    from gugus.store.statements import _keys
    from gugus.store.tables import statements as s

    with world.db.reader.connect() as conn:
        want = conn.execute(
            select(s.c.pk, s.c.marking_id, s.c.entity_id).where(s.c.search_text.is_not(None))
        ).all()
        have = conn.execute(select(_keys.c.pk, _keys.c.marking_id, _keys.c.entity_id)).all()
    assert sorted(map(tuple, have)) == sorted(map(tuple, want)) and want


def test_check_finds_a_search_key_that_differs_from_its_statement(world):
    """A damaged copy of a marking would have a search check the wrong
    grants: `gugus check` names the row."""
    if not world.db.dialect.is_sqlite:
        pytest.skip("SQLite only")
    from gugus.check import check

    assert check(world).ok
    with world.db.writer.begin() as conn:
        pk = conn.exec_driver_sql("SELECT max(pk) FROM search_keys").scalar_one()
        conn.exec_driver_sql(
            "UPDATE search_keys SET marking_id = marking_id + 1 WHERE pk = ?", (pk,)
        )
        conn.exec_driver_sql(
            "INSERT INTO search_keys (pk, marking_id, entity_id) VALUES (?, 1, 'x')", (pk + 1000,)
        )
    result = check(world)
    assert [(d.table, d.pk) for d in result.damaged] == [
        ("search_keys", pk),
        ("search_keys", pk + 1000),
    ]

"""SQLite's index of entities (gugus.store.entity_words, migration 0010)
answers a one-word search and the search facets exactly as the statements
do — for every reader, every stored word, after re-loads that move
statements between markings, after statements deleted behind gugus's back
— and ``gugus check`` names a document that no longer matches."""

from __future__ import annotations

import json
import random
import re

import pytest
import searchworld as sw

from gugus import check
from gugus.ingest import ftm
from gugus.store import entity_words, facets
from gugus.store import statements as stmt_sql

TERM = re.compile(r"a\d+x(\S+)")
USERS = ("ana", "bob", "gus")
MARKINGS = [
    None,  # the collection's own
    sw.RED_ONLY_MX,
    {"tlp": "amber", "handling": ["H1", "H2"], "release_to": ["US-HSI"]},  # same audience
    {"tlp": "amber", "handling": ["H1"], "release_to": []},  # MX-FGR only
]
NAMES = ["José Pérez", "Pérez Quintanilla", "Ana López", "Nuevo Nombre", "Juan Pérez Díaz"]


@pytest.fixture
def world(sqlite_node):  # the index of entities is SQLite's
    sw.build(sqlite_node)
    return sqlite_node


def _facts(rows) -> set[tuple]:
    """What the facet counting uses of facet rows: each (facet, value,
    entity) and each marking counted from."""
    out = set()
    for entity, schemata, collections, countries, marking in rows:
        out |= {("schema", schema, entity) for schema in schemata}
        out |= {("collection", collection, entity) for collection in collections}
        out |= {("country", country, entity) for country in countries}
        out.add(("marking", marking, entity))
    return out


def agree(node) -> int:
    """Every stored word searched by every user through both indexes:
    the same entities, each once, newest first; the same facet facts."""
    dialect = node.db.dialect
    checked = 0
    with node.db.reader.connect() as conn:
        assert entity_words.problems(conn) == []
        texts = conn.exec_driver_sql(
            "SELECT search_text FROM statements WHERE search_text IS NOT NULL"
        ).scalars()
        words = sorted({w for t in texts for w in TERM.findall(t)} | {"nadie"})
        entities = list(conn.exec_driver_sql("SELECT DISTINCT entity_id FROM statements").scalars())
        for user in USERS:
            scope = node.scope(node.reader(user))
            for word in words:
                matched = stmt_sql.matched_numbers(conn, dialect, scope, word)
                assert matched is not None
                numbers = matched.all()
                assert numbers == sorted(set(numbers), reverse=True)
                found = list(entity_words.ids_of(conn, numbers))
                assert set(found) == set(stmt_sql.all_matches(conn, dialect, scope, word)), word
                again = stmt_sql.matched_numbers(conn, dialect, scope, word)
                assert again.count == len(numbers)
                for fetch in (1, 2, 3, len(numbers) + 1):
                    assert again.newest(fetch) == numbers[:fetch]
                probe = set(numbers[::2]) | {0, max(numbers, default=0) + 1}
                assert again.among(probe) == probe & set(numbers)
                checked += 1
            assert _facts(entity_words.facet_rows(conn, scope, entities)) == _facts(
                facets.statement_facet_rows(conn, scope, entities)
            )
    return checked


@pytest.mark.parametrize("first_read", [entity_words.FIRST_READ, 1, 2])
def test_the_index_answers_as_the_statements(world, monkeypatch, first_read):
    """Also with the first read cut short, so that words matched more often
    than it are counted and walked in SQL."""
    monkeypatch.setattr(entity_words, "FIRST_READ", first_read)
    assert agree(world) > 50


def test_a_query_of_several_words_is_left_to_the_statements(world):
    with world.db.reader.connect() as conn:
        scope = world.scope(world.reader("bob"))
        assert stmt_sql.matched_numbers(conn, world.db.dialect, scope, "jose perez") is None
        assert stmt_sql.matched_numbers(conn, world.db.dialect, scope, "   ").all() == []


@pytest.mark.parametrize("seed", range(4))
def test_re_loads_that_move_statements_between_markings(world, seed):
    rnd = random.Random(seed)
    for _ in range(6):
        eid = rnd.choice(["p-1", "p-2", "p-3", "c-1", "p-9"])
        country = "jurisdiction" if eid == "c-1" else "nationality"
        props = {"name": [rnd.choice(NAMES)], country: [rnd.choice(["hn", "gt", "us"])]}
        line = {"id": eid, "schema": "Company" if eid == "c-1" else "Person", "properties": props}
        marking = rnd.choice(MARKINGS)
        if marking is not None:
            line["marking"] = marking
        summary = ftm.load_lines(world, "fgr-casos", [json.dumps(line)], source="re-load")
        assert not summary.errors, summary.errors
        agree(world)


def test_statements_deleted_behind_gugus_back_leave_their_documents(world):
    with world.db.writer.begin() as conn:
        conn.exec_driver_sql(
            "DELETE FROM statements WHERE pk IN (SELECT pk FROM statements ORDER BY pk DESC LIMIT 5)"
        )
    agree(world)
    with world.db.writer.begin() as conn:
        conn.exec_driver_sql("DELETE FROM statements")
        assert conn.exec_driver_sql("SELECT count(*) FROM entity_docs").scalar_one() == 0
        assert (
            conn.exec_driver_sql(
                "SELECT count(*) FROM entity_fts WHERE entity_fts MATCH 'a1xperez'"
            ).scalar_one()
            == 0
        )


def test_check_names_a_document_that_no_longer_matches(world):
    assert check.check(world).ok
    with world.db.writer.begin() as conn:
        doc = conn.exec_driver_sql("SELECT id FROM entity_docs ORDER BY id LIMIT 1").scalar_one()
        conn.exec_driver_sql("UPDATE entity_docs SET collections = '[]' WHERE id = ?", (doc,))
        conn.exec_driver_sql("DROP TRIGGER entity_docs_au")
    result = check.check(world)
    found = [d.line() for d in result.damaged]
    assert any("entity_docs" in d and str(doc) in d for d in found), found
    assert any("entity_docs_au" in d for d in found), found


def test_a_marking_changed_behind_gugus_back_moves_the_words(world):
    """The triggers' path: an UPDATE outside the statement writer."""
    with world.db.writer.begin() as conn:
        red = conn.exec_driver_sql(
            "SELECT marking_id FROM statements WHERE search_text LIKE '%quintanilla%' LIMIT 1"
        ).scalar_one()
        conn.exec_driver_sql(
            "UPDATE statements SET marking_id = ? WHERE pk IN "
            "(SELECT pk FROM statements WHERE marking_id != ? ORDER BY pk LIMIT 3)",
            (red, red),
        )
    agree(world)


def test_a_failed_batch_leaves_the_triggers_on(world):
    """The writer's mark is gone after its batch, failed or not, so a
    transaction that goes on after a failure is still indexed."""
    with world.db.writer.begin() as conn:
        with pytest.raises(RuntimeError), entity_words.writing(conn, []):
            raise RuntimeError("batch failed")
        assert conn.exec_driver_sql("SELECT count(*) FROM entity_docs_writing").scalar_one() == 0


def test_check_names_a_writer_mark_left_behind(world):
    with world.db.writer.begin() as conn:
        conn.exec_driver_sql("INSERT INTO entity_docs_writing (batch) VALUES (1)")
    found = [d.line() for d in check.check(world).damaged]
    assert any("entity_docs_writing" in d for d in found), found

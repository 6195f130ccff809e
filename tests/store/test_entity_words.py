"""SQLite's index of entities (gugus.store.entity_words, migrations 0010
and 0011) answers a one-word search and the search facets exactly as the
statements and their markings say — for every reader, every stored word,
after re-loads that move statements between markings, after statements
changed or deleted behind gugus's back — and ``gugus check`` names a
document that no longer matches and a statement whose words carry several
audiences."""

from __future__ import annotations

import json
import random
import re

import pytest
import searchworld as sw

from gugus import check
from gugus.ingest import ftm
from gugus.store import entity_words, facets, grants
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


def _oracle(conn) -> list[tuple[str, int, set[str]]]:
    """(entity, audience of its marking, words) of every statement whose
    search words all carry one audience prefix: what the index of entities
    must find, computed here in Python from the statements and markings."""
    out = []
    rows = conn.exec_driver_sql(
        "SELECT s.entity_id, s.search_text, m.audience_id FROM statements s "
        "JOIN markings m ON m.id = s.marking_id WHERE s.search_text IS NOT NULL"
    )
    for entity, search_text, audience in rows:
        terms = search_text.split(" ")
        if len({t[: t.index("x") + 1] for t in terms}) == 1:
            out.append((entity, audience, {t[t.index("x") + 1 :] for t in terms}))
    return out


def agree(node, stale: bool = False) -> int:
    """Every stored word searched by every user: the index of entities finds
    the entities with a statement holding the word under a marking the user
    may see, each once, newest first; so does the statement index (unless
    ``stale``: words written behind gugus's back keep their old audience
    there); the same facet facts."""
    dialect = node.db.dialect
    checked = 0
    with node.db.reader.connect() as conn:
        assert entity_words.problems(conn) == []
        oracle = _oracle(conn)
        texts = conn.exec_driver_sql(
            "SELECT search_text FROM statements WHERE search_text IS NOT NULL"
        ).scalars()
        words = sorted({w for t in texts for w in TERM.findall(t)} | {"nadie"})
        entities = list(conn.exec_driver_sql("SELECT DISTINCT entity_id FROM statements").scalars())
        for user in USERS:
            scope = node.scope(node.reader(user))
            granted = set(grants.visible_audiences(conn, scope))
            for word in words:
                expected = {e for e, a, ws in oracle if a in granted and word in ws}
                matched = stmt_sql.matched_numbers(conn, dialect, scope, word)
                assert matched is not None
                numbers = matched.all()
                assert numbers == sorted(set(numbers), reverse=True)
                found = list(entity_words.ids_of(conn, numbers))
                assert set(found) == expected, word
                if not stale:
                    assert expected == set(stmt_sql.all_matches(conn, dialect, scope, word)), word
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
                "SELECT count(*) FROM entity_terms WHERE entity_terms MATCH 'a1xperez'"
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
    agree(world, stale=True)


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


def test_words_of_mixed_audiences_are_never_searched(world):
    """A search_text whose terms carry more than one audience (written
    behind gugus's back: gugus writes one prefix a statement) is left out of
    the index of entities — never searchable under an audience its marking
    may not have — and ``gugus check`` names the statement."""
    with world.db.writer.begin() as conn:
        pk, audience = conn.exec_driver_sql(
            "SELECT s.pk, m.audience_id FROM statements s JOIN markings m ON m.id = s.marking_id "
            "WHERE s.search_text IS NOT NULL ORDER BY s.pk LIMIT 1"
        ).one()
        others = conn.exec_driver_sql(
            "SELECT DISTINCT audience_id FROM markings WHERE audience_id != ?", (audience,)
        ).scalars()
        mixed = " ".join([f"a{audience}xplanted"] + [f"a{a}xplanted" for a in others])
        conn.exec_driver_sql("UPDATE statements SET search_text = ? WHERE pk = ?", (mixed, pk))
    with world.db.reader.connect() as conn:
        for user in USERS:
            scope = world.scope(world.reader(user))
            assert stmt_sql.matched_numbers(conn, world.db.dialect, scope, "planted").count == 0
        assert entity_words.problems(conn) == [
            f"statement {pk}: its search words do not all carry one audience (not searched)"
        ]

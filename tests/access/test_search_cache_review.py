"""Review of the search result cache (gugus.search_cache, gugus.store.generation):

* a cluster of many judged-same records is held whole in every entry that
  matches one of them: entries must stay within their id bound, or 256
  searches keep 256 copies of the cluster in every worker;
* a database edited behind gugus's back — the data version's row deleted,
  one of its triggers dropped — must neither break search (it answered 500
  to every search) nor let a cached answer outlive a write (a marking
  narrowed while the trigger was gone stayed counted), and `gugus check`
  must name it (it said "sound");
* the data version was one for the whole node, so a reader could time that a
  write it may not see happened: versions are kept per audience now, and a
  write to an audience the reader does not see leaves its cached results."""

from __future__ import annotations

import json

from sqlalchemy import text

from gugus import admin, search_facets
from gugus.check import check
from gugus.ingest import ftm
from gugus.store import generation
from gugus.store import judgements as judg_sql
from gugus.store.tables import collections

ORG, OTHER = "GT-PNC", "BZ-POL"
WORD = "Cojtí"
NARROWED = {"tlp": "red", "handling": ["H0"], "release_to": [], "recipients": ["itzel"]}


def _world(node, people: int) -> None:
    admin.add_organisation(node, ORG, "Policía Nacional Civil", "GT")
    admin.add_organisation(node, OTHER, "Police Department", "BZ")
    admin.add_user(node, "itzel", ORG, "analyst", password="a long enough pass")
    admin.add_user(node, "kenrick", OTHER, "analyst", password="a long enough pass")
    admin.add_collection(node, "pnc-gt", ORG, "amber", "H0", release_to=OTHER, country="GT")
    lines = [
        json.dumps(
            {
                "id": f"q-{i}",
                "schema": "Person",
                "properties": {"name": [f"Nayeli {WORD} Xuc {i}"], "phone": ["+502 5512 0147"]},
            },
            ensure_ascii=False,
        )
        for i in range(people)
    ]
    assert not ftm.load_lines(node, "pnc-gt", lines, source="review").errors


def test_a_large_cluster_is_not_kept_whole_in_the_cache(node):
    _world(node, 1_050)
    kenrick = node.reader("kenrick")
    first = search_facets.search(node, kenrick, WORD, limit=100)
    assert first["total"] == 1_050
    ids = [r["id"] for r in first["results"]]
    with node.db.reader.connect() as conn:
        everyone = list(conn.execute(text("SELECT DISTINCT entity_id FROM statements")).scalars())
        marking = conn.execute(text("SELECT marking_id FROM collections")).scalar_one()
    assert len(everyone) == 1_050 and set(ids) <= set(everyone)
    with node.db.writer.begin() as conn:  # one chain of "same": one cluster of 1,050
        for a, b in zip(everyone, everyone[1:], strict=False):
            judg_sql.add(
                conn, a, b, verdict="same", reason=None, username="kenrick", org=OTHER,
                created_at="2026-12-06T15:00:00Z", marking_id=marking,
            )  # fmt: skip
    for query in (WORD, "nayeli", "xuc", f"{WORD} xuc"):
        found = search_facets.search(node, kenrick, query)
        assert found["total"] == 1 and len(found["results"][0]["members"]) == 1_050
    for entry in node.search_results.values():
        held = len(entry.order) + sum(len(m) for m in entry.members.values() if len(m) > 1)
        assert held <= search_facets.CACHED_IDS, held


def _version_row_deleted(node) -> None:
    with node.db.writer.begin() as conn:
        conn.execute(text("DELETE FROM data_version"))


def _narrow(node, i: int) -> None:
    """Re-load person ``i``'s name TLP:RED for itzel only."""
    line = json.dumps(
        {"id": f"q-{i}", "schema": "Person", "properties": {"name": [f"Nayeli {WORD} Xuc {i}"]},
         "marking": NARROWED},
        ensure_ascii=False,
    )  # fmt: skip
    assert not ftm.load_lines(node, "pnc-gt", [line], source="narrowed").errors


def test_search_answers_when_the_data_version_row_is_gone(sqlite_node):
    node = sqlite_node
    _world(node, 3)
    kenrick = node.reader("kenrick")
    assert search_facets.search(node, kenrick, WORD)["total"] == 3
    _version_row_deleted(node)
    assert search_facets.search(node, kenrick, WORD)["total"] == 3  # raised NoResultFound
    _narrow(node, 0)
    assert search_facets.search(node, kenrick, WORD)["total"] == 2
    assert search_facets.search(node, node.reader("itzel"), WORD)["total"] == 3
    # A version restarts above any value it had: no stale entry matches again.
    _version_row_deleted(node)
    _narrow(node, 1)
    assert search_facets.search(node, kenrick, WORD)["total"] == 1
    assert check(node).ok


def test_a_dropped_version_trigger_never_lets_a_cached_count_outlive_a_write(sqlite_node):
    node = sqlite_node
    _world(node, 4)
    _narrow(node, 3)  # the RED marking is stored now: narrowing again adds no marking
    kenrick = node.reader("kenrick")
    before = search_facets.search(node, kenrick, WORD)
    assert before["total"] == 3 and before["facets"]["collection"][0]["count"] == 3
    with node.db.writer.begin() as conn:
        conn.execute(text("DROP TRIGGER data_version_statements_au"))
    _narrow(node, 0)  # only statement rows change: the dropped trigger was what raised it
    after = search_facets.search(node, kenrick, WORD)
    assert after["total"] == 2  # was 3: the hidden record still counted
    assert after["facets"]["collection"] == [{"value": "pnc-gt", "count": 2}]
    assert [d.problem for d in check(node).damaged] == [
        "trigger data_version_statements_au is missing (searches are not cached)"
    ]


def test_a_sound_store_is_cached_and_checks_clean(sqlite_node):
    node = sqlite_node
    _world(node, 3)
    with node.db.reader.connect() as conn:
        assert generation.current(conn, node.db.dialect) is not None
        assert generation.problems(conn, node.db.dialect) == []
        assert conn.execute(collections.select()).first() is not None
    assert check(node).ok


def test_a_write_the_reader_may_not_see_leaves_the_readers_results_cached(sqlite_node, monkeypatch):
    node = sqlite_node
    _world(node, 3)
    computed = []
    real = search_facets._matches

    def counted(*args, **kwargs):
        computed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(search_facets, "_matches", counted)
    kenrick = node.reader("kenrick")
    search_facets.search(node, kenrick, WORD)
    search_facets.search(node, kenrick, WORD)
    assert len(computed) == 1
    hidden = json.dumps(
        {"id": "r-1", "schema": "Person", "properties": {"name": ["Anacleto Funes"]},
         "marking": NARROWED},
    )  # fmt: skip
    assert not ftm.load_lines(node, "pnc-gt", [hidden], source="hidden").errors
    assert search_facets.search(node, kenrick, WORD)["total"] == 3  # unchanged for kenrick
    assert len(computed) == 1  # fails: recomputed, and so slower, after a write it cannot see

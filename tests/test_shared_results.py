"""Search results shared by the workers of one server (gugus.shared_results):
two Node objects on one SQLite file stand for two worker processes (the
real 2-worker server runs in tests/faults/test_search_cache_faults.py and
below).  A result computed by one is answered by the other for the same
reader and data versions only; the file keeps no searched word, is the
owner's alone, forgets on expiry, stays bounded, and any fault of it is a
miss, never an error."""

from __future__ import annotations

import json
import os
import sqlite3
import stat

import pytest
import searchworld as sw

from gugus import search_facets, shared_results
from gugus.ingest import ftm
from gugus.node import Node
from gugus.shared_results import SharedResults


@pytest.fixture
def workers(sqlite_node, monkeypatch):
    """Two "workers" on one node file, both sharing results, with their
    computations counted."""
    sw.build(sqlite_node)
    other = Node(sqlite_node.db.url)
    sqlite_node.share_results()
    other.share_results()
    computed: list = []
    real = search_facets._matches

    def counted(node, *args, **kwargs):
        computed.append(node)
        return real(node, *args, **kwargs)

    monkeypatch.setattr(search_facets, "_matches", counted)
    yield sqlite_node, other, computed
    other.close()


def test_a_result_computed_by_one_worker_is_answered_by_the_other(workers):
    one, two, computed = workers
    first = search_facets.search(one, one.reader("bob"), "perez")
    second = search_facets.search(two, two.reader("bob"), "perez")
    assert computed == [one]
    assert second["total"] == first["total"] == 4
    assert second["facets"] == first["facets"]
    assert [r["id"] for r in second["results"]] == [r["id"] for r in first["results"]]


def test_pages_past_the_shared_head_are_computed_again(workers, monkeypatch):
    """A shared result holds its first SHARED_ORDER ids: the other worker
    answers those pages from it, and computes a page past them itself,
    giving what the first worker gives."""
    monkeypatch.setattr(search_facets, "SHARED_ORDER", 2)
    one, two, computed = workers
    bob1, bob2 = one.reader("bob"), two.reader("bob")
    first = search_facets.search(one, bob1, "perez", limit=2)
    again = search_facets.search(two, bob2, "perez", limit=2)
    assert computed == [one]
    assert again["results"] == first["results"] and again["total"] == 4
    past = search_facets.search(two, bob2, "perez", limit=2, offset=2)
    assert computed == [one, two]
    assert past == search_facets.search(one, bob1, "perez", limit=2, offset=2)
    assert past["total"] == 4 and len(past["results"]) == 2


def test_another_reader_never_gets_it(workers):
    one, two, computed = workers
    search_facets.search(one, one.reader("bob"), "perez")
    ana = search_facets.search(two, two.reader("ana"), "perez")
    assert computed == [one, two]  # ana's own computation
    bob = search_facets.search(two, two.reader("bob"), "perez")
    assert {r["id"] for r in ana["results"]} != {r["id"] for r in bob["results"]}


def test_a_write_is_seen_by_the_other_worker(workers):
    one, two, computed = workers
    assert search_facets.search(one, one.reader("bob"), "perez")["total"] == 4
    line = json.dumps({"id": "p-9", "schema": "Person", "properties": {"name": ["Luis Pérez"]}})
    ftm.load_lines(one, "hsi-leads", [line], source="later")
    assert search_facets.search(two, two.reader("bob"), "perez")["total"] == 5
    assert computed == [one, two]


def test_the_file_holds_no_searched_word_and_is_the_owners_alone(workers):
    one, two, _ = workers
    search_facets.search(one, one.reader("bob"), sw.RED_WORD)
    path = shared_results.path_for(one.db.path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    one.shared_results.close()
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert sw.RED_WORD.encode() not in raw and b"quintanilla" not in raw.lower()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM results").fetchone()[0] == 1


def test_another_node_key_finds_nothing(tmp_path):
    path = tmp_path / "x.results"
    SharedResults(path, lambda: b"a" * 32).put(("k",), {"v": 1})
    assert SharedResults(path, lambda: b"a" * 32).get(("k",)) == {"v": 1}
    assert SharedResults(path, lambda: b"b" * 32).get(("k",)) is None


def test_entries_expire_and_the_file_stays_bounded(tmp_path):
    path = tmp_path / "x.results"
    gone = SharedResults(path, lambda: b"s" * 32, ttl=-1)
    gone.put(("k",), {"v": 1})
    assert gone.get(("k",)) is None
    small = SharedResults(path, lambda: b"s" * 32, size=3)
    for i in range(shared_results._SWEEP_EVERY):
        small.put(("k", i), {"v": i})
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM results").fetchone()[0] == 3
    assert small.get(("k", shared_results._SWEEP_EVERY - 1)) == {"v": 63}


@pytest.mark.parametrize("damage", ["garbage", "directory", "link"])
def test_a_damaged_or_unusable_file_is_a_miss(tmp_path, damage, caplog):
    path = tmp_path / "x.results"
    if damage == "garbage":
        path.write_bytes(b"not a database at all" * 100)
    elif damage == "directory":
        path.mkdir()
    else:  # a link to another file: never written through
        victim = tmp_path / "victim.db"
        victim.write_bytes(b"")
        path.symlink_to(victim)
    kept = SharedResults(path, lambda: b"s" * 32)
    kept.put(("k",), {"v": 1})  # no exception
    assert kept.get(("k",)) is None
    if damage == "link":
        assert (tmp_path / "victim.db").read_bytes() == b""
    assert "shared search results" in caplog.text


def test_a_searching_worker_survives_a_damaged_file(workers):
    one, two, computed = workers
    path = shared_results.path_for(one.db.path)
    search_facets.search(one, one.reader("bob"), "perez")
    for node in (one, two):
        node.shared_results.close()
    for p in path.parent.glob(path.name + "*"):
        p.write_bytes(b"\0garbage" * 512)
    assert search_facets.search(two, two.reader("bob"), "perez")["total"] == 4
    assert computed == [one, two]


def test_a_server_start_removes_what_an_earlier_server_kept(tmp_path):
    data = tmp_path / "gugus.db"
    kept = SharedResults(shared_results.path_for(data), lambda: b"s" * 32)
    kept.put(("k",), {"v": 1})
    kept.close()
    shared_results.remove(data)
    assert not list(tmp_path.glob("gugus.db.results*"))


def test_a_busy_file_is_a_quiet_miss(tmp_path, caplog):
    path = tmp_path / "x.results"
    kept = SharedResults(path, lambda: b"s" * 32)
    kept.put(("k",), {"v": 1})
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another worker holds the write lock
    try:
        kept.put(("k", 2), {"v": 2})  # no exception, no warning
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "shared search results" not in caplog.text
    assert kept.get(("k",)) == {"v": 1}
    assert kept.get(("k", 2)) is None

"""Outside review of the search results the workers of a server share
(gugus.shared_results): what a damaged, edited or concurrently used
``<data file>.results`` must never do.

* A row's value is only ever answered for the key it was kept under: a
  value moved onto another reader's row (by hand, or by damage to the file)
  would have answered that reader with the first reader's ids, total and
  facets; an edited value or time raised out of the search (HTTP 500).
* The file is never opened outside SQLite once it exists: closing such a
  descriptor drops every SQLite lock the process holds on it (POSIX locks
  are per process), after which another process's connection deleted the
  write-ahead log still in use, and results kept afterwards were lost (two
  processes each writing to a log of their own).

Two Node objects on one file stand for two workers (as in
tests/test_shared_results.py); the lock test uses a second real process,
and one test edits the file of a real `gugus serve --workers 2`."""

from __future__ import annotations

import http.client
import json
import os
import sqlite3
import subprocess
import sys
import threading
import urllib.parse

import pytest
import searchworld as sw
from test_search_cache_faults import PASSWORD, WORD, _narrow, _node, _searches, _Server

from gugus import search_facets, shared_results
from gugus.node import Node
from gugus.shared_results import SharedResults


@pytest.fixture
def two_workers(sqlite_node):
    sw.build(sqlite_node)
    other = Node(sqlite_node.db.url)
    sqlite_node.share_results()
    other.share_results()
    yield sqlite_node, other
    other.close()


def _answer(found: dict) -> tuple:
    return found["total"], [r["id"] for r in found["results"]], found["facets"]


def _edit(node: Node, sql: str, *args) -> None:
    node.shared_results.close()  # this thread's connection; the file stays
    conn = sqlite3.connect(shared_results.path_for(node.db.path), timeout=5)
    with conn:
        conn.execute(sql, args)
    conn.close()


def _rows(node: Node) -> dict[bytes, tuple]:
    conn = sqlite3.connect(shared_results.path_for(node.db.path), timeout=5)
    rows = {row[0]: row[1:] for row in conn.execute("SELECT * FROM results")}
    conn.close()
    return rows


@pytest.mark.parametrize("edit", ["moved from another reader", "emptied", "time not a number"])
def test_an_edited_row_is_a_miss_never_another_answer_or_an_error(two_workers, edit):
    one, two = two_workers
    ana_key = search_facets.search(one, one.reader("ana"), "perez")
    rows = _rows(one)
    bob = _answer(search_facets.search(one, one.reader("bob"), "perez"))
    (bob_k,) = _rows(one).keys() - rows.keys()
    (ana_k,) = rows.keys()
    ana = _answer(ana_key)
    assert ana != bob
    if edit == "moved from another reader":
        _edit(one, "DELETE FROM results WHERE k = ?", ana_k)
        _edit(one, "UPDATE results SET k = ? WHERE k = ?", ana_k, bob_k)
    elif edit == "emptied":
        _edit(one, "UPDATE results SET v = '{}'")
    else:
        _edit(one, "UPDATE results SET at = 'yesterday'")
    # the other worker has not computed it: it reads the file
    assert _answer(search_facets.search(two, two.reader("ana"), "perez")) == ana


_OTHER_PROCESS = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=5)
print(conn.execute("SELECT count(*) FROM results").fetchone()[0])
conn.close()
"""


def _count_in_another_process(path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _OTHER_PROCESS, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return int(done.stdout)


def test_a_second_thread_keeps_the_processs_locks_on_the_file(tmp_path):
    path = tmp_path / "gugus.db.results"
    kept = SharedResults(path, lambda: b"s" * 32)
    kept.put(("first",), {"n": 1})  # this thread's connection uses the log
    worker = threading.Thread(target=kept.get, args=(("other",),))
    worker.start()
    worker.join()  # a second thread opens its own connection
    assert _count_in_another_process(path) == 1  # another process opens and closes
    assert os.path.exists(str(path) + "-wal")  # the log in use was not deleted
    kept.put(("second",), {"n": 2})
    assert _count_in_another_process(path) == 2  # and what is kept next is seen
    assert kept.get(("second",)) == {"n": 2}
    kept.close()


def test_a_file_others_may_read_is_not_used(two_workers):
    one, _ = two_workers
    path = shared_results.path_for(one.db.path)
    path.write_bytes(b"")
    path.chmod(0o644)  # e.g. restored from a backup, or made while the server runs
    found = search_facets.search(one, one.reader("ana"), sw.RED_WORD)
    assert found["total"] > 0
    assert path.read_bytes() == b""  # ana's results were not written where others read
    assert not os.path.exists(str(path) + "-wal")


def _keys(results: str) -> set[bytes]:
    if not os.path.exists(results):
        return set()
    conn = sqlite3.connect(results, timeout=5)
    keys = {row[0] for row in conn.execute("SELECT k FROM results")}
    conn.close()
    return keys


def _token(port: int, username: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = urllib.parse.urlencode({"username": username, "password": PASSWORD})
    conn.request(
        "POST", "/api/v1/token", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    token = json.loads(conn.getresponse().read())["access_token"]
    conn.close()
    return token


def test_a_live_servers_row_moved_onto_another_readers_key_is_not_answered(tmp_path):
    """yolanda (HN) sees a RED record named for her that mireya (SV) does
    not; her kept result moved onto mireya's row must never reach mireya,
    whichever worker answers."""
    db, mireya = _node(tmp_path)
    _narrow(tmp_path, db, 7)
    results = db + ".results"
    with _Server(db) as port:
        yolanda = _token(port, "yolanda")
        path = "/api/v1/search?" + urllib.parse.urlencode({"q": WORD.lower()})
        keys = {}
        for name, token in (("yolanda", yolanda), ("mireya", mireya)):
            before = _keys(results)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
            keys[name] = json.loads(conn.getresponse().read())["total"], _keys(results) - before
            conn.close()
        assert keys["yolanda"][0] == 4 and keys["mireya"][0] == 3
        (hers,), (mine,) = keys["yolanda"][1], keys["mireya"][1]
        conn = sqlite3.connect(results, timeout=5)
        with conn:
            conn.execute("DELETE FROM results WHERE k = ?", (mine,))
            conn.execute("UPDATE results SET k = ? WHERE k = ?", (mine, hers))
        conn.close()
        assert _searches(port, mireya, n=16) == {(200, 3, (("hn-casos", 3),))}

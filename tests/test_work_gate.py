"""Costly searches of a process take turns (gugus.work_gate): at most the
gate's slots compute at once, the others wait in arrival order, a wait past
the gate's patience answers "busy" (503 over HTTP), and what does not
compute — a search answered from the result cache — never waits.  A search
waiting for its turn holds no database connection (nor a snapshot)."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pageworld
import pytest
import searchworld as sw
from fastapi.testclient import TestClient

from gugus import search_facets
from gugus.api import create_app
from gugus.auth import issue_token
from gugus.errors import StoreUnavailable
from gugus.store import generation
from gugus.work_gate import Gate

WAIT = 30  # seconds a test waits for a thread before failing (never reached)


def _holder(gate: Gate, entered: threading.Event, leave: threading.Event, log: list, name):
    def run():
        with gate.turn():
            log.append(name)
            entered.set()
            assert leave.wait(WAIT)

    return threading.Thread(target=run, daemon=True)


@contextmanager
def _taken(gate: Gate):
    """The gate's one slot held by another thread for the block."""
    held, release = threading.Event(), threading.Event()
    holder = _holder(gate, held, release, [], "holder")
    holder.start()
    assert held.wait(WAIT)
    try:
        yield
    finally:
        release.set()
        holder.join(WAIT)


def _wait_until(predicate) -> None:
    done = threading.Event()
    for _ in range(WAIT * 100):
        if predicate():
            return
        done.wait(0.01)
    raise AssertionError("condition not reached")


def test_waiters_get_their_turn_in_arrival_order():
    gate = Gate(1, patience=WAIT)
    log: list = []
    first_in, release = threading.Event(), threading.Event()
    first = _holder(gate, first_in, release, log, "first")
    first.start()
    assert first_in.wait(WAIT)
    later = []
    for i in range(5):
        entered = threading.Event()
        t = _holder(gate, entered, release, log, i)
        t.start()
        later.append(t)
        _wait_until(lambda n=i + 1: gate.waiting() == n)  # queued in this order
    assert log == ["first"]  # nobody entered beside the holder
    release.set()
    for t in (first, *later):
        t.join(WAIT)
    assert log == ["first", 0, 1, 2, 3, 4]
    assert gate.waiting() == 0


def test_slots_bound_how_many_hold_at_once():
    gate = Gate(2, patience=WAIT)
    log: list = []
    release = threading.Event()
    events = [threading.Event() for _ in range(3)]
    threads = [_holder(gate, e, release, log, i) for i, e in enumerate(events)]
    for t in threads:
        t.start()
    assert events[0].wait(WAIT) and events[1].wait(WAIT)
    _wait_until(lambda: gate.waiting() == 1)
    assert len(log) == 2
    release.set()
    for t in threads:
        t.join(WAIT)
    assert sorted(log) == [0, 1, 2]


def test_a_wait_past_patience_is_busy_and_leaves_the_queue():
    gate = Gate(1, patience=0.05)
    log: list = []
    entered, release = threading.Event(), threading.Event()
    holder = _holder(gate, entered, release, log, "holder")
    holder.start()
    assert entered.wait(WAIT)
    with pytest.raises(StoreUnavailable, match="busy"), gate.turn():
        pass
    assert gate.waiting() == 0
    release.set()
    holder.join(WAIT)
    with gate.turn():  # the slot came back
        pass


def test_an_error_inside_a_turn_frees_the_slot():
    gate = Gate(1, patience=0.05)
    with pytest.raises(ValueError), gate.turn():
        raise ValueError("boom")
    with gate.turn():
        pass


@pytest.fixture
def world(node):
    sw.build(node)
    return node


def _cached(node) -> bool:
    with node.db.reader.connect() as conn:
        return generation.current(conn, node.db.dialect) is not None


def test_a_cold_search_waits_for_its_turn_and_a_cached_one_does_not(world):
    world.search_gate = Gate(1, patience=WAIT)  # PostgreSQL's default has more slots
    bob = world.reader("bob")
    if _cached(world):
        search_facets.search(world, bob, "perez")  # kept in bob's result cache
    done: list = []
    held, release = threading.Event(), threading.Event()
    holder = _holder(world.search_gate, held, release, [], "holder")
    holder.start()
    assert held.wait(WAIT)
    cold = threading.Thread(
        target=lambda: done.append(search_facets.search(world, bob, "smith")["total"]),
        daemon=True,
    )
    try:
        cold.start()
        _wait_until(lambda: world.search_gate.waiting() == 1)  # the cold search queues
        assert done == []
        assert world.db.reader.pool.checkedout() == 0  # waiting holds no connection
        if _cached(world):  # answered from the cache while the gate is held
            assert search_facets.search(world, bob, "perez")["total"] == 4
    finally:
        release.set()
        cold.join(WAIT)
        holder.join(WAIT)
    assert done == [1]


def test_a_search_that_cannot_get_a_turn_answers_503(world):
    world.search_gate = Gate(1, patience=0.05)
    client = TestClient(create_app(world))
    token, _ = issue_token(world, world.reader("bob"), days=1)
    client.headers["Authorization"] = f"Bearer {token}"
    with _taken(world.search_gate):
        r = client.get("/api/v1/search", params={"q": "perez"})
    assert r.status_code == 503
    assert r.headers.get("Retry-After")
    assert r.json()["error"]["code"] == "unavailable"
    assert "busy" in r.json()["error"]["message"]
    assert client.get("/api/v1/search", params={"q": "perez"}).status_code == 200


def test_the_search_page_says_busy_in_the_readers_language_with_retry_after(world):
    world.search_gate = Gate(1, patience=0.05)
    browser = pageworld.login(pageworld.client(world), "bob", sw.PASSWORD)
    with _taken(world.search_gate):
        english = browser.get("/search", params={"q": "perez"})
        browser.cookies.set("gugus_lang", "es_MX")
        spanish = browser.get("/search", params={"q": "gomez"})
    assert english.status_code == spanish.status_code == 503
    assert english.headers.get("Retry-After") and spanish.headers.get("Retry-After")
    assert "busy with other searches" in english.text
    assert "ocupado con otras búsquedas" in spanish.text


def test_a_free_turn_is_taken_at_once_and_a_held_one_is_not_waited_for():
    gate = Gate(1, patience=WAIT)
    with gate.turn_if_free() as got:
        assert got
        with gate.turn_if_free() as again:  # the one slot is taken: no wait
            assert not again
    with _taken(gate):
        with gate.turn_if_free() as got:
            assert not got
        assert gate.waiting() == 0  # nobody queued
    with gate.turn_if_free() as got:  # given back
        assert got

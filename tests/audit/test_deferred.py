"""``node.audit.deferred()``: the reads audited inside the block are appended
together when it ends (one commit wait for a page calling several read
services), never lost — not when the block fails — and the chain verifies."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from gugus.audit import AuditEvent
from gugus.store.tables import audit_log


def records(node) -> int:
    with node.db.audit_reader.connect() as conn:
        return conn.execute(select(func.count()).select_from(audit_log)).scalar_one()


def event(n: int) -> AuditEvent:
    return AuditEvent("entity.read", "ana", "MX-FGR", [f"e{n}"], None, {"n": n})


def test_appends_wait_for_the_end_of_the_block_and_commit_once(node):
    before, batches = records(node), node.audit.batches
    with node.audit.deferred():
        node.audit.append(event(1))
        with node.audit.deferred():  # nested: the outer block appends
            node.audit.append(event(2), event(3))
        assert records(node) == before  # nothing released yet, nothing written yet
        # another thread's appends are not deferred
        other = threading.Thread(target=node.audit.append, args=(event(9),))
        other.start()
        other.join()
        assert records(node) == before + 1
    assert records(node) == before + 4
    assert node.audit.batches == batches + 2  # the other thread's, then the block's
    assert node.audit.verify().ok


def test_a_failing_block_still_appends_its_reads(node):
    before = records(node)
    with pytest.raises(RuntimeError), node.audit.deferred():
        node.audit.append(event(1))
        raise RuntimeError("rendering failed")
    assert records(node) == before + 1
    node.audit.append(event(2))  # deferral ended with the block
    assert records(node) == before + 2


def test_while_waiting_runs_once_the_records_are_handed_over_before_their_commit(node, monkeypatch):
    """A web request gives up its turn there (gugus.api.turns): the writer
    may commit only once it has been called, and the block still ends only
    after the commit; nothing recorded, nothing called."""
    called = threading.Event()
    commit = node.audit._commit

    def after_the_call(events):
        assert called.wait(30), "the commit was waited for before while_waiting ran"
        commit(events)

    monkeypatch.setattr(node.audit, "_commit", after_the_call)
    before = records(node)
    with node.audit.deferred(while_waiting=called.set):
        node.audit.append(event(1), event(2))
        assert not called.is_set()
    assert called.is_set() and records(node) == before + 2

    calls = []
    with node.audit.deferred(while_waiting=lambda: calls.append(1)):
        pass
    assert calls == []


def test_a_failed_commit_fails_the_block_after_while_waiting(node, monkeypatch):
    def failing(events):
        raise OSError("disk full")

    monkeypatch.setattr(node.audit, "_commit", failing)
    calls = []
    with (
        pytest.raises(OSError, match="disk full"),
        node.audit.deferred(while_waiting=lambda: calls.append(1)),
    ):
        node.audit.append(event(1))
    assert calls == [1]

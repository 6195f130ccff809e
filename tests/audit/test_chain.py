"""The hash-chained audit log: recording, verification, tamper detection."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
from sqlalchemy import delete, insert, select, update

from gugus.audit import AuditEvent, record, verify
from gugus.audit.chain import GENESIS, _digest
from gugus.store.tables import audit_head, audit_log

N = 6


def events(n: int, tag: str = "e") -> list[AuditEvent]:
    return [
        AuditEvent(
            f"test.{tag}",
            f"user{i}",
            "MX-FGR" if i % 2 else "US-HSI",
            [f"entity:{tag}{i}", "entity:común"],
            purpose=f"case {i}" if i % 3 else None,
            detail={"n": i, "nombre": "José"},
        )
        for i in range(n)
    ]


@pytest.fixture
def logged(node):
    """A node with N records, written in three transactions."""
    evs = events(N)
    with node.db.writer.begin() as conn:
        record(conn, *evs[:2])
    with node.db.writer.begin() as conn:
        record(conn, evs[2])
    with node.db.writer.begin() as conn:
        record(conn, *evs[3:])
    return node


def check(node):
    with node.db.reader.connect() as conn:
        return verify(conn)


def rows(node) -> list[dict]:
    with node.db.reader.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(select(audit_log).order_by(audit_log.c.seq)).all()
        ]


def tamper(node, *statements) -> None:
    with node.db.writer.begin() as conn:
        for stmt in statements:
            conn.execute(stmt)


def test_empty_log_verifies(node):
    result = check(node)
    assert (result.ok, result.records, result.first_bad) == (True, 0, None)


def test_records_are_chained(logged):
    result = check(logged)
    assert result.ok, result.problem
    assert result.records == N
    got = rows(logged)
    assert [r["seq"] for r in got] == list(range(1, N + 1))
    assert got[0]["prev_hash"] == GENESIS
    for before, after in zip(got, got[1:], strict=False):
        assert after["prev_hash"] == before["hash"]
    with logged.db.reader.connect() as conn:
        head = conn.execute(select(audit_head)).one()
    assert (head.seq, head.hash) == (N, got[-1]["hash"])


def test_hash_is_sha256_of_canonical_json(logged):
    """Restates the documented hash so that a change of format is noticed."""
    first = rows(logged)[0]
    assert json.loads(first["object_ids"]) == ["entity:e0", "entity:común"]
    assert json.loads(first["detail"]) == {"n": 0, "nombre": "José"}
    body = {k: v for k, v in first.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert first["hash"] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_rolled_back_events_leave_no_record(logged):
    with pytest.raises(RuntimeError), logged.db.writer.begin() as conn:
        record(conn, *events(3, "rolled-back"))
        raise RuntimeError("the change failed")
    result = check(logged)
    assert result.ok and result.records == N


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "test.innocent"),
        ("username", "someone-else"),
        ("org", "GT-MP"),
        ("object_ids", '["entity:other"]'),
        ("purpose", "a new purpose"),
        ("detail", '{"n": 2}'),
        ("ts", "2000-01-01T00:00:00.000000Z"),
        ("hash", "f" * 64),
    ],
)
def test_changed_field_names_the_record(logged, column, value):
    tamper(logged, update(audit_log).where(audit_log.c.seq == 3).values({column: value}))
    result = check(logged)
    assert not result.ok
    assert result.first_bad == 3
    assert "record 3 was changed" in result.problem
    assert result.records == 2


def test_changed_prev_hash_names_the_record(logged):
    tamper(logged, update(audit_log).where(audit_log.c.seq == 3).values(prev_hash="0" * 64))
    result = check(logged)
    assert (result.ok, result.first_bad) == (False, 3)
    assert "record 3 does not follow record 2" in result.problem


def test_deleted_record_is_named(logged):
    tamper(logged, delete(audit_log).where(audit_log.c.seq == 3))
    result = check(logged)
    assert (result.ok, result.first_bad) == (False, 3)
    assert "record 3 removed" in result.problem


def test_deleted_first_record_is_named(logged):
    tamper(logged, delete(audit_log).where(audit_log.c.seq == 1))
    result = check(logged)
    assert (result.ok, result.first_bad) == (False, 1)
    assert "record 1 removed" in result.problem


def test_reordered_records_are_detected(logged):
    tamper(
        logged,
        update(audit_log).where(audit_log.c.seq == 2).values(seq=-2),
        update(audit_log).where(audit_log.c.seq == 3).values(seq=2),
        update(audit_log).where(audit_log.c.seq == -2).values(seq=3),
    )
    result = check(logged)
    assert not result.ok
    assert result.first_bad == 2
    assert "record 2" in result.problem


def _forge(prev: dict, seq: int) -> dict:
    row = {
        "seq": seq,
        "ts": prev["ts"],
        "username": "mallory",
        "org": "MX-FGR",
        "action": "test.forged",
        "object_ids": "[]",
        "purpose": None,
        "detail": "{}",
        "prev_hash": prev["hash"],
    }
    row["hash"] = _digest(row)
    return row


def test_inserted_record_in_the_middle_is_detected(logged):
    before = rows(logged)
    shifts = [
        update(audit_log).where(audit_log.c.seq == s).values(seq=s + 1) for s in range(N, 2, -1)
    ]
    forged = _forge(before[1], 3)  # links correctly to record 2
    tamper(
        logged,
        *shifts,
        insert(audit_log).values(forged),
        update(audit_head).values(seq=N + 1),
    )
    result = check(logged)
    assert not result.ok
    assert result.first_bad == 4  # the forged record itself is consistent; the next is not
    assert "record 4 does not follow record 3" in result.problem


def test_replaced_record_is_detected(logged):
    before = rows(logged)
    forged = _forge(before[1], 3)
    tamper(
        logged,
        delete(audit_log).where(audit_log.c.seq == 3),
        insert(audit_log).values(forged),
    )
    result = check(logged)
    assert (result.ok, result.first_bad) == (False, 4)


def test_deleted_last_record_is_detected_by_the_head(logged):
    tamper(logged, delete(audit_log).where(audit_log.c.seq == N))
    result = check(logged)
    assert not result.ok
    assert result.first_bad == N
    assert result.records == N - 1
    assert "head says 6" in result.problem


def test_altered_head_is_detected(logged):
    tamper(logged, update(audit_head).values(hash="a" * 64))
    result = check(logged)
    assert not result.ok
    assert "head" in result.problem


def test_concurrent_appends_stay_one_chain(node):
    threads, per_thread = 4, 25
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(t: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with node.db.writer.begin() as conn:
                    record(conn, AuditEvent("test.concurrent", f"t{t}", "MX-FGR", [f"{t}:{i}"]))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not errors, errors
    result = check(node)
    assert result.ok, result.problem
    assert result.records == threads * per_thread
    got = rows(node)
    assert [r["seq"] for r in got] == list(range(1, threads * per_thread + 1))
    assert sorted(json.loads(r["object_ids"])[0] for r in got) == sorted(
        f"{t}:{i}" for t in range(threads) for i in range(per_thread)
    )

"""The keyed, anchored audit chain: recording, group commit, tamper detection.

Every tamper kind of issue #7 is made here the way a database writer without
the node key would make it (plain SQL on the audit store), on both backends.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import threading

import pytest
from sqlalchemy import delete, insert, select, text, update

from gugus import admin
from gugus.audit import AuditEvent, NodeKey
from gugus.audit.chain import GENESIS, _digest
from gugus.audit.keys import Anchor, KeyError_
from gugus.node import Node
from gugus.store.tables import (
    audit_checkpoints,
    audit_head,
    audit_log,
    collections,
    tokens,
    users,
)

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
            markings=[i, 1] if i % 2 else (),
        )
        for i in range(n)
    ]


@pytest.fixture
def logged(node):
    """A node with N records, appended in three batches."""
    evs = events(N)
    node.audit.append(*evs[:2])
    node.audit.append(evs[2])
    node.audit.append(*evs[3:])
    return node


def check(node):
    return node.audit.verify()


def rows(node) -> list[dict]:
    with node.db.audit_reader.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(select(audit_log).order_by(audit_log.c.seq)).all()
        ]


def tamper(node, *statements) -> None:
    """What a database writer can do: any SQL on the audit store."""
    with node.db.audit_writer.begin() as conn:
        for stmt in statements:
            conn.execute(stmt)


def test_empty_log_verifies(node):
    result = check(node)
    assert (result.ok, result.records, result.first_bad) == (True, 0, None)


def test_records_are_chained_and_signed(logged):
    result = check(logged)
    assert result.ok, result.problem
    assert result.records == N
    got = rows(logged)
    assert [r["seq"] for r in got] == list(range(1, N + 1))
    assert got[0]["prev_hash"] == GENESIS
    for before, after in zip(got, got[1:], strict=False):
        assert after["prev_hash"] == before["hash"]
    with logged.db.audit_reader.connect() as conn:
        head = conn.execute(select(audit_head)).one()
        signed = conn.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.seq)).all()
    assert (head.seq, head.hash) == (N, got[-1]["hash"])
    # One checkpoint per committed batch, on its last record.
    assert [c.seq for c in signed] == [2, 3, N]
    key = logged.audit.key
    assert all(key.valid(c.seq, c.hash, c.sig) for c in signed)
    assert key.read_anchor().seq == N
    assert json.loads(got[1]["markings"]) == [1] and got[0]["markings"] is None


def test_hash_is_sha256_of_canonical_json(logged):
    """Restates the documented hash so that a change of format is noticed."""
    for row in rows(logged)[:2]:
        body = {k: v for k, v in row.items() if k != "hash" and (k != "markings" or v)}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert row["hash"] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_key_file_is_private_and_outside_the_database(node):
    path = node.db.key_path
    assert path.exists() and path.stat().st_mode & 0o777 == 0o600
    assert node.audit.key.anchor_path.exists()
    if node.db.dialect.is_sqlite:
        assert path == node.db.path.with_name(node.db.path.name + ".key")


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
        ("markings", "[1]"),
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


def test_deleted_record_is_named(logged):
    tamper(logged, delete(audit_log).where(audit_log.c.seq == 3))
    result = check(logged)
    assert (result.ok, result.first_bad) == (False, 3)
    assert "record 3 removed" in result.problem


def test_reordered_records_are_detected(logged):
    tamper(
        logged,
        update(audit_log).where(audit_log.c.seq == 2).values(seq=-2),
        update(audit_log).where(audit_log.c.seq == 3).values(seq=2),
        update(audit_log).where(audit_log.c.seq == -2).values(seq=3),
    )
    result = check(logged)
    assert (result.ok, result.first_bad) == (False, 2)


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
        "markings": None,
    }
    row["hash"] = _digest(row)
    return row


def test_inserted_record_in_the_middle_is_detected(logged):
    before = rows(logged)
    shifts = [
        update(audit_log).where(audit_log.c.seq == s).values(seq=s + 1) for s in range(N, 2, -1)
    ]
    tamper(logged, *shifts, insert(audit_log).values(_forge(before[1], 3)))
    result = check(logged)
    assert (result.ok, result.first_bad) == (False, 3)


def test_appended_record_without_the_key_is_detected(logged):
    """A forged record that chains correctly and moves the head: no signature covers it."""
    last = rows(logged)[-1]
    forged = _forge(last, N + 1)
    tamper(
        logged,
        insert(audit_log).values(forged),
        update(audit_head).values(seq=N + 1, hash=forged["hash"]),
    )
    result = check(logged)
    assert (result.ok, result.first_bad) == (False, N + 1)
    assert "no signed checkpoint" in result.problem


def test_truncated_tail_with_head_moved_is_detected(logged):
    """Records 4..6 removed, their checkpoint too, the head set to record 3
    (which has a valid signature): only the anchor outside the database can tell."""
    third = rows(logged)[2]
    tamper(
        logged,
        delete(audit_log).where(audit_log.c.seq > 3),
        delete(audit_checkpoints).where(audit_checkpoints.c.seq > 3),
        update(audit_head).values(seq=3, hash=third["hash"]),
    )
    result = check(logged)
    assert (result.ok, result.first_bad) == (False, 4)
    assert "anchor outside the database says 6" in result.problem


def test_emptied_log_is_detected(logged):
    tamper(
        logged,
        delete(audit_log),
        delete(audit_checkpoints),
        update(audit_head).values(seq=0, hash=GENESIS),
    )
    result = check(logged)
    assert (result.ok, result.records, result.first_bad) == (False, 0, 1)
    assert "emptied" in result.problem


def test_every_record_edited_and_rehashed_is_detected(logged):
    """The whole chain rewritten consistently (hashes, head, checkpoint hashes):
    the signatures, made with a key the writer does not have, fail."""
    prev = GENESIS
    statements = []
    for row in rows(logged):
        row = dict(row, purpose="nothing to see", prev_hash=prev)
        row["hash"] = prev = _digest(row)
        statements.append(update(audit_log).where(audit_log.c.seq == row["seq"]).values(row))
        statements.append(
            update(audit_checkpoints)
            .where(audit_checkpoints.c.seq == row["seq"])
            .values(hash=row["hash"])
        )
    statements.append(update(audit_head).values(seq=N, hash=prev))
    tamper(logged, *statements)
    result = check(logged)
    assert (result.ok, result.first_bad) == (False, 2)
    assert "signature" in result.problem


def test_rewrite_signed_with_another_key_is_detected(logged, tmp_path):
    other = NodeKey.create(tmp_path / "other.key")
    statements = [update(audit_log).where(audit_log.c.seq == 1).values(purpose="x")]
    prev = GENESIS
    for row in rows(logged):
        row = dict(row, prev_hash=prev, purpose="x" if row["seq"] == 1 else row["purpose"])
        row["hash"] = prev = _digest(row)
        statements.append(update(audit_log).where(audit_log.c.seq == row["seq"]).values(row))
    statements.append(delete(audit_checkpoints))
    statements.append(insert(audit_checkpoints).values(seq=N, hash=prev, sig=other.sign(N, prev)))
    statements.append(update(audit_head).values(seq=N, hash=prev))
    tamper(logged, *statements)
    result = check(logged)
    assert not result.ok
    assert result.first_bad == N  # the anchor or the signature: both name the record
    assert "signature" in result.problem or "anchor" in result.problem


def test_deleted_head_row_is_a_clear_failure(logged):
    tamper(logged, delete(audit_head))
    result = check(logged)
    assert not result.ok
    assert "head row" in result.problem and "missing" in result.problem
    with pytest.raises(Exception, match="head row is missing"):
        logged.audit.append(*events(1, "after"))


def test_invalid_utf8_names_the_record(logged):
    if not logged.db.dialect.is_sqlite:
        pytest.skip("PostgreSQL refuses invalid UTF-8 in text columns")
    with logged.db.audit_writer.begin() as conn:
        conn.execute(text("UPDATE audit_log SET detail = CAST(X'7b22ff22' AS TEXT) WHERE seq = 4"))
    result = check(logged)
    assert (result.ok, result.first_bad) == (False, 4)
    assert "record 4 is damaged" in result.problem and "detail" in result.problem


def test_missing_key_is_a_clear_error(logged):
    logged.db.key_path.unlink()
    fresh = Node(logged.db.url)
    try:
        with pytest.raises(KeyError_, match="no node key at"):
            fresh.audit.verify()
        with pytest.raises(KeyError_, match="run `gugus init`"):
            fresh.audit.append(*events(1, "nokey"))
    finally:
        fresh.close()


def test_untouched_copy_verifies_with_the_node_key(logged, tmp_path):
    if not logged.db.dialect.is_sqlite:
        pytest.skip("copying a PostgreSQL database is pg_dump's job; the file copy is SQLite's")
    last_hash = rows(logged)[-1]["hash"]
    logged.close()  # a copy of the files of a stopped node (WAL checkpointed)
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(logged.db.path, copy / "node.db")
    shutil.copy(logged.db.audit_path, copy / "node.audit.db")
    node = Node(str(copy / "node.db"), key=str(logged.db.key_path))
    try:
        result = node.audit.verify()
        assert result.ok and result.records == N, result.problem
        # Another node's key does not verify it.
        other = NodeKey.create(tmp_path / "other.key")
        other.advance_anchor(N, last_hash)
        assert not node.audit.verify(other).ok
    finally:
        node.close()


def test_every_user_token_and_collection_has_its_record(node):
    admin.add_organisation(node, "MX-FGR", "Fiscalía", "MX")
    admin.add_user(node, "ana", "MX-FGR", "analyst", password="long enough pass")
    admin.add_collection(node, "casos", "MX-FGR", "amber", "H1")
    assert check(node).ok
    with node.db.writer.begin() as conn:  # a user added beside the service (and its log)
        conn.execute(
            insert(users).values(
                username="ghost",
                org="MX-FGR",
                role="admin",
                password_hash="x",
                disabled=False,
                created_at="2026-01-01T00:00:00Z",
            )
        )
    result = check(node)
    assert not result.ok
    assert "user id 2 exists but has no audit record" in result.problem


def test_failed_batch_errors_reach_its_callers_and_the_chain_stays_whole(node):
    node.audit.append(*events(2))
    tamper(node, delete(audit_head))
    with pytest.raises(Exception, match="head row is missing"):
        node.audit.append(*events(1, "lost"))
    tamper(node, insert(audit_head).values(id=1, seq=2, hash=rows(node)[-1]["hash"]))
    node.audit.append(*events(1, "again"))
    result = check(node)
    assert result.ok and result.records == 3, result.problem


def test_concurrent_appends_lose_nothing_and_group_commit(node):
    threads, per_thread = 20, 15
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(t: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                node.audit.append(AuditEvent("test.concurrent", f"t{t}", "MX-FGR", [f"{t}:{i}"]))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors
    result = check(node)
    assert result.ok, result.problem
    assert result.records == threads * per_thread
    got = rows(node)
    assert sorted(json.loads(r["object_ids"])[0] for r in got) == sorted(
        f"{t}:{i}" for t in range(threads) for i in range(per_thread)
    )
    # Batches, each with one checkpoint; fewer than one per append when callers overlapped.
    with node.db.audit_reader.connect() as conn:
        checkpoints = conn.execute(select(audit_checkpoints)).all()
    assert len(checkpoints) == node.audit.batches
    assert node.audit.batches <= threads * per_thread


def test_a_change_whose_record_cannot_be_written_is_not_made(node):
    """Changes append inside their open transaction, then commit: no record, no change."""
    tamper(node, delete(audit_head))
    with pytest.raises(Exception, match="head row is missing"):
        admin.add_organisation(node, "GT-MP", "Ministerio Público", "GT")
    with node.db.reader.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM organisations")).scalar_one() == 0


def test_anchor_only_moves_forward(tmp_path):
    key = NodeKey.create(tmp_path / "k.key")
    key.advance_anchor(5, "a" * 64)
    key.advance_anchor(3, "b" * 64)
    assert key.read_anchor() == Anchor(5, "a" * 64)
    key.advance_anchor(7, "c" * 64)
    assert key.read_anchor().seq == 7
    other = NodeKey.create(tmp_path / "other.key")
    (tmp_path / "other.anchor").write_text((tmp_path / "k.anchor").read_text())
    with pytest.raises(KeyError_, match="not signed with this key"):
        other.read_anchor()


def test_log_from_before_the_audit_store_is_carried_over(db_url):
    """A database at schema 0001 (records inside the data store, unsigned):
    `gugus init` moves them (SQLite: into the audit file), signs the head
    once, and the whole chain verifies — the old hashes are unchanged."""
    from alembic import command

    from gugus.audit.chain import rows_for

    node = Node(db_url)
    try:
        with node.db.writer.begin() as conn:
            command.upgrade(node.db._alembic(conn), "0001")
            unmarked = [dataclasses.replace(e, markings=()) for e in events(4, "old")]
            old = rows_for(0, GENESIS, unmarked, "2026-01-01T00:00:00.000000Z")
            for row in old:  # 0001 has no markings column, and old records had none
                assert row.pop("markings") is None
            conn.execute(
                text(
                    "INSERT INTO audit_log (seq, ts, username, org, action, object_ids, purpose,"
                    " detail, prev_hash, hash) VALUES (:seq, :ts, :username, :org, :action,"
                    " :object_ids, :purpose, :detail, :prev_hash, :hash)"
                ),
                old,
            )
            conn.execute(
                text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": 4, "h": old[-1]["hash"]}
            )
        node.db.migrate()
        node.audit.append(*events(2, "new"))
        result = node.audit.verify(creations=False)
        assert result.ok and result.records == 6, result.problem
        assert [r["hash"] for r in rows(node)[:4]] == [r["hash"] for r in old]
    finally:
        node.close()


@pytest.mark.parametrize(
    "change, problem",
    [
        ("role", "user id 1: its organisation or role differs"),
        ("org", "user id 1: its organisation or role differs"),
        ("token", "token id 2: its holder differs"),
        ("collection", "collection id 1: its organisation differs"),
    ],
)
def test_directory_rows_changed_beside_the_log_are_named(node, change, problem):
    """An outside review moved an analyst to another organisation as a
    supervisor, and a token to another user, with SQL: verify said intact."""
    admin.add_organisation(node, "MX-FGR", "Fiscalía", "MX")
    admin.add_organisation(node, "US-HSI", "HSI", "US")
    admin.add_user(node, "dan", "US-HSI", "analyst", password="long enough pass")
    admin.add_user(node, "lupe", "MX-FGR", "analyst", password="long enough pass")
    admin.add_collection(node, "casos", "MX-FGR", "amber", "H1")
    assert check(node).ok
    with node.db.writer.begin() as conn:
        if change == "role":
            conn.execute(update(users).where(users.c.username == "dan").values(role="supervisor"))
        elif change == "org":
            conn.execute(update(users).where(users.c.username == "dan").values(org="MX-FGR"))
        elif change == "token":  # lupe's first token (id 2) now works as dan (id 1)
            conn.execute(update(tokens).where(tokens.c.id == 2).values(user_id=1))
        else:
            conn.execute(update(collections).values(org="US-HSI"))
    result = check(node)
    assert not result.ok
    assert problem in result.problem, result.problem

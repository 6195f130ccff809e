"""Audit appends across real processes.

Finding 12 of issue #7: a load held SQLite's write lock and every audited read
waited for it (and failed after 60 s).  Here a real ``gugus load`` reads its
input from a named pipe, so it holds its write transaction for as long as the
test keeps the pipe open: audited reads in other processes must complete — and
be on record — while it does.  Ordering, not timing: the reads run and finish
between the moment the load has begun writing and the moment the test lets it
end.

Several processes appending to one audit log keep one chain (group commit in
each, the audit store's lock or PostgreSQL's head row lock between them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from nsids import nsid
from sqlalchemy import func, select

from gugus import admin
from gugus.ingest import ftm
from gugus.store.tables import audit_log

GUGUS = [sys.executable, "-m", "gugus.cli"]
P1 = nsid("MX-FGR", "p-1")  # as MX-FGR's load stores it
SAFETY = 300  # seconds: a hung child fails the test instead of hanging the suite


def gugus(db_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*GUGUS, *args, "--db", db_url],
        capture_output=True,
        text=True,
        timeout=SAFETY,
        check=False,
    )


def person(eid: str, name: str) -> str:
    return json.dumps({"id": eid, "schema": "Person", "properties": {"name": [name]}}) + "\n"


@pytest.fixture
def world(node):
    admin.add_organisation(node, "MX-FGR", "Fiscalía", "MX")
    admin.add_organisation(node, "US-HSI", "HSI", "US")
    admin.add_user(node, "ana", "MX-FGR", "analyst", password="long enough pass")
    admin.add_user(node, "bob", "US-HSI", "analyst", password="long enough pass")
    admin.add_collection(node, "casos", "MX-FGR", "amber", "H1", release_to="US-HSI")
    admin.add_collection(node, "nuevos", "MX-FGR", "amber", "H1", release_to="US-HSI")
    ftm.load_lines(node, "casos", [person("p-1", "José Pérez")], source="a.jsonl")
    return node


def audited_reads(node, username: str) -> int:
    with node.db.audit_reader.connect() as conn:
        return conn.execute(
            select(func.count())
            .select_from(audit_log)
            .where(audit_log.c.username == username)
            .where(audit_log.c.action.in_(["entity.read", "search"]))
        ).scalar_one()


def test_audited_reads_complete_while_a_load_holds_the_write_lock(world, tmp_path):
    url = world.db.url
    fifo = tmp_path / "people.jsonl"
    os.mkfifo(fifo)
    load = subprocess.Popen(
        [*GUGUS, "load", "nuevos", str(fifo), "--db", url, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # open() returns once the load opened the pipe: it has begun its write
        # transaction (SQLite: BEGIN IMMEDIATE, the data file's write lock) and
        # recorded its start.
        with open(fifo, "w", encoding="utf-8") as pipe:
            for i in range(500):
                pipe.write(person(f"n-{i}", f"Nuevo {i}"))
            pipe.flush()
            ok = 0
            for _ in range(3):
                entity = gugus(url, "entity", P1, "--as", "bob", "--json")
                assert entity.returncode == 0, entity.stderr
                assert json.loads(entity.stdout)["id"] == P1
                found = gugus(url, "search", "jose", "--as", "bob", "--json")
                assert found.returncode == 0, found.stderr
                assert [r["id"] for r in json.loads(found.stdout)["results"]] == [P1]
                ok += 2
            # All-or-nothing for readers: nothing of the running load is visible.
            unseen = gugus(url, "entity", nsid("MX-FGR", "n-1"), "--as", "bob", "--json")
            assert unseen.returncode == 2 and "not found" in unseen.stderr
            assert load.poll() is None, "the load was still running while the reads completed"
            assert audited_reads(world, "bob") == ok
        # The pipe is closed: the load ends and commits.
        out, err = load.communicate(timeout=SAFETY)
        assert load.returncode == 0, err
        assert json.loads(out)["entities"] == 500
    finally:
        if load.poll() is None:
            load.kill()
        load.communicate()  # closes the pipes, also when an assertion failed
    seen = gugus(url, "entity", nsid("MX-FGR", "n-1"), "--as", "bob", "--json")
    assert seen.returncode == 0, seen.stderr
    with world.db.audit_reader.connect() as conn:
        actions = [r.action for r in conn.execute(select(audit_log.c.action))]
    assert actions.count("load.start") == 2 and actions.count("load") == 2
    assert audited_reads(world, "bob") == ok + 1
    verified = gugus(url, "audit", "verify", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["ok"] is True


APPENDER = textwrap.dedent(
    """
    import sys, threading
    from gugus.audit import AuditEvent
    from gugus.node import Node

    node = Node.open(sys.argv[1])
    tag = sys.argv[2]

    def work(t):
        for i in range(20):
            node.audit.append(AuditEvent("test.proc", tag, "MX-FGR", [f"{tag}:{t}:{i}"]))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    node.close()
    print("done")
    """
)


def test_processes_appending_at_once_keep_one_chain(node):
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", APPENDER, node.db.url, f"p{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=SAFETY)
        assert proc.returncode == 0 and out.strip() == "done", err
    result = node.audit.verify()
    assert result.ok, result.problem
    assert result.records == 3 * 10 * 20
    with node.db.audit_reader.connect() as conn:
        objects = sorted(json.loads(r.object_ids)[0] for r in conn.execute(select(audit_log)))
    assert objects == sorted(
        f"p{n}:{t}:{i}" for n in range(3) for t in range(10) for i in range(20)
    )


def test_a_short_command_anchors_what_it_appended(world):
    """An outside review deleted the audit tail after CLI-only reads and moved
    the head back: `audit verify` said intact, because a command ended within
    the writer's idle delay and never moved the anchor.  At exit it does."""
    url = world.db.url
    for _ in range(3):
        read = gugus(url, "entity", P1, "--as", "bob", "--json")
        assert read.returncode == 0, read.stderr
        with world.db.audit_reader.connect() as conn:
            last = conn.execute(select(func.max(audit_log.c.seq))).scalar_one()
        assert world.audit.key.read_anchor().seq == last

"""Findings 15 and 16: storage failures are one line in the CLI (exit 2) and a
503 / 507 in the API's envelope, health says when the store cannot take
writes, and no failure shows the values being written.

Real faults: a tmpfs of a few MB filled to the last byte, a second process
holding SQLite's write lock, a PostgreSQL server stopped in the middle of a load.
"""

from __future__ import annotations

import errno
import json
import subprocess
import time

import pytest
from nsids import nsid
from procs import (
    COLLECTION,
    GUGUS,
    ORG,
    PASSWORD,
    SECRET_NAME,
    SECRET_NUMBER,
    add_user,
    alive,
    children,
    env,
    gugus,
    make_node,
    wait_until,
    write_lock_held,
    write_people,
)
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gugus.api import create_app
from gugus.node import Node
from gugus.store.faults import translate


def one_line_error(proc: subprocess.CompletedProcess, *words: str) -> str:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    for secret in (SECRET_NAME, SECRET_NUMBER, "Zacar", "persona1@"):
        assert secret not in proc.stderr
    return lines[0]


def client_for(node):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient
    return TestClient(create_app(node))


# -- a full disk ------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 32 MB tmpfs (mounting needs root; skipped, with the reason, elsewhere)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mnt)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(directory) -> None:
    """Write until the file system refuses another byte."""
    import os

    fd = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    assert os.statvfs(directory).f_bavail == 0


@pytest.mark.slow
def test_full_disk_is_one_line_507_and_unhealthy(small_disk, tmp_path, monkeypatch):
    monkeypatch.setenv("GUGUS_MIN_FREE_MB", "4")
    db = str(small_disk / "gugus.db")
    make_node(db)
    add_user(db)
    people = write_people(tmp_path / "people.jsonl", 2000)
    node = Node.open(db)  # a server running when the disk fills up
    try:
        client = client_for(node)
        before = client.get("/api/v1/health").json()
        assert before["writable"] is True, before
        fill(small_disk)

        load = gugus("load", COLLECTION, str(people), db=db, check=False)
        one_line_error(load, "full")

        health = client.get("/api/v1/health")
        assert health.status_code == 503, health.text
        assert health.json()["error"]["details"][0]["writable"] is False, health.text
        assert "0 MB free" in health.json()["error"]["message"], health.text
        token = client.post("/api/v1/token", data={"username": "ana", "password": PASSWORD})
        assert token.status_code == 507, token.text
        assert token.json()["error"]["code"] == "storage_full"
        assert token.headers["Retry-After"]
    finally:
        node.close()

    (small_disk / "filler").unlink()
    check = gugus("check", db=db, check=False)
    assert check.returncode == 0, check.stderr  # nothing half-written
    assert "0 statements" in check.stdout


# -- a locked store -----------------------------------------------------------------


@pytest.fixture
def locked_db(tmp_path, monkeypatch):
    """A node whose SQLite write lock another process holds; writers here
    give up after 1 s (GUGUS_BUSY_TIMEOUT)."""
    db = str(tmp_path / "gugus.db")
    make_node(db)
    add_user(db)
    monkeypatch.setenv("GUGUS_BUSY_TIMEOUT", "1")
    with write_lock_held(db):
        yield db


def test_locked_store_answers_503_with_retry_after(locked_db):
    node = Node.open(locked_db)
    try:
        client = client_for(node)
        r = client.post("/api/v1/token", data={"username": "ana", "password": PASSWORD})
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "unavailable"
        assert "locked" in r.json()["error"]["message"]
        assert int(r.headers["Retry-After"]) > 0
        # The same client (connection) keeps working: reads need no write lock.
        assert client.get("/api/v1/health").status_code == 200
    finally:
        node.close()


def test_locked_store_is_one_line_in_the_cli(locked_db, tmp_path):
    people = write_people(tmp_path / "people.jsonl", 10)
    # A load queues behind another writer for GUGUS_LOAD_WAIT (default 1 h),
    # not the busy timeout: bound that wait to see the locked store's error.
    proc = gugus(
        "load", COLLECTION, str(people), db=locked_db, check=False,
        env=env(GUGUS_BUSY_TIMEOUT="1", GUGUS_LOAD_WAIT="1"),
    )  # fmt: skip
    one_line_error(proc, "locked")


# -- PostgreSQL stopped mid-load -------------------------------------------------------


@pytest.fixture
def own_pg():
    """A PostgreSQL server of this test alone (it gets stopped)."""
    from pgserver import PostgresServer, PostgresUnavailable, find_bindir

    if find_bindir() is None:
        pytest.skip("PostgreSQL server binaries not found")
    server = PostgresServer()
    try:
        url = server.start()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL did not start: {exc}")
    yield server, url
    server.stop()


@pytest.mark.slow
def test_postgres_stopped_mid_load_is_one_line_without_values(own_pg, big_file):
    server, url = own_pg
    make_node(url)
    proc = subprocess.Popen(
        [*GUGUS, "load", COLLECTION, str(big_file), "--db", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    try:
        worker = None
        deadline = time.monotonic() + 60
        while worker is None and time.monotonic() < deadline:
            worker = next(iter(children(proc.pid)), None)
            time.sleep(0.1)
        assert worker is not None and proc.poll() is None
        time.sleep(3)  # batches are being written
        server.stop()
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    one_line_error(subprocess.CompletedProcess(proc.args, proc.returncode, "", err), "unavailable")
    wait_until(lambda: not alive(worker), 60, "the parsing worker ended with the load")


# -- values never in errors ---------------------------------------------------------


def test_database_errors_never_show_parameters(node):
    """hide_parameters=True: a failing statement's message names the SQL,
    never the values bound to it (both backends)."""
    with pytest.raises(DBAPIError) as caught, node.db.writer.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (code, name, country, created_at) VALUES (:c, :n, :k, NULL)"
            ),
            {"c": SECRET_NUMBER, "n": SECRET_NAME, "k": "MX"},
        )
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(caught.value)
    # PostgreSQL's own message may still quote the row ("Failing row contains
    # …"): what gugus shows is the translation, which never does.
    shown = translate(caught.value).message
    assert SECRET_NAME not in shown and SECRET_NUMBER not in shown
    expected = "SQLSTATE 23502" if node.db.dialect.name == "postgresql" else "SQLITE_CONSTRAINT"
    assert expected in shown, shown


def test_undecodable_text_in_the_database_is_one_line(tmp_path):
    """SQLite's own message quotes the undecodable text; the CLI names the
    column and points to `gugus check`."""
    import sqlite3

    db = str(tmp_path / "gugus.db")
    make_node(db)
    add_user(db)
    people = write_people(tmp_path / "people.jsonl", 3)
    gugus("load", COLLECTION, str(people), db=db)
    stored = nsid(ORG, "p-1")  # the load stores ids in the organisation's namespace
    with sqlite3.connect(db) as raw:
        changed = raw.execute(
            "UPDATE statements SET value = CAST(X'5a61636172ff' AS TEXT) "
            "WHERE entity_id = ? AND prop = 'name'",
            (stored,),
        ).rowcount
    assert changed == 1
    # A bare id read by an analyst of ORG resolves in ORG's namespace.
    proc = gugus("entity", "p-1", "--as", "ana", "--json", db=db, check=False)
    line = one_line_error(proc, "UTF-8", "gugus check")
    assert "Zacar" not in line
    report = json.loads(gugus("check", "--json", db=db, check=False).stdout)
    assert report["damaged"][0]["entity_id"] == stored


def test_postgres_gone_answers_503_with_retry_after(own_pg):
    server, url = own_pg
    make_node(url)
    add_user(url)
    node = Node.open(url)
    try:
        client = client_for(node)
        assert client.get("/api/v1/health").status_code == 200
        server.stop()
        for r in (
            client.get("/api/v1/health"),
            client.post("/api/v1/token", data={"username": "ana", "password": PASSWORD}),
        ):
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] == "unavailable"
            assert int(r.headers["Retry-After"]) > 0
    finally:
        node.close()

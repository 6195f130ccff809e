"""A run whose process died stays "running" no more: real processes killed
with SIGKILL in the middle of a run (its pairs written, not committed), on
SQLite and PostgreSQL; then a status read, or a server opening the node,
marks it failed ("interrupted: the server stopped") and the earlier run's
results stay in place."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from webworld import free_port

from gugus import auth, clock
from gugus.store import xref as xref_sql
from gugus.store.tables import xref_runs
from gugus.xref import run_owner, runs

SRC = str(Path(runs.__file__).resolve().parents[2])
COLLECTIONS = ["mx-casos", "us-cases", "gt-casos"]
WAIT = 180  # seconds: a liveness bound for a subprocess on a busy machine, not a timing

# Runs an xref run (or a server) whose store phase stops for good right after
# writing the run's pairs, inside the run's one transaction.
STUCK = """
import sys, time
from gugus.node import Node
from gugus.store import xref as xref_sql
from gugus.xref import runs

url, marker, mode = sys.argv[1:4]
original = xref_sql.insert_pairs

def stuck(conn, run_id, rows, **kw):
    original(conn, run_id, rows, **kw)
    with open(marker, "w") as fh:
        fh.write(str(run_id))
    time.sleep(3600)

xref_sql.insert_pairs = stuck
node = Node(url)
if mode == "run":
    runs.start(node, node.reader("mx"), sys.argv[4:])
else:
    from gugus.api import serving
    from gugus.api.app import create_app
    serving.serve_app(create_app(node), host="127.0.0.1", port=int(mode))
"""


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": SRC}


def _wait_for(path: Path, proc: subprocess.Popen) -> int:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return int(path.read_text())
        assert proc.poll() is None, "the run's process ended before it was stuck"
        time.sleep(0.1)
    raise AssertionError("the run never reached its store phase")


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(WAIT)  # reaped: no zombie left with the owner's pid


def _row(node, run_id):
    with node.db.reader.connect() as conn:
        return conn.execute(select(xref_runs).where(xref_runs.c.id == run_id)).one()


def _pair_count(node, run_id) -> int:
    with node.db.reader.connect() as conn:
        return xref_sql.count_pairs(conn, node.scope(node.reader("mx")), run_id)


def _healthy(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server ended"
        try:
            with urllib.request.urlopen(f"{url}/api/v1/health", timeout=5) as answer:  # noqa: S310 - our own local server
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not start")


def _call(url: str, path: str, token: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(  # noqa: S310 - our own local server
        url + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - our own local server
        return json.load(answer)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(60)


def test_a_run_killed_mid_way_is_failed_at_the_next_status_read(xworld, db_url, tmp_path):
    node, mx = xworld.node, xworld.readers["mx"]
    earlier = runs.start(node, mx, COLLECTIONS)
    kept = _pair_count(node, earlier["run"])
    assert kept > 0
    marker = tmp_path / "stuck"
    proc = subprocess.Popen(
        [sys.executable, "-c", STUCK, db_url, str(marker), "run", *COLLECTIONS], env=_env()
    )
    try:
        run_id = _wait_for(marker, proc)
        assert _row(node, run_id).status == "running"
        assert runs.status(node, mx, run_id)["status"] == "running"  # its owner is alive
    finally:
        _kill(proc)
    assert _row(node, run_id).status == "running"  # nobody has looked yet
    view = runs.status(node, mx, run_id)
    assert view["status"] == "failed"
    assert view["notes"] == ["interrupted: the server stopped; earlier results are unchanged"]
    assert view["finished_at"] and view["counts"] == {} and view["pairs"] == []
    assert _pair_count(node, run_id) == 0  # its transaction never committed
    assert _pair_count(node, earlier["run"]) == kept
    assert runs.review(node, mx)["run"] == earlier["run"]
    assert runs.recover(node) == []  # once is enough
    # A new run works as before.
    assert runs.start(node, mx, COLLECTIONS)["status"] == "done"


def test_a_server_killed_mid_run_is_failed_when_a_server_opens_the_node(xworld, db_url, tmp_path):
    node, mx = xworld.node, xworld.readers["mx"]
    earlier = runs.start(node, mx, COLLECTIONS)
    kept = _pair_count(node, earlier["run"])
    token, _ = auth.issue_token(node, mx)
    marker, port = tmp_path / "stuck", free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", STUCK, db_url, str(marker), str(port)], env=_env()
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _healthy(url, proc)
        run_id = _call(url, "/api/v1/xref", token, {"collections": COLLECTIONS})["run"]
        assert _wait_for(marker, proc) == run_id
    finally:
        _kill(proc)
    assert _row(node, run_id).status == "running"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gugus.cli", "serve", "--db", db_url, "--port", str(port)],
        env=_env(),
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _healthy(url, server)
        row = _row(node, run_id)  # opening the node did it, before any status read
        assert row.status == "failed"
        assert json.loads(row.notes)[0].startswith("interrupted: the server stopped")
        view = _call(url, f"/api/v1/xref/{run_id}", token)
    finally:
        _stop(server)
    assert view["status"] == "failed" and view["pairs"] == []
    assert _pair_count(node, earlier["run"]) == kept


def _open_run(node, owner: dict | None) -> int:
    with node.db.writer.begin() as conn:
        return xref_sql.create_run(conn, "mx", "MXFGR", "duckdb", [], clock.now_iso(), owner)


def test_a_run_owned_on_another_machine_is_judged_by_its_heartbeat(xworld):
    node = xworld.node
    elsewhere = {"host": "another-machine", "boot": "x", "pid": 1, "start": 1}
    old = clock.iso(clock.now() - timedelta(seconds=run_owner.STALE_AFTER + 60))
    fresh = _open_run(node, {"owner": elsewhere, "heartbeat": clock.now_iso()})
    stale = _open_run(node, {"owner": elsewhere, "heartbeat": old})
    legacy = _open_run(node, None)  # a run of an older version: no owner recorded
    mine = _open_run(node, run_owner.stamp())  # this process: alive
    assert sorted(runs.recover(node)) == [stale, legacy]
    assert _row(node, fresh).status == "queued" and _row(node, mine).status == "queued"
    # Refreshed by its heartbeat after it was read: not failed.
    with node.db.reader.connect() as conn:
        (read,) = xref_sql.open_runs(conn, fresh)
    with node.db.writer.begin() as conn:
        xref_sql.beat(conn, fresh, {"owner": elsewhere, "heartbeat": old})
        assert not xref_sql.fail_open_run(conn, read, clock.now_iso(), "x")
    assert _row(node, fresh).status == "queued"


def test_whether_a_process_is_gone():
    me = run_owner.this_process()
    assert not run_owner.gone(run_owner.stamp())
    assert run_owner.gone({"owner": {**me, "start": me["start"] + 1}, "heartbeat": "x"})
    assert run_owner.gone({"owner": {**me, "pid": 2**22 + 7}, "heartbeat": clock.now_iso()})
    assert run_owner.gone(None) and run_owner.gone({})

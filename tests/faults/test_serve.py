"""Finding 18: `gugus serve --workers 2` ends on SIGTERM while clients keep
it busy — a real server, real concurrent clients, a real signal.

The bound asserted is a liveness bound (the process ends before a generous
deadline), not a timing benchmark.
"""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import threading
import time
import urllib.parse

import pytest
from procs import (
    COLLECTION,
    GUGUS,
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

pytestmark = pytest.mark.slow  # real loads and servers, tens of seconds each

CLIENTS = 12
DEADLINE = 40  # seconds: GRACE (10) + SLACK (5) and room for a loaded machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hammer(port: int, token: str, stop: threading.Event, answered: list[int]) -> None:
    """Audited reads and searches on one keep-alive connection, until stopped
    or the server goes away."""
    headers = {"Authorization": f"Bearer {token}"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = 0
    while not stop.is_set():
        i += 1
        path = (
            f"/api/v1/entities/p-{i % 50}"
            if i % 2
            else "/api/v1/search?" + urllib.parse.urlencode({"q": f"persona{i % 50}"})
        )
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            answered.append(response.status)
        except (OSError, http.client.HTTPException):
            conn.close()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.connect()
            except OSError:
                return  # the server is gone
    conn.close()


def served_node(tmp_path) -> tuple[str, str]:
    """A node with 200 AMBER persons (reads are audited: each one writes) and
    a user's token."""
    db = str(tmp_path / "gugus.db")
    make_node(db)
    token = add_user(db)
    gugus("load", COLLECTION, str(write_people(tmp_path / "p.jsonl", 200)), "--as", "ana", db=db)
    return db, token


def start_server(db: str, workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen(
        [*GUGUS, "serve", "--port", str(port), "--workers", str(workers), "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(),
    )
    return server, port


@pytest.mark.parametrize("workers", [2])
def test_sigterm_ends_a_busy_multi_worker_server(tmp_path, workers):
    db, token = served_node(tmp_path)
    server, port = start_server(db, workers)
    stop = threading.Event()
    answered: list[int] = []
    threads = [
        threading.Thread(target=hammer, args=(port, token, stop, answered), daemon=True)
        for _ in range(CLIENTS)
    ]
    try:
        wait_until(lambda: _healthy(port), 60, "the server answers")
        pids = wait_until(lambda: children(server.pid), 30, "workers started")
        for thread in threads:
            thread.start()
        wait_until(lambda: len(answered) >= 100, 120, "clients are being served")
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=DEADLINE)  # TimeoutExpired: SIGTERM was not honoured
        for pid in pids:
            wait_until(lambda pid=pid: not alive(pid), 10, f"worker {pid} ended")
    finally:
        stop.set()
        if server.poll() is None:
            server.kill()
        server.communicate()
    assert 200 in answered


def _healthy(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/api/v1/health")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        time.sleep(0.2)
        return False


def test_sigterm_ends_a_server_whose_requests_wait_for_the_database(tmp_path):
    """Requests in flight that wait for a write lock another process holds
    (for up to the 60 s busy timeout) must not hold the shutdown open."""

    db, token = served_node(tmp_path)
    server, port = start_server(db, 2)
    sent: list[int] = []

    def read(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            sent.append(i)
            conn.request(
                "GET", f"/api/v1/entities/p-{i}", headers={"Authorization": f"Bearer {token}"}
            )
            conn.getresponse().read()
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()

    try:
        wait_until(lambda: _healthy(port), 60, "the server answers")
        pids = children(server.pid)
        with write_lock_held(db):
            for i in range(6):
                threading.Thread(target=read, args=(i,), daemon=True).start()
            wait_until(lambda: len(sent) == 6, 30, "the reads were sent")
            time.sleep(1)  # they reach the server and wait for the lock
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=DEADLINE)  # before: waited for the 60 s busy timeout
        for pid in pids:
            wait_until(lambda pid=pid: not alive(pid), 10, f"worker {pid} ended")
    finally:
        if server.poll() is None:
            server.kill()
        server.communicate()


def test_the_login_limits_hold_for_the_node_across_workers(tmp_path):
    """`gugus serve --workers 2`: failed logins for one user name on fresh
    connections (spread over both workers by the kernel) are admitted at
    most the node's limit, not once per worker."""
    db, _ = served_node(tmp_path)
    port = free_port()
    server = subprocess.Popen(
        [*GUGUS, "serve", "--port", str(port), "--workers", "2", "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(GUGUS_LOGIN_LIMIT_USER="4/600", GUGUS_LOGIN_LIMIT_ADDRESS="off"),
    )
    statuses = []
    try:
        wait_until(lambda: _healthy(port), 60, "the server answers")
        wait_until(lambda: len(children(server.pid)) >= 2, 30, "workers started")
        for _ in range(16):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            body = urllib.parse.urlencode({"username": "ana", "password": "wrong"})
            conn.request(
                "POST",
                "/api/v1/token",
                body=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            statuses.append(conn.getresponse().status)
            conn.close()
    finally:
        server.terminate()
        server.communicate(timeout=DEADLINE)
    assert set(statuses) <= {401, 429} and statuses.count(429) >= 12, statuses
    assert statuses.count(401) <= 4, statuses


@pytest.mark.parametrize("workers", [1, 2])
def test_pages_of_a_multi_worker_server_close_their_connection(tmp_path, workers):
    """With several workers, a page answer closes its connection, so that the
    next page goes to whichever worker accepts it (a kept-alive connection
    stays with one worker: 10 sessions were measured split 8 / 2); one
    process keeps it.  API answers keep theirs either way."""
    db, token = served_node(tmp_path)
    server, port = start_server(db, workers)
    try:
        wait_until(lambda: _healthy(port), 60, "the server answers")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for path in ("/api/v1/health", "/api/v1/health", "/login"):
            conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200, path
            page = path == "/login"
            assert response.will_close is (page and workers > 1), (path, workers)
        conn.close()
        if workers > 1:  # a closed connection is a closed socket, not only a header
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/login")
            conn.getresponse().read()
            assert conn.sock is None  # http.client dropped the socket the server closed
            conn.close()
    finally:
        server.terminate()
        server.communicate(timeout=DEADLINE)

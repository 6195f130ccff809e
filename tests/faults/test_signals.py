"""Findings 13 and 14: a killed or interrupted `gugus load` leaves no worker
process behind, holds no caller's pipe open, prints one line and loads nothing.

Each test starts a real `gugus load` of a ~25 MB file (parsed in a worker
process), waits until the worker runs, and signals the real process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from procs import (
    COLLECTION,
    GUGUS,
    alive,
    children,
    env,
    statement_count,
    wait_until,
)

pytestmark = pytest.mark.slow  # real loads and servers, tens of seconds each

BOUND = 60  # seconds: a liveness bound for "ends", never a timing assertion


STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _no_leftover_load():
    """A failing test must not leave a load (and its worker) running."""
    yield
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def start_load(db: str, path, delay: float = 2) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [*GUGUS, "load", COLLECTION, str(path), "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(),
        start_new_session=True,  # its own process group, as a shell job would be
    )
    STARTED.append(proc)
    worker = wait_until(lambda: children(proc.pid), BOUND, "the parsing worker started")[0]
    # Let the load get going (the worker parses, the parent writes; the whole
    # load takes tens of seconds).  Statements stay in SQLite's page cache
    # until the commit, so there is no file to watch.
    time.sleep(delay)
    assert proc.poll() is None, "the load ended before it could be interrupted"
    return proc, worker


def finish(proc: subprocess.Popen) -> tuple[str, str]:
    """stdout and stderr to their end: returns only when no process (the
    worker included) still holds the pipes — what `$(gugus load …)` needs."""
    out, err = proc.communicate(timeout=BOUND)
    return out.decode(), err.decode()


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_killed_load_leaves_no_worker_and_no_open_pipe(sqlite_db, big_file, signum):
    proc, worker = start_load(sqlite_db, big_file)
    os.kill(proc.pid, signum)
    finish(proc)  # TimeoutExpired here: the worker kept stdout/stderr open
    wait_until(lambda: not alive(worker), BOUND, "the worker died with its parent")
    assert statement_count(sqlite_db) == 0


@pytest.mark.parametrize(
    ("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"]
)
def test_interrupted_load_says_so_in_one_line(sqlite_db, big_file, signum, status):
    proc, worker = start_load(sqlite_db, big_file)
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)  # Ctrl-C reaches the whole process group
    else:
        os.kill(proc.pid, signum)
    _, err = finish(proc)
    assert proc.returncode == status, err
    assert err.strip().splitlines() == ["interrupted: nothing was loaded"], err
    wait_until(lambda: not alive(worker), BOUND, "the worker ended")
    assert statement_count(sqlite_db) == 0


def test_repeated_interrupts_never_print_a_traceback(sqlite_db, big_file):
    """The review saw a traceback in 7 of 9 Ctrl-C runs; interrupt at several
    points of the load, and once more during the clean-up."""
    for extra, delay in ((0, 1), (0, 4), (1, 2)):
        proc, _ = start_load(sqlite_db, big_file, delay)
        for _ in range(1 + extra):
            os.killpg(proc.pid, signal.SIGINT)
        _, err = finish(proc)
        assert proc.returncode == 130, err
        assert "Traceback" not in err and "Error" not in err, err
    assert statement_count(sqlite_db) == 0


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_while_gugus_starts_is_one_line(sqlite_db, big_file, signum):
    """Importing the command line takes a second or two: a Ctrl-C or SIGTERM
    then printed a Python traceback (every delay from 0.1 to 2.5 s on a slow
    machine).  The `gugus` command (the console script, gugus.launch) now
    answers one line and 128 + the signal, wherever the signal lands."""
    gugus = Path(sys.executable).with_name("gugus")
    for delay in (0.2, 0.6):
        proc = subprocess.Popen(
            [str(gugus), "load", COLLECTION, str(big_file), "--db", sqlite_db],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env(),
            start_new_session=True,
        )
        STARTED.append(proc)
        time.sleep(delay)
        os.killpg(proc.pid, signum)
        _, err = finish(proc)
        assert proc.returncode == 128 + signum, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("interrupted"), err
    assert statement_count(sqlite_db) == 0

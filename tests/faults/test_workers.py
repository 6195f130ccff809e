"""A pool stopped while its worker was half-way through sending a result
(what Ctrl-C during a load can hit): the process still ends.

Seen on the merged code: an interrupted `gugus load` printed "interrupted:
nothing was loaded" and then hung in Python's exit, which joins the pool's
manager thread — that thread waited in ``recv`` for the rest of a result the
terminated worker never finished sending.  The worker here writes half a
message on purpose, so the state is reached every run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from procs import env

BOUND = 60  # seconds: a liveness bound for "ends", never a timing assertion

SCRIPT = textwrap.dedent(
    """
    import os, struct, sys, time
    from gugus.workers import process_pool, stop_pool

    POOL = None

    def half_a_result(marker):
        # The header of a 1 MiB message, then only a few of its bytes.
        fd = POOL._result_queue._writer.fileno()
        os.write(fd, struct.pack("!i", 1 << 20) + b"partial")
        open(marker, "w").close()
        time.sleep(3600)

    if __name__ == "__main__":
        marker = sys.argv[1]
        POOL = process_pool(1)
        POOL.submit(half_a_result, marker)
        while not os.path.exists(marker):
            time.sleep(0.05)
        time.sleep(0.5)  # the manager thread is in recv, waiting for the rest
        stop_pool(POOL)
        print("stopped", flush=True)
    """
)


def run_script(tmp_path, text: str, *args: str) -> tuple[int, str, str]:
    """Runs ``text`` as a script in a new Python; (exit code, stdout, stderr)."""
    script = tmp_path / "pool.py"
    script.write_text(text, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    try:
        out, err = proc.communicate(timeout=BOUND)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, out, err


@pytest.mark.slow
def test_process_ends_after_stopping_a_pool_mid_result(tmp_path):
    code, out, err = run_script(tmp_path, SCRIPT, str(tmp_path / "sent"))
    assert code == 0, err
    assert out.strip() == "stopped" and "Traceback" not in err, err


def test_a_stopped_pool_leaves_no_manager_thread_for_the_exit_hook():
    """Python 3.11's exit hook of concurrent.futures wakes every pool's
    manager thread that is still alive, and races the thread closing its
    pipe: an interrupted load printed "OSError: [Errno 9] Bad file
    descriptor" with a traceback (seen under load).  stop_pool returns only
    once that thread has ended."""
    from gugus.workers import process_pool, stop_pool

    pool = process_pool(1)
    future = pool.submit(time.sleep, BOUND)
    deadline = time.monotonic() + BOUND
    while not future.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert future.running()
    manager = pool._executor_manager_thread
    stop_pool(pool)
    assert not manager.is_alive()


ABANDONED = textwrap.dedent(
    """
    import time
    from gugus.ingest.parsed import ordered_map

    def slow(start, chunk):
        if start > 1:
            time.sleep(3600)  # a task the exit must not wait for
        return chunk

    if __name__ == "__main__":
        # A consumer interrupted mid-way: its generator stays suspended (here
        # held, as a traceback's frames hold it) while Python exits.
        KEPT = ordered_map(slow, [(n, [n]) for n in range(1, 9)], parallel=True)
        print(next(KEPT), flush=True)
    """
)


@pytest.mark.slow
def test_an_abandoned_pool_is_stopped_when_python_exits(tmp_path):
    """The pool of an interrupted load is stopped by gugus's exit hook before
    concurrent.futures' own (which would wait for the worker's task, and on
    Python 3.11 races the manager thread's pipe: "Bad file descriptor")."""
    code, out, err = run_script(tmp_path, ABANDONED)
    assert code == 0, err
    assert out.strip() == "1" and err == "", err

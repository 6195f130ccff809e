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


@pytest.mark.slow
def test_process_ends_after_stopping_a_pool_mid_result(tmp_path):
    script = tmp_path / "pool.py"
    script.write_text(SCRIPT, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "sent")],
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
    assert proc.returncode == 0, err
    assert out.strip() == "stopped" and "Traceback" not in err, err

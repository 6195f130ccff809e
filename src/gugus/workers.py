"""Worker processes that die with their parent.

Every process pool of gugus (parsing and mapping of large inputs, document
extraction, the demo world) is made here.  A worker

- is killed by the kernel when the process that forked it ends, however it
  ends (Linux ``PR_SET_PDEATHSIG``), and also exits on its own once its
  parent is gone (a watchdog thread, for systems without that call and for
  the corner case of a parent that died before the call was made);
- does not hold the caller's stdout and stderr open (``$(gugus load …)`` and
  ``gugus load … | tee`` return when gugus ends): its standard streams are
  ``/dev/null``;
- ignores Ctrl-C: the terminal sends SIGINT to the whole process group, and
  only the parent decides what an interruption means (it stops the pool).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1
WATCHDOG_SECONDS = 0.5


def _set_parent_death_signal() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no libc / no prctl: the watchdog still runs
        pass


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(WATCHDOG_SECONDS)


def _detach_std_streams() -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def _init_worker(parent: int, initializer, initargs) -> None:
    _set_parent_death_signal()
    if os.getppid() != parent:  # the parent died before the call above took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _detach_std_streams()
    if initializer is not None:
        initializer(*initargs)


def process_pool(workers: int, *, initializer=None, initargs: tuple = ()) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes tied to this one (see the module doc).

    Forked where the platform can (no import guard needed in the caller's
    script, and workers inherit warmed-up caches), spawned elsewhere.
    """
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(
        workers,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(os.getpid(), initializer, initargs),
    )


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """End a pool whose results are no longer wanted (an error or an
    interruption in the consumer): queued work is cancelled and the workers
    are terminated instead of finishing their current task."""
    # No public accessors; shutdown() drops both references.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    result_queue = getattr(pool, "_result_queue", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join()
    _unblock_result_reader(result_queue)


def _unblock_result_reader(result_queue) -> None:
    """A worker terminated while sending a result leaves half a message in
    the result pipe: the pool's manager thread waits in ``recv`` for the rest
    forever, and Python's exit joins that thread, so the process never ends
    (an interrupted load hung after "interrupted: nothing was loaded").  With
    the workers gone, closing this process's copy of the pipe's write end
    turns the wait into end-of-file: the manager marks the pool broken and
    ends."""
    writer = getattr(result_queue, "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()

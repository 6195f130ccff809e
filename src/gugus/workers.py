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
import weakref
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1
WATCHDOG_SECONDS = 0.5
MANAGER_END_SECONDS = 10  # a bound for the pool's manager thread to end, never reached


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


def process_pool(
    workers: int, *, initializer=None, initargs: tuple = (), stop_at_exit: bool = False
) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes tied to this one (see the module doc).

    Forked where the platform can (no import guard needed in the caller's
    script, and workers inherit warmed-up caches), spawned elsewhere.
    ``stop_at_exit``: a pool still running when Python exits is stopped
    (:func:`stop_pool`) rather than waited for — for a pool that feeds a
    consumer, which an interruption may have abandoned.
    """
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ProcessPoolExecutor(
        workers,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(os.getpid(), initializer, initargs),
    )
    if stop_at_exit:
        _STOP_AT_EXIT.add(pool)
    return pool


# Pools to stop when Python exits.  An interrupted load leaves its pool's
# generator suspended; the generator is finalised (and stops the pool) only
# when the garbage collector gets to it, in whatever thread, possibly the
# pool's own manager thread while the main thread already runs the exit hook
# of concurrent.futures.  That hook wakes every live manager thread through a
# pipe the thread closes as it ends; on Python 3.11 the two race, and the exit
# printed "OSError: [Errno 9] Bad file descriptor" with a traceback after
# "interrupted: nothing was loaded" (tests/faults/test_signals.py, under load).
# Threading's exit hooks run last-registered first, so this one, registered
# after concurrent.futures.process was imported above, stops such pools (and
# waits for their manager threads) before that hook runs.
_STOP_AT_EXIT: weakref.WeakSet = weakref.WeakSet()


def _stop_pools_at_exit() -> None:
    for pool in list(_STOP_AT_EXIT):
        if getattr(pool, "_executor_manager_thread", None) is not None:
            stop_pool(pool)


_register_at_thread_exit = getattr(threading, "_register_atexit", None)
if _register_at_thread_exit is not None:  # CPython; concurrent.futures uses it too
    _register_at_thread_exit(_stop_pools_at_exit)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """End a pool whose results are no longer wanted (an error or an
    interruption in the consumer): queued work is cancelled and the workers
    are terminated instead of finishing their current task."""
    _STOP_AT_EXIT.discard(pool)
    # No public accessors; shutdown() drops these references.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    result_queue = getattr(pool, "_result_queue", None)
    manager = getattr(pool, "_executor_manager_thread", None)
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
    _wait_for_manager(manager)


def _wait_for_manager(manager: threading.Thread | None) -> None:
    """The pool's manager thread closes its wake-up pipe as it ends.  If it
    is still ending when Python exits, the exit hook of concurrent.futures
    (Python 3.11) can find the pipe open, then write to it after the thread
    closed it, and print "Exception ignored ... OSError: [Errno 9] Bad file
    descriptor" with a traceback after "interrupted: nothing was loaded"
    (seen under load in tests/faults/test_signals.py).  Once the workers are
    gone and the result pipe is closed, the thread ends on its own: wait for
    it, within a bound (unless this is that thread: the garbage collector
    may finalise a pool's consumer in it)."""
    if manager is not None and manager.is_alive() and manager is not threading.current_thread():
        manager.join(timeout=MANAGER_END_SECONDS)


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

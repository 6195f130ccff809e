"""Who is running an xref run, and whether that process still exists.

A run is executed by one process (a server worker's background thread, or
``gugus xref`` in the foreground).  If that process dies (kill -9, a crash,
a power cut) the run's row would say "running" for ever.  So a queued or
running run records its **owner** and a **heartbeat** in its ``counts``
column (free JSON text, replaced by the real counts when the run ends; no
schema change):

    {"owner": {"host": …, "boot": …, "pid": …, "start": …}, "heartbeat": "<ISO time>"}

``start`` is the process's start time in clock ticks since boot
(``/proc/<pid>/stat``) and ``boot`` the kernel's boot id with the pid
namespace, so a pid reused by another process, the same pid after a reboot,
or in another container, is not taken for the owner.  Whether the owner is gone (:func:`gone`):

- on the same machine (same host name, boot id and pid namespace): exactly, by its pid and
  start time — nothing to wait for;
- on another machine (several servers on one PostgreSQL), or where there is
  no ``/proc``: by the heartbeat, refreshed every ``HEARTBEAT_EVERY``
  seconds while the run works; older than ``STALE_AFTER`` is gone.
"""

from __future__ import annotations

import os
import socket
import threading
from datetime import datetime
from functools import cache

from gugus import clock

HEARTBEAT_EVERY = 15.0  # seconds between two heartbeats of a working run
STALE_AFTER = 120.0  # a heartbeat older than this: the owner (on another machine) is gone
INTERRUPTED = "interrupted: the server stopped"


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            return fh.read()
    except OSError:
        return None


@cache
def _host() -> tuple[str, str | None]:
    """(host name, boot id and pid namespace): two containers that share a
    host name still see different pids."""
    boot = _read("/proc/sys/kernel/random/boot_id")
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return socket.gethostname(), f"{boot.strip()} {namespace}" if boot else None


def _process_start(pid: int) -> int | None:
    """The start time (clock ticks since boot) of a live process, None when
    there is no such process, or it has ended and waits to be reaped."""
    stat = _read(f"/proc/{int(pid)}/stat")
    if not stat:
        return None
    # "pid (comm) state ppid … starttime": comm may hold spaces and ")".
    fields = stat[stat.rfind(")") + 2 :].split()
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def this_process() -> dict:
    host, boot = _host()
    pid = os.getpid()
    return {"host": host, "boot": boot, "pid": pid, "start": _process_start(pid)}


def stamp() -> dict:
    """What an open run stores in its ``counts`` column."""
    return {"owner": this_process(), "heartbeat": clock.now_iso()}


def gone(record: dict | None, now: datetime | None = None) -> bool:
    """True when the process that owns an open run (its ``counts`` as
    :func:`stamp` wrote them; None for a run of an older version) is gone."""
    record = record or {}
    owner = record.get("owner") or {}
    host, boot = _host()
    if boot is not None and owner.get("host") == host and owner.get("boot") == boot:
        start = owner.get("start")
        return start is None or _process_start(owner.get("pid", -1)) != start
    beat = record.get("heartbeat")
    if not beat:
        return True
    age = ((now or clock.now()) - datetime.fromisoformat(beat)).total_seconds()
    return age > STALE_AFTER


class Heartbeat:
    """A daemon thread calling ``beat()`` every ``HEARTBEAT_EVERY`` seconds
    until stopped (a failing beat is skipped: the next one tries again)."""

    def __init__(self, beat) -> None:
        self._beat = beat
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="xref-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=HEARTBEAT_EVERY)

    def _loop(self) -> None:
        while not self._stop.wait(HEARTBEAT_EVERY):
            try:
                self._beat()
            except Exception:  # noqa: BLE001, S112 - the database busy or away: beat again later
                continue


__all__ = ["INTERRUPTED", "Heartbeat", "gone", "stamp", "this_process"]

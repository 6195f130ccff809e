"""Costly reads of a process take turns, first come first served.

A search's exact total and facets read every visible match of its words
(tens of thousands of rows for a common name).  On SQLite the driver gives
up and takes back Python's global lock for every row it steps, so ten such
reads running at once in one process mostly wait for each other's lock
hand-overs: at 100,000 people, ten concurrent cold searches answered 14.8 a
second where one at a time answered 23.6 (benchmarks/search_turns.py and
the README's "Web pages" section).  A :class:`Gate` lets at most ``slots``
of them run at once per process and queues the others in arrival order;
everything else (entity pages, cached searches, the page around a search)
runs beside them as before.  Several server workers each have their own
gate, so a node with N workers runs N at once.

A read that waits longer than the store's busy timeout answers "busy"
(:class:`gugus.errors.StoreUnavailable`, HTTP 503 with ``Retry-After``),
like a write that cannot get the database.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from gugus.errors import Msg, StoreUnavailable

SQLITE_SLOTS = 1  # measured best: 1 → 23.2 searches/s, 2 → 21.5, unbounded → 14.8
SERVER_SLOTS = 4  # PostgreSQL does the work in its own processes


def slots_for(is_sqlite: bool) -> int:
    return SQLITE_SLOTS if is_sqlite else SERVER_SLOTS


class Gate:
    """At most ``slots`` holders at once; the others wait in arrival order,
    each at most ``patience`` seconds."""

    def __init__(self, slots: int, patience: float) -> None:
        self.slots = slots
        self.patience = patience
        self._free = slots
        self._waiting: deque[list[bool]] = deque()
        self._cond = threading.Condition()

    @contextmanager
    def turn(self) -> Iterator[None]:
        self._acquire()
        try:
            yield
        finally:
            self._release()

    @contextmanager
    def turn_if_free(self) -> Iterator[bool]:
        """A turn at once if a slot is free and nobody waits (True), else
        nothing (False): the caller does what needs no turn, then queues."""
        with self._cond:
            got = bool(self._free) and not self._waiting
            if got:
                self._free -= 1
        try:
            yield got
        finally:
            if got:
                self._release()

    def _acquire(self) -> None:
        with self._cond:
            if self._free and not self._waiting:
                self._free -= 1
                return
            mine = [False]  # set to True when a leaving holder hands over its slot
            self._waiting.append(mine)
            deadline = time.monotonic() + self.patience
            while not mine[0]:
                left = deadline - time.monotonic()
                if left <= 0:
                    self._waiting.remove(mine)
                    raise StoreUnavailable(
                        Msg("the node is busy with other searches: try again shortly")
                    )
                self._cond.wait(left)

    def _release(self) -> None:
        with self._cond:
            if self._waiting:
                self._waiting.popleft()[0] = True  # the slot passes on, never freed
                self._cond.notify_all()
            else:
                self._free += 1

    def waiting(self) -> int:
        with self._cond:
            return len(self._waiting)

"""The node's audit trail: the one way services append audit records.

``node.audit.append(*events)`` returns once the records are durable (committed
to the audit store, signed, and the anchor moved).  It never takes the data
store's write lock: on SQLite the audit log is a file of its own, on
PostgreSQL it is written on its own connection — so a load holding the data
store's lock never delays an audited read.

Group commit: callers hand their events to one writer thread per process,
which takes everything waiting, appends it in one transaction (one head lock,
one signature, one commit) and then wakes each caller of that batch — with the
batch's error, if it failed.  Several processes (``gugus serve --workers 2``)
each have their writer; they queue on the audit store's lock (SQLite) or the
head row's lock (PostgreSQL).

Ordering, so nothing is ever unaudited: append *before* the result is released
— a read appends before it returns; a change appends inside its own open
transaction and then commits (a crash in between leaves the record of an
attempt, never a change without a record); a load appends its start before
writing and its summary after its commit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from gugus.audit import chain
from gugus.audit.chain import AuditEvent
from gugus.audit.keys import NodeKey

if TYPE_CHECKING:
    from gugus.node import Node

MAX_BATCH = 2000  # events per transaction
ANCHOR_EVERY = 16  # batches; the anchor also moves when the writer has been idle
ANCHOR_IDLE = 0.05  # seconds without work before the anchor moves

# Trails of this process that have written: their anchor moves at exit too, so
# a short command (a CLI read ends within ANCHOR_IDLE of its append) never
# leaves its records unanchored — a truncated tail would then go unnoticed.
_written: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _anchor_at_exit() -> None:
    for trail in list(_written):
        with contextlib.suppress(Exception):  # exit must not fail; verify reports a lag
            trail.sync_anchor()


class _Pending:
    __slots__ = ("done", "error", "events")

    def __init__(self, events: Sequence[AuditEvent]) -> None:
        self.events = events
        self.done = threading.Event()
        self.error: BaseException | None = None


class AuditTrail:
    def __init__(self, node: Node) -> None:
        self.node = node
        self._cond = threading.Condition()
        self._queue: list[_Pending] = []
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._closed = False
        self._key: NodeKey | None = None
        self.batches = 0  # committed batches (for tests and benchmarks)
        self._head: tuple[int, str] | None = None  # last committed, not yet anchored
        self._anchor_lock = threading.Lock()
        self._deferring = threading.local()

    @property
    def key(self) -> NodeKey:
        if self._key is None:
            self._key = NodeKey.load(self.node.db.key_path)
        return self._key

    @contextlib.contextmanager
    def deferred(self, while_waiting: Callable[[], None] | None = None):
        """Reads audited inside the block by this thread are appended together
        when it ends: one commit wait instead of one per read (a page that
        calls several read services).  For reads only, and nothing may be
        released before the block ends — a change must append inside its own
        transaction, before its commit.  What was deferred is appended even
        when the block fails (the reads happened).  ``while_waiting``: called
        once the records are handed to the writer, before their commit is
        waited for (a web request gives up its turn: :mod:`gugus.api.turns`);
        not called when nothing was recorded."""
        if getattr(self._deferring, "events", None) is not None:  # the outer block appends
            yield
            return
        self._deferring.events = []
        try:
            yield
        finally:
            events, self._deferring.events = self._deferring.events, None
            if events:
                pending = self._submit(events)
                if while_waiting is not None:
                    while_waiting()
                self._wait(pending)

    def append(self, *events: AuditEvent) -> None:
        if not events:
            return
        deferred = getattr(self._deferring, "events", None)
        if deferred is not None:
            deferred.extend(events)
            return
        self._wait(self._submit(events))

    def _submit(self, events: Sequence[AuditEvent]) -> _Pending:
        """Hand a batch to the writer thread (started if needed)."""
        pending = _Pending(events)
        with self._cond:
            if os.getpid() != self._pid:  # forked: the writer thread stayed behind
                self._pid, self._thread, self._queue = os.getpid(), None, []
            if self._closed:
                raise RuntimeError("the audit trail is closed")
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="gugus-audit-writer", daemon=True
                )
                self._thread.start()
                _written.add(self)
            self._queue.append(pending)
            self._cond.notify()
        return pending

    @staticmethod
    def _wait(pending: _Pending) -> None:
        pending.done.wait()
        if pending.error is not None:
            raise pending.error

    def verify(self, key: NodeKey | None = None, *, creations: bool = True) -> chain.VerifyResult:
        """``gugus audit verify``: the whole chain, in one snapshot; with
        ``creations``, also that every user, token and collection has the
        record of its creation."""
        self.sync_anchor()
        key = key or self.key
        db = self.node.db
        with db.audit_reader.connect() as aconn, db.reader.connect() as dconn:
            if not db.dialect.is_sqlite:
                aconn = aconn.execution_options(isolation_level="REPEATABLE READ")
            return chain.verify(aconn, dconn if creations else None, key)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self.sync_anchor()

    def sync_anchor(self) -> None:
        """Move the anchor outside the database to the last head this process
        committed.  The writer does it after waking a batch's callers (when
        idle, or every ANCHOR_EVERY batches), so callers wait for one commit
        only; a crash in between leaves the anchor one batch behind."""
        with self._anchor_lock:
            if self._head is not None:
                self.key.advance_anchor(*self._head)
                self._head = None

    # -- the writer thread ---------------------------------------------------------
    def _take(self, idle: float | None) -> list[_Pending] | None:
        """The next batch; [] after ``idle`` seconds without work; None once closed."""
        with self._cond:
            if not self._queue and not self._closed:
                self._cond.wait_for(lambda: self._queue or self._closed, timeout=idle)
            if not self._queue:
                return None if self._closed else []
            batch, size = [], 0
            while self._queue and (not batch or size + len(self._queue[0].events) <= MAX_BATCH):
                item = self._queue.pop(0)
                batch.append(item)
                size += len(item.events)
            return batch

    def _run(self) -> None:
        since_anchor = 0
        while (batch := self._take(ANCHOR_IDLE if since_anchor else None)) is not None:
            if not batch or since_anchor >= ANCHOR_EVERY:
                since_anchor = 0
                # An anchor that cannot be written now is retried after the
                # next batch (the head stays pending); verify reports a lagging one.
                with contextlib.suppress(Exception):
                    self.sync_anchor()
                if not batch:
                    continue
            try:
                self._commit([e for p in batch for e in p.events])
            except BaseException as exc:  # noqa: BLE001 - handed to every caller of the batch
                for p in batch:
                    p.error = exc
            finally:
                for p in batch:
                    p.done.set()
            since_anchor += 1

    def _commit(self, events: list[AuditEvent]) -> None:
        key = self.key
        with self.node.db.audit_writer.begin() as conn:
            head = chain.commit(conn, key, events)
        with self._anchor_lock:
            if self._head is None or head[0] > self._head[0]:
                self._head = head
        self.batches += 1

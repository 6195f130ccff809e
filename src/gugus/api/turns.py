"""Reads of a serving process take turns, and a busy worker leaves new
connections to an idle one.

Measured at 100,000 people with ten sessions reading search pages for words
nobody asked before (``benchmarks/pages.py``, README "Web pages"):

* **One read at a time per process.**  Python runs one thread at a time, and
  the SQLite driver gives that lock up and takes it back for every row it
  steps.  Five pages read at once in one process spent ~36 ms of server CPU
  each, one at a time ~25 ms (``benchmarks/entity_cpu.py --sessions 10``).
  :class:`RequestTurns` lets one GET (or HEAD) request of a process run from
  the moment its head is read until its answer starts — or, for the reads
  in :func:`audited_after_turn`, until their audit record is handed to the
  writer (the answer still waits for its commit); the others wait in
  arrival order, for at most the store's busy timeout, then answer 503 with
  ``Retry-After`` (a page in the reader's language, the API's envelope).
  What has no turn runs as before: requests with a body (a login, a load:
  their body arrives at the client's pace) and static files.  (The search's
  own :class:`gugus.work_gate.Gate` stays: a process serving from several
  threads without this middleware still counts one search at a time.)
* **A busy worker stops accepting.**  With ``gugus serve --workers N`` every
  worker listens on one socket, and asyncio accepts every waiting connection
  at once whenever its process wakes, busy or not: one worker queued pages
  while the other idled (p95 318 ms against p50 124 ms).  :class:`PacedLoop`,
  the workers' event loop, accepts one connection at a time, and only while
  its process has room: the request holding the turn and one behind it
  (:data:`AHEAD`), a connection accepted counting as a request until it asks
  something.  New connections wait in the kernel's queue for whichever
  worker has room, one queue for all workers (p95 182 ms; later, on a
  faster search, 173–219 ms while a worker whose turn fell free still took
  ~4 connections in a row, 157–162 ms since it counts them).  Pages
  already close their connection after each answer with several workers
  (:class:`gugus.web.app.PageRequests`), so every page is a new connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable

from gugus.errors import Msg, StoreUnavailable
from gugus.store.db import busy_timeout

TURN_METHODS = frozenset({"GET", "HEAD"})
UNTURNED_PREFIXES = ("/static/",)
# In a turned request's scope: gives its turn up, from any thread.
GIVE_UP = "gugus.give_up_turn"
# Requests a worker takes ahead of the one holding its turn: one, ready to
# compute the moment the turn falls free; the other connections wait in the
# kernel's queue for whichever worker has room.
AHEAD = 1
# Seconds a connection a worker accepted counts as a request before it asks
# something (a client sends its request with the connection; one that stays
# silent holds a place in its worker for this long).
HEARING = 0.02


class _Waiter:
    __slots__ = ("future", "handed", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.future: asyncio.Future = loop.create_future()
        self.handed = False  # set (under the lock) when the turn is given to it


class _Turns:
    """One holder at a time; the others wait in arrival order, each at most
    ``patience`` seconds.  A server process has one event loop; a test
    client may run each request in a loop of its own thread, so the state
    is guarded by a lock and a turn is handed over in the waiter's loop."""

    def __init__(self, patience: float) -> None:
        self.patience = patience
        self.held = False
        self._waiting: deque[_Waiter] = deque()
        self._lock = threading.Lock()

    async def take(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if not self.held and not self._waiting:
                self.held = True
                return
            waiter = _Waiter(loop)
            self._waiting.append(waiter)
        expiry = loop.call_later(self.patience, self._expire, waiter)
        try:
            await waiter.future
        except asyncio.CancelledError:
            with self._lock:
                mine = waiter.handed  # handed over just before the cancel
                if not mine:
                    self._waiting.remove(waiter)
            if mine:
                self.give()  # pass it on
            raise
        finally:
            expiry.cancel()

    def _expire(self, waiter: _Waiter) -> None:
        with self._lock:
            if waiter.handed or waiter.future.done():
                return
            self._waiting.remove(waiter)
        waiter.future.set_exception(
            StoreUnavailable(Msg("the node is busy with other requests: try again shortly"))
        )

    def give(self) -> None:
        """Hand the turn to the first waiter, else free it."""
        with self._lock:
            if not self._waiting:
                self.held = False
                return
            waiter = self._waiting.popleft()  # ``held`` stays: the turn passes on
            waiter.handed = True
        try:
            same = asyncio.get_running_loop() is waiter.loop
        except RuntimeError:
            same = False
        if same:
            _wake(waiter.future)
            return
        try:
            waiter.loop.call_soon_threadsafe(_wake, waiter.future)
        except RuntimeError:  # its loop has closed: nobody to take it
            self.give()

    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    def occupancy(self) -> int:
        """Requests holding or waiting for the turn."""
        with self._lock:
            return int(self.held) + len(self._waiting)


def _wake(future: asyncio.Future) -> None:
    if not future.done():  # a cancelled waiter passes the turn on itself
        future.set_result(None)


class RequestTurns:
    """Pure ASGI: GET and HEAD requests of this process take turns (see the
    module).  Placed inside :class:`gugus.api.app.StorageFaults`, so a wait
    past the patience answers in the one error shape."""

    def __init__(self, app, patience: float | None = None) -> None:
        self.app = app
        self.turns = _Turns(busy_timeout() if patience is None else patience)

    async def __call__(self, scope, receive, send) -> None:
        loop = asyncio.get_running_loop()
        paced = loop if isinstance(loop, PacedLoop) else None
        if paced is not None and scope["type"] == "http":
            paced.occupancy = self.turns.occupancy
            paced.heard()  # a request: a connection accepted has spoken
        if (
            scope["type"] != "http"
            or scope.get("method") not in TURN_METHODS
            or scope.get("path", "").startswith(UNTURNED_PREFIXES)
        ):
            return await self.app(scope, receive, send)
        try:
            await self.turns.take()
        except BaseException:
            # busy, or cancelled — perhaps just after the turn was handed
            # over and passed on again: the loop accepts as the turn stands
            self._paced(paced)
            raise
        self._paced(paced)
        held = True

        def give() -> None:
            nonlocal held
            if held:
                held = False
                self.turns.give()
                self._paced(paced)

        def give_up() -> None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing held
                loop.call_soon_threadsafe(give)

        scope[GIVE_UP] = give_up

        async def answering(message) -> None:
            if message["type"] == "http.response.start":
                give()  # the answer is ready: its sending needs no turn
            await send(message)

        try:
            await self.app(scope, receive, answering)
        finally:
            give()

    def _paced(self, loop: PacedLoop | None) -> None:
        """The turns changed: the worker's loop accepts again if it has room."""
        if loop is not None:
            loop.resume_accepting()


def audited_after_turn(request):
    """A block whose audited reads (the node's trail, deferred) are
    committed as it ends, after the request has given up its turn: the
    next request computes while this one's records are written and synced
    (a page's record is committed alone otherwise, its turn waiting for the
    disk).  The answer is still released only once its records are
    committed: the block ends before the handler returns."""
    return request.app.state.node.audit.deferred(while_waiting=request.scope.get(GIVE_UP))


class PacedLoop(asyncio.SelectorEventLoop):
    """The event loop of ``gugus serve --workers N``: it accepts one new
    connection per wake-up, and only while its process has room: at most
    the request holding the turn (:class:`RequestTurns`) and :data:`AHEAD`
    behind it, each connection it accepted counting as a request until one
    asks something (a silent one for at most :data:`HEARING` seconds).  The
    listening socket is watched again when there is room.  (asyncio's own
    loop accepts up to the backlog at once, and it is what asyncio itself
    does when it runs out of file descriptors: stop watching the socket,
    watch it again later.)

    Without counting the connection not yet heard, a worker whose turn fell
    free took ~4 connections in a row (accepting, making the connection,
    reading its head and starting its request are separate wake-ups of the
    loop): they then queued for that worker's turn while the other worker's
    queue was empty, which made the tail (``benchmarks/pages.py``, README
    "Web pages").  Without the one request ahead, the turn idled through
    those wake-ups."""

    def __init__(self) -> None:
        super().__init__()
        # this process's requests holding or waiting for a turn
        self.occupancy: Callable[[], int] = lambda: 0
        # connections accepted that have not asked anything yet, oldest
        # first, each with the timer that stops counting it
        self._unheard: dict[object, asyncio.TimerHandle] = {}
        self._paused: dict[int, tuple] = {}

    def full(self) -> bool:
        """No room for another connection now."""
        return self.occupancy() + len(self._unheard) > AHEAD

    def _accept_connection(
        self, protocol_factory, sock, sslcontext=None, server=None, backlog=100, *timeouts
    ) -> None:
        protocol_factory = getattr(protocol_factory, "paced_factory", protocol_factory)
        if self.full():
            self._remove_reader(sock.fileno())
            self._paused[sock.fileno()] = (
                protocol_factory, sock, sslcontext, server, backlog, *timeouts
            )  # fmt: skip
            return

        def made():
            # A connection was accepted (its protocol is made on the next
            # wake-up, before the loop looks at the socket again).
            token = object()
            self._unheard[token] = self.call_later(HEARING, self._silent, token)
            return protocol_factory()

        made.paced_factory = protocol_factory
        super()._accept_connection(made, sock, sslcontext, server, 1, *timeouts)

    def heard(self) -> None:
        """A request began: the oldest connection not heard yet is no
        longer counted (the request is, once it waits for a turn)."""
        if self._unheard:
            self._unheard.pop(next(iter(self._unheard))).cancel()
            self.resume_accepting()

    def _silent(self, token: object) -> None:
        """A connection stayed silent for HEARING seconds: not counted."""
        if self._unheard.pop(token, None) is not None:
            self.resume_accepting()

    def resume_accepting(self) -> None:
        """Watch the paused listening sockets again (unless closed since)."""
        if self.full():
            return
        paused, self._paused = self._paused, {}
        for fd, args in paused.items():
            sock = args[1]
            if sock.fileno() == fd:  # -1 once the server closed it
                self._start_serving(*args)


__all__ = ["PacedLoop", "RequestTurns", "audited_after_turn"]

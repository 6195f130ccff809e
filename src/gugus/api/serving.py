"""Serving the API with a bounded shutdown.

SIGTERM (or Ctrl-C) stops accepting connections, lets requests in flight
finish for up to ``GRACE`` seconds (uvicorn's ``timeout_graceful_shutdown``),
and then ends whatever is left: with ``--workers N`` the supervisor waits for
its workers for a bounded time and kills those still running (a worker can be
held up after its server stopped, e.g. by a thread waiting for a database
lock); a single process ends itself the same way.
"""

from __future__ import annotations

import errno
import gc
import logging
import os
import socket
import threading
import time

import uvicorn
from uvicorn.supervisors.multiprocess import Multiprocess

from gugus import ratelimit
from gugus.errors import GugusError, InvalidInput
from gugus.model import search_words
from gugus.web import render

GRACE = 10  # seconds for requests in flight once a shutdown starts
SLACK = 5  # seconds more for a process to exit before it is killed

log = logging.getLogger("gugus.api")


def check_port(host: str, port: int) -> None:
    """Fail in one line, before anything is built, when ``host:port`` cannot
    be listened on (another `gugus demo` or `gugus serve` holds it)."""
    if not 0 < port < 65536:
        raise InvalidInput(f"--port: {port} (allowed: 1 to 65535)")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror:
        raise InvalidInput(f"--host: {host!r} is not an address of this machine") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise GugusError(
                    f"port {port} on {host} is taken (another `gugus demo` or `gugus serve`?): "
                    f"stop it, or choose another with --port"
                ) from None
            raise GugusError(f"cannot listen on {host}:{port} ({exc.strerror})") from None


class BoundedMultiprocess(Multiprocess):
    """uvicorn's supervisor, whose wait for its workers has an end."""

    def join_all(self) -> None:
        deadline = time.monotonic() + GRACE + SLACK
        for worker in self.processes:
            worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
        for worker in self.processes:
            if worker.process.is_alive():
                log.warning("worker %s did not stop in time: killed", worker.pid)
                worker.kill()
                worker.process.join(timeout=SLACK)


def settle() -> None:
    """Before a serving process takes requests: what it built at start
    (models, catalogues, compiled statements) leaves the garbage collector's
    view.  A search reading 37,000 rows allocates enough objects to start
    full collections, and each walked every object of the process: ~50 ms
    of a 90 ms search (``gc.freeze``, as Instagram does for its servers).
    Tables built lazily on a first search, and the pages' templates, are
    built first, so that no reader waits for them and they are frozen too."""
    search_words.warm()
    render.warm()
    gc.collect()
    gc.freeze()


def serve_app(app, *, host: str, port: int) -> None:
    """One process."""
    settle()
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=GRACE)
    _exit_if_stuck()


def serve_workers(factory: str, *, host: str, port: int, workers: int) -> None:
    """``workers`` processes, each building its app with ``factory`` (and
    told how many they are: each keeps an Nth of the login limits)."""
    os.environ[ratelimit.WORKERS_ENV] = str(workers)
    config = uvicorn.Config(
        factory,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="gugus.api.turns:PacedLoop",  # a busy worker leaves new connections to the others
        log_level="warning",
        timeout_graceful_shutdown=GRACE,
    )
    sock = config.bind_socket()
    try:
        BoundedMultiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()


def _exit_if_stuck() -> None:
    """After the server stopped, the interpreter waits for worker threads
    before it exits; a thread stuck on a database lock would keep the process
    alive.  A daemon timer ends it after ``SLACK`` seconds in that case."""

    def _exit() -> None:
        log.warning("threads still running %s s after the server stopped: exiting", SLACK)
        os._exit(0)

    timer = threading.Timer(SLACK, _exit)
    timer.daemon = True
    timer.start()

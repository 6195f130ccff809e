"""GET requests of a serving process take turns (gugus.api.turns): one at a
time from its head to the start of its answer, the others in arrival
order, a wait past the patience answers 503 in the one error shape; what
has a body (a login, a load) and static files never wait.  A worker whose
process holds a turn takes one connection ahead of it and no more
(PacedLoop), one at a time, and counts a connection it accepted until that
one asks something."""

from __future__ import annotations

import asyncio
import socket
import threading

import pageworld
import pytest
import searchworld as sw
from fastapi.testclient import TestClient

from gugus.api import create_app, turns
from gugus.api.turns import AHEAD, PacedLoop, RequestTurns, _Turns
from gugus.auth import issue_token
from gugus.errors import StoreUnavailable

WAIT = 30  # seconds a test waits for something that must happen (never reached)


def run(coro, loop_factory=None):
    """Run ``coro`` in a new event loop of its own thread (a browser test
    of the same process may have left a loop running in this one)."""
    outcome: dict = {}

    def main():
        try:
            with asyncio.Runner(loop_factory=loop_factory) as runner:
                outcome["value"] = runner.run(asyncio.wait_for(coro, WAIT))
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=main)
    thread.start()
    thread.join(WAIT + 5)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


# -- the turns --------------------------------------------------------------------


def test_waiters_get_the_turn_in_arrival_order():
    async def main():
        turns = _Turns(patience=WAIT)
        log: list = []
        await turns.take()  # held by "first"

        async def waiter(name):
            await turns.take()
            log.append(name)
            await asyncio.sleep(0)
            turns.give()

        tasks = []
        for i in range(5):
            tasks.append(asyncio.create_task(waiter(i)))
            while turns.waiting() < i + 1:
                await asyncio.sleep(0)
        assert log == []
        turns.give()
        await asyncio.gather(*tasks)
        assert log == [0, 1, 2, 3, 4]
        assert not turns.held and turns.waiting() == 0

    run(main())


def test_a_wait_past_patience_is_busy_and_leaves_the_queue():
    async def main():
        turns = _Turns(patience=0.05)
        await turns.take()
        with pytest.raises(StoreUnavailable, match="busy"):
            await turns.take()
        assert turns.waiting() == 0
        turns.give()
        assert not turns.held
        await turns.take()  # free again

    run(main())


def test_a_cancelled_waiter_leaves_the_queue_and_a_cancelled_holder_passes_it_on():
    async def main():
        turns = _Turns(patience=WAIT)
        await turns.take()
        gone = asyncio.create_task(turns.take())
        while turns.waiting() < 1:
            await asyncio.sleep(0)
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        assert turns.waiting() == 0
        # handed the turn, then cancelled before it ran: the turn passes on
        handed = asyncio.create_task(turns.take())
        after = asyncio.create_task(turns.take())
        while turns.waiting() < 2:
            await asyncio.sleep(0)
        turns.give()  # to ``handed``...
        handed.cancel()  # ...which is cancelled before it resumes
        with pytest.raises(asyncio.CancelledError):
            await handed
        await after  # got it
        assert turns.held and turns.waiting() == 0
        turns.give()
        assert not turns.held

    run(main())


# -- the middleware -----------------------------------------------------------------


def _hold_app(entered: threading.Event, leave: threading.Event):
    """An ASGI app whose GET /hold waits for ``leave`` (in a thread, as a
    sync route does) and whose other paths answer at once."""

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        if scope["path"] == "/hold":
            entered.set()
            await asyncio.to_thread(leave.wait, WAIT)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": scope["path"].encode()})

    return app


def test_a_get_waits_for_the_turn_and_a_post_or_a_static_file_does_not():
    entered, leave = threading.Event(), threading.Event()
    middleware = RequestTurns(_hold_app(entered, leave), patience=WAIT)
    client = TestClient(middleware)
    answers: dict = {}
    holder = threading.Thread(target=lambda: answers.update(hold=client.get("/hold").text))
    holder.start()
    assert entered.wait(WAIT)
    later = threading.Thread(target=lambda: answers.update(later=client.get("/search").text))
    later.start()
    for _ in range(WAIT * 100):
        if middleware.turns.waiting() == 1:
            break
        threading.Event().wait(0.01)
    assert middleware.turns.waiting() == 1 and "later" not in answers
    assert client.post("/login").text == "/login"  # a body: no turn
    assert client.get("/static/gugus.css").text == "/static/gugus.css"
    leave.set()
    holder.join(WAIT)
    later.join(WAIT)
    assert answers == {"hold": "/hold", "later": "/search"}
    assert not middleware.turns.held


def test_the_turn_is_given_back_when_the_route_fails():
    async def failing(scope, receive, send):
        raise ValueError("boom")

    middleware = RequestTurns(failing, patience=WAIT)
    with pytest.raises(ValueError):
        TestClient(middleware).get("/search")
    assert not middleware.turns.held


def _turns_of(app) -> RequestTurns:
    layer = app.middleware_stack
    while not isinstance(layer, RequestTurns):
        layer = layer.app
    return layer


@pytest.fixture
def world(node, monkeypatch):
    monkeypatch.setenv("GUGUS_BUSY_TIMEOUT", "0.05")
    sw.build(node)
    return node


def test_a_read_that_gets_no_turn_answers_503_in_the_api_envelope_and_as_a_page(world):
    api = TestClient(create_app(world))
    token, _ = issue_token(world, world.reader("bob"), days=1)
    api.headers["Authorization"] = f"Bearer {token}"
    assert api.get("/api/v1/search", params={"q": "perez"}).status_code == 200
    browser = pageworld.login(pageworld.client(world), "bob", sw.PASSWORD)
    assert browser.get("/search", params={"q": "perez"}).status_code == 200
    for client in (api, browser):
        turns = _turns_of(client.app).turns
        turns.held = True  # another request holds the process's turn
        try:
            if client is api:
                r = client.get("/api/v1/search", params={"q": "perez"})
                assert r.status_code == 503 and r.headers.get("Retry-After")
                assert r.json()["error"]["code"] == "unavailable"
                assert "busy with other requests" in r.json()["error"]["message"]
            else:
                english = client.get("/search", params={"q": "perez"})
                client.cookies.set("gugus_lang", "es_MX")
                spanish = client.get("/search", params={"q": "perez"})
                assert english.status_code == spanish.status_code == 503
                assert english.headers.get("Retry-After")
                assert "busy with other requests" in english.text
                assert "ocupado con otras solicitudes" in spanish.text
        finally:
            turns.held = False
    assert api.get("/api/v1/search", params={"q": "perez"}).status_code == 200


@pytest.mark.parametrize("path", ["/search?q=perez", "/api/v1/search?q=perez"])
def test_a_read_gives_up_its_turn_while_its_record_is_committed(world, monkeypatch, path):
    """An audited read hands its record to the writer and gives up its turn
    (the next request runs meanwhile), but its answer leaves only once the
    record is committed."""
    reader = pageworld.login(pageworld.client(world), "bob", sw.PASSWORD)
    app = reader.app
    token, _ = issue_token(world, world.reader("bob"), days=1)
    reader.headers["Authorization"] = f"Bearer {token}"
    other = TestClient(app)
    other.headers["Authorization"] = f"Bearer {token}"
    writing, written = threading.Event(), threading.Event()
    commit = world.audit._commit

    def slow(events):
        writing.set()
        assert written.wait(WAIT)
        commit(events)

    monkeypatch.setattr(world.audit, "_commit", slow)
    answers: dict = {}
    first = threading.Thread(target=lambda: answers.update(first=reader.get(path)))
    first.start()
    assert writing.wait(WAIT)
    # nothing recorded (nothing restricted found): no wait for the writer
    assert other.get("/api/v1/search", params={"q": "nothing"}).status_code == 200
    assert "first" not in answers  # its record is not committed yet
    written.set()
    first.join(WAIT)
    assert answers["first"].status_code == 200
    assert not _turns_of(app).turns.held


# -- the paced loop -----------------------------------------------------------------


def test_a_paced_loop_accepts_no_connection_while_its_process_has_a_request_ahead():
    async def main():
        loop = asyncio.get_running_loop()
        assert isinstance(loop, PacedLoop)
        accepted: list = []

        async def on_connect(reader, writer):
            accepted.append(writer)
            loop.heard()  # as a request of the connection would

        server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        loop.occupancy = lambda: 1 + AHEAD  # a turn held, and a request waiting for it
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        # the first wake-up finds no room: nothing is accepted
        for _ in range(50):
            await asyncio.sleep(0.01)
        assert accepted == []
        loop.occupancy = lambda: 0
        loop.resume_accepting()
        for _ in range(WAIT * 100):
            if len(accepted) == 3:
                break
            await asyncio.sleep(0.01)
        assert len(accepted) == 3
        for c in clients:
            c.close()
        for w in accepted:
            w.close()
        server.close()
        await server.wait_closed()

    run(main(), loop_factory=PacedLoop)


def test_a_paced_loop_accepts_one_connection_per_wake_up():
    """asyncio's own loop takes every waiting connection at once (up to
    the backlog); the paced loop takes one, so another worker can take the
    next."""

    async def main():
        loop = asyncio.get_running_loop()
        sock = socket.create_server(("127.0.0.1", 0))
        sock.setblocking(False)
        port = sock.getsockname()[1]
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        await asyncio.sleep(0.05)  # all three wait in the kernel's queue
        made: list = []
        protocol = lambda: made.append(1) or asyncio.Protocol()  # noqa: E731
        loop._accept_connection(protocol, sock)  # one wake-up
        await asyncio.sleep(0.05)
        assert len(made) == 1
        for c in clients:
            c.close()
        sock.close()

    run(main(), loop_factory=PacedLoop)


def test_a_paused_socket_closed_meanwhile_is_not_watched_again():
    async def main():
        loop = asyncio.get_running_loop()
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        loop.occupancy = lambda: 1 + AHEAD
        client = socket.create_connection(("127.0.0.1", port))
        await asyncio.sleep(0.05)  # the wake-up pauses the socket
        server.close()
        await server.wait_closed()
        loop.occupancy = lambda: 0
        loop.resume_accepting()  # nothing to watch: no error
        client.close()

    run(main(), loop_factory=PacedLoop)


def test_a_paced_loop_accepts_again_whatever_way_the_turn_ends():
    """The worker's loop stops accepting while a request holds the turn and
    one waits behind it, and accepts again when there is room: after an
    answer, after a waiter gave up (busy), and after a waiter was cancelled
    just as the turn was handed to it (it passes the turn on)."""
    assert AHEAD == 1  # the counts below

    async def main():
        loop = asyncio.get_running_loop()
        release = asyncio.Event()

        async def app(scope, receive, send):
            if scope["path"] == "/hold":
                await release.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        middleware = RequestTurns(app, patience=0.2)

        async def get(path):
            scope = {"type": "http", "method": "GET", "path": path, "headers": []}

            async def receive():
                return {"type": "http.request", "body": b""}

            async def send(message):
                pass

            await middleware(scope, receive, send)

        holder = asyncio.create_task(get("/hold"))
        while not middleware.turns.held:
            await asyncio.sleep(0)
        assert not loop.full()  # room for one request ahead
        waiter = asyncio.create_task(get("/other"))
        while middleware.turns.waiting() < 1:
            await asyncio.sleep(0)
        assert loop.full()  # the holder and one behind it
        with pytest.raises(StoreUnavailable):  # it waits past the patience
            await waiter
        assert not loop.full()  # the holder still holds it: room for one again
        release.set()
        await holder
        assert middleware.turns.occupancy() == 0 and not loop.full()
        # a waiter handed the turn and cancelled before it runs
        await middleware.turns.take()  # held by this test
        handed = asyncio.create_task(get("/other"))
        while middleware.turns.waiting() < 1:
            await asyncio.sleep(0)
        assert loop.full()
        middleware.turns.give()  # handed to ``handed``...
        handed.cancel()  # ...which is cancelled before it runs
        with pytest.raises(asyncio.CancelledError):
            await handed
        assert not middleware.turns.held
        assert not loop.full()  # accepting again
        await get("/other")  # and the turn is free
        assert middleware.turns.occupancy() == 0

    run(main(), loop_factory=PacedLoop)


@pytest.mark.parametrize("busy", [0, AHEAD])
def test_a_paced_loop_counts_a_connection_until_it_asks_something(busy, monkeypatch):
    """A worker counts each connection it accepted as a request until a
    request of it begins (so a worker whose turn falls free does not take
    four connections in a row before its first request takes the turn), or
    for at most HEARING seconds if it stays silent.  ``busy``: requests
    holding or waiting for the turn already.  HEARING is made long here, so
    that a loaded machine's pauses (a test run beside others) never pass
    for a connection's silence."""
    hearing = 1.0
    monkeypatch.setattr(turns, "HEARING", hearing)
    room = AHEAD + 1 - busy

    async def main():
        loop = asyncio.get_running_loop()
        loop.occupancy = lambda: busy
        sock = socket.create_server(("127.0.0.1", 0))
        sock.setblocking(False)
        port = sock.getsockname()[1]
        made: list = []
        protocol = lambda: made.append(1) or asyncio.Protocol()  # noqa: E731
        loop._start_serving(protocol, sock)
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(room + 2)]

        async def until(n: int, step: float = 0.001) -> None:
            for _ in range(int(WAIT / step)):
                if len(made) >= n:
                    return
                await asyncio.sleep(step)

        await until(room)
        assert len(made) == room and loop.full()
        await asyncio.sleep(hearing / 5)
        assert len(made) == room  # the others wait in the kernel's queue
        loop.heard()  # a request of one begins
        await until(room + 1)
        assert len(made) == room + 1
        heard_at = loop.time()
        # none of them speaks again: after HEARING the last is accepted anyway
        await asyncio.sleep(hearing / 5)
        assert len(made) == room + 1
        await until(room + 2, 0.005)
        assert len(made) == room + 2
        assert loop.time() - heard_at >= hearing / 2  # not before its time
        for c in clients:
            c.close()
        loop._stop_serving(sock)
        sock.close()

    run(main(), loop_factory=PacedLoop)

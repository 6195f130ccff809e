"""Tests for the throwaway PostgreSQL test server helper (tests/pgserver.py)."""

from __future__ import annotations

import os
import socket
import time

import pytest
import sqlalchemy as sa

from pgserver import PostgresServer, PostgresUnavailable, find_bindir


def _require_postgres() -> None:
    if find_bindir() is not None:
        return
    reason = "PostgreSQL server binaries (initdb/pg_ctl) not found"
    if os.environ.get("GUGUS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, but GUGUS_REQUIRE_SERVICES=1")
    pytest.skip(reason)


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.postgres
def test_server_lifecycle() -> None:
    _require_postgres()
    t0 = time.monotonic()
    with PostgresServer() as server:
        try:
            url = server.start()
        except PostgresUnavailable as exc:
            if os.environ.get("GUGUS_REQUIRE_SERVICES") == "1":
                raise
            pytest.skip(f"could not start PostgreSQL: {exc}")
        started = time.monotonic() - t0
        assert url == f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/gugus"
        tmpdir = server.tmpdir
        assert tmpdir is not None and tmpdir.is_dir()
        port = server.port
        assert port is not None

        url_a = server.create_database("gugus_a")
        url_b = server.create_database("gugus_b")
        assert url_a.endswith("/gugus_a") and url_b.endswith("/gugus_b")

        for db_url in (url, url_a, url_b):
            engine = sa.create_engine(db_url)
            try:
                with engine.connect() as conn:
                    version = conn.execute(sa.text("select version()")).scalar_one()
                    assert version.startswith("PostgreSQL ")
                    dbname = conn.execute(sa.text("select current_database()")).scalar_one()
                    assert db_url.endswith("/" + dbname)
                    encoding = conn.execute(sa.text("show server_encoding")).scalar_one()
                    assert encoding == "UTF8"
            finally:
                engine.dispose()

        # The databases are independent of each other.
        engine_a = sa.create_engine(url_a)
        engine_b = sa.create_engine(url_b)
        try:
            with engine_a.begin() as conn:
                conn.execute(sa.text("create table only_in_a (x int)"))
            with engine_b.connect() as conn:
                found = conn.execute(sa.text("select to_regclass('only_in_a')")).scalar_one()
                assert found is None
        finally:
            engine_a.dispose()
            engine_b.dispose()

        with pytest.raises(ValueError):
            server.create_database('bad"name')

        t1 = time.monotonic()
    stopped = time.monotonic() - t1
    print(f"postgres start {started:.2f}s, stop {stopped:.2f}s")

    assert server.tmpdir is None
    assert not tmpdir.exists()
    assert not _port_open(port)
    server.stop()  # idempotent

"""Shared fixtures: every store test runs on SQLite and on a real PostgreSQL.

The PostgreSQL server is a throwaway cluster started once per session
(``pgserver.py``); each test gets a fresh database.  Without PostgreSQL
binaries those tests skip, except under ``GUGUS_REQUIRE_SERVICES=1`` (CI),
where they fail.  The same rule holds for Java and pyspark (``spark_engine``).
"""

from __future__ import annotations

import itertools
import os
import tempfile

import pytest
from hypothesis import settings

from gugus.node import Node
from pgserver import PostgresServer, PostgresUnavailable, find_bindir

# Node keys of PostgreSQL test databases (SQLite keeps its key beside the file).
os.environ.setdefault("GUGUS_KEY_DIR", tempfile.mkdtemp(prefix="gugus-test-keys-"))

REQUIRE_SERVICES = os.environ.get("GUGUS_REQUIRE_SERVICES") == "1"

settings.register_profile("dev", max_examples=60, deadline=None)
# CI: 100 examples, Hypothesis's own default; each leak test derives its share
# from this number.  500 took CI to 78 of its 90 minutes on 2026-12-06 and 250
# ran past them on 2026-12-07, a day the machine was 2-3x slower: the property
# tests' time grows with this number, and CI must finish on a slow day too.
settings.register_profile("ci", max_examples=100, deadline=None)
settings.load_profile("ci" if REQUIRE_SERVICES or os.environ.get("CI") else "dev")

_counter = itertools.count()

# Files whose tests are each long and share no module fixture: under
# pytest-xdist (`make test`: --dist loadgroup) their tests are spread over the
# processes one by one; every other file runs whole in one process, so its
# module fixtures are built once.
SPREAD_FILES = ("tests/access/test_leak",)


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        path = item.nodeid.split("::", 1)[0]
        group = item.nodeid if path.startswith(SPREAD_FILES) else path
        item.add_marker(pytest.mark.xdist_group(group))


def service_missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (GUGUS_REQUIRE_SERVICES=1: services must be present)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server():
    if find_bindir() is None:
        service_missing("PostgreSQL server binaries (initdb, pg_ctl) not found")
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as exc:
        service_missing(f"PostgreSQL did not start: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def spark_engine():
    """Splink's Spark backend in local mode, one small JVM for the session.
    Without pyspark or Java 17 the test skips, except under
    GUGUS_REQUIRE_SERVICES=1 (CI), where it fails."""
    from gugus.xref import backends

    reason = backends.spark_unavailable()
    if reason:
        service_missing(reason)
    backends.spark_session(
        backends.SparkOptions(
            cores=1,
            memory="512m",
            partitions=2,
            # Start-up and small queries: the C1 JIT alone halves both here.
            java_options="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
        )
    )
    yield "spark"
    backends.stop_spark()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gugus.db'}"
    server = request.getfixturevalue("pg_server")
    return server.create_database(f"t{os.getpid()}_{next(_counter)}")


@pytest.fixture
def node(db_url):
    node = Node(db_url)
    node.db.migrate()
    yield node
    node.close()


@pytest.fixture
def sqlite_node(tmp_path):
    node = Node(str(tmp_path / "gugus.db"))
    node.db.migrate()
    yield node
    node.close()

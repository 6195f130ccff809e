"""Fixtures of the API tests; the world itself lives in tests/apiworld.py
(a plain module: the page tests use it too)."""

from __future__ import annotations

import warnings

import pytest
from apiworld import World, build_world

from gugus.api import create_app
from gugus.node import Node

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # see tests/apiworld.py
    from fastapi.testclient import TestClient


@pytest.fixture
def world(node) -> World:
    """The world on both backends (SQLite and PostgreSQL)."""
    return build_world(node)


@pytest.fixture
def sqlite_world(sqlite_node) -> World:
    return build_world(sqlite_node)


@pytest.fixture(scope="module")
def module_world(tmp_path_factory):
    """One SQLite world shared by a module's read-only tests."""
    node = Node(str(tmp_path_factory.mktemp("world") / "gugus.db"))
    node.db.migrate()
    yield build_world(node)
    node.close()


@pytest.fixture
def make_client():
    """TestClient factory (the test modules do not import it themselves)."""
    return lambda node, **kwargs: TestClient(create_app(node), **kwargs)


@pytest.fixture
def app_client():
    """TestClient of a given app (e.g. one whose state a test set up)."""
    return lambda app, **kwargs: TestClient(app, **kwargs)


@pytest.fixture
def client(world) -> TestClient:
    return TestClient(create_app(world.node))


@pytest.fixture
def sqlite_client(sqlite_world) -> TestClient:
    return TestClient(create_app(sqlite_world.node))


@pytest.fixture(scope="module")
def module_client(module_world) -> TestClient:
    return TestClient(create_app(module_world.node))


@pytest.fixture(scope="module")
def module_lenient_client(module_world) -> TestClient:
    """Server exceptions become 500 responses (as a real client gets), not test errors."""
    return TestClient(create_app(module_world.node), raise_server_exceptions=False)

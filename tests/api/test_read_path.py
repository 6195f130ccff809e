"""The read routes' fast path (issue #7, reads under load): statements built
once per reader, collection names cached per node, the token checked in the
route's own thread, the answer rendered with orjson — and still nothing kept
that outlives a change made elsewhere.  Both backends."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gugus import admin
from gugus.access import Reader
from gugus.ingest import ftm
from gugus.model.roles import Role
from gugus.node import Node
from gugus.store import grants

API = "/api/v1"


def _reads(client, world, username: str) -> list[int]:
    """Status of an entity read and of a search, as ``username``."""
    headers = world.headers(username)
    entity = client.get(f"{API}/entities/{world.id('p-jose')}", headers=headers)
    search = client.get(f"{API}/search", params={"q": "Jose"}, headers=headers)
    return [entity.status_code, search.status_code]


@pytest.mark.parametrize(
    "command", [["user", "disable"], ["user", "revoke-tokens"]], ids=["disable", "revoke"]
)
def test_a_user_shut_out_by_another_process_is_refused_on_the_next_read(world, client, command):
    """Another process (the operator's CLI) disables the user or revokes their
    tokens: the server's very next entity read and search answer 401."""
    assert _reads(client, world, "us_analyst") == [200, 200]
    subprocess.run(
        [sys.executable, "-m", "gugus.cli", *command, "us_analyst", "--db", world.node.db.url],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert _reads(client, world, "us_analyst") == [401, 401]
    r = client.get(f"{API}/entities/{world.id('p-jose')}", headers=world.headers("us_analyst"))
    assert r.json()["error"]["code"] == "unauthorized"
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert _reads(client, world, "mx_analyst") == [200, 200]  # nobody else


def test_missing_or_malformed_bearer_is_the_error_envelope(world, client):
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer nope"}):
        for path in (f"{API}/entities/{world.id('p-jose')}", f"{API}/search?q=Jose"):
            r = client.get(path, headers=headers)
            assert r.status_code == 401, (path, headers)
            assert set(r.json()) == {"error"}


def test_readers_alternating_keep_their_own_visibility(world, client):
    """Statements are made once per reader and reused: alternating readers
    of two organisations each keep seeing exactly their own view."""
    path = f"{API}/entities/{world.id('p-lucia')}"
    for _ in range(3):
        mx = client.get(path, headers=world.headers("mx_analyst")).json()
        us = client.get(path, headers=world.headers("us_analyst")).json()
        assert "birthDate" in mx["properties"]  # MXFGR only
        assert "birthDate" not in us["properties"]
        assert "nationality" not in us["properties"]
    hits = client.get(f"{API}/search?q=Lucia", headers=world.headers("gt_analyst")).json()
    assert hits["results"] == []  # mx-cases is not released to GTPNC


def test_a_collection_added_by_another_node_is_named(world, client):
    """Collection names are cached per node; one created since (here by a
    second node on the same database, as another process would) is found."""
    headers = world.headers("mx_analyst")
    assert client.get(f"{API}/entities/{world.id('p-jose')}", headers=headers).status_code == 200
    other = Node(world.node.db.url)
    try:
        admin.add_collection(other, "mx-late", "MXFGR", "amber", "H0")
        entity = {"id": "p-late", "schema": "Person", "properties": {"name": ["Tardío Ruiz"]}}
        ftm.load_lines(
            other, "mx-late", [json.dumps(entity, ensure_ascii=False)], source="late.jsonl"
        )
    finally:
        other.close()
    r = client.get(f"{API}/entities/{world.id('p-late')}", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["collections"] == ["mx-late"]


def test_answers_are_utf8_json_like_before(world, client):
    r = client.get(f"{API}/entities/{world.id('p-jose')}", headers=world.headers("mx_analyst"))
    assert r.headers["content-type"] == "application/json"
    assert "José Pérez".encode() in r.content  # not \u-escaped
    assert b", " not in r.content and b": " not in r.content  # compact


def test_statements_per_scope_are_bounded_and_per_reader(node):
    built: list[tuple] = []

    @grants.per_scope
    def build(scope, extra):
        built.append((scope.reader.username, extra))
        return object()

    a = node.scope(Reader("a", "MXFGR", Role.ANALYST))
    b = node.scope(Reader("b", "MXFGR", Role.ANALYST))
    assert build(a, 1) is build(node.scope(Reader("a", "MXFGR", Role.ANALYST)), 1)
    assert build(a, 1) is not build(b, 1)
    assert build(a, 1) is not build(a, 2)
    assert built == [("a", 1), ("b", 1), ("a", 2)]
    small = grants.per_scope(lambda scope: object(), size=2)
    first = small(a)
    small(b)
    small(node.scope(Reader("c", "MXFGR", Role.ANALYST)))  # full: cleared
    assert small(a) is not first

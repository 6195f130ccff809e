"""The leak property through HTTP: the API's read routes return exactly what
the rules allow (entity, search, collection listing, audit listing, an
entity's relationships and "possibly the same as"), on worlds with links.

The services behind them are covered in depth by ``test_leak.py``; this test
guards the routes themselves (a route that read the store directly, or
rendered more than the service returned, would fail here).  A third of the
examples of the service-level test, on both backends.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from leakrelations import check_relationships, stored_ids
from leakworld import (
    SLOW_EXAMPLES,
    WORDS,
    expected_statements,
    probe_ids,
    read_id,
    rebuild,
    search_hits,
    sees,
    worlds,
)

from gugus import reads, relations
from gugus.api import create_app
from gugus.auth import issue_token


def check_world_http(node, client, world) -> None:
    owner = {c["name"]: c["org"] for c in world["collections"]}
    for user in world["users"]:
        token, _ = issue_token(node, node.reader(user["name"]), days=1)
        headers = {"Authorization": f"Bearer {token}"}
        allowed = expected_statements(world, user)
        for eid in probe_ids(world):
            target = read_id(world, user, eid)
            want = {(s[1], s[2]) for s in allowed if s[0] == target and s[1] != "id"}
            has_any = any(s[0] == target for s in allowed)
            r = client.get(f"/api/v1/entities/{eid}", headers=headers)
            if not has_any:
                assert r.status_code == 404, (user, eid)
                continue
            assert r.status_code == 200
            got = {(p, v) for p, vs in r.json()["properties"].items() for v in vs}
            assert got == want, (user, eid)
        for word in WORDS[:4]:
            r = client.get("/api/v1/search", params={"q": word, "limit": 100}, headers=headers)
            assert {x["id"] for x in r.json()["results"]} == search_hits(allowed, word)
        check_relationships(
            lambda eid, h=headers: ok(client.get(RELS.format(eid), headers=h)),
            world,
            user,
            lambda eid, h=headers: missing(client.get(RELS.format(eid), headers=h)),
        )
        visible = {s[0] for s in allowed}
        for eid in sorted(stored_ids(world)):
            r = client.get(f"/api/v1/entities/{eid}/same-as", headers=headers)
            if eid not in visible:
                missing(r)
            else:
                assert ok(r)["pairs"] == []  # no xref run in these worlds
        r = client.get("/api/v1/collections", headers=headers)
        want_colls = {c["name"] for c in world["collections"] if sees(user, c["marking"], c["org"])}
        assert {c["name"] for c in r.json()["collections"]} == want_colls
        r = client.get("/api/v1/collections", params={"loadable": "true"}, headers=headers)
        may_load = user["role"] in ("analyst", "liaison")
        want_load = {n for n in want_colls if may_load and owner[n] == user["org"]}
        assert {c["name"] for c in r.json()["collections"]} == want_load
        r = client.get("/api/v1/audit", params={"limit": 1000}, headers=headers)
        if user["role"] == "supervisor":
            assert r.status_code == 200
            records = r.json()["records"]
            assert {x["org"] for x in records} <= {user["org"]}
            assert records == reads.list_audit(node, node.reader(user["name"]), limit=1000)
            # The filters answer a subset of that, redacted the same way.
            for record in [x for x in records if x["username"]][:2]:
                params = {"user": record["username"], "action": record["action"]}
                params |= {"since": record["ts"], "limit": 1000}
                r = client.get("/api/v1/audit", params=params, headers=headers)
                assert r.json()["records"] == [
                    x
                    for x in records
                    if x["username"] == record["username"]
                    and x["action"] == record["action"]
                    and x["ts"] >= record["ts"]
                ]
        else:
            assert r.status_code == 403


RELS = f"/api/v1/entities/{{}}/relationships?limit={relations.MAX_LIMIT}"


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def missing(response) -> None:
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.slow
def test_no_route_leaks(node):
    client = TestClient(create_app(node))
    examples = max(20, settings().max_examples // 3)

    @settings(max_examples=examples, suppress_health_check=SLOW_EXAMPLES)
    @given(world=worlds(links=True))
    def run(world):
        rebuild(node, world)
        check_world_http(node, client, world)

    run()

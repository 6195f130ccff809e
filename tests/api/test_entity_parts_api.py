"""GET /api/v1/entities/{id}/relationships and /same-as: the services through
HTTP, documented with their response models, 404 for what the caller may not
see, bounded paging."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from relworld import HIDDEN_NAME, RED_PASSPORT, build, fgr, hsi

from gugus.api import create_app
from gugus.auth import issue_token
from gugus.xref import runs


@pytest.fixture
def api(node):
    readers = build(node)
    assert runs.start(node, readers["luis"], threshold=1e-9)["status"] == "done"
    client = TestClient(create_app(node))

    def get(user: str, path: str, **params):
        token, _ = issue_token(node, readers[user], days=1)
        return client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})

    return get


def test_relationships_route(api):
    r = api("ana", f"/api/v1/entities/{fgr('p1')}/relationships")
    assert r.status_code == 200
    body = r.json()
    others = {x["other"]["id"] for x in body["relationships"]}
    assert fgr("p2") in others and fgr("v1") in others
    assert fgr("p3") not in r.text and HIDDEN_NAME not in r.text and RED_PASSPORT not in r.text
    assert body["more"] is False and body["offset"] == 0
    bob = api("bob", f"/api/v1/entities/{fgr('p1')}/relationships").text
    assert RED_PASSPORT in bob
    page = api("luis", f"/api/v1/entities/{fgr('p1')}/relationships", limit=3, offset=3).json()
    assert len(page["relationships"]) == 3 and page["more"] is True


def test_same_as_route(api):
    r = api("luis", f"/api/v1/entities/{fgr('p1')}/same-as")
    assert r.status_code == 200
    pairs = r.json()["pairs"]
    assert [p["other"]["id"] for p in pairs] == [hsi("q1")]
    assert pairs[0]["explanation"] and "in" in r.json()["notices"]


@pytest.mark.parametrize("part", ["relationships", "same-as"])
def test_hidden_and_missing_answer_alike(api, part):
    hidden = api("gabi", f"/api/v1/entities/{fgr('p1')}/{part}")
    missing = api("gabi", f"/api/v1/entities/{fgr('nobody')}/{part}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"
    assert api("ana", f"/api/v1/entities/{fgr('p1')}/{part}", limit=0).status_code == 400
    assert api("ana", f"/api/v1/entities/{fgr('p1')}/{part}", limit=10_000).status_code == 400


def test_documented(node):
    schema = TestClient(create_app(node)).get("/openapi.json").json()
    for path in ("relationships", "same-as"):
        op = schema["paths"][f"/api/v1/entities/{{entity_id}}/{path}"]["get"]
        assert op["description"]
        ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
        assert "404" in op["responses"]

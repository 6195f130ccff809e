"""GET /api/v1/search: total, facets and repeatable filters (both backends)."""

from __future__ import annotations

import pytest
import searchworld as sw
from fastapi.testclient import TestClient

from gugus.api import create_app
from gugus.auth import issue_token

API = "/api/v1"


@pytest.fixture
def client(node):
    sw.build(node)
    client = TestClient(create_app(node))
    token, _ = issue_token(node, node.reader("bob"), days=1)
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_search_answers_total_facets_and_filters(client):
    r = client.get(f"{API}/search", params={"q": "perez", "limit": 2})
    assert r.status_code == 200
    body = r.json()
    assert {"query", "limit", "offset", "results"} <= body.keys()
    assert body["total"] == 4 and len(body["results"]) == 2
    assert body["facets"]["schema"] == [
        {"value": "Person", "count": 3},
        {"value": "Company", "count": 1},
    ]
    assert body["facets_capped"] is False and body["filters"] == {}
    assert sw.RED_WORD not in r.text


def test_filters_are_repeatable(client):
    r = client.get(f"{API}/search", params=[("q", "perez"), ("country", "hn"), ("country", "gt")])
    assert {x["id"] for x in r.json()["results"]} == {sw.P1, sw.P2, sw.H1}
    assert r.json()["filters"] == {"country": ["hn", "gt"]}
    r = client.get(
        f"{API}/search",
        params=[("q", "perez"), ("schema", "Person"), ("org", "US-HSI"), ("collection", "x")],
    )
    assert r.json()["total"] == 0 and r.json()["results"] == []
    r = client.get(f"{API}/search", params={"q": "222 185 9062"})
    assert [x["id"] for x in r.json()["results"]] == [sw.P1]


@pytest.mark.parametrize(
    ("params", "word"),
    [({"schema": "Nope"}, "schema"), ({"country": "Atlantis"}, "country")],
)
def test_bad_filters_answer_400_in_the_envelope(client, params, word):
    r = client.get(f"{API}/search", params={"q": "perez", **params})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_input" and word in r.json()["error"]["message"]

"""POST /api/v1/match and GET /api/v1/notices over HTTP (both backends)."""

from __future__ import annotations

import json

import pytest
from matchworld import HIDDEN_VALUES, USERS, build, person
from nsids import nsid

from gugus import auth
from gugus.access import Reader
from gugus.model.roles import Role

API = "/api/v1"


@pytest.fixture
def mworld(node, monkeypatch, make_client):
    monkeypatch.setenv("GUGUS_MATCH_LIMIT_USER", "3/3600")
    ids = build(node)
    tokens = {}
    for name, org, role in USERS:
        reader = node.reader(name)
        tokens[name] = auth.issue_token(
            node, Reader(name, org, Role(role), reader.user_id), days=1
        )[0]
    return ids, tokens, make_client(node)


def headers(tokens, user):
    return {"Authorization": f"Bearer {tokens[user]}"}


def test_match_over_http(mworld):
    ids, tokens, client = mworld
    body = {
        "queries": {
            "seen": person(name=["Maria Garcia"], birthDate=["1980-03-04"]),
            "hidden": person(name=["Juan Perez"], birthDate=["1975-06-07"]),
        }
    }
    response = client.post(f"{API}/match", json=body, headers=headers(tokens, "mx_a"))
    assert response.status_code == 200, response.text
    out = response.json()
    assert set(out) == {"responses", "matcher", "limit"}
    seen, hidden = out["responses"]["seen"], out["responses"]["hidden"]
    assert [r["id"] for r in seen["results"]] == [ids["visible"]]
    assert {"id", "schema", "caption", "properties", "score", "match", "features"} <= set(
        seen["results"][0]
    )
    assert hidden["results"] == [] and [n["kind"] for n in hidden["notices"]] == ["person"]
    text = response.content.decode()
    for value in [*HIDDEN_VALUES, ids["hidden"]]:
        assert value not in text, value
    # In and out notices.
    out_n = client.get(f"{API}/notices?direction=out", headers=headers(tokens, "mx_a")).json()
    assert [n["reference"] for n in out_n["out"]] == [hidden["notices"][0]["reference"]]
    in_n = client.get(f"{API}/notices", headers=headers(tokens, "us_l")).json()
    assert in_n["in"][0]["records"] == [{"entity_id": ids["hidden"], "collection": "hsi-closed"}]
    assert client.get(f"{API}/notices", headers=headers(tokens, "mx_a")).json()["in"] == []


def test_rate_limit_and_bad_input(mworld):
    _ids, tokens, client = mworld
    h = headers(tokens, "mx_b")
    bad = client.post(f"{API}/match", json={"queries": {"q": {"schema": "Vessel"}}}, headers=h)
    assert bad.status_code == 400 and bad.json()["error"]["message"].startswith("queries.q.schema")
    body = {"queries": {"q": person(name=["Maria Garcia"])}}
    for _ in range(3):
        assert client.post(f"{API}/match", json=body, headers=h).status_code == 200
    refused = client.post(f"{API}/match", json=body, headers=h)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert json.loads(refused.content)["error"]["code"] == "rate_limited"
    assert client.post(f"{API}/match", json=body).status_code == 401
    assert client.get(f"{API}/notices?direction=sideways", headers=h).status_code == 400


def test_entity_possibly_known_to_is_asked_for(mworld, node):
    """``?known=true`` adds "possibly known to" (an online match, about twice
    the read's own cost); a plain read does not compute it."""
    from gugus.ingest import ftm

    ids, tokens, client = mworld
    copy = {
        "id": "inm-maria",
        "schema": "Person",
        "properties": {"name": ["Maria Jose Garcia Lopez"], "birthDate": ["1980-03-04"]},
    }
    ftm.load_lines(node, "inm", [json.dumps(copy)], source="t", actor=node.reader("mx_a"))
    eid = nsid("MX", "inm-maria")
    plain = client.get(f"{API}/entities/{eid}", headers=headers(tokens, "mx_a"))
    assert plain.status_code == 200 and "possibly_known_to" not in plain.json()
    known = client.get(f"{API}/entities/{eid}?known=true", headers=headers(tokens, "mx_a"))
    assert known.json()["possibly_known_to"] == [{"org": "US", "records": 1}]

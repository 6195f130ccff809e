"""The HTTP API, end to end through FastAPI's TestClient.

Core read/write tests take the ``world`` fixture (SQLite and PostgreSQL); the
rest use a SQLite world for speed.  The world is described in conftest.py.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from sqlalchemy import select, update

from gugus import auth
from gugus.store import statements as stmt_sql
from gugus.store.tables import audit_log, tokens, users

API = "/api/v1"


def error_of(response, status: int, code: str | None = None) -> str:
    """Assert the one error envelope; return its message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message"} <= set(error) <= {"code", "message", "details"}, error
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    if code is not None:
        assert error["code"] == code, error
    if status == 401:
        assert response.headers.get("www-authenticate") == "Bearer"
    return error["message"]


def jsonl(*entities: dict) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entities)


def statement_count(node) -> int:
    with node.db.reader.connect() as conn:
        return stmt_sql.count(conn)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def result_ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["results"]]


# -- POST /token ----------------------------------------------------------------


def test_token_with_right_password(module_world, module_client):
    r = module_client.post(
        f"{API}/token", data={"username": "us_analyst", "password": module_world.password}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"].startswith(auth.TOKEN_PREFIX)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", body["expires_at"])
    r = module_client.get(
        f"{API}/collections", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert r.status_code == 200, r.text


def test_token_wrong_password_and_unknown_user_look_the_same(module_world, module_client):
    wrong = module_client.post(
        f"{API}/token", data={"username": "us_analyst", "password": "not the password"}
    )
    unknown = module_client.post(
        f"{API}/token", data={"username": "nobody", "password": "not the password"}
    )
    message = error_of(wrong, 401, "unauthorized")
    assert message == "wrong username or password"
    error_of(unknown, 401, "unauthorized")
    assert unknown.json() == wrong.json()
    assert unknown.headers["www-authenticate"] == wrong.headers["www-authenticate"] == "Bearer"


def test_token_for_disabled_user_is_refused(sqlite_world, sqlite_client):
    node = sqlite_world.node
    with node.db.writer.begin() as conn:
        conn.execute(update(users).where(users.c.username == "us_analyst").values(disabled=True))
    r = sqlite_client.post(
        f"{API}/token", data={"username": "us_analyst", "password": sqlite_world.password}
    )
    assert error_of(r, 401) == "wrong username or password"
    # Tokens issued before the user was disabled stop working too.
    r = sqlite_client.get(f"{API}/collections", headers=sqlite_world.headers("us_analyst"))
    assert "disabled" in error_of(r, 401)


def test_token_without_form_fields_is_400(module_client):
    message = error_of(module_client.post(f"{API}/token"), 400, "invalid_input")
    assert "username" in message


# -- bearer authentication ------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        (None, "missing bearer token"),
        ("Basic dXNlcjpwYXNz", "bearer token"),
        ("Bearer", "bearer token"),
        ("Bearer ggs_not-a-token", "invalid token"),
        ("ggs_token-without-scheme", "bearer token"),
    ],
    ids=["missing", "basic-scheme", "scheme-only", "invalid", "no-scheme"],
)
def test_bad_bearer_credentials_are_401(module_client, authorization, reason):
    headers = {"Authorization": authorization} if authorization else {}
    for path in ("/entities/p-jose", "/search?q=jose", "/collections", "/audit"):
        r = module_client.get(API + path, headers=headers)
        assert reason in error_of(r, 401, "unauthorized")


def test_expired_token_is_401(module_world, module_client):
    node = module_world.node
    token, _expires = auth.issue_token(node, module_world.readers["us_analyst"], days=1)
    headers = {"Authorization": f"Bearer {token}"}
    assert module_client.get(f"{API}/collections", headers=headers).status_code == 200
    with node.db.writer.begin() as conn:
        conn.execute(
            update(tokens)
            .where(tokens.c.token_hash == token_hash(token))
            .values(expires_at="2000-01-01T00:00:00.000000Z")
        )
    r = module_client.get(f"{API}/collections", headers=headers)
    assert error_of(r, 401, "unauthorized") == "token expired"


def test_token_expires_when_its_time_comes(module_world, module_client, monkeypatch):
    token, expires = auth.issue_token(
        module_world.node, module_world.readers["us_analyst"], days=0.001
    )
    headers = {"Authorization": f"Bearer {token}"}
    assert module_client.get(f"{API}/collections", headers=headers).status_code == 200
    monkeypatch.setattr(auth, "now_iso", lambda: expires)
    r = module_client.get(f"{API}/collections", headers=headers)
    assert error_of(r, 401) == "token expired"


def test_revoked_token_is_401(module_world, module_client):
    node = module_world.node
    reader = module_world.readers["us_analyst"]
    token, _ = auth.issue_token(node, reader, days=1)
    with node.db.reader.connect() as conn:
        token_id = conn.execute(
            select(tokens.c.id).where(tokens.c.token_hash == token_hash(token))
        ).scalar_one()
    headers = {"Authorization": f"Bearer {token}"}
    assert module_client.get(f"{API}/collections", headers=headers).status_code == 200
    auth.revoke_token(node, reader, token_id)
    r = module_client.get(f"{API}/collections", headers=headers)
    assert error_of(r, 401, "unauthorized") == "token revoked"
    # The user's other tokens still work.
    r = module_client.get(f"{API}/collections", headers=module_world.headers("us_analyst"))
    assert r.status_code == 200


# -- GET /entities/{id} ----------------------------------------------------------------


def test_entity_visible_to_its_originator(world, client):
    r = client.get(f"{API}/entities/p-jose", headers=world.headers("mx_analyst"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == world.id("p-jose")  # a bare id: the reader's own organisation's
    assert body["schema"] == "Person"
    assert body["caption"] == "José Pérez"
    assert body["properties"] == {
        "name": ["José Pérez"],
        "nationality": ["mx"],
        "birthDate": ["1980-02-03"],
    }
    assert body["collections"] == ["mx-cases"]
    assert body["marking"]["tlp"] == "amber"
    assert body["marking"]["originator"] == "MXFGR"
    assert "H0" in body["marking"]["handling"]
    assert "statements" not in body


def test_entity_released_to_partner_without_stricter_properties(world, client):
    r = client.get(f"{API}/entities/{world.id('p-jose')}", headers=world.headers("us_analyst"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["properties"] == {"name": ["José Pérez"], "nationality": ["mx"]}
    assert body["marking"]["release_to"] == ["USHSI"]


def test_property_level_marking_leaves_only_the_name(world, client):
    r = client.get(
        f"{API}/entities/{world.id('p-lucia')}",
        params={"statements": "true"},
        headers=world.headers("us_analyst"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["properties"] == {"name": ["Lucía Hernández"]}
    assert {s["prop"] for s in body["statements"]} == {"id", "name"}
    assert "HELU750506" not in r.text and "1975" not in r.text
    # The originator sees every property.
    r = client.get(f"{API}/entities/p-lucia", headers=world.headers("mx_analyst"))
    assert set(r.json()["properties"]) == {"name", "nationality", "birthDate", "idNumber"}


def test_invisible_and_missing_entities_get_the_same_404(world, client):
    headers = world.headers("us_analyst")
    secret, nothing = world.id("p-secret"), world.id("p-nothing")
    hidden = client.get(f"{API}/entities/{secret}", headers=headers)
    missing = client.get(f"{API}/entities/{nothing}", headers=headers)
    hidden_message = error_of(hidden, 404, "not_found")
    missing_message = error_of(missing, 404, "not_found")
    assert hidden_message.replace(secret, "ID") == missing_message.replace(nothing, "ID")
    assert set(hidden.json()["error"]) == set(missing.json()["error"])
    assert hidden.headers.get("content-type") == missing.headers.get("content-type")
    assert "Secreto" not in hidden.text
    # RED: only the named recipient, not even a supervisor of the same organisation.
    assert (
        client.get(
            f"{API}/entities/{world.id('p-red')}", headers=world.headers("mx_analyst")
        ).status_code
        == 200
    )
    error_of(
        client.get(f"{API}/entities/{world.id('p-red')}", headers=world.headers("mx_super")), 404
    )


def test_entity_statements_carry_provenance(world, client):
    r = client.get(
        f"{API}/entities/p-jose", params={"statements": "true"}, headers=world.headers("mx_analyst")
    )
    assert r.status_code == 200, r.text
    stmts = r.json()["statements"]
    assert {s["prop"] for s in stmts} == {"id", "name", "nationality", "birthDate"}
    for s in stmts:
        assert s["entity_id"] == world.id("p-jose")
        assert s["collection"] == "mx-cases"
        assert s["origin"] == f"import:{world.source}:1"  # the source and its line
        assert s["first_seen"] and s["last_seen"]
        assert s["marking"]["originator"] == "MXFGR"
    by_prop = {s["prop"]: s for s in stmts}
    assert by_prop["birthDate"]["marking"]["release_to"] == []
    assert by_prop["name"]["marking"]["release_to"] == ["USHSI"]
    line = next(n for n, e in enumerate(world.data["mx-cases"], 1) if e["id"] == "p-ramon")
    r = client.get(
        f"{API}/entities/p-ramon", params={"statements": True}, headers=world.headers("mx_analyst")
    )
    assert {s["origin"] for s in r.json()["statements"]} == {f"import:{world.source}:{line}"}


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_entity_id_with_nul_on_postgresql(world, make_client):
    client = make_client(world.node, raise_server_exceptions=False)
    headers = world.headers("mx_analyst")
    error_of(client.get(f"{API}/entities/p%00x", headers=headers), 404, "not_found")
    body = jsonl({"id": "p\u0000x", "schema": "Person", "properties": {"name": ["X"]}})
    r = client.post(f"{API}/collections/mx-cases/entities", content=body, headers=headers)
    assert "line 1" in error_of(r, 400, "invalid_input")


# -- GET /search -------------------------------------------------------------------------


def test_search_returns_only_visible_entities(world, client):
    mx = client.get(f"{API}/search", params={"q": "jose"}, headers=world.headers("mx_analyst"))
    us = client.get(f"{API}/search", params={"q": "jose"}, headers=world.headers("us_analyst"))
    assert sorted(result_ids(mx)) == sorted([world.id("p-jose"), world.id("p-secret")])
    assert result_ids(us) == [world.id("p-jose")]
    result = us.json()["results"][0]
    assert result["properties"] == {"name": ["José Pérez"], "nationality": ["mx"]}
    assert "Secreto" not in us.text and "1980" not in us.text
    gt = client.get(f"{API}/search", params={"q": "jose"}, headers=world.headers("gt_analyst"))
    assert result_ids(gt) == []


def test_search_ignores_matches_in_invisible_statements(world, client):
    """p-ramon's name is MXFGR-only; USHSI sees its nationality but must not
    find it by the name."""
    us = world.headers("us_analyst")
    assert result_ids(client.get(f"{API}/search", params={"q": "ramon"}, headers=us)) == []
    assert result_ids(client.get(f"{API}/search", params={"q": "oculto"}, headers=us)) == []
    r = client.get(f"{API}/entities/{world.id('p-ramon')}", headers=us)
    assert r.json()["properties"] == {"nationality": ["hn"]}
    mx = world.headers("mx_analyst")
    assert result_ids(client.get(f"{API}/search", params={"q": "ramon"}, headers=mx)) == [
        world.id("p-ramon")
    ]


def test_search_folds_case_and_accents(world, client):
    for query in ["jose", "JOSE", "José", "jose perez", "PÉREZ", "josé  PEREZ!"]:
        r = client.get(f"{API}/search", params={"q": query}, headers=world.headers("us_analyst"))
        assert result_ids(r) == [world.id("p-jose")], query
        assert r.json()["results"][0]["caption"] == "José Pérez"
    # ... and the other way round: an accent in the query finds plain text.
    r = client.get(
        f"{API}/search", params={"q": "trânspörtes"}, headers=world.headers("us_analyst")
    )
    assert result_ids(r) == [world.id("c-acme")]


def test_search_limit_and_offset(module_world, module_client):
    headers = module_world.headers("mx_analyst")
    r = module_client.get(f"{API}/search", params={"q": "jose", "limit": 1}, headers=headers)
    first = result_ids(r)
    assert len(first) == 1 and r.json()["limit"] == 1
    r = module_client.get(
        f"{API}/search", params={"q": "jose", "limit": 1, "offset": 1}, headers=headers
    )
    second = result_ids(r)
    assert len(second) == 1 and second != first
    r = module_client.get(f"{API}/search", params={"q": "jose", "limit": 100}, headers=headers)
    assert len(result_ids(r)) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "jose", "limit": 0}, "limit"),
        ({"q": "jose", "limit": 101}, "limit"),
        ({"q": "jose", "limit": "ten"}, "limit"),
        ({"q": "jose", "offset": -1}, "offset"),
        ({}, "q"),
        ({"q": ""}, "q"),
    ],
    ids=["limit-0", "limit-101", "limit-text", "offset-negative", "q-missing", "q-empty"],
)
def test_search_bad_parameters_are_400(module_world, module_client, params, field):
    r = module_client.get(
        f"{API}/search", params=params, headers=module_world.headers("mx_analyst")
    )
    message = error_of(r, 400, "invalid_input")
    assert field in message
    assert any(d["field"].endswith(field) for d in r.json()["error"]["details"])


# -- POST /collections/{name}/entities ------------------------------------------------

NEW = [
    {
        "id": "p-new-1",
        "schema": "Person",
        "properties": {"name": ["Marisol Vega"], "nationality": ["mx"]},
    },
    {"id": "c-new-2", "schema": "Company", "properties": {"name": ["Hotel Frontera SA"]}},
]


def post_lines(client, world, body: str | bytes, user="mx_analyst", collection="mx-cases", **q):
    return client.post(
        f"{API}/collections/{collection}/entities",
        content=body.encode("utf-8") if isinstance(body, str) else body,
        params=q,
        headers={**world.headers(user), "Content-Type": "application/x-ndjson"},
    )


def test_load_json_lines(world, client):
    r = post_lines(client, world, jsonl(*NEW))
    assert r.status_code == 200, r.text
    summary = r.json()
    assert summary["collection"] == "mx-cases"
    assert summary["lines"] == 2
    assert summary["entities"] == 2
    assert summary["statements"] == 5  # 2 id + 2 + 1 properties
    assert summary["skipped_lines"] == 0 and summary["errors"] == []
    r = client.get(f"{API}/entities/{world.id('p-new-1')}", headers=world.headers("us_analyst"))
    assert r.status_code == 200
    assert r.json()["properties"]["name"] == ["Marisol Vega"]
    r = client.get(f"{API}/search", params={"q": "frontera"}, headers=world.headers("us_analyst"))
    assert result_ids(r) == [world.id("c-new-2")]


def test_load_malformed_line_loads_nothing(world, client):
    before = statement_count(world.node)
    body = jsonl(NEW[0]) + '{"id": "p-broken", "schema": "Person",\n' + jsonl(NEW[1])
    r = post_lines(client, world, body)
    message = error_of(r, 400, "invalid_input")
    assert "line 2" in message and "JSON" in message
    assert "nothing was loaded" in message
    assert r.json()["error"]["details"] == [
        {"line": 2, "where": "upload: line 2", "source": "upload"}
    ]
    assert statement_count(world.node) == before
    for entity_id in ("p-new-1", "c-new-2"):
        error_of(
            client.get(f"{API}/entities/{entity_id}", headers=world.headers("mx_analyst")), 404
        )
    search = client.get(
        f"{API}/search", params={"q": "marisol"}, headers=world.headers("mx_analyst")
    )
    assert result_ids(search) == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ({"id": "x", "schema": "Alien", "properties": {}}, ["line 2", "schema", "Alien"]),
        ({"id": "x", "schema": "Thing", "properties": {}}, ["line 2", "schema", "abstract"]),
        ({"id": "x", "properties": {}}, ["line 2", "schema", "missing"]),
        ({"schema": "Person", "properties": {}}, ["line 2", "'id'"]),
        (
            {"id": "x", "schema": "Person", "properties": {"shoeSize": ["44"]}},
            ["line 2", "properties.shoeSize", "unknown property"],
        ),
        (
            {"id": "x", "schema": "Person", "properties": {"name": [{"x": 1}]}},
            ["line 2", "properties.name"],
        ),
        (["not", "an", "object"], ["line 2", "JSON object"]),
    ],
    ids=[
        "unknown-schema",
        "abstract-schema",
        "no-schema",
        "no-id",
        "unknown-prop",
        "bad-value",
        "array",
    ],
)
def test_load_invalid_line_is_400_naming_line_and_field(
    module_world, module_client, line, expected
):
    before = statement_count(module_world.node)
    r = post_lines(module_client, module_world, jsonl(NEW[0]) + json.dumps(line) + "\n")
    message = error_of(r, 400, "invalid_input")
    for part in expected:
        assert part in message
    assert statement_count(module_world.node) == before


@pytest.mark.parametrize(
    ("marking", "expected"),
    [
        ({"tlp": "clear"}, "TLP:CLEAR is looser"),
        ({"tlp": "amber"}, "H0"),  # handling code dropped
        ({"tlp": "amber", "handling": ["H0"], "release_to": ["USHSI", "GTPNC"]}, "GTPNC"),
        ({"tlp": "amber", "handling": ["H0"], "originator": "USHSI"}, "originator"),
    ],
    ids=["lower-tlp", "drops-handling", "adds-release", "other-originator"],
)
def test_load_line_marking_looser_than_collection_is_400(
    module_world, module_client, marking, expected
):
    before = statement_count(module_world.node)
    line = {**NEW[0], "marking": marking}
    r = post_lines(module_client, module_world, jsonl(line))
    message = error_of(r, 400, "invalid_input")
    assert "line 1" in message and "marking" in message and expected in message
    assert statement_count(module_world.node) == before


def test_load_property_marking_looser_than_collection_is_400(module_world, module_client):
    line = {**NEW[0], "property_markings": {"name": {"tlp": "green", "handling": ["H0"]}}}
    message = error_of(post_lines(module_client, module_world, jsonl(line)), 400)
    assert "line 1" in message and "property_markings.name" in message and "looser" in message


def test_load_stricter_line_marking_is_kept(sqlite_world, sqlite_client):
    line = {**NEW[0], "marking": sqlite_world.mx_only}
    assert post_lines(sqlite_client, sqlite_world, jsonl(line)).status_code == 200
    error_of(
        sqlite_client.get(
            f"{API}/entities/{sqlite_world.id('p-new-1')}",
            headers=sqlite_world.headers("us_analyst"),
        ),
        404,
    )
    r = sqlite_client.get(f"{API}/entities/p-new-1", headers=sqlite_world.headers("mx_analyst"))
    assert r.json()["marking"]["release_to"] == []


def test_load_into_another_organisations_collection_is_403(world, client):
    before = statement_count(world.node)
    r = post_lines(client, world, jsonl(*NEW), user="us_analyst")
    message = error_of(r, 403, "forbidden")
    assert "us_analyst" in message and "mx-cases" in message
    assert statement_count(world.node) == before


def test_load_as_supervisor_is_403(module_world, module_client):
    r = post_lines(module_client, module_world, jsonl(*NEW), user="mx_super")
    assert "supervisor" in error_of(r, 403, "forbidden")


def test_load_into_unknown_collection_is_404(module_world, module_client):
    r = post_lines(module_client, module_world, jsonl(*NEW), collection="no-such")
    assert "no-such" in error_of(r, 404, "not_found")


def test_load_into_invisible_collection_looks_like_unknown(module_world, module_client):
    hidden = post_lines(
        module_client, module_world, jsonl(*NEW), user="us_analyst", collection="mx-internal"
    )
    missing = post_lines(
        module_client, module_world, jsonl(*NEW), user="us_analyst", collection="no-such"
    )
    assert hidden.status_code == missing.status_code == 404
    assert "MXFGR" not in hidden.text


def test_load_skip_bad_lines(world, client):
    body = jsonl(NEW[0]) + "{oops\n" + jsonl({"id": "x", "schema": "Alien"}) + jsonl(NEW[1])
    r = post_lines(client, world, body, on_error="skip")
    assert r.status_code == 200, r.text
    summary = r.json()
    assert summary["lines"] == 4
    assert summary["entities"] == 2
    assert summary["skipped_lines"] == 2
    assert [e["line"] for e in summary["errors"]] == [2, 3]
    assert "JSON" in summary["errors"][0]["error"]
    assert "Alien" in summary["errors"][1]["error"]
    for entity_id in ("p-new-1", "c-new-2"):
        r = client.get(f"{API}/entities/{entity_id}", headers=world.headers("mx_analyst"))
        assert r.status_code == 200


def test_load_on_error_must_be_abort_or_skip(module_world, module_client):
    r = post_lines(module_client, module_world, jsonl(*NEW), on_error="ignore")
    assert "on_error" in error_of(r, 400, "invalid_input")


def test_load_reports_dropped_values(sqlite_world, sqlite_client):
    line = {"id": "p-x", "schema": "Person", "properties": {"birthDate": ["not a date"]}}
    r = post_lines(sqlite_client, sqlite_world, jsonl(line))
    assert r.status_code == 200, r.text
    summary = r.json()
    assert summary["dropped_values"] == 1
    assert summary["dropped_examples"][0]["property"] == "birthDate"


def test_load_non_utf8_body_is_400(module_world, module_client):
    r = post_lines(module_client, module_world, '{"id": "é"}'.encode("latin-1"))
    assert "UTF-8" in error_of(r, 400, "invalid_input")


def test_load_is_idempotent(world, client):
    body = jsonl(*NEW, {**world.data["mx-cases"][0]})
    first = post_lines(client, world, body)
    assert first.status_code == 200, first.text
    after_first = statement_count(world.node)
    second = post_lines(client, world, body)
    assert second.status_code == 200, second.text
    assert statement_count(world.node) == after_first
    assert second.json()["statements"] == first.json()["statements"]
    r = client.get(f"{API}/entities/p-new-1", headers=world.headers("mx_analyst"))
    assert r.json()["properties"]["name"] == ["Marisol Vega"]


# -- GET /collections ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("mx_analyst", ["gt-red", "mx-cases", "mx-internal", "us-public"]),
        ("mx_super", ["mx-cases", "mx-internal", "us-public"]),
        ("us_analyst", ["mx-cases", "us-public"]),
        ("gt_analyst", ["gt-red", "us-public"]),
    ],
)
def test_collections_only_those_whose_marking_the_reader_may_see(
    module_world, module_client, user, expected
):
    r = module_client.get(f"{API}/collections", headers=module_world.headers(user))
    assert r.status_code == 200, r.text
    rows = r.json()["collections"]
    assert sorted(c["name"] for c in rows) == expected
    for row in rows:
        assert set(row) >= {"name", "org", "marking"}
        assert row["marking"]["originator"] == row["org"]


# -- GET /audit ---------------------------------------------------------------------


def test_audit_supervisor_sees_own_organisation_only(world, client):
    mx_purpose, us_purpose, search_purpose = "case FGR/42/2024", "HSI case 7", "HSI sweep"
    assert (
        client.get(
            f"{API}/entities/p-jose", headers=world.headers("mx_analyst", mx_purpose)
        ).status_code
        == 200
    )
    assert (
        client.get(
            f"{API}/entities/{world.id('p-jose')}", headers=world.headers("us_analyst", us_purpose)
        ).status_code
        == 200
    )
    r = client.get(
        f"{API}/search", params={"q": "jose"}, headers=world.headers("us_analyst", search_purpose)
    )
    assert result_ids(r) == [world.id("p-jose")]

    mx = client.get(f"{API}/audit", headers=world.headers("mx_super"))
    assert mx.status_code == 200, mx.text
    mx_records = mx.json()["records"]
    assert mx_records and {rec["org"] for rec in mx_records} == {"MXFGR"}
    reads_ = [rec for rec in mx_records if rec["action"] == "entity.read"]
    assert [(rec["username"], rec["purpose"], rec["object_ids"]) for rec in reads_] == [
        ("mx_analyst", mx_purpose, [world.id("p-jose")])
    ]
    assert us_purpose not in mx.text and search_purpose not in mx.text
    seqs = [rec["seq"] for rec in mx_records]
    assert seqs == sorted(seqs, reverse=True)

    us = client.get(f"{API}/audit", headers=world.headers("us_super"))
    us_records = us.json()["records"]
    assert {rec["org"] for rec in us_records} == {"USHSI"}
    by_action = {rec["action"]: rec for rec in us_records if rec["username"] == "us_analyst"}
    assert by_action["entity.read"]["purpose"] == us_purpose
    assert by_action["search"]["purpose"] == search_purpose
    assert by_action["search"]["detail"] == {"query": "jose", "results": 1}
    assert mx_purpose not in us.text

    r = client.get(
        f"{API}/audit", params={"action": "search", "limit": 1}, headers=world.headers("us_super")
    )
    assert [rec["action"] for rec in r.json()["records"]] == ["search"]


def test_audit_filters_by_user_action_and_time(world, client):
    for user in ("us_analyst", "us_super"):
        r = client.get(f"{API}/search", params={"q": "jose"}, headers=world.headers(user, "look"))
        assert r.status_code == 200
    headers = world.headers("us_super")
    everything = client.get(f"{API}/audit", params={"limit": 1000}, headers=headers).json()
    everything = everything["records"]

    def listed(**params):
        r = client.get(f"{API}/audit", params={"limit": 1000, **params}, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()["records"]

    assert listed(user="us_analyst") == [x for x in everything if x["username"] == "us_analyst"]
    searches = listed(user="us_analyst", action="search")
    assert [x["action"] for x in searches] == ["search"]
    cut = sorted({x["ts"] for x in everything})[-1]
    assert listed(since=cut) == [x for x in everything if x["ts"] >= cut]
    assert listed(until=cut) == [x for x in everything if x["ts"] < cut]
    assert listed(since=cut[:10], until=cut[:10]) == everything
    assert listed(user="mx_analyst") == []  # another organisation's user: nothing


@pytest.mark.parametrize(
    ("params", "field"),
    [({"since": "last week"}, "since"), ({"until": "2026-13-01"}, "until")],
    ids=["since", "until"],
)
def test_audit_bad_time_filter_is_400_naming_the_field(module_world, module_client, params, field):
    r = module_client.get(f"{API}/audit", params=params, headers=module_world.headers("mx_super"))
    assert error_of(r, 400, "invalid_input").startswith(f"{field}: ")


def test_audit_clear_reads_are_not_recorded(sqlite_world, sqlite_client):
    r = sqlite_client.get(
        f"{API}/entities/c-acme", headers=sqlite_world.headers("us_analyst", "look")
    )
    assert r.status_code == 200
    with sqlite_world.node.db.audit_reader.connect() as conn:
        actions = conn.execute(
            select(audit_log.c.action).where(audit_log.c.username == "us_analyst")
        ).scalars()
        assert "entity.read" not in list(actions)


@pytest.mark.parametrize("user", ["mx_analyst", "us_analyst"])
def test_audit_forbidden_for_analysts(module_world, module_client, user):
    r = module_client.get(f"{API}/audit", headers=module_world.headers(user))
    assert "analyst" in error_of(r, 403, "forbidden")


def test_purpose_header_is_bounded(module_world, module_client):
    r = module_client.get(
        f"{API}/entities/p-jose", headers=module_world.headers("mx_analyst", "x" * 501)
    )
    assert "purpose" in error_of(r, 400, "invalid_input").lower()


# -- health, OpenAPI, docs -----------------------------------------------------------


def test_health(node, make_client):
    r = make_client(node).get(f"{API}/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["database"] == node.db.dialect.name
    assert body["version"]


def test_openapi_lists_every_route(module_client):
    r = module_client.get("/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    expected = {
        "/api/v1/token": {"post"},
        "/api/v1/entities/{entity_id}": {"get"},
        "/api/v1/search": {"get"},
        "/api/v1/collections": {"get"},
        "/api/v1/collections/{name}/entities": {"post"},
        "/api/v1/audit": {"get"},
        "/api/v1/health": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_use_only_local_assets(module_client, page):
    r = module_client.get(page)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "cdn" not in html.lower()
    assert not re.search(r"https?://", html)
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        assert asset.startswith("/"), asset
        served = module_client.get(asset)
        assert served.status_code == 200, asset
        assert served.content, asset
    if page == "/docs":
        assert any(a.endswith(".css") for a in assets)

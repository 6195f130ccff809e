"""The OpenAPI schema says what the API really answers (issue #7, Tests):
errors are 400/401/403/404/429/503/507 with the one error envelope, never
FastAPI's 422, and what the schema allows the endpoint accepts."""

from __future__ import annotations

import pytest

API = "/api/v1"


@pytest.fixture(scope="module")
def openapi(module_client) -> dict:
    return module_client.get("/openapi.json").json()


def operations(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_no_operation_promises_422(openapi):
    for label, operation in operations(openapi):
        assert "422" not in operation["responses"], label
    assert "HTTPValidationError" not in openapi["components"]["schemas"]


def test_every_error_status_is_the_envelope(openapi):
    envelope = {"$ref": "#/components/schemas/ErrorEnvelope"}
    declared = set()
    for label, operation in operations(openapi):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                declared.add((label, status))
                assert response["content"]["application/json"]["schema"] == envelope, label
    assert {
        ("POST /api/v1/token", "400"),
        ("POST /api/v1/token", "401"),
        ("POST /api/v1/token", "429"),
        ("GET /api/v1/entities/{entity_id}", "404"),
        ("GET /api/v1/audit", "403"),
        ("GET /api/v1/health", "503"),
    } <= declared
    token_429 = openapi["paths"]["/api/v1/token"]["post"]["responses"]["429"]
    assert "Retry-After" in token_429["headers"]


def test_the_token_form_requires_what_the_endpoint_requires(openapi, module_client):
    body = openapi["paths"]["/api/v1/token"]["post"]["requestBody"]
    ref = body["content"]["application/x-www-form-urlencoded"]["schema"]["$ref"]
    form = openapi["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert form["properties"]["username"]["minLength"] == 1
    assert form["properties"]["password"]["minLength"] == 1
    response = module_client.post(f"{API}/token", data={"username": "", "password": "x"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"


def test_the_upload_body_is_declared(openapi):
    body = openapi["paths"]["/api/v1/collections/{name}/entities"]["post"]["requestBody"]
    assert body["required"] is True and "application/x-ndjson" in body["content"]


# -- every endpoint is described, with its answer's model (issue #9, the first hour) -------
def api_operations(openapi):
    for label, operation in operations(openapi):
        if label.split()[1].startswith(API):
            yield label, operation


def test_every_endpoint_has_a_description(openapi):
    undescribed = [
        label for label, op in api_operations(openapi) if len(op.get("description", "")) < 40
    ]
    assert undescribed == []


def test_every_endpoint_documents_its_answer(openapi):
    schemas = openapi["components"]["schemas"]
    empty = []
    for label, operation in api_operations(openapi):
        success = [r for status, r in operation["responses"].items() if status.startswith("2")]
        assert len(success) == 1, label
        schema = success[0]["content"]["application/json"]["schema"]
        ref = schema.get("$ref", "").rsplit("/", 1)[-1]
        if not schemas.get(ref, {}).get("properties"):
            empty.append(label)
    assert empty == []
    assert "in" in schemas["Notices"]["properties"]
    assert "schema" in schemas["Entity"]["properties"]


def documented(openapi, label: str):
    """The model documented for an operation's success answer."""
    from gugus.api import models

    method, path = label.split(" ", 1)
    responses = openapi["paths"][path][method.lower()]["responses"]
    schema = next(r for s, r in responses.items() if s.startswith("2"))
    name = schema["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    return getattr(models, name, None) or getattr(
        __import__("gugus.api.responses", fromlist=[name]), name
    )


def test_the_documented_models_are_what_the_endpoints_answer(openapi, module_client, module_world):
    """Real answers validate against the documented models, which forbid
    undocumented fields: the docs cannot drift from the bodies."""
    w = module_world
    mx, sup, us = w.headers("mx_analyst"), w.headers("mx_super"), w.headers("us_analyst")
    jose, lucia = w.id("p-jose"), w.id("p-lucia")
    upload = (
        b'{"id": "p-doc", "schema": "Person", "properties": {"name": ["Ana Doc"], '
        b'"birthDate": ["unknown"]}}\n{"broken"\n'
    )
    calls = {
        "GET /api/v1/health": lambda: module_client.get(f"{API}/health"),
        "POST /api/v1/token": lambda: module_client.post(
            f"{API}/token", data={"username": "mx_analyst", "password": w.password}
        ),
        "GET /api/v1/entities/{entity_id}": lambda: module_client.get(
            f"{API}/entities/{jose}", params={"statements": True, "known": True}, headers=mx
        ),
        "GET /api/v1/search": lambda: module_client.get(
            f"{API}/search", params={"q": "jose"}, headers=mx
        ),
        "GET /api/v1/collections": lambda: module_client.get(f"{API}/collections", headers=mx),
        "POST /api/v1/collections/{name}/entities": lambda: module_client.post(
            f"{API}/collections/mx-cases/entities",
            params={"on_error": "skip"},
            content=upload,
            headers=mx,
        ),
        "POST /api/v1/collections/{name}/files": lambda: module_client.post(
            f"{API}/collections/mx-cases/files",
            files={"file": ("people.jsonl", upload.splitlines()[0] + b"\n")},
            headers=mx,
        ),
        "GET /api/v1/audit": lambda: module_client.get(f"{API}/audit", headers=sup),
        "POST /api/v1/judgements": lambda: module_client.post(
            f"{API}/judgements",
            json={"a": jose, "b": lucia, "verdict": "same", "reason": "r"},
            headers=mx,
        ),
        "GET /api/v1/judgements": lambda: module_client.get(
            f"{API}/judgements", params={"entity": jose}, headers=mx
        ),
        "POST /api/v1/match": lambda: module_client.post(
            f"{API}/match",
            json={
                "queries": {
                    "q1": {"schema": "Person", "properties": {"name": ["José Pérez"]}},
                    "q2": {"schema": "Person", "properties": {"name": ["José Secreto"]}},
                }
            },
            headers=us,
        ),
        "GET /api/v1/notices": lambda: module_client.get(
            f"{API}/notices", headers=w.headers("us_super")
        ),
        "GET /api/v1/xref/review": lambda: module_client.get(f"{API}/xref/review", headers=mx),
    }
    for label, call in calls.items():
        response = call()
        assert response.status_code == 200, (label, response.text)
        documented(openapi, label).model_validate(response.json())
    answer = module_client.get(f"{API}/entities/{jose}", params={"statements": True}, headers=mx)
    assert answer.json()["statements"], "the statements were validated, not skipped"
    summary = documented(openapi, "POST /api/v1/collections/{name}/entities")
    assert summary.model_validate(calls["POST /api/v1/collections/{name}/entities"]().json())


def test_xref_answers_are_the_documented_models(openapi, client, world):
    """A real cross-referencing run (in the background, as the API starts it)."""
    import time

    mx = world.headers("mx_analyst")
    started = client.post(f"{API}/xref", json={}, headers=mx)
    assert started.status_code == 202, started.text
    documented(openapi, "POST /api/v1/xref").model_validate(started.json())
    run = started.json()["run"]
    for _ in range(600):  # the run's own pace; no timing is asserted
        status = client.get(f"{API}/xref/{run}", headers=mx)
        if status.json()["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert status.json()["status"] == "done", status.text
    documented(openapi, "GET /api/v1/xref/{run_id}").model_validate(status.json())


def test_match_notices_are_the_documented_models(openapi, node, make_client):
    """Hit notices out (the asker) and in (the holder's liaison officer)."""
    from matchworld import USERS, build, person

    from gugus import auth

    build(node)
    client = make_client(node)
    tokens = {
        name: auth.issue_token(node, node.reader(name), days=1)[0] for name, _org, _role in USERS
    }
    body = {"queries": {"hidden": person(name=["Juan Perez"], birthDate=["1975-06-07"])}}
    asked = client.post(
        f"{API}/match", json=body, headers={"Authorization": f"Bearer {tokens['mx_a']}"}
    )
    documented(openapi, "POST /api/v1/match").model_validate(asked.json())
    assert asked.json()["responses"]["hidden"]["notices"]
    notices = documented(openapi, "GET /api/v1/notices")
    for user, direction in (("mx_a", "out"), ("us_l", "in")):
        answer = client.get(f"{API}/notices", headers={"Authorization": f"Bearer {tokens[user]}"})
        assert answer.json()[direction], (user, answer.text)
        notices.model_validate(answer.json())


def test_the_review_queue_answers_are_the_documented_models(openapi, node, make_client):
    """A stored run's pair, side by side, and the count."""
    from judgeworld import build
    from reviewworld import store_run

    from gugus import auth

    jw = build(node)
    store_run(node, jw.id)
    client = make_client(node)
    token = auth.issue_token(node, jw.readers["mx"], days=1)[0]
    mx = {"Authorization": f"Bearer {token}"}
    for label, path in (
        ("GET /api/v1/xref/review/pair", "/xref/review/pair?position=1"),
        ("GET /api/v1/xref/review/count", "/xref/review/count"),
        ("GET /api/v1/xref/review", "/xref/review"),
    ):
        answer = client.get(API + path, headers=mx)
        assert answer.status_code == 200, answer.text
        documented(openapi, label).model_validate(answer.json())
    assert client.get(f"{API}/xref/review/pair", headers=mx).json()["pair"]["fields"]

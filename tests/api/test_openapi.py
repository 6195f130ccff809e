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

"""Every failing request answers with the one error envelope:

    {"error": {"code": str, "message": str, "details": [...] (optional)}}

and nothing else at the top level, whatever part of the stack refused it
(routing, validation, authentication, policy, the services).
"""

from __future__ import annotations

import json

import pytest

API = "/api/v1"
GOOD_LINE = json.dumps({"id": "p-x", "schema": "Person", "properties": {"name": ["X"]}}) + "\n"
CODES = {
    400: "invalid_input",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
}


def case(name, method, path, status, *, user="mx_analyst", marks=(), **kwargs):
    """``user``: whose bearer token to send; None: none; "raw:<header>": that Authorization."""
    return pytest.param(method, path, status, user, kwargs, id=name, marks=marks)


def load(body: str | bytes, collection: str = "mx-cases", **params) -> dict:
    return {
        "content": body.encode("utf-8") if isinstance(body, str) else body,
        "params": params,
        "url": f"{API}/collections/{collection}/entities",
    }


CASES = [
    # 400: validation of parameters, headers and bodies
    case("search-limit-0", "GET", "/search", 400, params={"q": "jose", "limit": 0}),
    case("search-limit-101", "GET", "/search", 400, params={"q": "jose", "limit": 101}),
    case("search-limit-text", "GET", "/search", 400, params={"q": "jose", "limit": "x"}),
    case("search-offset-huge", "GET", "/search", 400, params={"q": "jose", "offset": 10**6}),
    case("search-no-q", "GET", "/search", 400),
    case("search-q-too-long", "GET", "/search", 400, params={"q": "a" * 501}),
    case(
        "entity-statements-not-bool", "GET", "/entities/p-jose", 400, params={"statements": "maybe"}
    ),
    case(
        "purpose-too-long", "GET", "/entities/p-jose", 400, headers={"X-Gugus-Purpose": "x" * 501}
    ),
    case("token-no-form", "POST", "/token", 400, user=None),
    case("token-no-password", "POST", "/token", 400, user=None, data={"username": "mx_analyst"}),
    case("audit-limit-0", "GET", "/audit", 400, user="mx_super", params={"limit": 0}),
    case("audit-limit-1001", "GET", "/audit", 400, user="mx_super", params={"limit": 1001}),
    case("audit-before-text", "GET", "/audit", 400, user="mx_super", params={"before": "x"}),
    case(
        "audit-before-huge",
        "GET",
        "/audit",
        400,
        user="mx_super",
        params={"before": 10**20},
    ),
    case("load-bad-json", "POST", "", 400, **load(GOOD_LINE + "{nope\n")),
    case("load-not-object", "POST", "", 400, **load("[1]\n")),
    case("load-unknown-schema", "POST", "", 400, **load('{"id": "x", "schema": "Alien"}\n')),
    case(
        "load-unknown-property",
        "POST",
        "",
        400,
        **load('{"id": "x", "schema": "Person", "properties": {"shoeSize": ["44"]}}\n'),
    ),
    case(
        "load-looser-marking",
        "POST",
        "",
        400,
        **load('{"id": "x", "schema": "Person", "marking": {"tlp": "clear"}}\n'),
    ),
    case(
        "load-marking-bad-field",
        "POST",
        "",
        400,
        **load('{"id": "x", "schema": "Person", "marking": {"tlp": "red", "colour": 1}}\n'),
    ),
    case(
        "load-marking-handling-not-list",
        "POST",
        "",
        400,
        **load('{"id": "x", "schema": "Person", "marking": {"tlp": "amber", "handling": 5}}\n'),
    ),
    case("load-on-error-bad", "POST", "", 400, **load(GOOD_LINE, on_error="ignore")),
    case("load-not-utf8", "POST", "", 400, **load(b'{"id": "\xe9"}\n')),
    # 401: authentication
    case("no-token", "GET", "/entities/p-jose", 401, user=None),
    case("basic-auth", "GET", "/search", 401, user="raw:Basic dXNlcjpwYXNz", params={"q": "a"}),
    case("bearer-empty", "GET", "/collections", 401, user="raw:Bearer"),
    case("bearer-invalid", "GET", "/collections", 401, user="raw:Bearer ggs_nope"),
    case("audit-no-token", "GET", "/audit", 401, user=None),
    case("load-no-token", "POST", "", 401, user=None, **load(GOOD_LINE)),
    case(
        "token-wrong-password",
        "POST",
        "/token",
        401,
        user=None,
        data={"username": "mx_analyst", "password": "wrong password"},
    ),
    case(
        "token-unknown-user",
        "POST",
        "/token",
        401,
        user=None,
        data={"username": "ghost", "password": "wrong password"},
    ),
    # 403: authenticated but not allowed
    case("audit-as-analyst", "GET", "/audit", 403),
    case("load-as-supervisor", "POST", "", 403, user="mx_super", **load(GOOD_LINE)),
    case("load-other-org", "POST", "", 403, user="us_analyst", **load(GOOD_LINE)),
    # 404: unknown routes and objects (invisible ones look the same)
    case("unknown-api-route", "GET", "/nope", 404),
    # (unknown paths outside /api answer an HTML page: tests/web/test_pages_core.py)
    case("entity-missing", "GET", "/entities/p-nothing", 404),
    case("entity-invisible", "GET", "/entities/p-secret", 404, user="us_analyst"),
    case("entity-no-id", "GET", "/entities/", 404),
    case("load-unknown-collection", "POST", "", 404, **load(GOOD_LINE, collection="no-such")),
    # 405: known route, wrong method
    case("delete-health", "DELETE", "/health", 405),
    case("get-token", "GET", "/token", 405, user=None),
    case("put-collections", "PUT", "/collections", 405),
    case("get-load", "GET", "/collections/mx-cases/entities", 405),
    case("post-entity", "POST", "/entities/p-jose", 405),
]


def assert_envelope(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert isinstance(body, dict) and list(body) == ["error"], body
    error = body["error"]
    assert isinstance(error, dict), body
    assert set(error) in ({"code", "message"}, {"code", "message", "details"}), error
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"].strip()
    assert "\n" not in error["message"]
    if "details" in error:
        assert isinstance(error["details"], list) and error["details"]
        assert all(isinstance(d, dict) for d in error["details"])
    return error


@pytest.mark.parametrize(("method", "path", "status", "user", "kwargs"), CASES)
def test_error_envelope(module_world, module_lenient_client, method, path, status, user, kwargs):
    kwargs = dict(kwargs)
    url = kwargs.pop("url", API + path)
    headers = dict(kwargs.pop("headers", {}))
    if user is not None and user.startswith("raw:"):
        headers["Authorization"] = user.removeprefix("raw:")
    elif user is not None:
        headers["Authorization"] = f"Bearer {module_world.tokens[user]}"
    response = module_lenient_client.request(method, url, headers=headers, **kwargs)
    error = assert_envelope(response, status)
    assert error["code"] == CODES[status]
    if status == 401:
        assert response.headers.get("www-authenticate") == "Bearer"
    else:
        assert "www-authenticate" not in response.headers


def test_invalid_input_details_name_the_fields(module_world, module_lenient_client):
    response = module_lenient_client.get(
        f"{API}/search",
        params={"limit": 0},
        headers={"Authorization": f"Bearer {module_world.tokens['mx_analyst']}"},
    )
    error = assert_envelope(response, 400)
    fields = {d["field"] for d in error["details"]}
    assert fields == {"query.q", "query.limit"}
    assert all(set(d) == {"field", "message"} for d in error["details"])


def test_failed_load_details_name_the_line(module_world, module_lenient_client):
    response = module_lenient_client.post(
        f"{API}/collections/mx-cases/entities",
        content=GOOD_LINE + GOOD_LINE + "{nope\n",
        headers={"Authorization": f"Bearer {module_world.tokens['mx_analyst']}"},
    )
    error = assert_envelope(response, 400)
    assert error["details"] == [{"line": 3, "where": "upload: line 3", "source": "upload"}]
    assert error["message"].startswith("upload: line 3: ")


def test_method_not_allowed_names_the_allowed_methods(module_lenient_client):
    response = module_lenient_client.delete(f"{API}/health")
    assert_envelope(response, 405)
    assert response.headers.get("allow") == "GET"

"""Accounts over HTTP: disabling a user or replacing their credentials takes
effect on the running server at once (no cache keeps a token alive)."""

from __future__ import annotations

import pytest

from gugus import admin

API = "/api/v1"


@pytest.mark.parametrize(
    "shut_out",
    [
        lambda node: admin.set_disabled(node, "us_analyst", True),
        lambda node: admin.set_password(node, "us_analyst"),
        lambda node: admin.revoke_tokens(node, "us_analyst"),
    ],
    ids=["disable", "password-reset", "revoke-tokens"],
)
def test_shutting_a_user_out_stops_their_token_and_password_at_once(world, client, shut_out):
    headers = world.headers("us_analyst")
    assert client.get(f"{API}/search", params={"q": "Acme"}, headers=headers).status_code == 200
    shut_out(world.node)
    response = client.get(f"{API}/search", params={"q": "Acme"}, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    login = {"username": "us_analyst", "password": world.password}
    assert client.post(f"{API}/token", data=login).status_code == 401
    # Nobody else is affected.
    assert client.get(f"{API}/collections", headers=world.headers("mx_analyst")).status_code == 200

"""The leak property through the web pages of the skeleton (home, and its API
twin /api/v1/loads): a page
shows exactly what the services allow the logged-in user, nothing more.
Other screens add their own page-leak tests beside this one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from leakpages import cells, session_client
from leakworld import SLOW_EXAMPLES, rebuild, sees, worlds

from gugus.auth import issue_token


def check_home(node, world) -> None:
    names = {c["name"] for c in world["collections"]}
    for user in world["users"]:
        c = session_client(node, user["name"])
        r = c.get("/")
        assert r.status_code == 200, (user, r.status_code)
        want = {c_["name"] for c_ in world["collections"] if sees(user, c_["marking"], c_["org"])}
        assert cells(r.text) & names == want, user
        token, _ = issue_token(node, node.reader(user["name"]), days=1)
        r = c.get(
            "/api/v1/loads", params={"limit": 50}, headers={"Authorization": f"Bearer {token}"}
        )
        own = {
            n
            for n in want
            if any(x["name"] == n and x["org"] == user["org"] for x in world["collections"])
        }
        got = {x["collection"] for x in r.json()["loads"]}
        loaded = {coll["name"] for coll, _line in world["lines"] if coll["name"] in own}
        assert loaded <= got <= own, user


@pytest.mark.slow
def test_home_page_shows_only_visible_collections(node):
    examples = max(10, settings().max_examples // 6)

    @settings(max_examples=examples, suppress_health_check=SLOW_EXAMPLES)
    @given(world=worlds())
    def run(world):
        rebuild(node, world)
        check_home(node, world)

    run()

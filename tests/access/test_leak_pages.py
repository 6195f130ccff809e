"""The leak property through the web pages of the skeleton (home): a page
shows exactly what the services allow the logged-in user, nothing more.
Other screens add their own page-leak tests beside this one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from leakpages import cells, session_client
from leakworld import SLOW_EXAMPLES, rebuild, sees, worlds


def check_home(node, world) -> None:
    names = {c["name"] for c in world["collections"]}
    for user in world["users"]:
        c = session_client(node, user["name"])
        r = c.get("/")
        assert r.status_code == 200, (user, r.status_code)
        want = {c_["name"] for c_ in world["collections"] if sees(user, c_["marking"], c_["org"])}
        assert cells(r.text) & names == want, user


@pytest.mark.slow
def test_home_page_shows_only_visible_collections(node):
    examples = max(10, settings().max_examples // 6)

    @settings(max_examples=examples, suppress_health_check=SLOW_EXAMPLES)
    @given(world=worlds())
    def run(world):
        rebuild(node, world)
        check_home(node, world)

    run()

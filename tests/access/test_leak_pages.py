"""The leak property through the web pages (home and its API twin
/api/v1/loads, the entity page): a page
shows exactly what the services allow the logged-in user, nothing more.
Other screens add their own page-leak tests beside this one."""

from __future__ import annotations

import copy
import html
import re

import pytest
from hypothesis import example, given, settings
from leakpages import PAGE_SHARE, cells, session_client
from leakrelations import EXAMPLE, expected_relationships, stored_ids
from leakworld import ENTITY_PROPS, SLOW_EXAMPLES, expected_statements, rebuild, sees, worlds

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
    examples = max(10, settings().max_examples // PAGE_SHARE)

    @settings(max_examples=examples, suppress_health_check=SLOW_EXAMPLES)
    @given(world=worlds())
    def run(world):
        rebuild(node, world)
        check_home(node, world)

    run()


VALUE_CELL = re.compile(r'<td class="value">([^<]*)</td>')
ENTITY_HREF = re.compile(r'href="/entities/([^"?]+)"')


def check_entity_pages(node, world) -> None:
    """Every entity page: 404 for an entity the user may not see (as for
    one that does not exist); else exactly the visible values, links to
    exactly the entities of its visible relationships, and no id of an
    entity the user may not see anywhere in the HTML."""
    everything = stored_ids(world)
    for user in world["users"]:
        c = session_client(node, user["name"])
        allowed = expected_statements(world, user)
        visible = {s[0] for s in allowed}
        hidden = everything - visible
        for target in sorted(everything | {"e-missing"}):
            r = c.get(f"/entities/{target}")
            if target not in visible:
                assert r.status_code == 404, (user, target)
                continue
            assert r.status_code == 200, (user, target)
            values = {html.unescape(v) for v in VALUE_CELL.findall(r.text)}
            want = {
                s[2]
                for s in allowed
                if s[0] == target and s[1] != "id" and s[1] not in ENTITY_PROPS
            }
            assert values == want, (user, target)
            rels = r.text.split('id="h-rels"', 1)[1].split('id="h-same"', 1)[0]
            linked = {html.unescape(x) for x in ENTITY_HREF.findall(rels)}
            ends = {x for pair in expected_relationships(allowed, target) for x in pair if x}
            assert linked == ends, (user, target)
            assert not any(h in r.text for h in hidden), (user, target)


@pytest.mark.slow
def test_entity_pages_show_only_what_the_user_may_see(node):
    examples = max(10, settings().max_examples // PAGE_SHARE)

    @settings(max_examples=examples, suppress_health_check=SLOW_EXAMPLES)
    @given(world=worlds(links=True))
    @example(world=copy.deepcopy(EXAMPLE))
    def run(world):
        rebuild(node, world)
        check_entity_pages(node, world)

    run()

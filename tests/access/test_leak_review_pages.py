"""The leak property through the review queue and notices pages (random
worlds of tests/leakworld.py, a logged-in session per user).

- /review: the pair count is exactly the pairs the user may see between
  entities the user may see; each pair shown names two such entities and
  shows, per side, exactly that entity's values the user may see;
- /: the home page's review count is the same number;
- /notices: exactly the notices the service lists for the user, and no
  statement value the user may not see in any cell.
"""

from __future__ import annotations

import html as htmllib
import re
from itertools import combinations

import pytest
from hypothesis import given, settings
from leakpages import PAGE_SHARE, cells, session_client
from leakworld import (
    SHOWN,
    SLOW_EXAMPLES,
    expected_statements,
    rebuild,
    sees,
    stored_markings,
    worlds,
)
from reviewworld import store_run
from sqlalchemy import select

from gugus.share.notices import list_notices
from gugus.store.tables import statements, xref_pairs
from gugus.xref.match import match

SIDE = re.compile(r'<td data-side="(left|right)">(.*?)</td>', re.S)
VALUE = re.compile(r'<span class="value">([^<]*)</span>')
HIDDEN_INPUT = re.compile(r'<input type="hidden" name="(a|b)" value="([^"]*)">')
TOTAL = re.compile(r"Pair (\d+) of (\d+)")
COUNT = re.compile(r">(\d+) pairs? to review<")
REFERENCE = re.compile(r"<code>(HIT-[0-9A-F]+)</code>")


def store_pairs(node) -> list[tuple[str, str, int]]:
    with node.db.reader.connect() as conn:
        ids = sorted(set(conn.execute(select(statements.c.entity_id)).scalars()))[:6]
    pairs = [(a, b, 1 - i / 100, "model") for i, (a, b) in enumerate(combinations(ids, 2))]
    store_run(node, lambda x: x, pairs)
    with node.db.reader.connect() as conn:
        rows = conn.execute(
            select(xref_pairs.c.left_id, xref_pairs.c.right_id, xref_pairs.c.marking_id)
        )
        return [tuple(r) for r in rows]


def check_review(node, world, pairs) -> None:
    marks = stored_markings(node)
    for user in world["users"]:
        allowed = expected_statements(world, user)
        visible = {s[0] for s in allowed}
        want = {
            (left, right)
            for left, right, mid in pairs
            if sees(user, *marks[mid]) and left in visible and right in visible
        }
        c = session_client(node, user["name"])
        assert COUNT.search(c.get("/").text).group(1) == str(len(want)), user
        for position in range(min(len(want), 3) or 1):
            page = c.get(f"/review?position={position}")
            assert page.status_code == 200, user
            text = page.text
            if not want:
                assert "No pairs to review" in text and not SIDE.search(text), user
                continue
            assert TOTAL.search(text).group(2) == str(len(want)), user
            ids = dict(HIDDEN_INPUT.findall(text))
            assert (ids["a"], ids["b"]) in want, user
            shown = {"left": set(), "right": set()}
            for side, cell in SIDE.findall(text):
                shown[side] |= {htmllib.unescape(v) for v in VALUE.findall(cell)}
            for side, eid in (("left", ids["a"]), ("right", ids["b"])):
                expect = {s[2] for s in allowed if s[0] == eid and s[1] != "id"}
                assert shown[side] == expect, (user, eid)  # more would be a leak


def check_notices(node, world) -> None:
    every = {v for _, line in world["lines"] for vs in line["properties"].values() for v in vs}
    for user in world["users"]:
        reader = node.reader(user["name"])
        name = f"{SHOWN['jose']} {SHOWN['perez']}"
        match(
            node, reader, {"queries": {"q": {"schema": "Person", "properties": {"name": [name]}}}}
        )
        hidden = every - {s[2] for s in expected_statements(world, user)}
        listed = list_notices(node, reader, limit=1000)
        text = session_client(node, user["name"]).get("/notices").text
        refs = set(REFERENCE.findall(text))
        assert refs == {n["reference"] for d in ("out", "in") for n in listed.get(d, [])}, user
        assert not {htmllib.unescape(c) for c in cells(text)} & hidden, user


@pytest.mark.slow
def test_review_and_notices_pages_leak_nothing(node, monkeypatch):
    monkeypatch.setenv("GUGUS_MATCH_LIMIT_USER", "off")
    examples = max(10, settings().max_examples // PAGE_SHARE)

    @settings(max_examples=examples, suppress_health_check=SLOW_EXAMPLES)
    @given(world=worlds())
    def run(world):
        rebuild(node, world)
        check_review(node, world, store_pairs(node))
        check_notices(node, world)

    run()

"""The leak property test for cross-referencing (tests/leakworld.py worlds).

A run made as a user reads only what that user may see: its records are the
entities with a name the user may see, and no pair involves anything else.
Every reader of the run's results gets exactly the pairs whose inputs (the
statements that fed both sides) they may see — and nothing of the others,
not even their count; an entity page's "possibly the same as" lists exactly
the visible pairs naming the entity.  Unknown and unreadable collections answer alike.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from leakrelations import stored_ids
from leakworld import (
    SLOW_EXAMPLES,
    expected_statements,
    rebuild,
    sees,
    statement_markings,
    worlds,
)

from gugus.errors import NotFound
from gugus.model.markings import TLP
from gugus.xref import queue, runs, same_as
from gugus.xref.records import PERSON_PROPS


def visible_names(world, user) -> set[str]:
    return {s[0] for s in expected_statements(world, user) if s[1] == "name"}


def inputs(world, runner, entity: str) -> list:
    """The statements of ``entity`` a run by ``runner`` reads (its record's
    properties the runner may see), each with its markings and owner."""
    allowed = expected_statements(world, runner)
    final = statement_markings(world)
    return [final[s] for s in allowed if s[0] == entity and s[1] in PERSON_PROPS]


def check_run(node, world, runner) -> None:
    reader = node.reader(runner["name"])
    readable = {c["name"] for c in world["collections"] if sees(runner, c["marking"], c["org"])}
    for c in world["collections"]:
        if c["name"] not in readable:
            with pytest.raises(NotFound, match="not found"):
                runs.start(node, reader, [c["name"]])
    if not readable:
        return
    run = runs.start(node, reader, threshold=1e-9)  # every blocked pair is kept
    assert run["status"] == "done", run
    names = visible_names(world, runner)
    assert run["counts"]["person_records"] == len(names)
    everything = runs.status(node, reader, run["run"], limit=500)["pairs"]
    for p in everything:
        assert {p["left"], p["right"]} <= names, (runner, p)
    for user in world["users"]:
        got = runs.status(node, node.reader(user["name"]), run["run"], limit=500)
        seen = {(p["left"], p["right"], p["kind"]) for p in got["pairs"]}
        assert got["total"] == len(seen)
        if user["name"] != runner["name"]:
            assert "counts" not in got and "notes" not in got
        for p in everything:
            fed = inputs(world, runner, p["left"]) + inputs(world, runner, p["right"])
            allowed = all(sees(user, m, owner) for ms, owner in fed for m in ms)
            key = (p["left"], p["right"], p["kind"])
            if not allowed:
                assert key not in seen, (user, p)  # a leak
            elif not any(m["tlp"] == TLP.RED.value for ms, _ in fed for m in ms):
                # Exact without TLP:RED inputs; with them the combined marking
                # may be stricter than its inputs (combine is conservative).
                assert key in seen, (user, p)
        # The review list: only pairs the user may see, between entities the
        # user may see (no judgements here: every visible pair is undecided).
        review = runs.review(node, node.reader(user["name"]), limit=500)
        own = {s[0] for s in expected_statements(world, user)}
        for p in review["pairs"]:
            assert (p["left"], p["right"], p["kind"]) in seen, (user, p)
            assert {p["left"], p["right"]} <= own, (user, p)
        check_queue(node, world, user, {(p["left"], p["right"]) for p in review["pairs"]})
        check_same_as(node, user, seen, own, stored_ids(world))


def check_queue(node, world, user, undecided: set) -> None:
    """The review screen's queue: exactly the undecided pairs, counted
    exactly; each pair shown side by side with only the values the user may
    see (each with the collection it came from)."""
    reader = node.reader(user["name"])
    allowed = expected_statements(world, user)
    assert queue.review_count(node, reader) == len(undecided), user
    first = queue.review_pair(node, reader)
    assert first["total"] == len(undecided)
    walked = set()
    for position in range(min(first["total"], 6)):
        pair = queue.review_pair(node, reader, position=position)["pair"]
        walked.add((pair["left"], pair["right"]))
        for side in ("left", "right"):
            eid = pair[side]
            assert pair["sides"][side]["entity_id"] == eid
            shown = {
                (eid, f["prop"], v["value"], v["collection"])
                for f in pair["fields"]
                for v in f[side]
            }
            assert shown <= allowed, (user, eid)  # a leak
            assert shown == {s for s in allowed if s[0] == eid and s[1] != "id"}, (user, eid)
    assert walked <= undecided


def check_same_as(node, user, seen: set, own: set, everyone: set) -> None:
    """The entity page's "possibly the same as": for every entity, exactly
    the pairs the user may see that name it, between entities the user may
    see; an entity the user may not see answers like a missing one."""
    reader = node.reader(user["name"])
    for entity in sorted(everyone | {"e-missing"}):
        if entity not in own:
            with pytest.raises(NotFound):
                same_as.same_as(node, reader, entity)
            continue
        got = same_as.same_as(node, reader, entity, limit=same_as.MAX_PAIRS)
        keys = [(p["left"], p["right"], p["kind"]) for p in got["pairs"]]
        assert len(keys) == len(set(keys))
        want = {k for k in seen if entity in k[:2] and {k[0], k[1]} <= own}
        assert set(keys) == want, (user, entity)
        hidden = everyone - own
        assert not any(h in json.dumps(got) for h in hidden), (user, entity)


def narrowed(world, names: list[str], copies: list[int]) -> dict:
    """The world with every person named from a few names, and a copy of
    some persons (collection default marking) in another collection, so
    that runs find cross-collection pairs (the shared worlds draw from 64
    names and rarely repeat one)."""
    colls = world["collections"]
    for i, (_, line) in enumerate(world["lines"]):
        line["properties"]["name"] = [names[i % len(names)]]
    for i, c in enumerate(copies[: len(world["lines"])]):
        _, line = world["lines"][i]
        copy = {"id": line["id"], "schema": "Person", "properties": dict(line["properties"])}
        world["lines"].append((colls[c % len(colls)], copy))
    return world


def test_no_xref_read_path_leaks(node):
    examples = max(10, settings().max_examples // 4)

    @settings(max_examples=examples, suppress_health_check=SLOW_EXAMPLES)
    @given(
        world=worlds(),
        pick=st.integers(0, 1000),
        names=st.lists(st.sampled_from(["Ana Pérez", "José Pérez", "Ana Cruz"]), min_size=1),
        copies=st.lists(st.integers(0, 3), max_size=7),
    )
    def run(world, pick, names, copies):
        narrowed(world, names, copies)
        rebuild(node, world)
        check_run(node, world, world["users"][pick % len(world["users"])])

    run()

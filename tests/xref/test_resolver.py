"""The resolver: chains, blocking negatives, re-judging, canonical ids, and
the per-reader rule (a chain through an entity the reader may not see does
not join)."""

from __future__ import annotations

import hashlib

import pytest
from judgeworld import line

from gugus import reads
from gugus.errors import NotFound
from gugus.node import Node
from gugus.xref import resolver
from gugus.xref.judgements import judge
from gugus.xref.resolver import Edge, Resolver


def gc(member: str) -> str:
    return "gc-" + hashlib.sha1(member.encode()).hexdigest()  # noqa: S324 - test of the id


# -- the pure resolver ---------------------------------------------------------
def test_chain_joins_and_canonical_is_hash_of_smallest_member():
    r = Resolver([Edge("b", "c", "same", 1), Edge("a", "b", "same", 2)])
    assert r.connected("c") == {"a", "b", "c"}
    assert r.canonical("b") == gc("a") == resolver.canonical_id({"c", "a"})
    assert r.connected("z") == {"z"} and r.canonical("z") == "z"
    # stable when a member joins that does not sort first
    grown = Resolver(
        [Edge("b", "c", "same", 1), Edge("a", "b", "same", 2), Edge("c", "d", "same", 3)]
    )
    assert grown.canonical("d") == r.canonical("a")


def test_negative_between_any_members_blocks_the_join():
    edges = [Edge("a", "b", "same", 1), Edge("c", "d", "same", 2), Edge("a", "d", "different", 3)]
    r = Resolver([*edges, Edge("b", "c", "same", 4)])
    assert r.connected("a") == {"a", "b"} and r.connected("c") == {"c", "d"}
    assert not r.check_candidate("b", "c")
    # a negative blocks whatever its time: the earlier chain is cut at the
    # edge that would bring the two sides together
    r = Resolver(
        [Edge("a", "b", "same", 1), Edge("b", "c", "same", 2), Edge("a", "c", "different", 3)]
    )
    assert r.connected("a") == {"a", "b"} and r.connected("c") == {"c"}


def test_unsure_neither_joins_nor_blocks():
    r = Resolver([Edge("a", "b", "unsure", 1), Edge("b", "c", "same", 2)])
    assert r.connected("a") == {"a"} and r.connected("b") == {"b", "c"}
    assert r.check_candidate("a", "b")


def test_already_joined_is_no_candidate():
    r = Resolver([Edge("a", "b", "same", 1)])
    assert not r.check_candidate("a", "b") and r.check_candidate("a", "x")


# -- per reader, through the store ---------------------------------------------------
def test_rejudging_is_the_latest_visible_verdict(jw):
    mx = jw.readers["mx"]
    a1, u1 = jw.id("a1"), jw.id("u1")
    judge(jw.node, mx, a1, u1, "same")
    assert reads.get_entity(jw.node, mx, a1)["members"] == sorted([a1, u1])
    judge(jw.node, jw.readers["mx2"], u1, a1, "different", "born elsewhere")
    assert "members" not in reads.get_entity(jw.node, mx, a1)
    judge(jw.node, mx, a1, u1, "same", "same passport")
    assert reads.get_entity(jw.node, mx, u1)["id"] == resolver.canonical_id([a1, u1])


def test_hidden_member_breaks_the_chain(jw):
    """MX judges u1 = h1 and h1 = u2 (h1: MX only).  US sees neither
    judgement (their marking includes h1's) nor h1, so u1 and u2 stay apart
    for US while MX reads one entity of three."""
    mx, us = jw.readers["mx"], jw.readers["us"]
    u1, h1, u2 = jw.id("u1"), jw.id("h1"), jw.id("u2")
    judge(jw.node, mx, u1, h1, "same")
    judge(jw.node, mx, h1, u2, "same")
    assert reads.get_entity(jw.node, mx, u2)["members"] == sorted([u1, h1, u2])
    for eid in (u1, u2):
        got = reads.get_entity(jw.node, us, eid)
        assert got["id"] == eid and "members" not in got


def test_member_hidden_after_judging_breaks_the_chain(jw):
    """The judgements stay visible to US (a2 was released when judged), but a
    re-load marks a2 MX only: US must not see u1 and u3 joined through it."""
    mx, us = jw.readers["mx"], jw.readers["us"]
    u1, a2, u3 = jw.id("u1"), jw.id("a2"), jw.id("u3")
    judge(jw.node, mx, u1, a2, "same")
    judge(jw.node, mx, a2, u3, "same")
    assert reads.get_entity(jw.node, us, u1)["members"] == sorted([u1, a2, u3])
    jw.load("mx-shared", {**line("a2"), "marking": {"tlp": "amber"}})
    for eid in (u1, u3):
        got = reads.get_entity(jw.node, us, eid)
        assert got["id"] == eid and "members" not in got, got
    canonical = resolver.canonical_id([u1, a2, u3])
    with pytest.raises(NotFound) as info:
        reads.get_entity(jw.node, us, canonical)
    assert info.value.message == f"entity {canonical!r} not found"
    assert reads.get_entity(jw.node, mx, u1)["members"] == sorted([u1, a2, u3])


def test_a_judgement_made_by_another_process_is_read_at_once(jw):
    """Each node (process) caches its readers' judgement graphs; a judgement
    written through another node changes the newest id, so the next read
    rebuilds (``gugus serve --workers 2``: judged on one, read on the other)."""
    mx = jw.readers["mx"]
    u1, u2 = jw.id("u1"), jw.id("u2")
    assert "members" not in reads.get_entity(jw.node, mx, u1)  # caches the empty graph
    other = Node(jw.node.db.url)
    try:
        judge(other, mx, u1, u2, "same")
    finally:
        other.close()
    assert reads.get_entity(jw.node, mx, u1)["members"] == sorted([u1, u2])

"""Judgements: stored as history with their marking, audited, answered like a
missing entity when the judge may not see one; canonical reads and search."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from gugus import reads
from gugus.errors import InvalidInput, NotFound
from gugus.store.tables import audit_log, judgements
from gugus.xref import resolver
from gugus.xref.judgements import judge, list_judgements, verdicts


def rows(node):
    with node.db.reader.connect() as conn:
        return conn.execute(select(judgements).order_by(judgements.c.id)).all()


def test_judgement_is_stored_in_canonical_order_with_who_and_when(jw):
    mx = jw.readers["mx"]
    a1, u1 = jw.id("a1"), jw.id("u1")
    got = judge(jw.node, mx, u1, a1, "same", "  same passport ")
    (row,) = rows(jw.node)
    assert (row.left_id, row.right_id) == tuple(sorted([a1, u1]))
    assert (row.verdict, row.reason, row.username, row.org) == ("same", "same passport", "mx", "MX")
    assert row.created_at.endswith("Z")
    assert got["merged"] is True
    assert got["cluster"] == {"id": resolver.canonical_id([a1, u1]), "members": sorted([a1, u1])}
    # what the judge saw: a1 with its MX-only birth date, so the judgement is MX only
    assert got["marking"]["tlp"] == "amber" and got["marking"]["release_to"] == ["MX"]
    assert got["marking"]["originator"] is None  # two organisations' data


def test_bare_ids_mean_the_judges_own_namespace(jw):
    got = judge(jw.node, jw.readers["mx"], "a1", "a2", "different")
    assert {got["left"], got["right"]} == {jw.id("a1"), jw.id("a2")}


def test_rejudging_keeps_history_newest_first(jw):
    mx, mx2 = jw.readers["mx"], jw.readers["mx2"]
    a1, a2 = jw.id("a1"), jw.id("a2")
    judge(jw.node, mx, a1, a2, "same")
    judge(jw.node, mx2, a2, a1, "unsure", "not so sure")
    judge(jw.node, mx, a1, a2, "different")
    assert [r.verdict for r in rows(jw.node)] == ["same", "unsure", "different"]
    listed = list_judgements(jw.node, mx, a1)
    assert [(j["verdict"], j["user"]) for j in listed] == [
        ("different", "mx"),
        ("unsure", "mx2"),
        ("same", "mx"),
    ]
    with jw.node.db.reader.connect() as conn:
        assert verdicts(conn, [(a2, a1), (a1, jw.id("u1"))]) == {(a2, a1): "different"}
        # as the xref part passes its pairs: mappings with left and right
        assert verdicts(conn, [{"left": a1, "right": a2, "probability": 0.9}]) == {
            (a1, a2): "different"
        }
        # with a reader's scope only the judgements it may see count (a1 is
        # partly MX only, so these judgements are MX only)
        assert verdicts(conn, [(a1, a2)], scope=jw.node.scope(jw.readers["us"])) == {}


def test_an_entity_the_judge_may_not_see_answers_like_a_missing_one(jw):
    """h1 exists (MX only); for US it must look exactly like an id that
    exists nowhere: same error, same message, nothing stored."""
    us = jw.readers["us"]
    u1, h1 = jw.id("u1"), jw.id("h1")
    answers = {}
    for other in (h1, h1[:-1] + ("0" if h1[-1] != "0" else "1")):
        with pytest.raises(NotFound) as info:
            judge(jw.node, us, u1, other, "same")
        answers[other] = info.value.message
    assert list(answers.values()) == [f"entity {k!r} not found" for k in answers]
    with pytest.raises(NotFound) as hidden:
        list_judgements(jw.node, us, h1)
    assert hidden.value.message == f"entity {h1!r} not found"
    assert rows(jw.node) == []


def test_bad_input(jw):
    mx = jw.readers["mx"]
    a1 = jw.id("a1")
    with pytest.raises(InvalidInput, match="verdict: must be one of same, different, unsure"):
        judge(jw.node, mx, a1, jw.id("a2"), "maybe")
    with pytest.raises(InvalidInput, match="cannot be judged against itself"):
        judge(jw.node, mx, a1, "a1", "same")
    with pytest.raises(InvalidInput, match="reason: longer than"):
        judge(jw.node, mx, a1, jw.id("a2"), "same", "x" * 5000)
    with pytest.raises(NotFound):
        judge(jw.node, mx, a1, "no such id", "same")
    assert rows(jw.node) == []


def test_judgement_is_audited_with_the_markings_it_touched(jw):
    mx = jw.readers["mx"]
    a1, r1 = jw.id("a1"), jw.id("r1")
    got = judge(jw.node, mx, a1, r1, "different", purpose="case 12")
    with jw.node.db.audit_reader.connect() as conn:
        (record,) = conn.execute(select(audit_log).where(audit_log.c.action == "judgement")).all()
    assert (record.username, record.org, record.purpose) == ("mx", "MX", "case 12")
    assert json.loads(record.object_ids) == sorted([a1, r1])
    assert json.loads(record.detail) == {"verdict": "different", "judgement": got["id"]}
    markings = json.loads(record.markings)
    (row,) = rows(jw.node)
    assert row.marking_id in markings and len(markings) >= 3  # judgement + a1's two + r1's
    # the RED input makes the judgement RED, seen by the named recipient only
    assert got["marking"]["tlp"] == "red" and got["marking"]["recipients"] == ["mx"]
    assert list_judgements(jw.node, mx, a1)[0]["id"] == got["id"]
    assert list_judgements(jw.node, jw.readers["mx2"], a1) == []


def test_judgement_listing_shows_only_what_the_reader_may_see(jw):
    mx, us = jw.readers["mx"], jw.readers["us"]
    u1, u2, a2, h1 = jw.id("u1"), jw.id("u2"), jw.id("a2"), jw.id("h1")
    judge(jw.node, mx, u1, a2, "same")  # REL US
    judge(jw.node, mx, u1, h1, "different")  # MX only
    judge(jw.node, jw.readers["us"], u1, u2, "unsure")  # CLEAR
    assert {(j["left"], j["right"]) for j in list_judgements(jw.node, us, u1)} == {
        tuple(sorted([u1, a2])),
        tuple(sorted([u1, u2])),
    }
    assert len(list_judgements(jw.node, mx, u1)) == 3
    # through the canonical id: the judgements on every member
    canonical = resolver.canonical_id([u1, a2])
    assert len(list_judgements(jw.node, us, canonical)) == 2


def test_canonical_read_merges_only_visible_statements(jw):
    mx, us = jw.readers["mx"], jw.readers["us"]
    a1, u1, u2 = jw.id("a1"), jw.id("u1"), jw.id("u2")
    judge(jw.node, mx, a1, u1, "same")
    judge(jw.node, jw.readers["mx2"], u1, u2, "same")
    canonical = resolver.canonical_id([a1, u1, u2])
    got = reads.get_entity(jw.node, mx, canonical, with_statements=True)
    assert got["id"] == canonical and got["members"] == sorted([a1, u1, u2])
    assert sorted(got["properties"]["name"]) == sorted(
        ["José Pérez López", "Joseph Perez", "Jose P. Lopez"]
    )
    assert got["properties"]["birthDate"] == ["1980-02-03"]
    assert {s["entity_id"] for s in got["statements"]} == {a1, u1, u2}
    assert {
        (s["entity_id"], s["collection"]) for s in got["statements"] if s["prop"] == "name"
    } == {
        (a1, "mx-shared"),
        (u1, "us-open"),
        (u2, "us-open"),
    }
    assert sorted(got["collections"]) == ["mx-shared", "us-open"]
    # a member id reads the same resolved entity
    assert reads.get_entity(jw.node, mx, u2, with_statements=True) == got
    # a1 = u1 is MX only (the judge saw a1's MX-only birth date); u1 = u2 is
    # CLEAR: US reads the resolved entity of u1 and u2 alone
    us_view = reads.get_entity(jw.node, us, u1, with_statements=True)
    assert us_view["members"] == sorted([u1, u2])
    assert "birthDate" not in us_view["properties"]
    assert {s["entity_id"] for s in us_view["statements"]} == {u1, u2}


def test_canonical_read_for_reader_sees_only_visible_member_statements(jw):
    """A judgement US may see joins a1 (partly MX only) with u1: US's merged
    entity has a1's shared name but never its MX-only birth date."""
    us = jw.readers["us"]
    a2, u1 = jw.id("a2"), jw.id("u1")
    judge(jw.node, us, a2, u1, "same")
    got = reads.get_entity(jw.node, us, a2, with_statements=True)
    assert got["members"] == sorted([a2, u1])
    assert {s["collection"] for s in got["statements"]} == {"mx-shared", "us-open"}
    # MX may see the judgement (a2 is MX's, released to US) and both members
    assert reads.get_entity(jw.node, jw.readers["mx"], u1)["members"] == sorted([a2, u1])
    # GT sees neither a2 nor the judgement: u1 alone
    assert "members" not in reads.get_entity(jw.node, jw.readers["gt"], u1)


def test_search_returns_a_resolved_entity_once_and_pages_honestly(jw):
    mx = jw.readers["mx"]
    a1, a2, u1, u2, u3 = (jw.id(x) for x in ("a1", "a2", "u1", "u2", "u3"))
    before = [r["id"] for r in reads.search(jw.node, mx, "perez", limit=100)["results"]]
    assert len(before) == 5  # a1 a2 h1 u1 u3
    judge(jw.node, mx, a1, u1, "same")
    judge(jw.node, mx, u1, u3, "same")
    canonical = resolver.canonical_id([a1, u1, u3])
    got = reads.search(jw.node, mx, "perez", limit=100)["results"]
    ids = [r["id"] for r in got]
    assert len(ids) == len(set(ids)) == 3 and canonical in ids
    merged = next(r for r in got if r["id"] == canonical)
    assert merged["members"] == sorted([a1, u1, u3])
    # the merged result carries every visible member's values, matching or not
    assert "Joe Perez Lopez" in merged["properties"]["name"]
    paged = [
        r["id"]
        for offset in range(4)
        for r in reads.search(jw.node, mx, "perez", limit=1, offset=offset)["results"]
    ]
    assert paged == ids
    assert u2 not in ids  # "Jose P. Lopez" has no "perez"


def test_a_canonical_id_can_be_judged_like_its_entity(jw):
    mx = jw.readers["mx"]
    a1, u1, u2 = jw.id("a1"), jw.id("u1"), jw.id("u2")
    first = judge(jw.node, mx, a1, u1, "same")
    got = judge(jw.node, mx, first["cluster"]["id"], u2, "same")
    assert got["cluster"]["members"] == sorted([a1, u1, u2])
    assert {got["left"], got["right"]} == {min(a1, u1), u2}

""" "Possibly the same as" (gugus.xref.same_as) on both backends: the pairs of
xref runs that the reader may see, with their explanation and the reader's
judgement; a pair whose other entity is hidden is not shown; hit notices on
the entity for their recipient, mirror notices for the holder's liaison
officers; audited."""

from __future__ import annotations

import json

import pytest
from relworld import HIDDEN_NAME, build, fgr, hit_on_hidden, hsi, line, load
from sqlalchemy import select

from gugus.errors import NotFound
from gugus.store import directory
from gugus.store.tables import audit_log
from gugus.xref import judgements, runs, same_as


@pytest.fixture
def world(node):
    readers = build(node)
    # a second José Pérez that only MX-FGR sees, so the run pairs it with p1 and q1
    load(node, "fgr-own", [line("p4", "Person", name="José Pérez", nationality="mx")])
    run = runs.start(node, readers["luis"], threshold=1e-9)
    assert run["status"] == "done", run
    return readers


def others(result) -> set[str]:
    return {p["other"]["id"] for p in result["pairs"]}


def test_pairs_with_explanation_for_who_may_see_them(node, world):
    luis = same_as.same_as(node, world["luis"], fgr("p1"))
    assert others(luis) == {hsi("q1"), fgr("p4")}
    pair = next(p for p in luis["pairs"] if p["other"]["id"] == hsi("q1"))
    assert pair["other"]["caption"] == "Jose Perez" and pair["kind"] == "model"
    assert pair["explanation"] and 0 < pair["probability"] <= 1
    assert pair["judgement"] is None and pair["merged"] is False
    # US-HSI may not see p4: the pair naming it is not shown, nor anything of it
    ana = same_as.same_as(node, world["ana"], fgr("p1"))
    assert others(ana) == {hsi("q1")}
    text = json.dumps(ana, ensure_ascii=False)
    assert fgr("p4") not in text
    # GT-MP sees nothing of p1: answered like a missing entity
    with pytest.raises(NotFound):
        same_as.same_as(node, world["gabi"], fgr("p1"))


def test_judgements_show_on_the_pair(node, world):
    judgements.judge(node, world["luis"], fgr("p1"), fgr("p4"), "different", "otra CURP")
    got = {p["other"]["id"]: p for p in same_as.same_as(node, world["luis"], fgr("p1"))["pairs"]}
    assert got[fgr("p4")]["judgement"] == "different"
    judgements.judge(node, world["luis"], fgr("p1"), hsi("q1"), "same")
    result = same_as.same_as(node, world["luis"], fgr("p1"))
    merged = next(p for p in result["pairs"] if {p["left"], p["right"]} == {fgr("p1"), hsi("q1")})
    assert merged["judgement"] == "same" and merged["merged"] is True
    # the judgement is MX-FGR's: its marking covers p4's pair only for MX-FGR
    ana = same_as.same_as(node, world["ana"], fgr("p1"))
    assert all(p["judgement"] in (None, "same") for p in ana["pairs"])


def test_hit_notices_that_concern_it(node, world):
    """ana's q1 matched MX-FGR's p3, which US-HSI may not see: a notice on q1
    for ana, its mirror on p3 for MX-FGR's liaison officer only."""
    notice = hit_on_hidden(node, world)
    out = same_as.same_as(node, world["ana"], hsi("q1"))["notices"]
    assert [n["reference"] for n in out["out"]] == [notice["reference"]]
    assert out["out"][0]["holder"] == "MX-FGR" and out["in"] == []
    assert HIDDEN_NAME not in json.dumps(out, ensure_ascii=False)
    assert fgr("p3") not in json.dumps(out)
    # bob (another analyst of US-HSI) gets no notice raised for ana
    assert same_as.same_as(node, world["bob"], hsi("q1"))["notices"]["out"] == []
    mirror = same_as.same_as(node, world["lia"], fgr("p3"))["notices"]
    assert [n["reference"] for n in mirror["in"]] == [notice["reference"]]
    assert mirror["in"][0]["records"] == [{"entity_id": fgr("p3"), "collection": "fgr-own"}]
    assert mirror["in"][0]["requester"] == "US-HSI"
    # an analyst of the holder does not get the mirror (notice_reach)
    assert same_as.same_as(node, world["luis"], fgr("p3"))["notices"]["in"] == []


def test_reads_are_audited(node, world):
    same_as.same_as(node, world["ana"], fgr("p1"), purpose="caso 9")
    with node.db.audit_reader.connect() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.action == "entity.same_as")).all()
    assert len(rows) == 1 and rows[0].purpose == "caso 9"
    assert hsi("q1") in json.loads(rows[0].object_ids)
    assert json.loads(rows[0].markings)


def test_a_user_added_later_reads_alike(node, world):
    """No pair is stored per reader: a new MX-FGR analyst sees luis's run."""
    with node.db.writer.begin() as conn:
        directory.add_user(conn, "nora", "MX-FGR", "analyst", "not-a-hash")
    assert others(same_as.same_as(node, node.reader("nora"), fgr("p1"))) == {
        hsi("q1"),
        fgr("p4"),
    }

"""An entity's relationships (gugus.relations) on both backends: from both
directions, through links and directly, only what the reader may see —
an invisible other end leaves the relationship out entirely, a TLP:RED link
shows only to its recipients —, paged and capped, for a resolved entity the
relationships of every member, audited."""

from __future__ import annotations

import json

import pytest
from relworld import HIDDEN_NAME, RED_LINK_AMOUNT, RED_PASSPORT, build, fgr, hsi, line, load
from sqlalchemy import select

from gugus import relations
from gugus.errors import NotFound
from gugus.store.tables import audit_log
from gugus.xref import judgements


@pytest.fixture
def world(node):
    return build(node)


def rels(node, reader, entity_id, **kw) -> list[dict]:
    return relations.relationships(node, reader, entity_id, **kw)["relationships"]


def summary(items: list[dict]) -> set[tuple]:
    """(direction, via, link schema, other-via, other id) of each relationship."""
    return {
        (
            r["direction"],
            tuple(r["via"]),
            r["link"]["schema"] if r["link"] else None,
            tuple(r["other_via"]),
            r["other"]["id"],
        )
        for r in items
    }


def test_relationships_of_a_person_as_its_organisation_sees_them(node, world):
    got = summary(rels(node, world["luis"], fgr("p1")))
    assert got == {
        ("out", ("payer",), "Payment", ("beneficiary",), fgr("p2")),
        ("out", ("person",), "Family", ("relative",), fgr("p3")),
        ("in", ("holder",), None, (), fgr("pp1")),
        (None, ("resolved",), "Mention", ("document",), fgr("d1")),
        ("in", ("owner",), None, (), fgr("v1")),
        (None, ("involved",), "Event", ("involved",), fgr("p2")),
        (None, ("involved",), "Event", ("involved",), fgr("p3")),
    }
    # two payments to p2 (one TLP:RED for luis alone): two relationships, one tuple above
    links = [r["link"]["id"] for r in rels(node, world["luis"], fgr("p1")) if r["link"]]
    assert sorted(links).count(fgr("pay1")) == 1 and fgr("pay2") in links
    assert len(rels(node, world["luis"], fgr("p1"))) == 8


def test_other_direction_and_the_links_own_view(node, world):
    ana = world["ana"]
    to_p2 = summary(rels(node, ana, fgr("p2")))
    assert ("in", ("beneficiary",), "Payment", ("payer",), fgr("p1")) in to_p2
    assert (None, ("involved",), "Event", ("involved",), fgr("p1")) in to_p2
    # the payment's own page: the entities it names
    assert summary(rels(node, ana, fgr("pay1"))) == {
        ("out", ("payer",), None, (), fgr("p1")),
        ("out", ("beneficiary",), None, (), fgr("p2")),
    }
    # the document's page: the mention, and through it the person it resolves to
    assert summary(rels(node, ana, fgr("d1"))) == {
        (None, ("document",), "Mention", ("resolved",), fgr("p1")),
    }


def test_invisible_other_end_is_left_out_entirely(node, world):
    """US-HSI may not see p3 (a collection only MX-FGR sees): the family link
    and the event's third participant are not shown, nor p3's id or name."""
    for user in ("ana", "bob"):
        text = json.dumps(relations.relationships(node, world[user], fgr("p1")), ensure_ascii=False)
        assert fgr("p3") not in text and HIDDEN_NAME not in text, user
        assert fgr("fam1") not in text, user  # the link whose only other end is hidden
        assert "relative" not in text
    got = summary(rels(node, world["ana"], fgr("p1")))
    assert got == {
        ("out", ("payer",), "Payment", ("beneficiary",), fgr("p2")),
        (None, ("resolved",), "Mention", ("document",), fgr("d1")),
        ("in", ("owner",), None, (), fgr("v1")),
        (None, ("involved",), "Event", ("involved",), fgr("p2")),
    }


def test_red_link_and_red_value_only_for_their_recipients(node, world):
    ana_text = json.dumps(relations.relationships(node, world["ana"], fgr("p1")))
    assert RED_LINK_AMOUNT not in ana_text and fgr("pay2") not in ana_text
    assert RED_PASSPORT not in ana_text and fgr("pp1") not in ana_text
    # bob is the passport's named recipient: it shows, marked RED on that relationship alone
    bob = {r["other"]["id"]: r for r in rels(node, world["bob"], fgr("p1"))}
    passport = bob[fgr("pp1")]
    assert passport["other"]["caption"] == RED_PASSPORT
    assert passport["marking"]["tlp"] == "red" and passport["other"]["marking"]["tlp"] == "red"
    assert bob[fgr("v1")]["marking"]["tlp"] == "amber"
    assert RED_LINK_AMOUNT not in json.dumps(list(bob.values()))
    # luis is the RED payment's one recipient
    luis = [r for r in rels(node, world["luis"], fgr("p1")) if r["link"]]
    red = [r for r in luis if r["link"]["id"] == fgr("pay2")]
    assert len(red) == 1 and red[0]["marking"]["tlp"] == "red"
    assert red[0]["link"]["caption"] == RED_LINK_AMOUNT
    # GT-MP sees nothing of p1: answered like a missing entity
    with pytest.raises(NotFound) as hidden:
        relations.relationships(node, world["gabi"], fgr("p1"))
    with pytest.raises(NotFound) as missing:
        relations.relationships(node, world["gabi"], fgr("nobody"))
    assert str(hidden.value).replace(fgr("p1"), "X") == str(missing.value).replace(
        fgr("nobody"), "X"
    )


def test_a_bare_id_reads_in_the_readers_namespace(node, world):
    assert summary(rels(node, world["luis"], "pay1")) == summary(
        rels(node, world["luis"], fgr("pay1"))
    )
    with pytest.raises(NotFound):
        relations.relationships(node, world["ana"], "pay1")  # US-HSI's own pay1: none


def test_paging_and_the_cap(node, world):
    people = [line(f"x{i}", "Person", name=f"Testigo {i}") for i in range(210)]
    pays = [line(f"t{i}", "Payment", payer="p2", beneficiary=f"x{i}") for i in range(210)]
    load(node, "fgr", people + pays)
    luis = world["luis"]
    first = relations.relationships(node, luis, fgr("p2"), limit=1000)
    assert first["limit"] == relations.MAX_LIMIT and len(first["relationships"]) == 200
    assert first["more"] is True
    seen, offset = [], 0
    while True:
        page = relations.relationships(node, luis, fgr("p2"), limit=60, offset=offset)
        seen += page["relationships"]
        if not page["more"]:
            break
        offset += 60
    distinct = {((r["link"] or {}).get("id"), r["other"]["id"]) for r in seen}
    # + pay1 and pay2 from p1, the event's two other participants
    assert len(seen) == len(distinct) == 210 + 4
    assert {fgr(f"x{i}") for i in range(210)} <= {r["other"]["id"] for r in seen}
    assert seen[:200] == first["relationships"]


def test_resolved_entity_has_the_relationships_of_every_member(node, world):
    luis = world["luis"]
    load(node, "hsi", [line("pay-us", "Payment", payer="q1", beneficiary="q2")])
    load(node, "hsi", [line("q2", "Person", name="Pedro Ramírez")])
    judged = judgements.judge(node, luis, fgr("p1"), hsi("q1"), "same")
    canonical = judged["cluster"]["id"]
    assert canonical.startswith("gc-")
    got = summary(rels(node, luis, canonical))
    assert ("out", ("payer",), "Payment", ("beneficiary",), hsi("q2")) in got
    assert ("out", ("payer",), "Payment", ("beneficiary",), fgr("p2")) in got
    # a member's id reads as the resolved entity too
    assert summary(rels(node, luis, hsi("q1"))) == got
    # the other side: p2 now links to the resolved entity under its canonical id
    assert any(r["other"]["id"] == canonical for r in rels(node, luis, fgr("p2")))


def test_reads_are_audited_with_their_markings(node, world):
    relations.relationships(node, world["ana"], fgr("p1"), purpose="case 7")
    with node.db.audit_reader.connect() as conn:
        rows = conn.execute(
            select(audit_log).where(audit_log.c.action == "entity.relationships")
        ).all()
    assert len(rows) == 1
    record = rows[0]
    assert record.username == "ana" and record.purpose == "case 7"
    assert json.loads(record.markings)
    assert fgr("p2") in json.loads(record.object_ids)
    assert json.loads(record.detail)["relationships"] == 4

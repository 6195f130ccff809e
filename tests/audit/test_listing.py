"""Finding 1 of issue #7: the supervisor's audit listing must not leak.

bob (US-HSI, a named recipient) searches a RED passport number and reads the
person; his supervisor sue, who may not see that passport, lists the audit
log.  On the code before the fix she read the query text, the object id and
the statement count.
"""

from __future__ import annotations

import json

import pytest
from nsids import nsid

from gugus import admin, reads
from gugus.ingest import ftm

PASSPORT = "G1234567"
P17 = nsid("MX-FGR", "p-17")  # as MX-FGR's load stores it


@pytest.fixture
def world(node):
    admin.add_organisation(node, "MX-FGR", "Fiscalía", "MX")
    admin.add_organisation(node, "US-HSI", "HSI", "US")
    for name, org, role in [
        ("ana", "MX-FGR", "analyst"),
        ("sam", "MX-FGR", "supervisor"),
        ("bob", "US-HSI", "analyst"),
        ("sue", "US-HSI", "supervisor"),
    ]:
        admin.add_user(node, name, org, role, password="long enough pass")
    admin.add_collection(node, "fgr-casos", "MX-FGR", "amber", "H1", release_to="US-HSI")
    line = {
        "id": "p-17",
        "schema": "Person",
        "properties": {"name": ["José Pérez"], "passportNumber": [PASSPORT]},
        "property_markings": {
            "passportNumber": {
                "tlp": "red",
                "handling": ["H1"],
                "release_to": ["US-HSI"],
                "recipients": ["bob"],
            }
        },
    }
    ftm.load_lines(node, "fgr-casos", [json.dumps(line)], source="people.jsonl")
    return node


def test_supervisor_listing_reveals_nothing_she_may_not_see(world):
    bob = world.reader("bob")
    found = reads.search(world, bob, PASSPORT)
    assert [r["id"] for r in found["results"]] == [P17]
    assert reads.get_entity(world, bob, P17)["properties"]["passportNumber"] == [PASSPORT]

    sue = world.reader("sue")
    # sue sees the person (AMBER, released to US-HSI) but not the RED passport.
    assert "passportNumber" not in reads.get_entity(world, sue, P17)["properties"]
    records = reads.list_audit(world, sue, limit=100)
    text = json.dumps(records)
    assert PASSPORT not in text
    bobs = [r for r in records if r["username"] == "bob" and r["action"] != "token.issue"]
    assert {r["action"] for r in bobs} == {"search", "entity.read"}
    for r in bobs:
        # Oversight keeps the fact, the action and the time …
        assert r["redacted"] is True and r["ts"] and r["org"] == "US-HSI"
        # … and learns nothing of what was read.
        assert r["object_ids"] == [reads.REDACTED]
        assert r["detail"] == {"redacted": True}
        assert "p-17" not in json.dumps(r)
        assert "hash" not in r  # no offline guessing of the query through the hash
    # Nor through the next record's prev_hash, in any record of the listing.
    assert not any("hash" in r or "prev_hash" in r for r in records)
    # sue's own read (only what she may see) stays in full.
    own = [r for r in records if r["username"] == "sue"]
    assert own and own[0]["object_ids"] == [P17] and own[0]["redacted"] is False
    assert own[0]["detail"]["statements"] > 0


def test_supervisor_who_may_see_everything_reads_the_record_in_full(world):
    """The originator's supervisor sees all of p-17: a colleague's read is shown."""
    reads.get_entity(world, world.reader("ana"), P17)
    records = reads.list_audit(world, world.reader("sam"), limit=100)
    anas = [r for r in records if r["username"] == "ana" and r["action"] == "entity.read"]
    assert anas[0]["redacted"] is False
    assert anas[0]["object_ids"] == [P17]
    assert anas[0]["detail"] == {"statements": 3}  # id, name, passport


def test_reads_record_the_markings_they_used(world):
    reads.get_entity(world, world.reader("bob"), P17)
    with world.db.audit_reader.connect() as conn:
        from gugus.store import audit as audit_sql

        rec = [r for r in audit_sql.iter_all(conn) if r["action"] == "entity.read"][-1]
    assert len(json.loads(rec["markings"])) == 2  # the AMBER default and the RED passport
    assert world.audit.verify().ok


# -- filters: user, action, time (issue #9's audit screen) ---------------------------


def test_filters_by_user_action_and_time_keep_the_redaction(world):
    bob, sue = world.reader("bob"), world.reader("sue")
    reads.search(world, bob, PASSPORT)
    reads.get_entity(world, bob, P17)
    reads.get_entity(world, sue, P17)
    everything = reads.list_audit(world, sue, limit=1000)

    bobs = reads.list_audit(world, sue, user="bob")
    assert bobs == [r for r in everything if r["username"] == "bob"]
    assert {r["action"] for r in bobs} >= {"search", "entity.read"}
    reads_ = reads.list_audit(world, sue, action="entity.read", user="bob")
    assert [r["redacted"] for r in reads_] == [True]  # filtered, still redacted
    assert PASSPORT not in json.dumps(bobs)

    times = sorted({r["ts"] for r in everything})
    cut = times[len(times) // 2]
    later = reads.list_audit(world, sue, since=cut)
    earlier = reads.list_audit(world, sue, until=cut)
    assert later == [r for r in everything if r["ts"] >= cut]
    assert earlier == [r for r in everything if r["ts"] < cut]
    assert sorted(r["seq"] for r in later + earlier) == sorted(r["seq"] for r in everything)
    # A bare date: since that day's start; until includes the whole day.
    day = cut[:10]
    assert reads.list_audit(world, sue, since=day, until=day) == everything
    assert reads.list_audit(world, sue, until=day + "T00:00:00Z") == []
    # An offset is honoured: 02:00+02:00 is midnight UTC.
    assert reads.list_audit(world, sue, since=day + "T02:00:00+02:00") == everything
    # Paging composes with the filters.
    first = reads.list_audit(world, sue, user="bob", limit=1)
    rest = reads.list_audit(world, sue, user="bob", before=first[0]["seq"])
    assert first + rest == bobs
    assert reads.list_audit(world, sue, user="nobody") == []
    # Nothing of another organisation, whatever the filter.
    assert reads.list_audit(world, sue, user="ana") == []


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-02-30"}, "until"),
        ({"since": "2026-12-06T25:00"}, "since"),
        ({"since": "2026-12-07", "until": "2026-12-06"}, "until"),
    ],
    ids=["word", "no-such-day", "no-such-hour", "until-before-since"],
)
def test_bad_time_filter_is_one_line_naming_the_field(world, filters, field):
    from gugus.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        reads.list_audit(world, world.reader("sue"), **filters)
    message = caught.value.message
    assert message.startswith(f"{field}: ") and "\n" not in message


def test_a_record_shown_in_full_carries_the_marking_of_what_it_touched(world):
    """What the audit page's banner shows: the strictest marking of the
    records shown in full; nothing for a redacted one."""
    reads.get_entity(world, world.reader("bob"), P17)  # touched the RED passport
    reads.get_entity(world, world.reader("sue"), P17)  # AMBER only
    records = reads.list_audit(world, world.reader("sue"), action="entity.read")
    by_user = {r["username"]: r for r in records}
    assert by_user["bob"]["redacted"] and by_user["bob"]["marking"] is None
    assert by_user["sue"]["marking"]["tlp"] == "amber"
    assert by_user["sue"]["marking"]["handling"] == ["H1"]
    full = reads.list_audit(world, world.reader("sam"), action="load")
    assert all(r["marking"] is None for r in full)  # a load touches no marked data

"""Online match: visible results with their explanation, hidden records as
hit notices without content, RED records only where the holder allows,
stable references, rate limits, audit — on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from matchworld import HIDDEN_VALUES, build, person
from sqlalchemy import select

from gugus.errors import InvalidInput
from gugus.ratelimit import RateLimited
from gugus.share.notices import list_notices, set_red_hits
from gugus.store.tables import audit_log
from gugus.xref.match import match


@pytest.fixture
def world(node, monkeypatch):
    monkeypatch.setenv("GUGUS_MATCH_LIMIT_USER", "off")
    return build(node)


def ask(node, user, **props):
    body = {"queries": {"q": person(**props)}}
    return match(node, node.reader(user), body)["responses"]["q"]


def actions(node) -> list[str]:
    with node.db.audit_reader.connect() as conn:
        return list(conn.execute(select(audit_log.c.action).order_by(audit_log.c.seq)).scalars())


def test_visible_match_has_score_and_explanation(node, world):
    res = ask(node, "mx_a", name=["Maria Garcia"], birthDate=["1980-04-03"])
    assert res["status"] == 200 and res["notices"] == []
    [hit] = res["results"]
    assert hit["id"] == world["visible"] and hit["schema"] == "Person"
    assert hit["match"] is True and 0.7 <= hit["score"] <= 1
    assert set(hit["features"]) == {"name_match", "dob_near"}
    fields = {e["field"]: e for e in hit["explanation"]}
    assert fields["name"]["candidate"] == "María José García López"
    assert "swap" in fields["birthDate"]["detail"]
    assert res["total"] == {"value": 1, "relation": "eq"}
    assert res["query"]["properties"]["name"] == ["Maria Garcia"]


def test_selector_match_and_unrelated_name(node, world):
    res = ask(node, "mx_a", name=["Pedro Ruiz"], phone=["+52 55 1234 5678"])
    [hit] = res["results"]
    assert hit["id"] == world["visible"] and "phone_match" in hit["features"]
    assert ask(node, "mx_a", name=["Totally Different"])["results"] == []


def test_hidden_match_is_a_notice_without_content(node, world):
    body = {"queries": {"q": person(name=["Juan Perez"], birthDate=["1975-06-07"])}}
    out = match(node, node.reader("mx_a"), body)
    res = out["responses"]["q"]
    assert res["results"] == [] and res["total"]["value"] == 0
    [notice] = res["notices"]
    assert notice["kind"] == "person" and notice["holder"] == "US"
    assert notice["reference"].startswith("HIT-")
    assert notice["contact"] == "the liaison officers of US"
    raw = json.dumps(out, ensure_ascii=False)
    for value in [*HIDDEN_VALUES, world["hidden"]]:
        assert value not in raw, value
    assert "score" not in json.dumps(res["notices"])


def test_hidden_selector_gives_its_kind(node, world):
    res = ask(node, "mx_a", name=["Someone Else"], passportNumber=["g1234 5678"])
    assert res["results"] == []
    assert [(n["kind"], n["holder"]) for n in res["notices"]] == [("passport", "US")]


def test_the_holder_sees_its_own_record_as_a_result(node, world):
    res = ask(node, "us_l", name=["Juan Perez"], birthDate=["1975-06-07"])
    assert [r["id"] for r in res["results"]] == [world["hidden"]]
    assert res["notices"] == []


def test_red_records_raise_no_hit_unless_the_holder_allows(node, world):
    query = {"name": ["Rosa Martinez"], "birthDate": ["1990-01-15"]}
    assert ask(node, "mx_a", **query) == {**ask(node, "mx_a", **query)}
    first = ask(node, "mx_a", **query)
    assert first["results"] == [] and first["notices"] == []
    # us_l (same organisation, not a named recipient) gets nothing either.
    assert ask(node, "us_l", **query)["notices"] == []
    set_red_hits(node, "hsi-red", True)
    [notice] = ask(node, "mx_a", **query)["notices"]
    assert notice["kind"] == "person" and notice["holder"] == "US"


def test_same_query_same_reference_and_answer(node, world):
    query = {"name": ["Juan Carlos Perez"], "birthDate": ["1975-06-07"]}
    a = ask(node, "mx_a", **query)
    b = ask(node, "mx_a", **query)
    assert a == b
    other = ask(node, "mx_b", **query)["notices"][0]["reference"]
    assert other != a["notices"][0]["reference"]
    listed = list_notices(node, node.reader("mx_a"), direction="out")["out"]
    assert [(n["reference"], n["count"]) for n in listed] == [(a["notices"][0]["reference"], 2)]


def test_one_or_many_copies_answer_alike(node, world):
    from matchworld import HIDDEN

    from gugus.ingest import ftm

    query = {"name": ["Juan Perez"], "birthDate": ["1975-06-07"]}
    before = ask(node, "mx_b", **query)
    copy = {**HIDDEN, "id": "hsi-2-copy"}
    ftm.load_lines(node, "hsi-closed", [json.dumps(copy)], source="copy")
    assert ask(node, "mx_b", **query) == before


def test_mirror_notice_to_the_holders_liaison_and_supervisor(node, world):
    ref = ask(node, "mx_a", name=["Juan Perez"], birthDate=["1975-06-07"])["notices"][0]
    for user in ("us_l", "us_s"):
        [mirror] = list_notices(node, node.reader(user), direction="in")["in"]
        assert mirror["reference"] == ref["reference"] and mirror["requester"] == "MX"
        assert mirror["records"] == [{"entity_id": world["hidden"], "collection": "hsi-closed"}]
        assert "have not released" in mirror["message"]
    assert list_notices(node, node.reader("us_a"), direction="in")["in"] == []
    # The requester's organisation: its liaison lists it, another analyst does not.
    assert len(list_notices(node, node.reader("mx_l"), direction="out")["out"]) == 1
    assert list_notices(node, node.reader("mx_b"), direction="out")["out"] == []
    assert {"match", "notice.hit", "notice.mirror", "notice.list"} <= set(actions(node))


def test_every_match_is_audited(node, world):
    ask(node, "mx_a", name=["Maria Garcia"], birthDate=["1980-03-04"])
    with node.db.audit_reader.connect() as conn:
        row = conn.execute(select(audit_log).where(audit_log.c.action == "match")).one()
    assert row.username == "mx_a" and world["visible"] in row.object_ids
    assert json.loads(row.markings)  # the result's marking: supervisors' listings redact it


def test_rate_limit_refuses_and_is_audited(node, world, monkeypatch):
    from gugus.xref import match as match_mod

    monkeypatch.setenv("GUGUS_MATCH_LIMIT_USER", "2/3600")
    match_mod._limiters.pop(node, None)
    ask(node, "mx_a", name=["Maria Garcia"])
    ask(node, "mx_a", name=["Maria Garcia"])
    with pytest.raises(RateLimited):
        ask(node, "mx_a", name=["Maria Garcia"])
    ask(node, "mx_b", name=["Maria Garcia"])  # per user
    assert actions(node).count("match.refused") == 1


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({}, "body"),
        ({"queries": {}}, "queries"),
        ({"queries": {"q": {"schema": "Vessel", "properties": {}}}}, "queries.q.schema"),
        ({"queries": {"q": {"schema": "Person", "properties": {"wings": ["2"]}}}}, "queries.q"),
        ({"queries": {"q": {"schema": "Nope", "properties": {}}}}, "queries.q"),
        ({"queries": {"q": "Maria"}}, "queries.q"),
    ],
)
def test_bad_requests_name_the_field(node, world, body, where):
    with pytest.raises(InvalidInput) as info:
        match(node, node.reader("mx_a"), body)
    assert info.value.message.startswith(where)


def test_load_summary_and_entity_say_possibly_known_to(node, world):
    from nsids import nsid

    from gugus import reads
    from gugus.ingest import ftm

    lines = [
        {
            "id": "inm-1",
            "schema": "Person",
            "properties": {"name": ["MARIA GARCIA LOPEZ"], "birthDate": ["1980-03-04"]},
        },
        {
            "id": "inm-2",
            "schema": "Person",
            "properties": {"name": ["JUAN PEREZ HERNANDEZ"], "birthDate": ["1975-06-07"]},
        },
        {"id": "inm-3", "schema": "Person", "properties": {"name": ["NADIE CONOCIDO"]}},
    ]
    reader = node.reader("mx_a")
    summary = ftm.load_lines(node, "inm", [json.dumps(x) for x in lines], source="t", actor=reader)
    data = summary.to_dict()
    assert data["possibly_known_to"] == [{"org": "US", "records": 1}]
    [notice] = data["notices"]
    assert notice["kind"] == "person" and notice["holder"] == "US"
    raw = json.dumps(data, ensure_ascii=False)
    for value in [*HIDDEN_VALUES, world["hidden"]]:
        assert value not in raw, value
    entity = reads.get_entity(node, reader, nsid("MX", "inm-1"), known=True)
    assert entity["possibly_known_to"] == [{"org": "US", "records": 1}]
    # Only what the reader may see: the hidden record is not "known to" anyone here.
    assert (
        reads.get_entity(node, reader, nsid("MX", "inm-2"), known=True)["possibly_known_to"] == []
    )
    # The US analyst sees MX's record? No (inm is not released): nothing known.
    mirror = list_notices(node, node.reader("us_l"), direction="in")["in"]
    assert [m["records"][0]["entity_id"] for m in mirror] == [world["hidden"]]


def test_migration_backfill_rebuilds_the_index(node, world):
    from sqlalchemy import delete

    from gugus.store import match as match_sql
    from gugus.store.tables import match_keys

    with node.db.reader.connect() as conn:
        before = sorted(tuple(r) for r in conn.execute(select(match_keys)).all())
    assert before  # names, birth dates, phones, passports of the three persons
    with node.db.writer.begin() as conn:
        conn.execute(delete(match_keys))
        match_sql.backfill(conn)
    with node.db.reader.connect() as conn:
        assert sorted(tuple(r) for r in conn.execute(select(match_keys)).all()) == before


def test_remarking_moves_the_keys(node, world):
    """A statement loaded again under a stricter marking takes its keys along:
    the record that was a result becomes a notice."""
    from matchworld import VISIBLE

    from gugus.ingest import ftm

    query = {"name": ["Maria Garcia"], "birthDate": ["1980-03-04"]}
    assert ask(node, "mx_a", **query)["results"]
    stricter = {**VISIBLE, "marking": {"tlp": "amber+strict", "handling": [], "release_to": []}}
    ftm.load_lines(node, "hsi", [json.dumps(stricter)], source="again")
    res = ask(node, "mx_a", **query)
    assert res["results"] == [] and [n["kind"] for n in res["notices"]] == ["person"]


def test_hidden_crowd_does_not_push_out_a_visible_result(node, world, monkeypatch):
    """A key's postings are cut per visibility: hundreds of hidden records
    sharing the visible record's name change neither its result nor the
    visible answer (was: one cut in entity-id order, hidden rows included,
    so hidden data decided whether the visible record was found)."""
    from gugus.ingest import ftm
    from gugus.xref import match as match_mod

    monkeypatch.setattr(match_mod, "CAP", 5)
    query = {"name": ["Maria Garcia"]}
    before = ask(node, "mx_a", **query)
    assert [r["id"] for r in before["results"]] == [world["visible"]]
    crowd = [
        json.dumps(
            {"id": f"crowd-{i}", "schema": "Person", "properties": {"name": ["María García"]}}
        )
        for i in range(40)
    ]
    ftm.load_lines(node, "hsi-closed", crowd, source="crowd")
    after = ask(node, "mx_a", **query)
    assert [r["id"] for r in after["results"]] == [world["visible"]]

"""The leak property test of the online match and hit notices.

Random worlds (``leakworld``) whose persons also carry phones and birth
dates; for every user and query, the match answers exactly what the policy
allows, recomputed here from the world:

- results: exactly the entities found through a statement the user may see
  that score at least the cutoff on what the user may see, each showing
  exactly its visible values (never a hidden one, in properties or in the
  explanation);
- notices: exactly one per (holder, kind) for entities found only through
  statements the user may not see whose non-RED statements match — nothing
  but reference, kind, holder, contact, time and message;
- notice listings: a user lists only notices addressed to it (liaison
  officers and supervisors: to its organisation), and mirror records only of
  entities it may see.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from leakworld import SHOWN, SLOW_EXAMPLES, WORDS, final_markings, rebuild, sees, worlds

from gugus import reads
from gugus.share.notices import list_notices
from gugus.xref import match_score
from gugus.xref.match import match
from gugus.xref.match_keys import query_keys

PHONES = ["+525512345678", "+12025550123"]
DATES = ["1980-03-04", "1980-04-03", "1991-12-30"]
NOTICE_FIELDS = {"reference", "kind", "what", "holder", "contact", "time", "message"}
IN_FIELDS = {
    "reference",
    "kind",
    "what",
    "requester",
    "contact",
    "time",
    "last",
    "count",
    "records",
}
IN_FIELDS |= {"message"}
TYPES = {"name": "name", "phone": "phone", "birthDate": "date", "notes": "text"}


@st.composite
def match_worlds(draw):
    world = draw(worlds())
    for _coll, line in world["lines"]:
        if draw(st.booleans()):
            line["properties"]["phone"] = [draw(st.sampled_from(PHONES))]
        if draw(st.booleans()):
            line["properties"]["birthDate"] = [draw(st.sampled_from(DATES))]
    queries = draw(
        st.lists(
            st.fixed_dictionaries(
                {"name": st.tuples(st.sampled_from(WORDS), st.sampled_from(WORDS))},
                optional={
                    "phone": st.sampled_from(PHONES),
                    "birthDate": st.sampled_from(DATES),
                },
            ),
            min_size=1,
            max_size=3,
        )
    )
    return world, queries


def query_props(q) -> dict[str, list[str]]:
    props = {"name": [f"{SHOWN[q['name'][0]]} {SHOWN[q['name'][1]]}"]}
    for p in ("phone", "birthDate"):
        if p in q:
            props[p] = [q[p]]
    return props


def statement_keys_of(prop: str, value: str) -> set[str]:
    return {k for _, k in query_keys("Person", {prop: [value]})} if prop != "id" else set()


def exact_keys(prop: str, value: str) -> set[str]:
    """Keys a stored statement is indexed under (a birth date without its swap)."""
    if prop == "birthDate":
        return {f"b:{value}"}
    return statement_keys_of(prop, value)


def expectations(world, user, props):
    final = final_markings(world)
    qkeys = {k for _, k in query_keys("Person", props)}
    by_entity: dict[str, list] = {}
    for (eid, prop, value, coll), (ms, owner) in final.items():
        seen = all(sees(user, m, owner) for m in ms)
        red = any(m["tlp"] == "red" for m in ms)
        by_entity.setdefault(eid, []).append((prop, value, coll, seen, red, owner))
    results, notices = {}, set()
    for eid, stmts in by_entity.items():
        found_seen = any(s[3] and exact_keys(s[0], s[1]) & qkeys for s in stmts)
        found_hidden = any(not s[3] and exact_keys(s[0], s[1]) & qkeys for s in stmts)
        if found_seen:
            visible = {}
            for prop, value, *_ in (s for s in stmts if s[3] and s[0] != "id"):
                visible.setdefault(prop, []).append(value)
            sc = match_score.score(props, visible, TYPES)
            if sc.score >= match_score.CUTOFF:
                results[eid] = visible
        elif found_hidden:
            eligible = [s for s in stmts if not s[4]]
            if not any(not s[3] for s in eligible if s[0] != "id"):
                continue
            cprops = {}
            for prop, value, *_ in (s for s in eligible if s[0] != "id"):
                cprops.setdefault(prop, []).append(value)
            if not cprops:
                continue
            sc = match_score.score(props, cprops, TYPES)
            owner = stmts[0][5]
            kinds = sc.selectors | ({"person"} if sc.match else set())
            notices |= {(owner, k) for k in kinds}
    return results, notices


def check(node, world, queries) -> None:
    for user in world["users"]:
        reader = node.reader(user["name"])
        for q in queries:
            props = query_props(q)
            out = match(
                node,
                reader,
                {"queries": {"q": {"schema": "Person", "properties": props}}},
                limit=50,
            )
            res = out["responses"]["q"]
            want, want_notices = expectations(world, user, props)
            got = {r["id"]: r for r in res["results"]}
            assert set(got) == set(want), (user, props)
            for eid, r in got.items():
                shown = {(p, v) for p, vs in r["properties"].items() for v in vs}
                assert shown == {(p, v) for p, vs in want[eid].items() for v in vs}, (user, eid)
                for e in r["explanation"]:
                    assert (
                        e["candidate"] in {v for vs in want[eid].values() for v in vs}
                        or ", " in e["candidate"]
                    )
            assert {(n["holder"], n["kind"]) for n in res["notices"]} == want_notices, (user, props)
            for n in res["notices"]:
                assert set(n) == NOTICE_FIELDS
        check_listings(node, world, user)


def check_listings(node, world, user) -> None:
    final = final_markings(world)
    visible_entities = {
        eid for (eid, *_), (ms, owner) in final.items() if all(sees(user, m, owner) for m in ms)
    }
    reader = node.reader(user["name"])
    listed = list_notices(node, reader)
    org_wide = user["role"] in ("liaison", "supervisor")
    colleagues = {u["name"] for u in world["users"] if u["org"] == user["org"]}
    for n in listed["out"]:
        # Liaison officers and supervisors: every notice addressed to their
        # organisation or one of its users; others: their own only.
        assert n["recipient"] in ({user["org"], *colleagues} if org_wide else {user["name"]})
    for n in listed["in"]:
        assert org_wide
        assert set(n) == IN_FIELDS  # the requester's contact point, nothing of its query
        for rec in n["records"]:
            assert rec["entity_id"] in visible_entities
    if not org_wide:
        assert listed["in"] == []
    # "possibly known to" on an entity read names only organisations holding
    # enough *other* entities the reader may see.
    holders: dict[str, set] = {}
    for (eid, _p, _v, _coll), (ms, owner) in final.items():
        if all(sees(user, m, owner) for m in ms):
            holders.setdefault(owner, set()).add(eid)
    for eid in sorted(visible_entities):
        for known in reads.get_entity(node, reader, eid, known=True)["possibly_known_to"]:
            assert known["org"] != user["org"]
            assert known["records"] <= len(holders.get(known["org"], set()) - {eid}), (user, eid)
    assert json.dumps(listed)  # serialisable, as the API sends it


def test_match_and_notices_leak_nothing(node, monkeypatch):
    monkeypatch.setenv("GUGUS_MATCH_LIMIT_USER", "off")

    @settings(suppress_health_check=SLOW_EXAMPLES)
    @given(data=match_worlds())
    def run(data):
        world, queries = data
        rebuild(node, world)
        check(node, world, queries)

    run()

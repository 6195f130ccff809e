"""Search with exact totals, facets and filters (gugus.search_facets), on
SQLite and PostgreSQL: counts are exact and count only what the reader may
see; phones match in any common form; a country's name in Spanish or
English, or its code, finds its nationals."""

from __future__ import annotations

import json
from collections import Counter
from types import SimpleNamespace

import pytest
import searchworld as sw
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from gugus import search_facets
from gugus.errors import InvalidInput
from gugus.store.tables import statements
from gugus.xref import judgements


@pytest.fixture
def world(node):
    sw.build(node)
    return node


def ids(result) -> set[str]:
    return {r["id"] for r in result["results"]}


def facet(result, name) -> dict[str, int]:
    return {f["value"]: f["count"] for f in result["facets"][name]}


def test_total_and_facets_are_exact_and_visible_only(world):
    bob = world.reader("bob")
    found = search_facets.search(world, bob, "perez")
    assert ids(found) == {sw.P1, sw.P2, sw.C1, sw.H1}
    assert found["total"] == 4 and found["facets_capped"] is False
    assert facet(found, "schema") == {"Person": 3, "Company": 1}
    assert facet(found, "collection") == {"fgr-casos": 3, "hsi-leads": 1}
    assert facet(found, "org") == {"MX-FGR": 3, "US-HSI": 1}
    # nationality hn (p-1, h-1), gt (p-2); jurisdiction mx and the
    # collections' countries; never the RED nationality sv of p-2.
    assert facet(found, "country") == {"mx": 3, "hn": 2, "gt": 1, "us": 1}
    assert found["facets"]["schema"][0] == {"value": "Person", "count": 3}

    ana = world.reader("ana")
    mine = search_facets.search(world, ana, "perez")
    assert mine["total"] == 5
    assert facet(mine, "country") == {"mx": 3, "gt": 2, "hn": 2, "us": 1, "sv": 1}
    assert facet(mine, "org") == {"MX-FGR": 3, "US-HSI": 1, "GT-MP": 1}


def test_a_red_value_is_neither_found_nor_counted(world):
    bob = world.reader("bob")
    for query in (sw.RED_WORD, "El Salvador", "sv"):
        found = search_facets.search(world, bob, query)
        assert found["total"] == 0 and found["results"] == [], query
        assert all(values == [] for values in found["facets"].values())
    assert sw.RED_WORD not in str(search_facets.search(world, bob, "perez"))
    ana = world.reader("ana")
    assert ids(search_facets.search(world, ana, sw.RED_WORD)) == {sw.P2, sw.P3}
    assert search_facets.search(world, ana, "El Salvador")["total"] == 2


@pytest.mark.parametrize(
    "query",
    ["2221859062", "222 185 9062", "+52 222 185 9062", "52 222 185 9062", "(222) 185-9062"],
)
def test_phones_match_in_any_common_form(world, query):
    found = search_facets.search(world, world.reader("bob"), query)
    assert ids(found) == {sw.P1} and found["total"] == 1


@pytest.mark.parametrize("query", ["(713) 224-0142", "713.224.0142", "+1 713 224 0142"])
def test_us_phone_layouts(world, query):
    assert ids(search_facets.search(world, world.reader("bob"), query)) == {sw.H1}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Honduras", {sw.P1, sw.H1}),
        ("hn", {sw.P1, sw.H1}),
        ("HN", {sw.P1, sw.H1}),
        ("Guatemala", {sw.P2}),
        ("Estados Unidos", {sw.H2}),
        ("United States", {sw.H2}),
        ("México", {sw.C1}),
    ],
)
def test_country_names_in_spanish_and_english_find_nationals(world, query, expected):
    assert ids(search_facets.search(world, world.reader("bob"), query)) == expected


def test_filters_apply_within_the_reader_view(world):
    bob = world.reader("bob")

    def run(**filters):
        found = search_facets.search(world, bob, "perez", **filters)
        assert found["total"] == len(found["results"])
        return ids(found)

    assert run(schema=["Company"]) == {sw.C1}
    assert run(schema=["Company", "Person"]) == {sw.P1, sw.P2, sw.C1, sw.H1}
    assert run(collection=["hsi-leads"]) == {sw.H1}
    assert run(org=["MX-FGR"]) == {sw.P1, sw.P2, sw.C1}
    assert run(country=["hn"]) == {sw.P1, sw.H1}
    assert run(country=["Honduras"]) == {sw.P1, sw.H1}
    assert run(country=["mx"]) == {sw.P1, sw.P2, sw.C1}  # the collection's country
    assert run(country=["gt"], org=["MX-FGR"]) == {sw.P2}
    assert run(country=["sv"]) == set()  # only through a RED value bob may not see
    # A collection bob may not see filters like one that does not exist.
    assert run(collection=["mp-gt"]) == run(collection=["nope"]) == set()
    filtered = search_facets.search(world, bob, "perez", org=["MX-FGR"])
    assert filtered["filters"] == {"org": ["MX-FGR"]}
    assert facet(filtered, "org") == {"MX-FGR": 3}
    assert facet(filtered, "schema") == {"Person": 2, "Company": 1}


def test_bad_filters_are_invalid_input(world):
    bob = world.reader("bob")
    with pytest.raises(InvalidInput, match="schema"):
        search_facets.search(world, bob, "perez", schema=["Nope"])
    with pytest.raises(InvalidInput, match="country"):
        search_facets.search(world, bob, "perez", country=["Atlantis"])


def test_paging_keeps_the_total(world):
    bob = world.reader("bob")
    first = search_facets.search(world, bob, "perez", limit=3)
    second = search_facets.search(world, bob, "perez", limit=3, offset=3)
    assert first["total"] == second["total"] == 4
    assert len(first["results"]) == 3 and len(second["results"]) == 1
    assert ids(first) | ids(second) == {sw.P1, sw.P2, sw.C1, sw.H1}
    assert first["facets"] == second["facets"]


def test_a_resolved_entity_counts_once(world):
    bob = world.reader("bob")
    judgements.judge(world, bob, sw.P1, sw.H1, "same", "same phone owner")
    found = search_facets.search(world, bob, "jose perez")
    assert found["total"] == 1 and len(found["results"]) == 1
    assert sorted(found["results"][0]["members"]) == sorted([sw.P1, sw.H1])
    assert facet(found, "org") == {"MX-FGR": 1, "US-HSI": 1}
    assert facet(found, "country") == {"hn": 1, "mx": 1, "us": 1}


@pytest.mark.parametrize("cap", [2, 500])
def test_the_index_of_entities_answers_as_the_statements_do(world, monkeypatch, cap):
    """A one-word search walked by entity number (ids read for the kept
    pages only) gives what the walk over the statements' matched ids gives:
    every page, total, facet and member, with clusters, for every reader —
    also past the ids a result keeps (computed again)."""
    bob, ana = world.reader("bob"), world.reader("ana")
    judgements.judge(world, bob, sw.P1, sw.H1, "same", "same phone owner")
    judgements.judge(world, ana, sw.P2, sw.G1, "same", "same woman")
    judgements.judge(world, ana, sw.P1, sw.C1, "different", "a person is no company")
    monkeypatch.setattr(search_facets, "FACET_CAP", cap)
    monkeypatch.setattr(search_facets, "SHARED_ORDER", 1)
    numbered = search_facets.stmt_sql.matched_numbers

    def pages(reader, query):
        world.search_results.clear()
        return [search_facets.search(world, reader, query, limit=1, offset=o) for o in range(6)]

    for name, _, _ in sw.USERS:
        reader = world.reader(name)
        for query in ("perez", "pérez", "hn", "perez smith", "nothing"):
            monkeypatch.setattr(search_facets.stmt_sql, "matched_numbers", numbered)
            by_number = pages(reader, query)
            monkeypatch.setattr(search_facets.stmt_sql, "matched_numbers", lambda *a: None)
            assert by_number == pages(reader, query), (name, query)
    monkeypatch.setattr(search_facets.stmt_sql, "matched_numbers", numbered)
    merged = search_facets.search(world, bob, "perez", limit=10)
    assert merged["total"] == 3  # P1 and H1 as one
    assert [sorted(r.get("members", [])) for r in merged["results"] if "members" in r] == [
        sorted([sw.P1, sw.H1])
    ]


def test_facets_over_many_results_are_capped_honestly(world, monkeypatch):
    monkeypatch.setattr(search_facets, "FACET_CAP", 2)
    found = search_facets.search(world, world.reader("bob"), "perez")
    assert found["total"] == 4 and found["facets_capped"] is True
    assert sum(f["count"] for f in found["facets"]["schema"]) == 2


def test_phone_and_country_words_of_data_stored_before_0008(node):
    """Migration 0008 indexes stored phones by their national number and
    countries by their code: data loaded before it is found too."""
    from alembic import command

    sw.build(node)
    bob = node.reader("bob")
    with node.db.writer.begin() as conn:
        command.downgrade(node.db._alembic(conn), "0007_relations")
    with node.db.reader.connect() as conn:
        rows = conn.execute(
            statements.select().where(statements.c.prop_type.in_(["country", "phone"]))
        ).all()
    assert all(r.search_text is None for r in rows if r.prop_type == "country")
    phones = [r.search_text for r in rows if r.prop_type == "phone"]
    assert phones and not any(" a1x2221859062" in f" {t}" for t in phones)  # whole word
    node.db.migrate()  # (today's code reads the schema of 0009: searched after)
    assert ids(search_facets.search(node, bob, "2221859062")) == {sw.P1}
    assert ids(search_facets.search(node, bob, "Honduras")) == {sw.P1, sw.H1}


def test_check_accepts_the_new_search_words(world):
    from gugus.check import check

    assert check(world).ok
    with world.db.writer.begin() as conn:
        conn.execute(
            update(statements).where(statements.c.prop_type == "country").values(search_text=None)
        )
    assert check(world).damaged_count == 8  # every country statement


def test_a_kept_result_reads_back_as_it_was():
    """Workers share results as JSON (gugus.shared_results): the clusters
    of one id are left out and come back, the others are kept whole —
    including a cluster whose canonical id is none of its members'."""
    found = search_facets._Found(
        order=["c", "a", "nk-1"],
        members={"c": frozenset({"c"}), "a": frozenset({"a", "b"}), "nk-1": frozenset({"x"})},
        total=7,
        facets={"schema": [{"value": "Person", "count": 3}]},
        facets_marking=None,
    )
    kept = json.loads(json.dumps(found.to_json()))
    assert set(kept["members"]) == {"a", "nk-1"}
    assert search_facets._Found.from_json(kept) == found


_row = st.tuples(
    st.sampled_from(["e1", "e2", "e3", "e4", "e5"]),
    st.sampled_from([("Person",), ("Person", "LegalEntity"), ("Company",)]),
    st.sampled_from([(1,), (2,), (1, 2), (3,), (9,)]),  # 9: not a visible collection
    st.sampled_from([(), ("MX",), ("mx", "hn"), ("us",)]),
    st.integers(1, 3),
)


@given(rows=st.lists(_row, max_size=12), clusters=st.booleans())
def test_facets_count_each_value_once_per_resolved_entity(rows, clusters):
    """Entities of one row are counted together by what they hold; that
    gives the same counts as every (facet, value, entity) counted once —
    also for entities of several rows (markings), and for members of one
    cluster (resolved to one id)."""
    colls = {
        1: SimpleNamespace(name="hsi", org="US-HSI", country="US"),
        2: SimpleNamespace(name="fgr", org="MX-FGR", country="mx"),
        3: SimpleNamespace(name="uif", org="MX-FGR", country=None),
    }
    canonical = {"e1": "e1", "e2": "e1" if clusters else "e2"}.get

    def naive() -> dict:
        seen = set()
        for entity, schemata, cids, countries, _ in rows:
            entity = canonical(entity) or entity
            seen |= {("schema", s, entity) for s in schemata}
            seen |= {("country", c.lower(), entity) for c in countries}
            for cid in cids:
                if cid in colls:
                    c = colls[cid]
                    seen |= {("collection", c.name, entity), ("org", c.org, entity)}
                    if c.country:
                        seen.add(("country", c.country.lower(), entity))
        counts = Counter((f, v) for f, v, _ in seen)
        return {(f, v): n for (f, v), n in counts.items()}

    counted = search_facets._count(rows, lambda e: canonical(e) or e, colls)
    assert {(f, x["value"]): x["count"] for f, xs in counted.items() for x in xs} == naive()

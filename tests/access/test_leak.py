"""The property-based leak test.

Random organisations, users, collections, markings and statements; for every
user, every read path (entity, search, export — FtM and HTCDS —, collection
listing, audit listing, PPRL encode and resolve, an entity's relationships on
worlds with links; search totals, facets and filters) must return exactly what the
rules allow — not one statement more, not one less.  The oracle below restates the rules independently of
``gugus.access`` so a wrong policy fails here too.  Ids are chosen as a
hostile organisation would (the same ids in every organisation, ids with dots,
its own and other organisations' signed ids); the oracle computes the
namespaced ids independently of gugus (``nsids.py``).

Runs the hypothesis profile's examples per backend (tests/conftest.py: 100 in CI).
"""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from leakpprl import check_pprl
from leakrelations import EXAMPLE, check_relationships
from leakworld import (
    COUNTRIES,
    SLOW_EXAMPLES,
    WORDS,
    check_audit_listing,
    country_hits,
    expected_search,
    expected_statements,
    fold_words,
    forget,
    got_search,
    probe_ids,
    read_id,
    rebuild,
    search_hits,
    sees,
    worlds,
)

from gugus import reads, relations, search_facets
from gugus.errors import Forbidden, NotFound
from gugus.htcds_export import export_htcds
from gugus.node import Node

WORD_SET = frozenset(WORDS)


def statement_set(entity: dict) -> set:
    return {(s["entity_id"], s["prop"], s["value"], s["collection"]) for s in entity["statements"]}


def check_htcds_export(node, reader, collection: str, want: set, tmp: Path) -> None:
    """The HTCDS export holds only what the reader may see: every row is a
    visible entity, and every word in its cells comes from that entity's
    visible values (the world's names and notes draw on one small vocabulary,
    so an invisible value would bring a word the visible ones lack)."""
    out = tmp / f"{reader.username}-{collection}.csv"
    export_htcds(node, reader, collection, out, fmt="csv")
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[2:]
    id_col = header.index("gugus_entity_id")
    words: dict[str, set] = {}
    for s in want:
        if s[1] != "id":
            words.setdefault(s[0], set()).update(fold_words(s[2]))
    for row in body:
        eid = row[id_col]
        assert eid in {s[0] for s in want}, (reader.username, collection, eid)
        for code, cell in zip(header, row, strict=False):
            if code.startswith("gugus_") or not cell:
                continue
            for word in fold_words(cell.replace(";", " ").replace(":", " ")):
                if word in WORD_SET:
                    assert word in words.get(eid, set()), (reader.username, collection, eid, code)


def check_search_filters(node, world, user, allowed: set) -> None:
    """A country's name finds its visible nationals only; the filters keep
    exactly the hits with a visible statement of the collection, of a
    collection of the organisation, or of the country (a nationality or a
    collection's country); a collection the reader may not see filters like
    a missing one."""
    reader = node.reader(user["name"])
    colls = {c["name"]: c for c in world["collections"]}
    for code, name in COUNTRIES.items():
        hits = country_hits(allowed, code)
        result = search_facets.search(node, reader, name, limit=100)
        assert {r["id"] for r in result["results"]} == hits, (user, name)
        assert got_search(result) == expected_search(world, allowed, hits), (user, name)
    word = WORDS[0]
    hits = search_hits(allowed, word)

    def having(test) -> set:
        return {e for e in hits if any(s[0] == e and test(s) for s in allowed)}

    def filtered(**filters) -> set:
        result = search_facets.search(node, reader, word, limit=100, **filters)
        assert result["total"] == len(result["results"])
        return {r["id"] for r in result["results"]}

    for c in [*world["collections"], {"name": "c-missing"}]:
        assert filtered(collection=[c["name"]]) == having(lambda s, c=c: s[3] == c["name"])
    for org in world["orgs"]:
        assert filtered(org=[org]) == having(lambda s, org=org: colls[s[3]]["org"] == org)
    for code in COUNTRIES:
        want = having(
            lambda s, code=code: (
                (s[1] == "nationality" and s[2] == code) or colls[s[3]].get("country") == code
            )
        )
        assert filtered(country=[code]) == want, (user, code)


def check_world(node, world, tmp: Path, twin=None) -> None:
    """``twin``: a second Node on the same store standing for another worker
    of the same server (both sharing search results, gugus.shared_results):
    its searches are answered from what ``node`` kept, and must hold too."""
    for user in world["users"]:
        reader = node.reader(user["name"])
        allowed = expected_statements(world, user)

        # entity: by every organisation's id for each chosen id, and bare
        # (the reader's own organisation's namespace)
        for eid in probe_ids(world):
            want = {s for s in allowed if s[0] == read_id(world, user, eid)}
            if not want:
                with pytest.raises(NotFound):
                    reads.get_entity(node, reader, eid)
                continue
            got = reads.get_entity(node, reader, eid, with_statements=True)
            assert statement_set(got) == want, (user, eid)
            assert {(p, v) for p, vs in got["properties"].items() for v in vs} == {
                (s[1], s[2]) for s in want if s[1] != "id"
            }

        # search: every word; hits only through visible text, entities shown
        # only as visible; the total and every facet count recounted from the
        # reader's visible statements (a hidden nationality, collection or
        # organisation is never counted, nor named)
        for word in WORDS:
            hits = search_hits(allowed, word)
            for searcher in (node, twin) if twin is not None else (node,):
                result = reads.search(searcher, reader, word, limit=100)
                assert {r["id"] for r in result["results"]} == hits, (user, word)
                assert got_search(result) == expected_search(world, allowed, hits), (user, word)
                for r in result["results"]:
                    want = {(s[1], s[2]) for s in allowed if s[0] == r["id"] and s[1] != "id"}
                    assert {(p, v) for p, vs in r["properties"].items() for v in vs} == want
        check_search_filters(node, world, user, allowed)

        # collections listing and export
        visible_colls = {
            c["name"] for c in world["collections"] if sees(user, c["marking"], c["org"])
        }
        assert {c["name"] for c in reads.visible_collections(node, reader)} == visible_colls
        for c in world["collections"]:
            if c["name"] not in visible_colls:
                with pytest.raises(NotFound):
                    list(reads.export_collection(node, reader, c["name"]))
                continue
            got = set()
            for text in reads.export_collection(node, reader, c["name"]):
                line = json.loads(text)
                got.add((line["id"], "id", line["id"], c["name"]))
                got.update(
                    (line["id"], p, v, c["name"])
                    for p, vs in line["properties"].items()
                    for v in vs
                )
            want = {s for s in allowed if s[3] == c["name"]}
            # An entity whose only visible statements are property values still
            # exports a line (its id is implied by the line, not a statement).
            assert {s for s in got if s[1] != "id"} == {s for s in want if s[1] != "id"}
            assert {s[0] for s in got} == {s[0] for s in want}
            check_htcds_export(node, reader, c["name"], want, tmp)
        check_pprl(node, world, user, allowed, visible_colls, tmp)

        if user["role"] != "supervisor":
            with pytest.raises(Forbidden):
                reads.list_audit(node, reader)

    # audit listing, once every read above is on record: the supervisor of
    # every organisation sees exactly its organisation's records, each in full
    # only if it may see every object and every marking the record used.
    for user in world["users"]:
        if user["role"] == "supervisor":
            check_audit_listing(node, world, user)


def test_no_read_path_leaks(node, tmp_path):
    twin = Node(node.db.url)  # another worker of the same server
    node.share_results()
    twin.share_results()

    @settings(suppress_health_check=SLOW_EXAMPLES)
    @given(world=worlds())
    def run(world):
        rebuild(node, world)
        forget(twin)
        check_world(node, world, tmp_path, twin)

    try:
        run()
    finally:
        twin.close()


def test_no_relationship_leaks(node):
    """The entity page's relationships, on worlds with links between the
    persons (families, payments, unknown links; ends marked apart)."""
    examples = max(20, settings().max_examples // 2)

    @settings(max_examples=examples, suppress_health_check=SLOW_EXAMPLES)
    @given(world=worlds(links=True))
    @example(world=copy.deepcopy(EXAMPLE))
    def run(world):
        rebuild(node, world)
        for user in world["users"]:
            reader = node.reader(user["name"])

            def missing(entity_id, reader=reader):
                with pytest.raises(NotFound):
                    relations.relationships(node, reader, entity_id)

            check_relationships(
                lambda eid, reader=reader: relations.relationships(node, reader, eid, limit=200),
                world,
                user,
                missing,
            )

    run()

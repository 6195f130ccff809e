"""The search total without filters is counted from the distinct matched
ids, resolving only the judged ones, and the page is walked newest first:
it must answer what resolving every match answers (the filtered path
still does), also when a cluster's members lie past the walk."""

from __future__ import annotations

import pytest

from gugus import search_facets
from gugus.xref import resolver
from gugus.xref.judgements import judge


def _both(jw, reader, **options):
    """The unfiltered answer and the one through the filtered path (a
    filter every match passes: all of them are people)."""
    plain = search_facets.search(jw.node, reader, "perez", **options)
    filtered = search_facets.search(jw.node, reader, "perez", schema=["Person"], **options)
    return plain, filtered


@pytest.mark.parametrize("cap", [search_facets.FACET_CAP, 1])
def test_the_total_and_facets_count_a_resolved_entity_once(jw, monkeypatch, cap):
    monkeypatch.setattr(search_facets, "FACET_CAP", cap)
    mx = jw.readers["mx"]
    a1, u1, u3 = (jw.id(x) for x in ("a1", "u1", "u3"))
    judge(jw.node, mx, a1, u1, "same")
    judge(jw.node, mx, u1, u3, "same")
    canonical = resolver.canonical_id([a1, u1, u3])
    for offset in range(4):
        plain, filtered = _both(jw, mx, limit=1, offset=offset)
        assert plain["total"] == filtered["total"] == 3  # a1 a2 h1 u1 u3: 5 matches, 3 entities
        assert plain["results"] == filtered["results"]
        assert plain["facets"] == filtered["facets"]
        assert plain["facets_capped"] == filtered["facets_capped"] == (cap < 3)
    ids = [
        r["id"]
        for offset in range(3)
        for r in search_facets.search(jw.node, mx, "perez", limit=1, offset=offset)["results"]
    ]
    assert canonical in ids and len(set(ids)) == 3


def test_a_reader_who_may_not_see_the_judgement_counts_every_match(jw):
    mx, gt = jw.readers["mx"], jw.readers["gt"]
    judge(jw.node, mx, jw.id("a1"), jw.id("u1"), "same")
    plain, filtered = _both(jw, gt, limit=5)
    assert plain["total"] == filtered["total"]
    assert plain["facets"] == filtered["facets"]
    assert [r["id"] for r in plain["results"]] == [r["id"] for r in filtered["results"]]

"""The review list: undecided pairs, most probable first, per reader (the
pairs come through the xref part's visible listing; a list stands in here)."""

from __future__ import annotations

from gugus.xref.judgements import judge
from gugus.xref.review import review


def source(jw, *pairs):
    rows = [
        {"left": jw.id(a), "right": jw.id(b), "probability": p}
        for a, b, p in sorted(pairs, key=lambda x: -x[2])
    ]

    def fetch(_conn, _scope, limit, offset):
        return rows[offset : offset + limit]

    return fetch


def names(jw, items):
    back = {jw.id(x): x for x in ("a1", "a2", "h1", "u1", "u2", "u3", "r1")}
    return [(back[p["left"]], back[p["right"]], p["judgement"]) for p in items]


PAIRS = [
    ("h1", "u1", 0.99),
    ("a1", "u1", 0.95),
    ("a2", "u2", 0.9),
    ("u1", "u3", 0.8),
    ("a1", "u3", 0.7),
    ("u1", "u2", 0.6),
    ("a2", "u3", 0.5),
]


def test_undecided_pairs_most_probable_first(jw):
    mx, us = jw.readers["mx"], jw.readers["us"]
    fetch = source(jw, *PAIRS)
    everything = [(a, b, None) for a, b, _ in PAIRS]
    assert names(jw, review(jw.node, mx, fetch)) == everything
    # h1 is MX only: US never sees a pair naming it
    assert names(jw, review(jw.node, us, fetch)) == everything[1:]

    judge(jw.node, mx, jw.id("a1"), jw.id("u1"), "same")  # decided
    judge(jw.node, mx, jw.id("a1"), jw.id("u3"), "same")  # joins u1 and u3 through a1
    judge(jw.node, mx, jw.id("a2"), jw.id("u2"), "unsure")  # still open
    judge(jw.node, mx, jw.id("a1"), jw.id("u2"), "different")  # u1 = a1 ≠ u2 blocks u1–u2
    assert names(jw, review(jw.node, mx, fetch)) == [
        ("h1", "u1", None),
        ("a2", "u2", "unsure"),
        ("a2", "u3", None),
    ]
    # paging over undecided pairs only
    pages = [review(jw.node, mx, fetch, limit=1, offset=i) for i in range(4)]
    assert [names(jw, p) for p in pages] == [
        [("h1", "u1", None)],
        [("a2", "u2", "unsure")],
        [("a2", "u3", None)],
        [],
    ]


def test_judgements_the_reader_may_not_see_do_not_decide(jw):
    """MX's judgement a1 = u1 carries a1's MX-only birth date: US does not
    see it, so for US the pair is still open (nothing reveals it was judged)."""
    mx, us = jw.readers["mx"], jw.readers["us"]
    fetch = source(jw, ("a1", "u1", 0.9))
    judge(jw.node, mx, jw.id("a1"), jw.id("u1"), "same")
    assert names(jw, review(jw.node, mx, fetch)) == []
    assert names(jw, review(jw.node, us, fetch)) == [("a1", "u1", None)]

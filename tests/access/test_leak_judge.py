"""The leak property test for judgements and resolved entities.

Random worlds (``leakworld``) and random judgements among their entities by
random users.  For every user: each judgement attempt succeeds exactly when
the judge may see both entities; entity reads (by member and by canonical
id), search and judgement listings return exactly what the oracle allows —
clusters built only from the judgements the user may see between entities
the user may see (a chain through a hidden entity never joins), each
resolved entity with exactly its members' visible statements — and no
content of anything else.  The oracle's clusters are computed here,
independently of ``gugus.xref.resolver``; a judgement's visibility is the
oracle's ``sees`` applied to its stored marking, which is checked to be at
least as restrictive as everything its judge saw.
"""

from __future__ import annotations

import hashlib
import json
from itertools import combinations

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from leakworld import (
    SLOW_EXAMPLES,
    WORDS,
    check_audit_listing,
    expected_statements,
    rebuild,
    search_hits,
    sees,
    stored_id,
    stored_markings,
    worlds,
)
from nsids import nsid
from reviewworld import store_run
from sqlalchemy import select

from gugus import reads
from gugus.errors import InvalidInput, NotFound
from gugus.ingest import ftm
from gugus.store.tables import judgements, statements, xref_pairs
from gugus.xref import queue
from gugus.xref.judgements import judge, list_judgements

VERDICTS = ["same", "same", "same", "different", "unsure"]


@st.composite
def judged_worlds(draw):
    world = draw(worlds())
    n_lines, n_users = len(world["lines"]), len(world["users"])
    world["judgements"] = draw(
        st.lists(
            st.tuples(
                st.integers(0, n_users - 1),
                st.integers(0, n_lines - 1),
                st.integers(0, n_lines - 1),
                st.sampled_from(VERDICTS),
                st.booleans(),  # a judge who may see both, if there is one
            ),
            min_size=3,
            max_size=16,
        )
    )
    # Lines loaded again after the judging, marked more tightly: a judgement
    # stays visible while an entity it names may no longer be.
    world["tighten"] = draw(st.lists(st.integers(0, n_lines - 1), unique=True, max_size=2))
    return world


STRICT = {"tlp": "amber+strict", "handling": ["H0", "H1", "H2"], "release_to": [], "recipients": []}


def tighten(node, world) -> None:
    """Load the drawn lines again, marked for their organisation only; the
    oracle reads each line loaded like any re-load (never wider).  A line
    under a TLP:RED marking is refused (AMBER+STRICT would be looser), and a
    line refused at first (another organisation's id) is refused again."""
    for index in world["tighten"]:
        coll, line = world["lines"][index]
        again = {"id": line["id"], "schema": "Person", "properties": line["properties"]}
        again["marking"] = STRICT
        summary = ftm.load_lines(
            node, coll["name"], [json.dumps(again)], source="leak-test", on_error="skip"
        )
        if not summary.errors:
            world["lines"].append((coll, again))


def entity_id(world, index: int) -> str:
    coll, line = world["lines"][index]
    # a refused line (another organisation's signed id): an id that exists nowhere
    return stored_id(world, coll, line) or nsid(coll["org"], line["id"] + "-refused")


def canonical(members) -> str:
    return "gc-" + hashlib.sha1(min(members).encode()).hexdigest()  # noqa: S324 - an id


def clusters(edges: list[tuple[int, str, str, str]]) -> dict[str, frozenset]:
    """Entity → cluster: "same" edges joined oldest first unless a
    "different" links the two sides (any member of each)."""
    negative = {frozenset((a, b)) for _, a, b, v in edges if v == "different"}
    of: dict[str, frozenset] = {}
    for _, a, b, v in sorted(edges):
        if v != "same":
            continue
        left, right = of.get(a, frozenset({a})), of.get(b, frozenset({b}))
        if left == right or any(frozenset((x, y)) in negative for x in left for y in right):
            continue
        for m in left | right:
            of[m] = left | right
    return of


def apply_judgements(node, world) -> list[tuple[int, str, str, str, str]]:
    """Judge as drawn; answers the judgements stored (id, left, right,
    verdict, judge), each attempt answered as the oracle says."""
    done = []
    for user_i, a_i, b_i, verdict, capable in world["judgements"]:
        a, b = entity_id(world, a_i), entity_id(world, b_i)
        users = world["users"]
        if capable:
            able = [u for u in users if {a, b} <= {s[0] for s in expected_statements(world, u)}]
            users = able or users
        user = users[user_i % len(users)]
        seen = {s[0] for s in expected_statements(world, user)}
        reader = node.reader(user["name"])
        if a not in seen or b not in seen:
            with pytest.raises(NotFound) as info:
                judge(node, reader, a, b, verdict)
            hidden = a if a not in seen else b
            assert info.value.message == f"entity {hidden!r} not found"
            continue
        if a == b:
            with pytest.raises(InvalidInput):
                judge(node, reader, a, b, verdict)
            continue
        got = judge(node, reader, a, b, verdict)
        left, right = sorted((a, b))
        done.append((got["id"], left, right, verdict, user["name"]))
    return done


def check_judgement_markings(node, world, done) -> dict[int, int]:
    """Stored rows are exactly the judgements made; whoever may see one may
    see everything its judge saw of both entities.  Answers id → marking id."""
    with node.db.reader.connect() as conn:
        rows = conn.execute(select(judgements).order_by(judgements.c.id)).all()
    assert [(r.id, r.left_id, r.right_id, r.verdict, r.username) for r in rows] == done
    marks = stored_markings(node)
    users = {u["name"]: u for u in world["users"]}
    allowed = {u["name"]: expected_statements(world, u) for u in world["users"]}
    for r in rows:
        judge_saw = {s for s in allowed[r.username] if s[0] in (r.left_id, r.right_id)}
        assert sees(users[r.username], *marks[r.marking_id])
        for name, user in users.items():
            if sees(user, *marks[r.marking_id]):
                assert judge_saw <= allowed[name], (name, r.id)
    return {r.id: r.marking_id for r in rows}


def check_user(node, world, user, done, marking_of, all_canonicals) -> None:
    reader = node.reader(user["name"])
    allowed = expected_statements(world, user)
    visible = {s[0] for s in allowed}
    marks = stored_markings(node)
    seen_rows = [d for d in done if sees(user, *marks[marking_of[d[0]]])]
    current: dict[tuple[str, str], tuple] = {}
    for row in seen_rows:
        current[(row[1], row[2])] = row
    edges = [
        (i, a, b, v) for (a, b), (i, _, _, v, _) in current.items() if a in visible and b in visible
    ]
    of = clusters(edges)
    event(f"resolved entities of {len(of) and max(len(m) for m in of.values())} members")
    if any(e[1] not in visible or e[2] not in visible for e in seen_rows):
        event("a visible judgement names an entity the reader may not see")

    def cluster(e):
        return of.get(e, frozenset({e}))

    def content(members):
        return {(s[0], s[1], s[2], s[3]) for s in allowed if s[0] in members}

    # entity reads, by every member id
    for e in sorted(visible):
        members = cluster(e)
        got = reads.get_entity(node, reader, e, with_statements=True)
        got_statements = {
            (s["entity_id"], s["prop"], s["value"], s["collection"]) for s in got["statements"]
        }
        assert got_statements == content(members), (user, e)
        assert {(p, v) for p, vs in got["properties"].items() for v in vs} == {
            (s[1], s[2]) for s in content(members) if s[1] != "id"
        }
        if len(members) > 1:
            assert got["id"] == canonical(members) and got["members"] == sorted(members)
        else:
            assert got["id"] == e and "members" not in got

    # canonical ids: those of the user's clusters read merged, every other
    # one (another user's cluster) answers like a missing entity
    mine = {canonical(m): m for m in of.values()}
    for cid in sorted(all_canonicals):
        if cid in mine:
            got = reads.get_entity(node, reader, cid)
            assert got["members"] == sorted(mine[cid])
        else:
            with pytest.raises(NotFound) as info:
                reads.get_entity(node, reader, cid)
            assert info.value.message == f"entity {cid!r} not found"

    # search: each resolved entity once, with its members' visible values
    for word in WORDS:
        want = {
            canonical(cluster(e)) if len(cluster(e)) > 1 else e for e in search_hits(allowed, word)
        }
        results = reads.search(node, reader, word, limit=100)["results"]
        ids = [r["id"] for r in results]
        assert len(ids) == len(set(ids)) and set(ids) == want, (user, word)
        for r in results:
            members = frozenset(r.get("members", [r["id"]]))
            assert {(p, v) for p, vs in r["properties"].items() for v in vs} == {
                (s[1], s[2]) for s in content(members) if s[1] != "id"
            }

    # judgement listings: visible judgements between visible entities that
    # touch the entity's cluster; an entity not visible answers like a missing one
    for e in sorted({x for d in done for x in d[1:3]}):
        if e not in visible:
            with pytest.raises(NotFound):
                list_judgements(node, reader, e)
            continue
        members = cluster(e)
        want = [
            d[0]
            for d in reversed(seen_rows)
            if (d[1] in members or d[2] in members) and d[1] in visible and d[2] in visible
        ]
        assert [j["id"] for j in list_judgements(node, reader, e)] == want, (user, e)

    # the review queue: exactly the visible pairs between visible entities
    # that the user's visible judgements leave open, counted exactly
    negative = {frozenset((a, b)) for _, a, b, v in edges if v == "different"}
    want = set()
    for left, right, mid in world["pairs"]:
        if not sees(user, *marks[mid]) or left not in visible or right not in visible:
            continue
        verdict = current.get((left, right))
        if verdict is not None and verdict[3] in ("same", "different"):
            continue
        cl, cr = cluster(left), cluster(right)
        if cl == cr or any(frozenset((x, y)) in negative for x in cl for y in cr):
            continue
        want.add((left, right))
    assert queue.review_count(node, reader) == len(want), user
    first = queue.review_pair(node, reader)
    assert first["total"] == len(want)
    for position in range(min(len(want), 3)):
        pair = queue.review_pair(node, reader, position=position)["pair"]
        assert (pair["left"], pair["right"]) in want, (user, pair["left"], pair["right"])
        for side in ("left", "right"):
            members = cluster(pair[side])
            values = {
                (f["prop"], v["value"], v["collection"]) for f in pair["fields"] for v in f[side]
            }
            assert values == {(c[1], c[2], c[3]) for c in content(members) if c[1] != "id"}, user


def store_pairs(node, world) -> None:
    """A finished run pairing the first entities loaded (each pair marked
    with everything of both, as a run by someone who sees it all stores)."""
    with node.db.reader.connect() as conn:
        ids = sorted(set(conn.execute(select(statements.c.entity_id)).scalars()))[:7]
    pairs = [(a, b, 1 - i / 100, "model") for i, (a, b) in enumerate(combinations(ids, 2))]
    store_run(node, lambda x: x, pairs)
    with node.db.reader.connect() as conn:
        world["pairs"] = [
            (r.left_id, r.right_id, r.marking_id)
            for r in conn.execute(
                select(xref_pairs.c.left_id, xref_pairs.c.right_id, xref_pairs.c.marking_id)
            )
        ]


def all_clusters(node, world, done) -> set[str]:
    """Every canonical id any reader could form (the ids a prober would try)."""
    marks = stored_markings(node)
    marking_of = {}
    with node.db.reader.connect() as conn:
        for r in conn.execute(select(judgements.c.id, judgements.c.marking_id)):
            marking_of[r.id] = r.marking_id
    out = set()
    for user in world["users"]:
        visible = {s[0] for s in expected_statements(world, user)}
        current = {}
        for d in done:
            if sees(user, *marks[marking_of[d[0]]]):
                current[(d[1], d[2])] = d
        edges = [(d[0], a, b, d[3]) for (a, b), d in current.items() if {a, b} <= visible]
        out |= {canonical(m) for m in clusters(edges).values()}
    # and the chain of every "same" regardless of visibility (a hidden link)
    out |= {canonical((d[1], d[2])) for d in done if d[3] == "same"}
    return out


def test_no_judgement_path_leaks(node):
    @settings(suppress_health_check=SLOW_EXAMPLES)
    @given(world=judged_worlds())
    def run(world):
        rebuild(node, world)
        store_pairs(node, world)
        done = apply_judgements(node, world)
        marking_of = check_judgement_markings(node, world, done)
        tighten(node, world)
        canonicals = all_clusters(node, world, done)
        for user in world["users"]:
            check_user(node, world, user, done, marking_of, canonicals)
        for user in world["users"]:
            if user["role"] == "supervisor":
                check_audit_listing(node, world, user)

    run()

"""The entity page's reads in one call (:func:`gugus.entity_page.read`)
answer exactly what the three services it stands for answer — the entity
with its statements (``reads.get_entity``), a page of its relationships
(``relations.relationships``), "possibly the same as" and its hit notices
(``same_as.same_as``) — and leave the same audit records, for every user and
every entity id: stored ids, canonical ids of resolved entities, ids of
entities the user may not see (NotFound from both) and ids that exist
nowhere.  Random worlds with links, a cross-reference run, judgements
(resolved entities) and hit notices; the relationships world of the page
tests (tests/relworld.py) on both backends.

The three services are checked against the oracle in test_leak.py,
test_leak_xref.py and test_leak_judge.py: equal answers and equal audit
records carry their guarantees over to the one call.
"""

from __future__ import annotations

import contextlib
import copy
import json

import pytest
import relworld
from hypothesis import given, settings
from hypothesis import strategies as st
from leakrelations import EXAMPLE, stored_ids
from leakworld import SLOW_EXAMPLES, rebuild, stored_id, worlds
from sqlalchemy import func, select

from gugus import entity_page, reads, relations
from gugus.errors import GugusError, NotFound
from gugus.share import notices
from gugus.store.tables import audit_log, statements
from gugus.xref import resolver, runs, same_as
from gugus.xref.judgements import judge

NAMES = ["Ana Pérez", "José Pérez", "Ana Cruz"]


def audit_records(node, since: int) -> list[tuple]:
    """The audit records after sequence number ``since``, as they read."""
    with node.db.audit_reader.connect() as conn:
        rows = conn.execute(
            select(audit_log).where(audit_log.c.seq > since).order_by(audit_log.c.seq)
        ).all()
    return [(r.username, r.action, r.object_ids, r.purpose, r.detail, r.markings) for r in rows]


def last_seq(node) -> int:
    with node.db.audit_reader.connect() as conn:
        return conn.execute(select(func.coalesce(func.max(audit_log.c.seq), 0))).scalar_one()


def separately(node, reader, entity_id: str, limit: int, offset: int, purpose) -> dict:
    """The three services, as the entity page called them before."""
    with node.audit.deferred():
        return {
            "entity": reads.get_entity(
                node, reader, entity_id, with_statements=True, purpose=purpose
            ),
            "relationships": relations.relationships(
                node, reader, entity_id, limit=limit, offset=offset, purpose=purpose
            ),
            "same_as": same_as.same_as(node, reader, entity_id, purpose=purpose),
        }


def outcome(node, read) -> tuple:
    """(JSON of the answer or NotFound's message, the audit records it left)."""
    since = last_seq(node)
    try:
        got = json.dumps(read(), sort_keys=True, default=str)
    except NotFound as exc:
        got = f"NotFound: {exc}"
    return got, audit_records(node, since)


def check_same_answers(node, users, entity_ids, *, limit: int = 50, offset: int = 0) -> int:
    """Every user, every id: one call == three services.  Answers how many
    ids some user could read (so a test can tell it checked something)."""
    found = 0
    for name in users:
        reader = node.reader(name)
        for entity_id in entity_ids:
            for purpose in (None, "case 7"):
                one = outcome(
                    node,
                    lambda r=reader, e=entity_id, p=purpose: entity_page.read(
                        node, r, e, limit=limit, offset=offset, purpose=p
                    ),
                )
                three = outcome(
                    node,
                    lambda r=reader, e=entity_id, p=purpose: separately(
                        node, r, e, limit, offset, p
                    ),
                )
                assert one == three, (name, entity_id)
            found += not one[0].startswith("NotFound")
    return found


def canonical_ids(node, users, ids) -> set[str]:
    """The canonical id of every resolved entity some user sees."""
    out = set()
    for name in users:
        reader = node.reader(name)
        scope = node.scope(reader)
        with node.db.reader.connect() as conn:
            found = resolver.resolve(conn, scope, sorted(ids))
        out |= {found.canonical(i) for i in ids} - set(ids)
    return out


@st.composite
def page_worlds(draw):
    """Worlds with links whose persons share a few names (so the run finds
    pairs), with judgements, hit notices and a runner."""
    world = draw(worlds(links=True))
    persons = [line for _, line in world["lines"] if line["schema"] == "Person"]
    for i, line in enumerate(persons):
        line["properties"]["name"] = [NAMES[(i * draw(st.integers(1, 3))) % len(NAMES)]]
    n_users, n_lines = len(world["users"]), len(world["lines"])
    pick = st.tuples(st.integers(0, n_users - 1), st.integers(0, n_lines - 1))
    world["runner"] = draw(st.integers(0, n_users - 1))
    world["judge"] = draw(
        st.lists(
            st.tuples(pick, st.integers(0, n_lines - 1), st.sampled_from(resolver.VERDICTS)),
            max_size=6,
        )
    )
    world["hits"] = draw(st.lists(st.tuples(pick, st.integers(0, n_lines - 1)), max_size=4))
    return world


def stored(world, index: int) -> str:
    coll, line = world["lines"][index]
    return stored_id(world, coll, line) or "e-refused"


def decorate(node, world) -> None:
    """The drawn run, judgements and hit notices (each as far as it is
    allowed: a judge who may not see an entity is refused, a hit on a
    record its user may see raises none)."""
    users = world["users"]
    runner = node.reader(users[world["runner"]]["name"])
    with contextlib.suppress(GugusError):  # nothing the runner may read
        runs.start(node, runner, threshold=1e-9)
    for (u, a), b, verdict in world["judge"]:
        with contextlib.suppress(GugusError):
            judge(node, node.reader(users[u]["name"]), stored(world, a), stored(world, b), verdict)
    for (u, own), held in world["hits"]:
        holder = stored(world, held)
        with node.db.reader.connect() as conn:
            row = conn.execute(
                select(statements.c.collection_id, statements.c.marking_id)
                .where(statements.c.entity_id == holder)
                .limit(1)
            ).first()
        if row is None:
            continue
        with contextlib.suppress(GugusError):
            notices.raise_hit(
                node,
                node.reader(users[u]["name"]),
                own_entity_id=stored(world, own),
                kind="person",
                holder_collection_id=row.collection_id,
                holder_entity_id=holder,
                marking_id=row.marking_id,
                source="xref",
            )


def test_one_call_answers_as_the_three_services(node):
    # An equivalence with the three services, whose own leak tests run the
    # profile's full count: a tenth of it (50 worlds a backend in CI, ~2 min).
    examples = max(10, settings().max_examples // 10)

    @settings(max_examples=examples, suppress_health_check=SLOW_EXAMPLES)
    @given(world=page_worlds(), limit=st.integers(1, 3), offset=st.integers(0, 2))
    def run(world, limit, offset):
        rebuild(node, world)
        decorate(node, world)
        names = [u["name"] for u in world["users"]]
        ids = stored_ids(world)
        everything = sorted(ids | canonical_ids(node, names, ids) | {"e-missing", "gc-0"})
        check_same_answers(node, names, everything, limit=limit, offset=offset)

    run()


def test_one_call_answers_as_the_three_services_on_the_example(node):
    rebuild(node, copy.deepcopy(EXAMPLE))
    names = [u["name"] for u in EXAMPLE["users"]]
    assert check_same_answers(node, names, sorted(stored_ids(EXAMPLE) | {"e-missing"})) > 0


def test_one_call_answers_as_the_three_services_on_the_page_world(node):
    readers = relworld.build(node)
    relworld.hit_on_hidden(node, readers)
    ids = [relworld.fgr(x) for x in ("p1", "p2", "p3", "pay1", "pp1", "d1", "m1", "ev1")]
    ids += [relworld.hsi("q1"), "p1", "not an id"]
    runs.start(node, readers["lia"], threshold=1e-9)
    judge(node, readers["luis"], relworld.fgr("p1"), relworld.fgr("p2"), "same")
    ids += sorted(canonical_ids(node, list(readers), ids))
    assert check_same_answers(node, list(readers), ids, limit=2) > 0
    assert check_same_answers(node, list(readers), ids[:3], limit=2, offset=1) > 0


@pytest.mark.parametrize("entity_id", ["e-missing", "gc-" + "0" * 40, "x" * 300])
def test_one_call_answers_a_missing_entity_like_the_services(node, entity_id):
    rebuild(node, copy.deepcopy(EXAMPLE))
    reader = node.reader("uo10")
    with pytest.raises(NotFound) as one:
        entity_page.read(node, reader, entity_id)
    with pytest.raises(NotFound) as three:
        reads.get_entity(node, reader, entity_id)
    assert one.value.message == three.value.message

"""Resolved entities: clusters of entities judged the same, per reader.

In the spirit of nomenklatura's ``Resolver``: positive judgements ("same")
connect entities into clusters; a negative one ("different") between any
member of one cluster and any member of another forbids joining them; an
"unsure" does neither.  Edges are applied oldest first, so when judgements
disagree (two users, two times) the later "same" that would join clusters a
"different" keeps apart is skipped, deterministically.

Per reader: a reader's clusters are built only from the judgements the reader
may see (the latest visible one per pair is its current verdict) between
entities the reader may see.  A chain A = B = C through a B the reader may not
see does not join A and C for that reader: it would reveal the hidden link.

A cluster of more than one entity has a canonical id: ``gc-`` and the SHA-1
of its smallest member id — deterministic, and stable when members join
(unless one sorts before the smallest).  Canonical ids contain no dot, so no
loaded (namespaced) entity id can ever equal one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection

from gugus.access import ReadScope
from gugus.store import judgements as judg_sql
from gugus.store import statements as stmt_sql

SAME = "same"
DIFFERENT = "different"
UNSURE = "unsure"
VERDICTS = (SAME, DIFFERENT, UNSURE)

PREFIX = "gc-"
_CANONICAL = re.compile(r"gc-[0-9a-f]{40}")


def canonical_id(members: Iterable[str]) -> str:
    return PREFIX + judg_sql.id_key(min(members))


def is_canonical(entity_id: str) -> bool:
    return _CANONICAL.fullmatch(entity_id) is not None


@dataclass(frozen=True, slots=True)
class Edge:
    left: str
    right: str
    verdict: str
    seq: int  # order of judging (the judgement row's id)


class Resolver:
    """Clusters over a set of current edges (one per pair)."""

    def __init__(self, edges: Iterable[Edge]) -> None:
        self.edges = sorted(edges, key=lambda e: e.seq)
        self._parent: dict[str, str] = {}
        self._members: dict[str, set[str]] = {}
        self._negative: dict[str, set[str]] = {}
        for e in self.edges:
            for x in (e.left, e.right):
                self._parent.setdefault(x, x)
                self._members.setdefault(x, {x})
            if e.verdict == DIFFERENT:
                self._negative.setdefault(e.left, set()).add(e.right)
                self._negative.setdefault(e.right, set()).add(e.left)
        for e in self.edges:
            if e.verdict == SAME and self.check_candidate(e.left, e.right):
                self._union(e.left, e.right)

    def _find(self, x: str) -> str:
        root = x
        while self._parent.get(root, root) != root:
            root = self._parent[root]
        while x != root:
            self._parent[x], x = root, self._parent[x]
        return root

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra == rb:
            return
        if len(self._members[ra]) < len(self._members[rb]):
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._members[ra] |= self._members.pop(rb)

    def connected(self, entity_id: str) -> frozenset[str]:
        """The members of the entity's cluster (itself alone if unjudged)."""
        if entity_id not in self._parent:
            return frozenset({entity_id})
        return frozenset(self._members[self._find(entity_id)])

    def check_candidate(self, a: str, b: str) -> bool:
        """Whether ``a`` and ``b`` may be joined: not already one cluster and
        no "different" between any member of one and any of the other."""
        left, right = self.connected(a), self.connected(b)
        if left == right:
            return False
        return not any(self._negative.get(x, set()) & right for x in left)

    def canonical(self, entity_id: str) -> str:
        """The canonical id of the entity's cluster; its own id if alone."""
        members = self.connected(entity_id)
        return canonical_id(members) if len(members) > 1 else entity_id


def resolve(conn: Connection, scope: ReadScope, seeds: Iterable[str]) -> Resolver:
    """The reader's resolver over the clusters of ``seeds``: the connected
    components of the reader's visible "same" judgements between visible
    entities, walked outwards from the seeds (with every visible judgement
    touching a member, so "different" between members blocks).  One query
    when none of the seeds is judged."""
    seen: set[str] = set()
    visible: set[str] = set()
    checked: set[str] = set()
    rows: dict[int, object] = {}
    frontier = set(seeds)
    checked_seeds = False
    while frontier:
        found = judg_sql.touching(conn, scope, frontier)
        if not found and not checked_seeds:
            return Resolver(())
        checked_seeds = True
        seen |= frontier
        rows.update((r.id, r) for r in found)
        current = judg_sql.latest(rows.values())
        ends = {x for pair in current for x in pair} - checked
        visible |= stmt_sql.visible_entities(conn, scope, sorted(ends))
        checked |= ends
        frontier = {
            x
            for (left, right), row in current.items()
            if row.verdict == SAME and left in visible and right in visible
            for x in (left, right)
        } - seen
    current = judg_sql.latest(rows.values())
    return Resolver(
        Edge(left, right, row.verdict, row.id)
        for (left, right), row in current.items()
        if left in visible and right in visible
    )


__all__ = [
    "DIFFERENT",
    "PREFIX",
    "SAME",
    "UNSURE",
    "VERDICTS",
    "Edge",
    "Resolver",
    "canonical_id",
    "is_canonical",
    "resolve",
]

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
import threading
import weakref
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


class _Graph:
    """One reader's current verdicts (the latest visible row per pair), as
    adjacency lists: entity → [(other entity, verdict, judgement id)]."""

    __slots__ = ("adjacent", "last")

    def __init__(self, last: int, rows) -> None:
        self.last = last
        current = {}
        for row in rows:  # oldest first: the latest row of a pair wins
            current[(row.left_id, row.right_id)] = row
        self.adjacent: dict[str, list[tuple[str, str, int]]] = {}
        for (left, right), row in current.items():
            self.adjacent.setdefault(left, []).append((right, row.verdict, row.id))
            self.adjacent.setdefault(right, []).append((left, row.verdict, row.id))

    def component(self, seeds: Iterable[str], allowed: set[str] | None = None) -> set[str]:
        """Entities reachable from the seeds over "same" (within ``allowed``)."""
        found = {s for s in seeds if s in self.adjacent and (allowed is None or s in allowed)}
        todo = list(found)
        while todo:
            for other, verdict, _ in self.adjacent[todo.pop()]:
                if verdict == SAME and other not in found and (allowed is None or other in allowed):
                    found.add(other)
                    todo.append(other)
        return found


class Graphs:
    """The judgement graphs of the readers of one node, cached per reader
    (by the reader's grant keys: what decides which judgements it sees) and
    rebuilt when a judgement was added (the newest id changed: one cheap
    query per read).  Which entities the reader may see is checked on every
    read, never cached: a re-load may hide one."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._graphs: dict[tuple[str, ...], _Graph] = {}
        self._lock = threading.Lock()

    def graph(self, conn: Connection, scope: ReadScope) -> _Graph:
        last = judg_sql.last_id(conn)
        key = tuple(scope.grantees)
        graph = self._graphs.get(key)
        if graph is not None and graph.last == last:
            return graph
        graph = _Graph(last, judg_sql.visible_edges(conn, scope) if last else ())
        with self._lock:
            if len(self._graphs) >= self.size:
                self._graphs.pop(next(iter(self._graphs)))
            self._graphs[key] = graph
        return graph


class Pinned(Graphs):
    """One reader's graph as :class:`Graphs` found it once, for the reads of
    one transaction (an entity page resolves its entity, its relationships'
    ends and its pairs' ends): no newest-id query per resolve.  Another
    reader's scope is answered from ``graphs`` as usual, never from the pin."""

    def __init__(self, graphs: Graphs, conn: Connection, scope: ReadScope) -> None:
        super().__init__(size=0)
        self._graphs_of = graphs
        self._key = tuple(scope.grantees)
        self._graph = graphs.graph(conn, scope)

    def graph(self, conn: Connection, scope: ReadScope) -> _Graph:
        if tuple(scope.grantees) == self._key:
            return self._graph
        return self._graphs_of.graph(conn, scope)


_NODES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_NODES_LOCK = threading.Lock()


def graphs_of(node) -> Graphs:
    """The node's cache of judgement graphs."""
    with _NODES_LOCK:
        found = _NODES.get(node)
        if found is None:
            found = _NODES[node] = Graphs()
        return found


def resolve(
    conn: Connection, scope: ReadScope, seeds: Iterable[str], graphs: Graphs | None = None
) -> Resolver:
    """The reader's resolver over the clusters of ``seeds``: the connected
    components of the reader's visible "same" judgements between entities
    the reader may see (a hidden entity cuts a chain), with every visible
    "different" between their members.  ``graphs``: the node's cache
    (:func:`graphs_of`); without it the judgements are read afresh."""
    graph = (graphs or Graphs(size=1)).graph(conn, scope)
    reach = graph.component(seeds)
    if not reach:
        return Resolver(())
    visible = stmt_sql.visible_entities(conn, scope, sorted(reach))
    members = graph.component(seeds, visible)
    return Resolver(
        Edge(x, other, verdict, jid)
        for x in members
        for other, verdict, jid in graph.adjacent[x]
        if other in members and x < other
    )


__all__ = [
    "DIFFERENT",
    "PREFIX",
    "SAME",
    "UNSURE",
    "VERDICTS",
    "Edge",
    "Graphs",
    "Resolver",
    "canonical_id",
    "graphs_of",
    "is_canonical",
    "resolve",
]

"""Search with an exact total, facets and filters, over what the reader may see.

``search`` finds every entity with a visible statement matching the query
(the index is probed only for the reader's audiences), keeps those passing
the filters (in SQL, over visible statements: :mod:`gugus.store.facets`),
resolves them (a resolved entity once, under its canonical id) and pages
them newest first.  Without filters, only the distinct matched ids are read
for the total, only the judged ones among them are resolved, and the page
and the facets' sample are walked newest first (:func:`_newest`; on
SQLite, a query of one-word groups is walked by entity number and only the
kept results' ids are read: :func:`_numbered`); with filters, every match
is read in order (:func:`gugus.store.statements.all_matches`) and filtered.

* ``total`` is exact: every resolved entity with a matching record the
  reader may see and that passes the filters.
* ``facets`` count resolved entities per schema, collection, organisation
  (of the collection) and country (ISO code: country-typed values such as
  nationality, citizenship, country, jurisdiction, and the collection's
  country).  An entity counts under a value when one of its matching records
  has a visible statement with it; counts are over the filtered results (a
  value of another dimension counts what adding it as a filter keeps).
* ``facets_marking``: the most restrictive marking of the statements the
  facets were counted from (counts are derived from them; a page showing
  them carries it in its banner).
* Facets are counted over the newest :data:`FACET_CAP` results: past them,
  ``facets_capped`` is true and the counts are over those only (the total
  stays exact).  The cap depends only on the reader's visible matches, so
  the work never depends on rows the reader may not see.

Filters: ``schema``, ``collection``, ``org``, ``country`` (each repeatable:
any of the values; dimensions combine with AND).  A collection or an
organisation the reader may not see filters like one that does not exist
(nothing matches); an unknown schema or country is invalid input.

"Newest first": the entity of the most recently stored matching statement
first; on SQLite, a query of one-word groups (most searches: a surname, a
phone, an account), filtered or not, orders by the entity's number instead — the order
entities were first stored (:mod:`gugus.store.entity_words`), so an entity
re-loaded later with new words keeps its place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from followthemoney import model

from gugus import reads
from gugus.access import Reader
from gugus.errors import InvalidInput, Msg
from gugus.model.markings import combine
from gugus.model.search_words import country_code
from gugus.model.statements import assemble
from gugus.node import Node
from gugus.search_cache import MAX_IDS, ids_of
from gugus.store import entity_words, generation, grants
from gugus.store import facets as facet_sql
from gugus.store import statements as stmt_sql
from gugus.xref import resolver

MAX_LIMIT = reads.MAX_LIMIT
MAX_OFFSET = 10_000
# Resolved entities the facets are counted over (newest first).  Counting
# reads every visible statement of each (about 10 an entity in the demo
# world): 500 cost ~10 ms at 20,000 people, while the exact total's read
# of every match costs ~5 µs a match (benchmarks in the README).
FACET_CAP = 500
FACETS = ("schema", "collection", "org", "country")
# The ids a kept result may hold (gugus.search_cache enforces it).
CACHED_IDS = MAX_IDS
# The resolved ids a result shared with the other workers holds (its first
# pages): writing the 500 a search walks cost a first search ~1 ms.  A page
# past them, asked of another worker, is computed there again.
SHARED_ORDER = 100
MAX_FILTER_VALUES = 50


def _schemata(values: Iterable[str]) -> tuple[str, ...] | None:
    values = list(values)
    if not values:
        return None
    for name in values:
        if model.get(name) is None:
            raise InvalidInput(
                Msg("schema: unknown schema %(name)r (e.g. Person, Company)", name=name[:64])
            )
    return tuple(sorted(set(values)))


def _countries(values: Iterable[str]) -> tuple[str, ...] | None:
    values = list(values)
    if not values:
        return None
    codes = []
    for value in values:
        code = country_code(value)
        if code is None:
            raise InvalidInput(
                Msg("country: unknown country %(value)r (an ISO code such as hn)", value=value[:64])
            )
        codes.append(code)
    return tuple(sorted(set(codes)))


def _limited(name: str, values: Sequence[str] | None) -> list[str]:
    values = [v for v in (values or ()) if v]
    if len(values) > MAX_FILTER_VALUES:
        raise InvalidInput(
            Msg("%(name)s: at most %(max)s values", name=name, max=MAX_FILTER_VALUES)
        )
    return values


def search(
    node: Node,
    reader: Reader,
    query: str,
    *,
    schema: Sequence[str] | None = None,
    collection: Sequence[str] | None = None,
    org: Sequence[str] | None = None,
    country: Sequence[str] | None = None,
    limit: int = 20,
    offset: int = 0,
    purpose: str | None = None,
) -> dict:
    """Entities with a visible statement matching the query, newest first,
    with the exact ``total``, ``facets`` and the ``filters`` applied."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, min(int(offset), MAX_OFFSET))
    given = {
        "schema": _limited("schema", schema),
        "collection": _limited("collection", collection),
        "org": _limited("org", org),
        "country": _limited("country", country),
    }
    _schemata(given["schema"])  # invalid input fails before any read
    _countries(given["country"])
    scope = node.scope(reader)
    wanted = tuple((k, tuple(v)) for k, v in sorted(given.items()))

    def answer(compute: bool):
        """(found, page, members, statements of the page) read in one
        snapshot; None when not kept and ``compute`` is false."""
        with node.db.reader.connect() as conn:
            audiences = grants.visible_audiences(conn, scope)
            version = generation.versions(conn, node.db.dialect, audiences)
            key = (scope.reader, scope.grantees, query, wanted, version)
            found = _kept(node, key, version, offset + limit)
            if found is None:
                if not compute:
                    return None
                found = _matches(node, conn, scope, query, given, offset + limit, audiences)
                if version is not None:
                    _keep(node, key, found)
            page = found.order[offset : offset + limit]
            members = {c: found.members[c] for c in page}
            wanted_ids = sorted({m for c in page for m in members[c]})
            stmts = reads._statements(
                node, conn, stmt_sql.statement_tuples(conn, scope, wanted_ids)
            )
        return found, page, members, stmts

    # Costly reads take turns (gugus.work_gate).  A free turn is taken at
    # once (one snapshot: a kept result is still answered from it); else
    # a kept result is looked for first, and the turn is waited for without
    # holding a connection or a snapshot (the result may be kept meanwhile).
    with node.search_gate.turn_if_free() as free:
        if free:
            got = answer(compute=True)
        else:
            got = answer(compute=False) if generation.kept(node.db.dialect) else None
    if got is None:
        with node.search_gate.turn():
            got = answer(compute=True)
    found, page, members, stmts = got
    total = found.total
    canonical = {m: c for c, ms in members.items() for m in ms}
    by_id = {
        proxy.id: (proxy, marking, used)
        for proxy, marking, used in assemble(stmts, lambda i: canonical.get(i, i))
    }
    results = []
    for cid in page:
        if cid not in by_id:
            continue
        view = reads.entity_view(*by_id[cid])
        if len(members[cid]) > 1:
            view["members"] = sorted(members[cid])
        results.append(view)
    filters = {k: v for k, v in given.items() if v}
    detail = {"query": query, "results": len(results), "total": total}
    if filters:
        detail["filters"] = filters
    used_all = [s for c in page if c in by_id for s in by_id[c][2]]
    reads._audit_read(node, reader, "search", used_all, purpose, detail)
    return {
        "query": query,
        "limit": limit,
        "offset": offset,
        "results": results,
        "total": total,
        "facets": found.facets,
        "facets_capped": total > FACET_CAP,
        "facets_marking": found.facets_marking,
        "filters": filters,
    }


def _kept(node: Node, key, version, end: int) -> _Found | None:
    """The result kept for ``key`` (by this process, else by another worker
    of this server) if it covers the page ending at ``end``."""
    if version is None:
        return None
    found = node.search_results.get(key)
    if found is None and node.shared_results is not None:
        kept = node.shared_results.get(key)
        if kept is not None:
            found = _Found.from_json(kept)
            node.search_results.put(key, found)
    return found if found is not None and found.covers(end) else None


def _keep(node: Node, key, found: _Found) -> None:
    node.search_results.put(key, found)  # unless it holds over MAX_IDS ids
    if node.shared_results is not None and ids_of(found) <= MAX_IDS:
        node.shared_results.put(key, found.head(SHARED_ORDER).to_json())


@dataclass(frozen=True)
class _Found:
    """What a search found, before its page is read: the resolved ids newest
    first (all of them, or at least the first ``wanted``) with their members,
    the exact total, the facets and their marking.  Kept in the node's
    :class:`gugus.search_cache.ResultCache`."""

    order: list[str]
    members: dict[str, frozenset[str]]  # each id of ``order`` → its cluster
    total: int
    facets: dict[str, list[dict]]
    facets_marking: dict | None

    def covers(self, end: int) -> bool:
        return end <= len(self.order) or len(self.order) >= self.total

    def head(self, n: int) -> _Found:
        """The same result holding its first ``n`` resolved ids only (the
        total and facets stay: they were counted over all)."""
        order = self.order[:n]
        return _Found(
            order=order,
            members={c: self.members[c] for c in order},
            total=self.total,
            facets=self.facets,
            facets_marking=self.facets_marking,
        )

    def to_json(self) -> dict:
        """``members``: only the clusters of more than their own id (every
        id of ``order`` has members; most are alone)."""
        return {
            "order": self.order,
            "members": {c: sorted(m) for c, m in self.members.items() if m != {c}},
            "total": self.total,
            "facets": self.facets,
            "facets_marking": self.facets_marking,
        }

    @classmethod
    def from_json(cls, d: dict) -> _Found:
        clusters = d["members"]
        return cls(
            order=list(d["order"]),
            members={c: frozenset(clusters.get(c, (c,))) for c in d["order"]},
            total=int(d["total"]),
            facets=d["facets"],
            facets_marking=d["facets_marking"],
        )


def _matches(
    node: Node, conn, scope, query: str, given: dict, end: int, audiences: list[int]
) -> _Found:
    """The search's matches, resolved, counted and faceted (its costly part),
    holding the resolved ids of the pages up to ``end`` at least."""
    colls = {r.id: r for r in facet_sql.visible_collections(conn, scope)}
    graphs = resolver.Pinned(resolver.graphs_of(node), conn, scope)  # one lookup per search
    schemata = _schemata(given["schema"])
    countries = _countries(given["country"])
    wanted = max(end, FACET_CAP)

    def ids_where(keep) -> tuple[int, ...]:
        return tuple(sorted(i for i, r in colls.items() if keep(r)))

    wanted_filter = facet_sql.EntityFilter(
        schemata=schemata,
        collection_ids=ids_where(lambda r: r.name in given["collection"])
        if given["collection"]
        else None,
        org_collection_ids=ids_where(lambda r: r.org in given["org"]) if given["org"] else None,
        countries=countries,
        country_collection_ids=ids_where(lambda r: (r.country or "").lower() in countries)
        if countries
        else (),
    )
    if wanted_filter.conditions():
        ids = _all_matches(conn, node, scope, query, audiences)
        if ids:
            keep = facet_sql.filter_entities(conn, scope, ids, wanted_filter)
            ids = [i for i in ids if i in keep]
        found = resolver.resolve(conn, scope, ids, graphs)
        canonical = {i: found.canonical(i) for i in ids}
        order = list(dict.fromkeys(canonical.values()))
        total = len(order)
    else:
        numbers = stmt_sql.matched_numbers(conn, node.db.dialect, scope, query, audiences)
        if numbers is not None:
            return _numbered(node, conn, scope, numbers, graphs, end, colls)
        found, canonical, order, total = _newest(
            conn, node, scope, query, graphs, wanted, audiences
        )
    kept = order[:wanted]
    sample = set(order[:FACET_CAP])
    shown = set(kept)
    members = {c: found.connected(i) for i, c in canonical.items() if c in shown}
    rows = facet_sql.facet_rows(conn, scope, [i for i, c in canonical.items() if c in sample])
    return _faceted(node, conn, kept, members, total, rows, canonical.__getitem__, colls)


def _faceted(node: Node, conn, order, members, total: int, rows, canonical, colls) -> _Found:
    """The found result, with the facets counted from ``rows`` (their
    entities under ``canonical``) and the marking they carry."""
    facets_marking = combine(node.catalogue.get(conn, m) for m in {r[4] for r in rows})
    return _Found(
        order=order,
        members=members,
        total=total,
        facets=_count(rows, canonical, colls),
        facets_marking=facets_marking.to_dict() if facets_marking else None,
    )


def _numbered(node: Node, conn, scope, numbers, graphs, end: int, colls: dict) -> _Found:
    """SQLite, a query of one-word groups without filters: the matches by
    entity number (:class:`gugus.store.entity_words.Matched`), newest first.
    The exact total is their count less, per cluster, its matched members
    but one; only the matches with a judgement of the reader's graph are
    resolved (any other is its own result), the newest ``FACET_CAP``
    results' facets are counted by number, and entity ids are read only
    for the results kept (the pages up to ``end``, at least the first
    :data:`SHARED_ORDER`): a page past them is computed again."""
    matched = numbers.count
    if not matched:
        return _faceted(node, conn, [], {}, 0, [], None, colls)
    adjacent = graphs.graph(conn, scope).adjacent.keys()
    judged = entity_words.numbers_of(conn, adjacent) if adjacent else {}
    hit = numbers.among(judged.values())
    judged_at = {n: i for i, n in judged.items() if n in hit}  # matched and judged
    found = resolver.resolve(conn, scope, judged_at.values(), graphs)
    cluster_of = {n: found.canonical(i) for n, i in judged_at.items()}
    key = lambda n: cluster_of.get(n, n)  # noqa: E731 - a number alone is its own result
    # Without a judged match (most searches) every match is its own result:
    # the walk keeps the matches as they come, and the sample is counted by
    # itself, without a key looked up per match (~1,000 a search).
    walked, order = _walk(numbers.newest, key if cluster_of else None, max(end, FACET_CAP))
    total = _total(matched, cluster_of.values())
    sample = set(order[:FACET_CAP])
    if cluster_of:
        counted = {n for n in walked if key(n) in sample}
        counted.update(n for n, c in cluster_of.items() if c in sample)
    else:
        counted = sample
    rows = entity_words.numbered_facet_rows(conn, scope, counted)
    kept = order[: max(end, SHARED_ORDER)]
    unjudged = [k for k in kept if isinstance(k, int)]
    id_at = {n: i for i, n in entity_words.ids_of(conn, unjudged).items()}
    shown = set(kept)
    members = {c: found.connected(i) for n, i in judged_at.items() if (c := cluster_of[n]) in shown}
    ids = []
    for k in kept:
        if k in members:
            ids.append(k)
        elif k in id_at:
            members[id_at[k]] = frozenset((id_at[k],))
            ids.append(id_at[k])
    return _faceted(node, conn, ids, members, total, rows, key, colls)


def _all_matches(conn, node: Node, scope, query: str, audiences: list[int]) -> list[str]:
    """Every matched id, newest first, in the order an unfiltered search
    walks them (so a filter keeps the order of what it keeps)."""
    numbers = stmt_sql.matched_numbers(conn, node.db.dialect, scope, query, audiences)
    if numbers is not None:
        return list(entity_words.ids_of(conn, numbers.all()))
    return stmt_sql.all_matches(conn, node.db.dialect, scope, query, audiences)


def _newest(conn, node: Node, scope, query: str, graphs, wanted: int, audiences: list[int]):
    """Without filters, a query the index of entities cannot answer (see
    :func:`_numbered`): the newest ``wanted`` resolved entities walked newest
    first, and the exact total counted from the distinct matched ids.

    Every visible match is still read, but only the matches with a judgement
    of the reader's graph are resolved: a resolved entity counts once, so the
    total is the distinct matched ids less, per cluster, its matched members
    but one.  Those judged matches also join the walked ones in
    ``canonical``, so the facets of a sampled cluster count every matched
    member, as the full resolution did.  Returns (resolver, matched id →
    canonical id, resolved ids newest first, exact total).

    SQLite reads the matched ids once, newest first
    (:func:`gugus.store.statements.all_matches`: the index gives them in
    that order at no extra cost) and walks that list.  PostgreSQL reads the
    distinct ids in SQL and walks the newest ones in separate queries."""
    dialect = node.db.dialect
    adjacent = graphs.graph(conn, scope).adjacent.keys()
    if dialect.is_sqlite:
        newest = stmt_sql.all_matches(conn, dialect, scope, query, audiences)
        matched = len(newest)
        judged_ids = adjacent & set(newest)

        def walk(fetch: int) -> list[str]:
            return newest[:fetch]
    else:
        everything = stmt_sql.matched_entities(conn, dialect, scope, query)
        matched = len(everything)
        judged_ids = adjacent & everything

        def walk(fetch: int) -> list[str]:
            return stmt_sql.search_entities(conn, dialect, scope, query, fetch)

    if not matched:
        return resolver.Resolver(()), {}, [], 0
    # (a walked match with a judgement is one of judged_ids: resolved once)
    found = resolver.resolve(conn, scope, judged_ids, graphs)
    walked, order = _walk(walk, found.canonical, wanted)
    canonical = {i: found.canonical(i) for i in walked}
    canonical.update((i, found.canonical(i)) for i in judged_ids)
    return found, canonical, order[:wanted], _total(matched, (canonical[i] for i in judged_ids))


def _walk(newest: Callable[[int], list], key: Callable | None, wanted: int) -> tuple[list, list]:
    """The newest matches (``newest(n)``: the first ``n``, each once),
    fetched twice as far each time until they hold ``wanted`` results
    (matches under ``key``: a cluster is one result; None: each match is
    one) or end: (the matches walked, the results newest first)."""
    fetch = wanted
    while True:
        walked = newest(fetch)
        order = walked if key is None else list(dict.fromkeys(map(key, walked)))
        if len(order) >= wanted or len(walked) < fetch:
            return walked, order
        fetch *= 2


def _total(matched: int, clusters: Iterable) -> int:
    """The exact total: the matches less, per cluster, its matched members
    but one (``clusters``: the cluster of each matched judged entity)."""
    return matched - sum(n - 1 for n in Counter(clusters).values())


def _count(rows, canonical, colls: dict) -> dict[str, list[dict]]:
    """Facet values → the number of resolved entities having each.  Each
    (facet, value, entity) counts once.  An entity of one row (most are:
    one document, one marking) counts under the values of that row, so
    entities of alike rows are counted together; the others' rows are
    merged per entity first."""
    # Per collection: its (facet, value) pairs, looked up once.
    of_collection = {
        cid: [
            (f, v)
            for f, v in (
                ("collection", c.name),
                ("org", c.org),
                ("country", (c.country or "").lower()),
            )
            if v
        ]
        for cid, c in colls.items()
    }

    def pairs(schemata, collection_ids, countries) -> set[tuple[str, str]]:
        out = {("schema", schema) for schema in schemata}
        out.update(("country", country.lower()) for country in countries)
        # a visible statement's collection is visible (else not in colls)
        for collection_id in collection_ids:
            out.update(of_collection.get(collection_id, ()))
        return out

    resolved = [(canonical(row[0]), row[1:4]) for row in rows]
    rows_of = Counter(entity for entity, _ in resolved)
    alike: Counter = Counter()  # (schemata, collections, countries) → entities of one row
    seen: set[tuple[str, str, str]] = set()
    for entity, facts in resolved:
        if rows_of[entity] == 1:
            alike[facts] += 1
        else:
            seen.update((facet, value, entity) for facet, value in pairs(*facts))
    counts = Counter((facet, value) for facet, value, _ in seen)
    for facts, n in alike.items():
        for pair in pairs(*facts):
            counts[pair] += n
    out: dict[str, list[dict]] = {name: [] for name in FACETS}
    for (facet, value), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1])):
        out[facet].append({"value": value, "count": n})
    return out


__all__ = ["FACETS", "FACET_CAP", "search"]

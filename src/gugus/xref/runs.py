"""The cross-referencing run service: ``gugus xref`` and ``POST /api/v1/xref``.

A run is made *as a user* over collections the user may read.  It reads only
what the user may see, scores candidate pairs (the Splink model per schema
family, and shared selectors), gives each pair the most restrictive marking
of the statements that fed both sides, and stores all its pairs in one
transaction: a run that fails leaves every earlier run's results in place.

Around the scoring:

- :func:`hidden_matches` — the run's persons matched against data the runner
  may *not* see: hit notices (kind, holder, reference), never content.
- :func:`apply_judgements` — pairs already judged by a person (judgements the
  runner may see): a pair judged "different" is not proposed again; one
  judged "same" or "unsure" carries its verdict.
"""

from __future__ import annotations

import gc
import json
import logging
import threading
import time
from collections.abc import Sequence
from contextlib import contextmanager

from gugus import clock
from gugus.access import Reader, ReadScope
from gugus.audit import AuditEvent
from gugus.errors import GugusError, InvalidInput, NotFound
from gugus.model.markings import combine
from gugus.node import Node
from gugus.store import directory, grants
from gugus.store import xref as xref_sql
from gugus.store.markings import store_markings
from gugus.xref import engine, records, run_owner, selectors

log = logging.getLogger(__name__)

MAX_PAGE = 500
DEFAULT_THRESHOLD = 0.3  # pairs below this match probability are not stored
# Families scored by the model (vehicles and bank accounts are linked by their
# plates and account numbers: selectors).
FAMILIES = ("Person", "Organization")


# -- seams ----------------------------------------------------------------------


def hidden_matches(node: Node, reader: Reader, run_id: int, built: dict) -> int:
    """Match the run's persons against records the reader may NOT see: each
    such match becomes a hit notice (kind, holder, reference, contact point;
    never content), through the online match of :mod:`gugus.xref.match` —
    the same blocking index, scorer and RED rule as a load.  Returns the
    number of distinct notices raised or repeated."""
    from gugus.xref.match import Batch, match_loaded  # imports the store's match index

    b = built.get("Person")
    if b is None or not b.rows:
        return 0
    # Visibility is decided by markings alone: when the reader may see every
    # stored marking, no posting is hidden and no notice can arise.
    with node.db.reader.connect() as conn:
        if grants.sees_every_marking(conn, node.scope(reader)):
            return 0
    by_collection: dict[int, list[str]] = {}
    for row in b.rows:
        eid = row["unique_id"]
        by_collection.setdefault(b.source[eid], []).append(eid)
    references: set[str] = set()
    batch = Batch()  # a hidden record is checked once per run, not per collection
    for cid, ids in sorted(by_collection.items()):
        found = match_loaded(
            node,
            reader,
            cid,
            reader.org,
            ids,
            purpose=f"xref run {run_id}",
            source="xref",
            results=False,
            batch=batch,
        )
        references.update(n["reference"] for n in found["notices"])
    return len(references)


def apply_judgements(conn, scope: ReadScope, pairs: list[dict]) -> list[dict]:
    """Pairs minus those judged "different" by a judgement the runner may
    see; judged pairs carry the verdict.  Judgements the runner may not see
    do not count: a silently dropped pair would tell the runner that a
    hidden judgement exists."""
    from gugus.xref.judgements import verdicts

    found = verdicts(conn, pairs, scope=scope)
    out = []
    for p in pairs:
        verdict = found.get((p["left"], p["right"])) or found.get((p["right"], p["left"]))
        if verdict == "different":
            continue
        if verdict is not None:
            p["explanation"]["judgement"] = verdict
        out.append(p)
    return out


# -- starting a run ------------------------------------------------------------------


def _collections(node: Node, scope: ReadScope, names: Sequence[str]) -> list:
    """The rows of the named collections (default: every readable one); an
    unknown or unreadable name answers like a missing one."""
    with node.db.reader.connect() as conn:
        rows = directory.list_collections(conn)
    readable = {r.name: r for r in rows if scope.allows(r.marking_id)}
    if not names:
        if not readable:
            raise InvalidInput("xref: you may read no collection to cross-reference")
        return list(readable.values())
    out = []
    for name in dict.fromkeys(names):
        if name not in readable:
            raise NotFound(f"collection {name!r} not found")
        out.append(readable[name])
    return out


def start(
    node: Node,
    reader: Reader,
    collections: Sequence[str] = (),
    *,
    engine_name: str = "duckdb",
    background: bool = False,
    retrain: bool = False,
    cap: int = selectors.DEFAULT_CAP,
    threshold: float = DEFAULT_THRESHOLD,
    purpose: str | None = None,
) -> dict:
    """Create a run and execute it (in a thread when ``background``); returns
    the run's status as :func:`status` shows it."""
    engine.backend(engine_name)  # unknown engine: InvalidInput before anything is written
    if cap < 2:
        raise InvalidInput("xref: the selector cap must be 2 or more")
    if not 0.0 < threshold <= 1.0:
        raise InvalidInput("xref: threshold must be in (0, 1]")
    scope = node.scope(reader)
    colls = _collections(node, scope, collections)
    names = [c.name for c in colls]
    with node.db.writer.begin() as conn:
        run_id = xref_sql.create_run(
            conn,
            reader.username,
            reader.org,
            engine_name,
            names,
            clock.now_iso(),
            owner=run_owner.stamp(),
        )
    node.audit.append(
        AuditEvent(
            "xref.start",
            reader.username,
            reader.org,
            [f"xref:{run_id}", *(f"collection:{n}" for n in names)],
            purpose,
            reader.audit_detail({"engine": engine_name}),
        )
    )
    args = (node, reader, run_id, colls, engine_name, retrain, cap, threshold, purpose)
    if background:
        threading.Thread(target=_execute_logged, args=args, daemon=True).start()
    else:
        _execute(*args)
    with node.db.reader.connect() as conn:
        return _run_view(conn, xref_sql.get_run(conn, run_id), reader)


def _execute_logged(*args) -> None:
    try:
        _execute(*args)
    except Exception:  # noqa: BLE001 - a background run records its failure itself
        log.info("xref run %s failed", args[2])


def _execute(
    node: Node,
    reader: Reader,
    run_id: int,
    colls: list,
    engine_name: str,
    retrain: bool,
    cap: int,
    threshold: float,
    purpose: str | None,
) -> None:
    with node.db.writer.begin() as conn:
        xref_sql.update_run(
            conn, run_id, status="running", started_at=clock.now_iso(), counts=run_owner.stamp()
        )

    def beat() -> None:
        with node.db.writer.begin() as conn:
            xref_sql.beat(conn, run_id, run_owner.stamp())

    try:
        with run_owner.Heartbeat(beat), old_heap_frozen():
            result = _compute(node, reader, run_id, colls, engine_name, retrain, cap, threshold)
            started = time.perf_counter()
            marks = _store(node, reader, run_id, result, started)
    except Exception as exc:
        message = exc.message if isinstance(exc, GugusError) else type(exc).__name__
        with node.db.writer.begin() as conn:
            xref_sql.update_run(
                conn,
                run_id,
                status="failed",
                finished_at=clock.now_iso(),
                counts=None,
                notes=[f"the run failed: {message}; earlier results are unchanged"],
            )
        raise
    node.audit.append(
        AuditEvent(
            "xref.run",
            reader.username,
            reader.org,
            [f"xref:{run_id}"],
            purpose,
            reader.audit_detail(result["counts"]),
            sorted(marks),
        )
    )


def _compute(node, reader, run_id, colls, engine_name, retrain, cap, threshold) -> dict:
    scope = node.scope(reader)
    ids = [c.id for c in colls]
    names = {c.id: c.name for c in colls}
    max_year = clock.now().year
    notes: list[str] = []
    counts: dict = {"collections": len(colls)}
    pairs: list[dict] = []
    built: dict = {}
    trained: dict = {}
    timer = Timer()
    with node.db.reader.connect() as conn:
        for family in FAMILIES:
            rows = xref_sql.feature_statements(
                conn, scope, ids, records.SCHEMATA[family], records.PROPS[family]
            )
            b = built[family] = records.build(rows, family, max_year)
            counts[f"{family.lower()}_records"] = len(b.rows)
            if b.without_name:
                notes.append(f"{family}: {b.without_name} entities without a name were skipped")
            if b.absurd_dates:
                notes.append(
                    f"{family}: {b.absurd_dates} birth dates partial or out of range were not compared"
                )
        stored = {f: xref_sql.get_params(conn, f, engine_name) for f in FAMILIES}
        timer.lap("records")
        correlated = selectors.correlate(conn, scope, ids, cap)
        timer.lap("selectors")
    for family in FAMILIES:
        b = built[family]
        sides: dict[str, list[dict]] = {}
        for row in b.rows:
            sides.setdefault(names[b.source[row["unique_id"]]], []).append(row)
        key = engine.model_key(family, engine_name)
        params = stored[family]
        usable = json.loads(params.params) if params and params.model_key == key else None
        scored = engine.score(
            family, sides, engine_name, stored=usable, retrain=retrain, threshold=threshold
        )
        notes.extend(scored.notes)
        counts[f"{family.lower()}_parameters"] = scored.parameters
        if scored.trained is not None:
            trained[family] = (key, scored.trained, len(b.rows))
        for p in scored.pairs:
            left, right = sorted((p["left"], p["right"]))
            pairs.append(
                {
                    "left": left,
                    "right": right,
                    "schema": family,
                    "kind": "model",
                    "probability": p["probability"],
                    "explanation": p["explanation"],
                    "inputs": b.markings[left] | b.markings[right],
                }
            )
    pairs.extend(correlated.pairs)
    for c in correlated.capped:
        notes.append(
            f"a {c['kind']} shared by {c['entities']} entities was capped (more than {cap}): "
            "not paired"
        )
    counts["model_pairs"] = sum(1 for p in pairs if p["kind"] == "model")
    counts["selector_pairs"] = len(correlated.pairs)
    counts["capped_selectors"] = len(correlated.capped)
    timer.lap("model")
    counts["hit_notices"] = hidden_matches(node, reader, run_id, built)
    timer.lap("hit_notices")
    counts["seconds"] = timer.laps
    return {"pairs": pairs, "notes": notes, "counts": counts, "trained": trained}


@contextmanager
def old_heap_frozen():
    """The objects alive before the run left out of the garbage collector's
    walks while it runs (gc.freeze): building records and Splink's SQL make
    hundreds of thousands of objects, and every full collection they set off
    walked the whole heap again (0.1-0.3 s of a 2 s run on FEBRL4).  Cycles
    made during the run are still collected.  A process that froze its heap
    itself (a server, gugus.api.serving.settle) is left as it is: unfreezing
    would undo it, and freezing again would keep whatever garbage is pending
    for good."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class Timer:
    """Wall time of a run's phases, reported in its counts."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 2)
        self._last = now


def _store(node: Node, reader: Reader, run_id: int, result: dict, started: float) -> set[int]:
    """Everything the run produced, in one transaction."""
    with node.db.writer.begin() as conn:
        pairs = apply_judgements(conn, node.scope(reader), result["pairs"])
        combos: dict[frozenset, object] = {}
        for p in pairs:
            inputs = frozenset(p.pop("inputs"))
            if inputs not in combos:
                combos[inputs] = combine(node.catalogue.get(conn, m) for m in sorted(inputs))
            p["marking"] = combos[inputs]
        ids = store_markings(conn, list({m.key: m for m in combos.values()}.values()))
        for p in pairs:
            p["marking_id"] = ids[p.pop("marking").key]
        xref_sql.insert_pairs(conn, run_id, pairs)
        for family, (key, params, n) in result["trained"].items():
            run = xref_sql.get_run(conn, run_id)
            xref_sql.save_params(conn, family, run.engine, key, params, clock.now_iso(), n)
        counts = dict(result["counts"], pairs=len(pairs))
        counts["seconds"]["store"] = round(time.perf_counter() - started, 2)
        xref_sql.update_run(
            conn,
            run_id,
            status="done",
            finished_at=clock.now_iso(),
            counts=counts,
            notes=result["notes"],
        )
    return {p["marking_id"] for p in pairs}


# -- runs whose process is gone ---------------------------------------------------------


def recover(node: Node, run_id: int | None = None) -> list[int]:
    """Mark failed every open run (or only ``run_id``) whose owning process
    is gone (:func:`gugus.xref.run_owner.gone`): its transaction never
    committed, so the earlier runs' results are what stays.  Called when a
    server opens the node and before a run's status is read.  Returns the
    ids of the runs marked failed."""
    with node.db.reader.connect() as conn:
        candidates = [
            r
            for r in xref_sql.open_runs(conn, run_id)
            if run_owner.gone(json.loads(r.counts) if r.counts else None)
        ]
    failed = []
    note = f"{run_owner.INTERRUPTED}; earlier results are unchanged"
    for run in candidates:
        with node.db.writer.begin() as conn:
            if xref_sql.fail_open_run(conn, run, clock.now_iso(), note):
                failed.append(run.id)
    for rid in failed:
        log.warning("xref run %s: its process is gone, marked failed", rid)
        node.audit.append(
            AuditEvent(
                "xref.interrupted",
                None,
                None,
                [f"xref:{rid}"],
                None,
                {"reason": run_owner.INTERRUPTED},
            )
        )
    return failed


# -- reading a run -------------------------------------------------------------------


def _run_view(conn, run, reader: Reader) -> dict:
    """A run as ``reader`` may see it: its own runs in full; another user's
    without the counts and notes (computed over data the reader may not see)."""
    own = run.username == reader.username
    view = {
        "run": run.id,
        "status": run.status,
        "engine": run.engine,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }
    if own:
        view["collections"] = json.loads(run.collections)
        ended = run.status not in xref_sql.OPEN  # an open run's counts hold its owner
        view["counts"] = json.loads(run.counts) if run.counts and ended else {}
        view["notes"] = json.loads(run.notes) if run.notes else []
    return view


def pair_view(row, marking) -> dict:
    return {
        "left": row.left_id,
        "right": row.right_id,
        "schema": row.schema,
        "probability": round(row.probability, 6),
        "kind": row.kind,
        "explanation": json.loads(row.explanation),
        "marking": marking.to_dict(),
    }


def status(
    node: Node,
    reader: Reader,
    run_id: int,
    *,
    limit: int = 100,
    offset: int = 0,
    min_probability: float | None = None,
    purpose: str | None = None,
) -> dict:
    """A run's status and the page of its pairs the reader may see, most
    probable first (audited with the markings of the pairs returned)."""
    limit = max(1, min(int(limit), MAX_PAGE))
    offset = max(0, int(offset))
    scope = node.scope(reader)
    recover(node, run_id)
    with node.db.reader.connect() as conn:
        run = xref_sql.get_run(conn, run_id)
        if run is None:
            raise NotFound(f"xref run {run_id} not found")
        view = _run_view(conn, run, reader)
        rows = xref_sql.list_pairs(
            conn, scope, run_id, limit=limit, offset=offset, min_probability=min_probability
        )
        total = xref_sql.count_pairs(conn, scope, run_id, min_probability)
        pairs = [pair_view(r, node.catalogue.get(conn, r.marking_id)) for r in rows]
    if rows:
        node.audit.append(
            AuditEvent(
                "xref.read",
                reader.username,
                reader.org,
                [f"xref:{run_id}"],
                purpose,
                reader.audit_detail({"pairs": len(rows), "offset": offset}),
                sorted({r.marking_id for r in rows}),
            )
        )
    view.update(total=total, limit=limit, offset=offset, pairs=pairs)
    return view


def review(
    node: Node,
    reader: Reader,
    *,
    limit: int = 50,
    offset: int = 0,
    purpose: str | None = None,
) -> dict:
    """``gugus xref review``: the pairs of the latest finished run (the
    reader's own, else the node's latest) that the reader may see and still
    has to judge, most probable first (:mod:`gugus.xref.review` decides what
    is undecided)."""
    from gugus.xref import review as review_mod

    with node.db.reader.connect() as conn:
        run = xref_sql.latest_done_run(conn, reader.username) or xref_sql.latest_done_run(conn)
    if run is None:
        return {"run": None, "pairs": [], "limit": limit, "offset": offset}

    def fetch(conn, scope, limit_, offset_):
        rows = xref_sql.list_pairs(conn, scope, run.id, limit=limit_, offset=offset_)
        return [
            {**pair_view(r, node.catalogue.get(conn, r.marking_id)), "marking_id": r.marking_id}
            for r in rows
        ]

    pairs = review_mod.review(node, reader, fetch, limit=limit, offset=offset, purpose=purpose)
    for p in pairs:
        p.pop("marking_id", None)
    return {"run": run.id, "pairs": pairs, "limit": limit, "offset": offset}

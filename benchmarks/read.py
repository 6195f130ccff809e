"""Entity reads and searches over HTTP as an analyst of another organisation
(visibility filter on, every non-CLEAR read audited): gugus next to its peer,
idle and during a long load.

    python benchmarks/read.py [--dir benchmarks/out/ingest] [--requests 2000] [--workers 1]
                              [--backend sqlite|postgresql] [--during-load] [--load-lines 600000]

Needs the node built by ``benchmarks/ingest.py`` (``--dir``: its ``gugus.db``,
``logins.json`` and ``world/``).  In one run it measures, for ``--requests``
random entity reads and as many searches for random name words, at 1 and at 50
concurrent clients:

* **gugus**: a real ``gugus serve --workers N`` on 127.0.0.1 — p50/p95 of the
  answered requests (200 or 404), requests/s, and failures (any other status
  or a dropped connection: counted, never fatal).
* **the peer**: ``benchmarks/peer_app.py``, a minimal FastAPI app served the
  same way (uvicorn, same worker count) answering the same SQL (an entity's
  statements, each kept by the grants check with the reader's two grantee
  keys; the full-text search over the terms of the reader's audiences with
  gugus's LIMIT loop, then the statements of the entities found) with no
  auth, policy, assembly or audit — the ratios gugus/peer, and whether both
  answered 50 of the paths alike (``same_answers``: entity status, search
  hits in order; ``checked_*`` say how many were found / had hits).
  Targets: p95 ≤ 50 ms at 50 clients, and gugus within 2× of the peer's p95
  and throughput.
* **raw**: the same SQL in-process, one query at a time, no HTTP.
* **the audit check** after every 50-client gugus run: the audit records
  appended during the run (counted by ``readkit.audit_counts``) must
  equal the 200s whose answer carries non-CLEAR data (``audit_ok``).

``--backend postgresql`` starts a throwaway PostgreSQL (``tests/pgserver.py``;
as root it runs as the ``postgres`` user), loads the same demo world
(``--dir``/world) into it as ``ingest.py`` does, and measures the same on it.

``--during-load`` then runs the 50-client gugus measurement again while a
``gugus load`` of ``--load-lines`` generated FtM persons into another
collection runs (on SQLite the run works on a copy of the node — data and
audit files, node key and anchor — removed at the end; the generated file
stays in ``--dir`` for the next run, ~180 bytes a line): read p50/p95 and
failures during the load, whether the load covered the whole measurement (if
not, raise ``--load-lines``), and whether it succeeded.  The audit check there
leaves the load's own records (``load.start``, ``load``) apart.

The JSON report goes to stdout and ``--dir``/read-result-w<N>[-pg][-load].json, a
short table to stderr.  Validate at a small size only, e.g.::

    python benchmarks/ingest.py --people 2000 --dir /tmp/bench-small
    python benchmarks/read.py --dir /tmp/bench-small --requests 200 --during-load --load-lines 200000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

from peer_app import PeerQueries, engine_for
from readkit import (
    RunResult,
    add_load_collection,
    answers,
    audit_counts,
    copy_node,
    gugus_cli,
    gugus_server,
    load_file,
    load_world,
    node_arguments,
    pct,
    peer_server,
    reader_grantees,
    run_clients,
)
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pgserver import PostgresServer  # noqa: E402

CLIENTS = (1, 50)
KINDS = ("entity", "search")
LOAD_COLLECTION = "bench-load"
# An indexed search term: the audience of its statement's marking, then the
# word ("a12xjose"; store/statements.py ``_term``).
_TERM = re.compile(r"a\d+x(.+)")


def sample(db_url: str, n: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """Random entity ids (namespaced, as stored) and name words of the node
    (the indexed terms of names, their audience prefix removed), drawn by
    ``seed`` from the node's rows in a fixed order: the same node gives the
    same draws in every run (``ORDER BY random()`` gave each run other
    words, so two runs of one code differed by their words as well)."""
    engine = engine_for(db_url)
    with engine.connect() as conn:
        all_ids = conn.execute(
            text("SELECT DISTINCT entity_id FROM statements WHERE prop = 'id' ORDER BY entity_id")
        ).scalars()
        all_names = conn.execute(
            text("SELECT search_text FROM statements WHERE prop = 'name' ORDER BY pk")
        ).scalars()
        all_ids, all_names = list(all_ids), list(all_names)
    engine.dispose()
    rnd = random.Random(seed)
    ids = rnd.sample(all_ids, min(5000, len(all_ids)))
    names = rnd.sample(all_names, min(5000, len(all_names)))
    terms = [_TERM.fullmatch(t) for name in names for t in name.split()]
    words = [m.group(1) for m in terms if m and len(m.group(1)) > 2]
    rnd.shuffle(words)
    return [rnd.choice(ids) for _ in range(n)], [rnd.choice(words) for _ in range(n)]


def paths(prefix: str, ids: list[str], words: list[str]) -> dict[str, list[str]]:
    return {
        "entity": [f"{prefix}/entities/{quote(i, safe='')}" for i in ids],
        "search": [f"{prefix}/search?q={quote(w)}&limit=20" for w in words],
    }


def measure_gugus(
    db_url: str, url: str, token: str, work: dict, clients: tuple, load_supervisor=None
) -> dict:
    """Each kind at each client count; around each 50-client run, the audit
    check (the count after one run is the count before the next)."""
    out = {}
    for c in clients:
        counts = audit_counts(db_url, load_supervisor) if c > 1 else None
        for kind in KINDS:
            res = run_clients(url, work[kind], c, token, check_marking=True)
            out[f"{kind}_{c}c"] = res.summary()
            if counts is not None:
                after = audit_counts(db_url, load_supervisor)
                out[f"{kind}_{c}c"]["audit"] = audit_check(counts, after, res)
                counts = after
    return out


def audit_check(before: dict, after: dict, res: RunResult) -> dict:
    """Records appended during a run (a concurrent load's own records apart)
    against the 200s that returned non-CLEAR data."""
    loads = after.get("load_records", 0) - before.get("load_records", 0)
    appended = after["records"] - before["records"] - loads
    check = {
        "audit_ok": appended == res.non_clear,
        "records_appended": appended,
        "non_clear_reads": res.non_clear,
        "chain_verified": after["verified"],
    }
    if loads:
        check["load_records_apart"] = loads
    if res.unanswered:  # read, and audited, on the server after the client gave up?
        check["unanswered_reads"] = res.unanswered
        check["audit_within_unanswered"] = (
            res.non_clear <= appended <= res.non_clear + res.unanswered
        )
    return check


def measure_peer(url: str, work: dict) -> dict:
    return {
        f"{kind}_{c}c": run_clients(url, work[kind], c).summary() for c in CLIENTS for kind in KINDS
    }


def raw_times(db_url: str, grantees: list[str], ids: list[str], words: list[str]) -> dict:
    """The peer's SQL in this process, one query at a time (no HTTP)."""
    queries = PeerQueries(engine_for(db_url), grantees)
    ent, srch = [], []
    with queries.engine.connect() as conn:
        for eid in ids[:500]:
            t0 = time.perf_counter()
            queries.statements(conn, [eid])
            ent.append(time.perf_counter() - t0)
        for word in words[:500]:
            t0 = time.perf_counter()
            queries.statements(conn, queries.search_ids(conn, word, 20))
            srch.append(time.perf_counter() - t0)
    queries.engine.dispose()
    return {
        "entity_p50_ms": round(pct(ent, 0.5), 3),
        "entity_p95_ms": round(pct(ent, 0.95), 3),
        "search_p50_ms": round(pct(srch, 0.5), 3),
        "search_p95_ms": round(pct(srch, 0.95), 3),
    }


def during_load(args, db_url: str, token: str, work: dict, load_by: dict, tmp: Path) -> dict:
    """The 50-client gugus run while a long ``gugus load`` runs into a
    collection of ``load_by`` (a supervisor: it lists the load's audit records)."""
    add_load_collection(db_url, LOAD_COLLECTION, load_by["org"])
    source = load_file(args.dir / f"read-load-{args.load_lines}.jsonl", args.load_lines)
    server = gugus_server(db_url, args.workers, tmp / "gugus-load.log")
    load = None
    try:
        server.wait_ready()
        run_clients(server.url, work["entity"][:50] + work["search"][:50], 1, token)  # warm up
        argv = gugus_cli("load", LOAD_COLLECTION, str(source), "--db", db_url, "--json")
        with open(tmp / "load.out", "w+") as out, open(tmp / "load.err", "w+") as err:
            started = time.monotonic()
            load = subprocess.Popen(argv, stdout=out, stderr=err, start_new_session=True)
            ended: list[float] = []  # when the load exited
            watcher = threading.Thread(target=_note_exit, args=(load, ended), daemon=True)
            watcher.start()
            time.sleep(args.load_warmup)  # past start-up and into the writing
            report = measure_gugus(db_url, server.url, token, work, (50,), load_by["username"])
            measured = time.monotonic() - started
            watcher.join(args.load_timeout)
            code = load.returncode if ended else None  # None: timed out, killed below
            load_seconds = (ended[0] if ended else time.monotonic()) - started
            out.seek(0), err.seek(0)
            load_out, load_err = out.read(), err.read()
    finally:
        if load is not None and load.poll() is None:  # interrupted or timed out
            os.killpg(load.pid, signal.SIGKILL)
            load.wait()
        report_stop = server.stop()
    report["load"] = {
        "lines": args.load_lines,
        "exit_code": code,
        "ok": code == 0,
        "seconds": round(load_seconds, 1),
        "covered_measurement": load_seconds > measured,
        "measurement_seconds": round(measured, 1),
        "summary": _json_or_tail(load_out),
        "stderr_tail": load_err[-1000:],
    }
    report["server_stop"] = report_stop
    return report


def _note_exit(proc: subprocess.Popen, ended: list[float]) -> None:
    proc.wait()
    ended.append(time.monotonic())


def _json_or_tail(text_out: str):
    try:
        data = json.loads(text_out)
    except json.JSONDecodeError:
        return text_out[-500:]
    return {k: v for k, v in data.items() if not isinstance(v, list | dict)}


def comparison(gugus: dict, peer: dict) -> dict:
    """gugus/peer at 50 clients; targets: p95 ≤ 50 ms, both ratios ≤ 2."""
    out = {}
    for kind in KINDS:
        g, p = gugus[f"{kind}_50c"], peer[f"{kind}_50c"]
        p95_ratio = g["p95_ms"] / p["p95_ms"] if p["p95_ms"] else None
        rate_ratio = p["requests_per_s"] / g["requests_per_s"] if g["requests_per_s"] else None
        out[kind] = {
            "gugus_over_peer_p95": round(p95_ratio, 2) if p95_ratio else None,
            "peer_over_gugus_throughput": round(rate_ratio, 2) if rate_ratio else None,
            "p95_le_50ms": g["p95_ms"] <= 50,
            "within_2x_of_peer": bool(p95_ratio and rate_ratio and max(p95_ratio, rate_ratio) <= 2),
        }
    return out


def table(report: dict) -> str:
    rows = [
        "| figure | 1 client p50 / p95 ms | 50 clients p50 / p95 ms | 50c req/s | failures | audit_ok |",
        "|---|---|---|---|---|---|",
    ]
    for who in ("gugus", "peer", "during_load"):
        data = report.get(who)
        if not data:
            continue
        for kind in KINDS:
            one, many = data.get(f"{kind}_1c"), data[f"{kind}_50c"]
            first = f"{one['p50_ms']} / {one['p95_ms']}" if one else "-"
            failures = many["failures"] + (one["failures"] if one else 0)
            cells = [f"{kind}, {who.replace('_', ' ')}", first]
            cells += [f"{many['p50_ms']} / {many['p95_ms']}", many["requests_per_s"], failures]
            rows.append(
                "| " + " | ".join(map(str, [*cells, _audit_cell(many.get("audit"))])) + " |"
            )
    raw = report["raw"]
    rows.append(
        f"raw {report['backend']} p95: entity {raw['entity_p95_ms']} ms, search {raw['search_p95_ms']} ms"
    )
    rows.append(f"same answers from gugus and the peer: {report['peer'].get('same_answers')}")
    for kind, c in report["gugus_vs_peer_50c"].items():
        rows.append(
            f"{kind} gugus/peer at 50c: p95 ×{c['gugus_over_peer_p95']}, throughput ×{c['peer_over_gugus_throughput']}"
        )
    if "during_load" in report:
        load = report["during_load"]["load"]
        rows.append(
            f"load of {load['lines']} lines: ok={load['ok']} in {load['seconds']} s, "
            f"covered the measurement: {load['covered_measurement']}"
        )
    return "\n".join(rows)


def _audit_cell(audit: dict | None) -> str:
    if not audit:
        return "-"
    cell = f"{audit['audit_ok']} ({audit['records_appended']}/{audit['non_clear_reads']}"
    if "unanswered_reads" in audit:
        cell += f", {audit['unanswered_reads']} unanswered"
    return cell + ")"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    node_arguments(parser, requests=2000)
    parser.add_argument("--workers", type=int, default=1, help="server processes (gugus and peer)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--during-load", action="store_true", help="also measure during a load")
    parser.add_argument("--load-lines", type=int, default=600_000, help="FtM lines of the load")
    parser.add_argument("--load-warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--load-timeout", type=float, default=3600.0)
    parser.add_argument(
        "--pg-url",
        help="with --backend postgresql: a database already holding the demo world "
        "(loaded as this script loads it; its node key in GUGUS_KEY_DIR) instead of a new "
        "throwaway server — a 3M-statement load takes ~10 minutes",
    )
    parser.add_argument("--logins", type=Path, help="with --pg-url: that load's logins (JSON)")
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gugus-read-")))
        setup_started = time.monotonic()
        if args.backend == "sqlite":
            db_url = str(args.dir / "gugus.db")
            if args.during_load:  # the load must not grow the node other benchmarks read
                db_url = copy_node(args.dir, tmp / "node")
            logins = json.loads((args.dir / "logins.json").read_text())
        elif args.pg_url:
            db_url = args.pg_url
            logins = json.loads(args.logins.read_text())
        else:
            # The throwaway server's node key (and anchor) in the temporary directory.
            os.environ["GUGUS_KEY_DIR"] = str(tmp / "keys")
            pg = stack.enter_context(PostgresServer())
            db_url = pg.start()
            logins = load_world(args.dir / "world", db_url)["logins"]
        login = next(x for x in logins if x["org"] == args.as_org and x["role"] == "analyst")
        ids, words = sample(db_url, args.requests)
        grantees = reader_grantees(db_url, login["username"])
        gugus_work = paths("/api/v1", ids, words)
        peer_work = paths("", ids, words)
        report: dict = {
            "benchmark": "read",
            "backend": args.backend,
            "workers": args.workers,
            "reader": f"{login['username']} ({args.as_org})",
            "grantees": grantees,
            "requests": args.requests,
            "setup_seconds": round(time.monotonic() - setup_started, 1),
        }

        server = gugus_server(db_url, args.workers, tmp / "gugus.log")
        try:
            server.wait_ready()
            run_clients(
                server.url, gugus_work["entity"][:50] + gugus_work["search"][:50], 1, login["token"]
            )
            report["gugus"] = measure_gugus(db_url, server.url, login["token"], gugus_work, CLIENTS)
            gugus_answers = answers(server.url, _checked(gugus_work), login["token"])
        finally:
            report["gugus"] = {**report.get("gugus", {}), "server_stop": server.stop()}

        server = peer_server(db_url, args.workers, grantees, tmp / "peer.log")
        try:
            server.wait_ready()
            run_clients(server.url, peer_work["entity"][:50] + peer_work["search"][:50], 1)
            report["peer"] = measure_peer(server.url, peer_work)
            same = [
                a == b
                for a, b in zip(
                    gugus_answers, answers(server.url, _checked(peer_work)), strict=True
                )
            ]
            report["peer"]["same_answers"] = f"{sum(same)}/{len(same)}"
            # Not alike by being empty: entities found, searches with hits.
            report["peer"]["checked_entities_found"] = sum(a == 200 for a in gugus_answers)
            report["peer"]["checked_searches_with_hits"] = sum(
                isinstance(a, list) and bool(a) for a in gugus_answers
            )
        finally:
            report["peer"] = {**report.get("peer", {}), "server_stop": server.stop()}
        report["raw"] = raw_times(db_url, grantees, ids, words)
        report["gugus_vs_peer_50c"] = comparison(report["gugus"], report["peer"])

        if args.during_load:
            load_by = next(
                x for x in logins if x["org"] != args.as_org and x["role"] == "supervisor"
            )
            report["during_load"] = during_load(
                args, db_url, login["token"], gugus_work, load_by, tmp
            )
    report["date"] = time.strftime("%Y-%m-%d %H:%M")
    text_report = json.dumps(report, indent=2)
    print(text_report)
    print(table(report), file=sys.stderr)
    suffix = f"-w{args.workers}" + ("-pg" if args.backend == "postgresql" else "")
    suffix += "-load" if args.during_load else ""
    (args.dir / f"read-result{suffix}.json").write_text(text_report)


def _checked(work: dict) -> list[str]:
    """The paths whose answers gugus and the peer must agree on."""
    return work["entity"][:25] + work["search"][:25]


if __name__ == "__main__":
    main()

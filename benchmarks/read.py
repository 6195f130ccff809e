"""Entity read and search latency over HTTP (p50/p95), as a user of another
organisation (visibility filter on), with 1 and with 50 concurrent clients,
against the same queries on raw SQLite.

    python benchmarks/read.py [--dir benchmarks/out/ingest] [--requests 2000]

Needs the node built by ``benchmarks/ingest.py``.  Starts a real
``gugus serve`` process on 127.0.0.1.  Target: p95 ≤ 50 ms at 50 clients.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from gugus.node import Node


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def run(url: str, token: str, paths: list[str], clients: int) -> list[float]:
    def worker(chunk: list[str]) -> list[float]:
        out = []
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as client:
            for path in chunk:
                t0 = time.perf_counter()
                r = client.get(path)
                out.append(time.perf_counter() - t0)
                if r.status_code not in (200, 404):
                    raise SystemExit(f"{path}: HTTP {r.status_code} {r.text[:200]}")
        return out

    chunks = [paths[i::clients] for i in range(clients)]
    with ThreadPoolExecutor(clients) as pool:
        return [t for part in pool.map(worker, chunks) for t in part]


def raw_times(db: Path, entity_ids: list[str], words: list[str], grantees: list[str]) -> dict:
    """The queries gugus runs, on raw sqlite3: the grants of the reader's two
    keys checked per row; search probes the words of the visible audiences."""
    conn = sqlite3.connect(db)
    visible = (
        "EXISTS (SELECT 1 FROM markings m JOIN audience_grants g ON g.audience_id = m.audience_id"
        " WHERE m.id = s.marking_id AND g.grantee IN (?, ?) LIMIT -1 OFFSET 0)"
    )
    audiences = [
        a
        for (a,) in conn.execute(
            "SELECT DISTINCT audience_id FROM audience_grants WHERE grantee IN (?, ?)", grantees
        )
    ]
    ent, srch = [], []
    for eid in entity_ids[:500]:
        t0 = time.perf_counter()
        conn.execute(
            f"SELECT * FROM statements s WHERE entity_id = ? AND {visible}",  # noqa: S608 - constant
            (eid, *grantees),
        ).fetchall()
        ent.append(time.perf_counter() - t0)
    for w in words[:500]:
        t0 = time.perf_counter()
        match = " OR ".join(f'"a{a}x{w}"' for a in audiences)
        conn.execute(
            "SELECT s.entity_id FROM statements_fts f JOIN statements s ON s.pk = f.rowid "  # noqa: S608
            f"WHERE statements_fts MATCH ? AND {visible} ORDER BY f.rowid DESC LIMIT 80",
            (match, *grantees),
        ).fetchall()
        srch.append(time.perf_counter() - t0)
    return {"entity_p95_ms": pct(ent, 0.95), "search_p95_ms": pct(srch, 0.95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("benchmarks/out/ingest"))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--as-org", default="US-HSI", help="organisation of the reading user")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args()
    db = args.dir / "gugus.db"
    logins = json.loads((args.dir / "logins.json").read_text())
    login = next(x for x in logins if x["org"] == args.as_org and x["role"] == "analyst")

    rnd = random.Random(7)
    conn = sqlite3.connect(db)
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT entity_id FROM statements WHERE prop = 'id' ORDER BY random() LIMIT 5000"
        )
    ]
    names = [
        r[0]
        for r in conn.execute(
            "SELECT search_text FROM statements WHERE prop = 'name' ORDER BY random() LIMIT 5000"
        )
    ]
    conn.close()
    words = [w for n in names for w in n.split() if len(w) > 2]
    rnd.shuffle(words)
    entity_paths = [f"/api/v1/entities/{rnd.choice(ids)}" for _ in range(args.requests)]
    search_paths = [f"/api/v1/search?q={rnd.choice(words)}&limit=20" for _ in range(args.requests)]

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gugus.cli",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(url + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        token = login["token"]
        run(url, token, entity_paths[:50] + search_paths[:50], 1)  # warm up
        report: dict = {
            "benchmark": "read",
            "reader": f"{login['username']} ({args.as_org})",
            "requests": args.requests,
        }
        for clients in (1, 50):
            for name, paths in (("entity", entity_paths), ("search", search_paths)):
                times = run(url, token, paths, clients)
                report[f"{name}_{clients}c"] = {
                    "p50_ms": round(pct(times, 0.5), 2),
                    "p95_ms": round(pct(times, 0.95), 2),
                    "mean_ms": round(statistics.mean(times) * 1000, 2),
                }
    finally:
        server.terminate()
        server.wait(10)
    node = Node(str(db))
    grantees = list(node.scope(node.reader(login["username"])).grantees)
    node.close()
    report["raw_sqlite"] = {k: round(v, 3) for k, v in raw_times(db, ids, words, grantees).items()}
    report["ratio_p95_50c_to_target_50ms"] = {
        "entity": round(report["entity_50c"]["p95_ms"] / 50, 2),
        "search": round(report["search_50c"]["p95_ms"] / 50, 2),
    }
    report["date"] = time.strftime("%Y-%m-%d")
    print(json.dumps(report, indent=2))
    (args.dir / "read-result.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Server CPU per page: what one page costs the server, however busy the
machine is (wall-clock latencies on a shared machine are not).

    python benchmarks/entity_cpu.py [--dir benchmarks/out/ingest] [--pages 400]
                                    [--rounds 3] [--sessions 1] [--as-org US-HSI]
                                    [--kind entity|search_once]

A real ``gugus serve --workers 1`` on the node built by
``benchmarks/ingest.py``; ``--sessions`` logged-in sessions of an analyst of
``--as-org`` read, after 50 entity pages of warm-up, either random entity
pages (``--kind entity``: ``/entities/<id>``, the ids of ``read.sample``; each
round reads the same pages on the same server) or search pages for words
nobody asked before (``--kind search_once``: each distinct name word of a
``read.sample`` draw once, ``/search?q=<word>``, on a fresh server per round,
so that no search is answered from a result cache).  The server's CPU time
(user + system, from /proc, the process and its children: the audit writer
included) divided by the pages is the figure: the lowest and the median of
the rounds.  JSON to stdout, a line to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import httpx
from pages import session
from read import sample
from readkit import analyst_of, cpu_seconds, gugus_server

WARM_UP = 50


def read_pages(clients: list[httpx.Client], paths: list[str]) -> dict[int, int]:
    def worker(i: int) -> dict[int, int]:
        codes: dict[int, int] = {}
        for path in paths[i :: len(clients)]:
            status = clients[i].get(path).status_code
            codes[status] = codes.get(status, 0) + 1
        return codes

    total: dict[int, int] = {}
    with ThreadPoolExecutor(len(clients)) as pool:
        for codes in pool.map(worker, range(len(clients))):
            for status, n in codes.items():
                total[status] = total.get(status, 0) + n
    return total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dir", type=Path, default=Path("benchmarks/out/ingest"))
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=1)
    parser.add_argument("--as-org", default="US-HSI")
    parser.add_argument("--kind", choices=("entity", "search_once"), default="entity")
    args = parser.parse_args()
    db_url, login = analyst_of(args.dir, args.as_org)
    ids, words = sample(db_url, args.pages + WARM_UP)
    warm = [f"/entities/{quote(i, safe='')}" for i in ids[:WARM_UP]]
    if args.kind == "entity":
        paths = [f"/entities/{quote(i, safe='')}" for i in ids[WARM_UP:]]
    else:  # each word once: a result cache could answer a second asking
        paths = [f"/search?q={quote(w)}" for w in dict.fromkeys(words)]
    per_page: list[float] = []
    codes: dict[int, int] = {}
    with tempfile.TemporaryDirectory(prefix="gugus-page-cpu-") as tmp:
        server = None
        try:
            for n in range(args.rounds):
                if server is None:
                    server = gugus_server(db_url, 1, Path(tmp) / f"serve-{n}.log")
                    server.wait_ready()
                    clients = [
                        session(server.url, login["username"], login["password"])
                        for _ in range(args.sessions)
                    ]
                    read_pages(clients, warm)
                before = cpu_seconds(server.proc.pid)
                codes = read_pages(clients, paths)
                per_page.append((cpu_seconds(server.proc.pid) - before) / len(paths) * 1000)
                if args.kind == "search_once":  # the next round starts cold
                    server.stop()
                    server = None
        finally:
            if server is not None:
                server.stop()
    per_page.sort()
    report = {
        "benchmark": "entity_cpu",
        "kind": args.kind,
        "db": db_url,
        "as": login["username"],
        "pages": len(paths),
        "sessions": args.sessions,
        "statuses": codes,
        "server_cpu_ms_per_page": {"min": per_page[0], "median": per_page[len(per_page) // 2]},
    }
    print(json.dumps(report, indent=2))
    print(
        f"{args.kind} page, {args.sessions} session(s): server CPU {per_page[0]:.2f} ms/page "
        f"(median {per_page[len(per_page) // 2]:.2f}) over {args.rounds} rounds",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()

"""Cold searches in one process: how many a second, one at a time against
several at once (issue #9; why gugus.work_gate exists).

    python benchmarks/search_turns.py [--dir benchmarks/out/ingest] [--requests 1000]
                                      [--threads 10] [--slots 1,2,64]

In-process, no HTTP: the node built by ``benchmarks/ingest.py`` (``--dir``:
its ``gugus.db`` and ``logins.json``), an analyst of ``--as-org`` searching
each distinct name word of a ``read.sample`` draw once (the result cache
off: every search counts its matches), from ``--threads`` threads at once,
through the node's search gate with each number of ``--slots`` (64: in
effect no gate), after one pass from a single thread.  Prints searches/s and
p50/p95 per run (JSON to stdout).
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ThreadPoolExecutor

from read import sample
from readkit import analyst_of, node_arguments

from gugus import search_facets
from gugus.model import search_words
from gugus.node import Node
from gugus.store.db import busy_timeout
from gugus.work_gate import Gate


class _NoCache:
    def get(self, key):
        return None

    def put(self, key, value) -> None:
        pass


def run(node: Node, reader, words: list[str], threads: int) -> dict:
    def one(word: str) -> float:
        t0 = time.perf_counter()
        search_facets.search(node, reader, word)
        return time.perf_counter() - t0

    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        times = sorted(pool.map(one, words))
    wall = time.perf_counter() - t0
    return {
        "searches": len(words),
        "per_s": round(len(words) / wall, 1),
        "p50_ms": round(1000 * times[len(times) // 2], 1),
        "p95_ms": round(1000 * times[int(0.95 * (len(times) - 1))], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    node_arguments(parser, requests=1000)
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--slots", default="1,2,64")
    args = parser.parse_args()
    db, login = analyst_of(args.dir, args.as_org)
    _, drawn = sample(db, args.requests)
    words = list(dict.fromkeys(drawn))
    search_words.warm()  # as a serving process does before its first search
    report: dict = {"benchmark": "search_turns", "db": db, "threads": args.threads, "runs": {}}
    # One thread first: it also brings the words' pages into the OS cache.
    for name, slots, threads in [("one_thread", 64, 1)] + [
        (f"slots_{n}", n, args.threads) for n in (int(s) for s in args.slots.split(","))
    ]:
        node = Node.open(db)  # fresh connections each time
        node.search_results = _NoCache()
        node.search_gate = Gate(slots, busy_timeout())
        try:
            report["runs"][name] = run(node, node.reader(login["username"]), words, threads)
        finally:
            node.close()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

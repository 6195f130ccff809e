"""Appends per second of the group-committing audit writer.

50 threads each append single events through ``node.audit.append`` (as 50
concurrent audited reads would); prints appends/s, batches (= commits) and the
average batch size, then verifies the chain and that every event is there.
Compared with one commit per append (the peer: the same events appended one
transaction each from one thread), as a ratio.

    python benchmarks/audit_append.py                       # SQLite in a temp dir
    python benchmarks/audit_append.py --postgres            # a throwaway PostgreSQL (tests/pgserver.py)
    python benchmarks/audit_append.py --db postgresql://…   # an existing, empty database
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from gugus.audit import AuditEvent, chain
from gugus.node import Node


def run_threads(node: Node, threads: int, per_thread: int) -> float:
    start = threading.Barrier(threads + 1)

    def work(t: int) -> None:
        start.wait()
        for i in range(per_thread):
            node.audit.append(
                AuditEvent("bench.read", f"u{t}", "US-HSI", [f"e-{t}-{i}"], markings=[1, 2])
            )

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    start.wait()
    began = time.perf_counter()
    for w in workers:
        w.join()
    return time.perf_counter() - began


def one_commit_each(node: Node, n: int) -> float:
    key = node.audit.key
    began = time.perf_counter()
    for i in range(n):
        with node.db.audit_writer.begin() as conn:
            chain.commit(conn, key, [AuditEvent("bench.serial", "u", "US-HSI", [f"s-{i}"])])
    return time.perf_counter() - began


def bench(url: str, threads: int, per_thread: int) -> None:
    node = Node(url)
    node.db.migrate()
    try:
        seconds = run_threads(node, threads, per_thread)
        total = threads * per_thread
        batches = node.audit.batches
        serial_n = min(total, 500)
        serial = one_commit_each(node, serial_n)
        result = node.audit.verify()
        assert result.ok, result.problem
        assert result.records == total + serial_n, (result.records, total + serial_n)
        rate, serial_rate = total / seconds, serial_n / serial
        print(
            f"{node.db.dialect.name}: {threads} threads, {total} appends in {seconds:.2f} s = "
            f"{rate:,.0f} appends/s; {batches} commits (avg {total / batches:.1f} events/commit); "
            f"one commit per append: {serial_rate:,.0f}/s; ratio {rate / serial_rate:.1f}x; "
            f"chain verified ({result.records} records)"
        )
    finally:
        node.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="database URL (default: a SQLite file in a temp dir)")
    parser.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL")
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--per-thread", type=int, default=100)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="gugus-audit-bench-"))
    os.environ.setdefault("GUGUS_KEY_DIR", str(tmp / "keys"))
    if args.postgres:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from pgserver import PostgresServer

        with PostgresServer() as server:
            server.start()
            bench(server.create_database("bench"), args.threads, args.per_thread)
        return
    bench(args.db or str(tmp / "gugus.db"), args.threads, args.per_thread)


if __name__ == "__main__":
    main()

"""Finding 8 of issue #7: do distinct markings slow other organisations' reads?

For 0, 20,000 and 250,000 distinct markings (TLP:AMBER from MX-FGR released
to US-HSI, differing only in purpose, each on one statement — what a load of
lines with distinct purposes stores), ana of US-HSI reads one entity and
searches a name; latencies per count, through the read services (no HTTP).

    python benchmarks/markings_scale.py [--counts 0,20000,250000] [--runs 200] [--postgres]

Runs on the code before grants too (same script): there, reads past the
driver's parameter limit fail, and the failure is printed.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _world import (
    collection,
    new_node,
    row,
    store_markings,
    summary,
    throwaway_postgres,
    timed,
    write,
)

from gugus import reads
from gugus.model.markings import Marking


def build(url: str, count: int):
    node = new_node(url)
    target = collection(node, "cases", "green", ["US-HSI"])
    write(node, [row(target, target.marking_id, "p1", "Ana Pérez")])
    write(node, [row(target, target.marking_id, f"q{i}", f"Quintero {i}") for i in range(2000)])
    bulk = collection(node, "bulk", "amber", ["US-HSI"])
    t0 = time.perf_counter()
    marks = [
        Marking.build("amber", "MX-FGR", release_to=["US-HSI"], purpose=f"case {i}")
        for i in range(count)
    ]
    ids = store_markings(node, marks)
    write(node, [row(bulk, mid, f"x{i}", f"filler {i}") for i, mid in enumerate(ids)])
    return node, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="0,20000,250000")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--db-dir", type=Path, default=None)
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL server")
    args = parser.parse_args()
    server = throwaway_postgres() if args.postgres else None
    base = args.db_dir or Path(tempfile.mkdtemp(prefix="gugus-markings-scale-"))
    for count in [int(c) for c in args.counts.split(",")]:
        if server is not None:
            url = server.create_database(f"m{count}")
        else:
            base.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{base / f'm{count}.db'}"
        node, took = build(url, count)
        ana = node.reader("ana")
        print(f"{node.db.dialect.name}: {count} distinct markings (stored in {took:.1f} s)")
        for name, call in (
            ("entity read", lambda n=node, r=ana: reads.get_entity(n, r, "p1")),
            ("search     ", lambda n=node, r=ana: reads.search(n, r, "perez")),
        ):
            try:
                call()  # warm
                print(f"  {name}: {summary(timed(call, args.runs))}")
            except Exception as exc:  # noqa: BLE001 - the failure is the figure
                print(f"  {name}: FAILS: {str(exc).splitlines()[0][:120]}")
        node.close()
    if server is not None:
        server.stop()


if __name__ == "__main__":
    main()

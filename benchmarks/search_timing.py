"""Finding 3 of issue #7: does search time tell how many hidden statements
contain a word?

Two nodes alike except for one word: in the first, N statements the reader
may not see (MX-FGR, TLP:AMBER+STRICT) contain "needle"; in the second they
contain "thread".  ana (US-HSI) searches "needle" (no visible match in
either) many times, interleaved; the difference of the latencies is what an
attacker learns.

    python benchmarks/search_timing.py [--hidden 20000] [--runs 400] [--db-dir DIR | --postgres]

Run it on the code before and after the change (same script) to compare.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _world import collection, new_node, pct, row, summary, throwaway_postgres, timed, write

from gugus import reads


def build(url: str, hidden: int, word: str):
    node = new_node(url)
    visible = collection(node, "open", "amber", ["US-HSI"])
    closed = collection(node, "closed", "amber+strict")
    rows = [row(visible, visible.marking_id, f"v{i}", f"alpha visible {i}") for i in range(5000)]
    rows += [row(closed, closed.marking_id, f"h{i}", f"{word} hidden {i}") for i in range(hidden)]
    write(node, rows)
    return node


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--db-dir", type=Path, default=None)
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL server")
    args = parser.parse_args()
    server = None
    if args.postgres:
        server = throwaway_postgres()
        urls = [server.create_database("present"), server.create_database("absent")]
    else:
        base = args.db_dir or Path(tempfile.mkdtemp(prefix="gugus-search-timing-"))
        base.mkdir(parents=True, exist_ok=True)
        urls = [f"sqlite:///{base / 'present.db'}", f"sqlite:///{base / 'absent.db'}"]
    present = build(urls[0], args.hidden, "needle")
    absent = build(urls[1], args.hidden, "thread")
    readers = {
        name: node.reader("ana") for name, node in (("present", present), ("absent", absent))
    }
    for node in (present, absent):  # warm caches
        reads.search(node, node.reader("ana"), "needle")
    times: dict[str, list[float]] = {"present": [], "absent": []}
    for _ in range(args.runs // 20):
        for name, node in (("present", present), ("absent", absent)):
            times[name] += timed(lambda n=node, r=readers[name]: reads.search(n, r, "needle"), 20)
    backend = present.db.dialect.name
    print(f"{backend}: search 'needle' by a reader who sees none of {args.hidden} hidden matches")
    for name in ("present", "absent"):
        print(
            f"  word in {args.hidden if name == 'present' else 0:>6} hidden statements: {summary(times[name])}"
        )
    diff50 = pct(times["present"], 0.5) - pct(times["absent"], 0.5)
    diff95 = pct(times["present"], 0.95) - pct(times["absent"], 0.95)
    print(f"  difference: p50 {diff50:+.2f} ms, p95 {diff95:+.2f} ms")
    for node in (present, absent):
        node.close()
    if server is not None:
        server.stop()


if __name__ == "__main__":
    main()

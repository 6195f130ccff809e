"""Bulk ingest: FtM load of the demo world, statements/s, as a ratio to a raw
sqlite3 ``executemany`` of the same statement rows in the same run.

    python benchmarks/ingest.py [--people 100000] [--seed 1] [--dir benchmarks/out/ingest]

Target (DESIGN.md): ≥ 50,000 statements/s with FtM cleaning, ≥ 0.25× raw.
The node it builds is reused by ``benchmarks/read.py``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import tempfile
import time
from pathlib import Path

from gugus.demo.node import build_demo

RAW_SCHEMA = """
CREATE TABLE statements (
  pk INTEGER PRIMARY KEY, id TEXT NOT NULL, entity_id TEXT NOT NULL, schema TEXT NOT NULL,
  prop TEXT NOT NULL, prop_type TEXT NOT NULL, value TEXT NOT NULL, search_text TEXT,
  collection_id INTEGER NOT NULL, marking_id INTEGER NOT NULL, origin TEXT,
  first_seen TEXT NOT NULL, last_seen TEXT NOT NULL)
"""
COLUMNS = "id, entity_id, schema, prop, prop_type, value, search_text, collection_id, marking_id, origin, first_seen, last_seen"


def raw_baseline(db_path: Path, chunk: int = 200_000) -> tuple[int, float]:
    """Insert the same rows with plain sqlite3.executemany into a table with no
    index beyond its rowid (one transaction, WAL): the peer figure of DESIGN.md."""
    src = sqlite3.connect(db_path)
    with tempfile.TemporaryDirectory() as tmp:
        dst = sqlite3.connect(Path(tmp) / "raw.db", isolation_level=None)
        dst.execute("PRAGMA journal_mode=WAL")
        dst.execute("PRAGMA synchronous=NORMAL")
        dst.execute(RAW_SCHEMA)
        cursor = src.execute(f"SELECT {COLUMNS} FROM statements ORDER BY pk")  # noqa: S608 - constant
        total = 0
        elapsed = 0.0
        placeholders = ",".join("?" * 12)
        dst.execute("BEGIN")
        while rows := cursor.fetchmany(chunk):
            t0 = time.perf_counter()
            dst.executemany(f"INSERT INTO statements ({COLUMNS}) VALUES ({placeholders})", rows)  # noqa: S608
            elapsed += time.perf_counter() - t0
            total += len(rows)
        t0 = time.perf_counter()
        dst.execute("COMMIT")
        elapsed += time.perf_counter() - t0
        dst.close()
    src.close()
    return total, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=Path("benchmarks/out/ingest"))
    args = parser.parse_args()

    result = build_demo(args.dir, seed=args.seed, people=args.people, via="ftm", xref=False)
    statements = result["statements"]
    rate = statements / result["load_seconds"]
    raw_rows, raw_seconds = raw_baseline(Path(result["db"]))
    raw_rate = raw_rows / raw_seconds
    report = {
        "benchmark": "ingest",
        "people": args.people,
        "statements": statements,
        "load_seconds": round(result["load_seconds"], 2),
        "statements_per_s": round(rate),
        "raw_sqlite_executemany_per_s": round(raw_rate),
        "ratio_to_raw": round(rate / raw_rate, 3),
        "target": ">= 50,000/s and >= 0.25x raw",
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps(report, indent=2))
    (args.dir / "ingest-result.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""PostgreSQL search latency by how often the reader sees the word: missing,
rare (< 100 visible matches), mid (100-5,000), common (≥ 5,000).

    python benchmarks/pg_search.py [--dir benchmarks/out/ingest] [--pg-url URL --logins FILE]
                                   [--as-org US-HSI] [--words 10] [--repeat 3]

The read service's query (``store/statements.py`` ``search_entities``, limit
20) in this process, no HTTP, as an analyst of ``--as-org``; each word is
searched once to warm up, then ``--repeat`` times.  Words are name words of
the node the reader sees, counted through the full-text index (their
audience-prefixed terms); missing words are made up.  Without ``--pg-url``
it starts a throwaway PostgreSQL and loads ``--dir``/world as ``read.py``
does (~10 minutes for the 100,000-people world).  Run it on two commits to
compare plans (README, PostgreSQL search plan).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

from readkit import load_world, pct
from sqlalchemy import text

from gugus.node import Node
from gugus.store import grants
from gugus.store import statements as stmt_sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pgserver import PostgresServer  # noqa: E402

_TERM = re.compile(r"a(\d+)x(.+)")
CLASSES = (("rare", 1, 100), ("mid", 100, 5000), ("common", 5000, 10**9))


def pick_words(conn, audiences: list[int], per_class: int, seed: int = 5) -> dict:
    names = conn.execute(
        text(
            # Every 97th name: the same words on every run of a node.
            "SELECT search_text FROM statements WHERE prop = 'name' "
            "AND search_text IS NOT NULL AND pk % 97 = 0 ORDER BY pk LIMIT 20000"
        )
    ).scalars()
    seen = set(audiences)
    words = sorted(
        {
            m.group(2)
            for name in names
            for m in map(_TERM.fullmatch, name.split())
            if m and int(m.group(1)) in seen and len(m.group(2)) > 2
        }
    )
    random.Random(seed).shuffle(words)
    picked: dict[str, list] = {name: [] for name, _, _ in CLASSES}
    for word in words[:1000]:
        tsquery = " | ".join(f"a{a}x{word}" for a in audiences)
        n = conn.execute(
            text(
                "SELECT count(*) FROM statements WHERE search_text IS NOT NULL AND "
                "to_tsvector('simple', search_text) @@ to_tsquery('simple', :q)"
            ),
            {"q": tsquery},
        ).scalar()
        for name, low, high in CLASSES:
            if low <= n < high and len(picked[name]) < per_class:
                picked[name].append((word, n))
    picked["missing"] = [(f"zq{i}xv", 0) for i in range(per_class)]
    return picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("benchmarks/out/ingest"))
    parser.add_argument("--pg-url", help="a database already holding the demo world")
    parser.add_argument("--logins", type=Path, help="with --pg-url: its logins (JSON)")
    parser.add_argument("--as-org", default="US-HSI")
    parser.add_argument("--words", type=int, default=10, help="words per class")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        if args.pg_url:
            url, logins = args.pg_url, json.loads(args.logins.read_text())
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="gugus-pgsearch-"))
            os.environ["GUGUS_KEY_DIR"] = str(Path(tmp) / "keys")
            url = stack.enter_context(PostgresServer()).start()
            logins = load_world(args.dir / "world", url)["logins"]
        login = next(x for x in logins if x["org"] == args.as_org and x["role"] == "analyst")
        node = Node(url)
        stack.callback(node.close)
        scope = node.scope(node.reader(login["username"]))
        report: dict = {"benchmark": "pg_search", "reader": login["username"], "classes": {}}
        with node.db.reader.connect() as conn:
            report["statements"] = stmt_sql.count(conn)
            picked = pick_words(conn, grants.visible_audiences(conn, scope), args.words)
            for name in ("missing", "rare", "mid", "common"):
                times = []
                for word, _ in picked[name]:
                    for i in range(args.repeat + 1):
                        t0 = time.perf_counter()
                        stmt_sql.search_entities(conn, node.db.dialect, scope, word, 20)
                        if i:  # the first one warms up
                            times.append(time.perf_counter() - t0)
                report["classes"][name] = {
                    "words": len(picked[name]),
                    "visible_matches": [n for _, n in picked[name]],
                    "p50_ms": round(pct(times, 0.5), 1) if times else None,
                    "p95_ms": round(pct(times, 0.95), 1) if times else None,
                }
                print(name, report["classes"][name], file=sys.stderr, flush=True)
    report["date"] = time.strftime("%Y-%m-%d %H:%M")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Online match: one new person against N indexed persons, p50/p95 latency and
matches/s, with the peer — raw sqlite3 probes of the same blocking keys (no
visibility, no scoring, no audit) — in the same run.

    python benchmarks/xref_match.py [--people 1000000] [--queries 1000] [--dir …] [--reuse]

The node holds two collections: MX's (TLP:AMBER, released to the US) and
GT's (TLP:AMBER+STRICT, hidden from the US).  Persons are written through
the statement writer (the load loop's write path: statements, full-text
index and the blocking index in one transaction; FtM parsing skipped).  A US
analyst asks single-person queries: 80 % variations of indexed persons
(maternal surname dropped, order swapped, accents lost, day/month of birth
swapped), 20 % new persons.  Every match is audited and hidden matches raise
hit notices, as in service.  Target (DESIGN.md): p95 ≤ 50 ms at 1,000,000.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sqlite3
import statistics
import time
from pathlib import Path

from gugus import admin
from gugus.demo import names as demo_names
from gugus.ingest.writer import StatementWriter
from gugus.model.statements import ID_PROP
from gugus.node import Node
from gugus.store import directory
from gugus.store.markings import markings_by_ids

FOLD = str.maketrans("áéíóúüñÁÉÍÓÚÜÑ", "aeiouunAEIOUUN")


def person(rng: random.Random) -> dict:
    female = rng.random() < 0.5
    given = rng.choice(demo_names.ES_FEMALE if female else demo_names.ES_MALE)
    surnames = rng.sample(demo_names.ES_SURNAMES, 2)
    props = {
        "name": [f"{given} {surnames[0]} {surnames[1]}"],
        "birthDate": [
            f"{rng.randint(1950, 2010)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        ],
        "nationality": [rng.choice(["mx", "gt", "hn", "sv"])],
        "gender": ["female" if female else "male"],
    }
    if rng.random() < 0.3:
        props["phone"] = [f"+52{rng.randint(10**9, 10**10 - 1)}"]
    return props


def variation(rng: random.Random, props: dict) -> dict:
    words = props["name"][0].split()
    kind = rng.randrange(4)
    if kind == 0:
        name = " ".join(words[:-1])  # maternal surname dropped
    elif kind == 1:
        name = " ".join(words[-2:] + words[:-2])  # surnames first
    elif kind == 2:
        name = props["name"][0].translate(FOLD).upper()  # accents lost
    else:
        name = props["name"][0]
    dob = props["birthDate"][0]
    if rng.random() < 0.3 and int(dob[8:]) <= 12:
        dob = f"{dob[:4]}-{dob[8:]}-{dob[5:7]}"  # day and month swapped
    return {"name": [name], "birthDate": [dob], "nationality": props["nationality"]}


def replay(people: int, seed: int) -> list:
    """The sample a build with these arguments drew (same random sequence)."""
    rng = random.Random(seed)
    sample = []
    for share in (0.5, 0.5):
        for _ in range(int(people * share)):
            props = person(rng)
            if rng.random() < 2000 / people:
                sample.append(props)
    return sample


def build(directory_: Path, people: int, seed: int) -> tuple[Node, list, float]:
    directory_.mkdir(parents=True, exist_ok=True)
    for f in directory_.glob("gugus*"):
        f.unlink()
    node = Node(str(directory_ / "gugus.db"))
    node.db.migrate()
    with node.db.writer.begin() as conn:
        for code, country in (("MX", "MX"), ("US", "US"), ("GT", "GT")):
            directory.add_organisation(conn, code, code, country)
        directory.add_user(conn, "us_a", "US", "analyst", "not-a-hash")
    admin.add_collection(node, "mx", "MX", "amber", [], release_to=["US"])
    admin.add_collection(node, "gt", "GT", "amber+strict", [])
    rng = random.Random(seed)
    sample: list = []
    started = time.perf_counter()
    for name, share in (("mx", 0.5), ("gt", 0.5)):
        count = int(people * share)
        with node.db.writer.begin() as conn:
            coll = directory.get_collection(conn, name)
            base = markings_by_ids(conn, [coll.marking_id])[coll.marking_id]
            writer = StatementWriter(conn, node.db.dialect, coll, base)
            for i in range(count):
                props = person(rng)
                eid = f"{name}-{i}"
                writer.add(eid, "Person", ID_PROP, "id", eid, writer.base_id, "bench")
                for prop, values in props.items():
                    ptype = {"name": "name", "birthDate": "date", "phone": "phone"}.get(
                        prop, "country" if prop == "nationality" else "gender"
                    )
                    for v in values:
                        writer.add(eid, "Person", prop, ptype, v, writer.base_id, "bench")
                if rng.random() < 2000 / people:
                    sample.append(props)
            writer.flush()
    return node, sample, time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=Path("benchmarks/out/xref_match"))
    parser.add_argument(
        "--reuse", action="store_true", help="query the node a run with the same arguments built"
    )
    args = parser.parse_args()

    import os

    os.environ["GUGUS_MATCH_LIMIT_USER"] = "off"
    from gugus.xref.match import CAP, Query, match

    if args.reuse and (args.dir / "gugus.db").exists():
        node, sample, build_s = (
            Node(str(args.dir / "gugus.db")),
            replay(args.people, args.seed),
            0.0,
        )
    else:
        node, sample, build_s = build(args.dir, args.people, args.seed)
    reader = node.reader("us_a")
    rng = random.Random(args.seed + 1)
    queries = [
        variation(rng, rng.choice(sample)) if rng.random() < 0.8 else person(rng)
        for _ in range(args.queries)
    ]
    for q in queries[:20]:  # warm caches (markings, grants, compiled SQL)
        match(node, reader, {"queries": {"q": {"schema": "Person", "properties": q}}})
    times, found, notices, with_notice = [], 0, 0, []
    started = time.perf_counter()
    for q in queries:
        t0 = time.perf_counter()
        out = match(node, reader, {"queries": {"q": {"schema": "Person", "properties": q}}})
        times.append((time.perf_counter() - t0) * 1000)
        res = out["responses"]["q"]
        found += bool(res["results"])
        notices += bool(res["notices"])
        with_notice.append(bool(res["notices"]))
    total = time.perf_counter() - started
    # The peer: the same key probes with raw sqlite3 (no visibility, scoring, audit).
    raw = sqlite3.connect(args.dir / "gugus.db")
    peer = []
    for q in queries:
        hashes = Query("q", "Person", q, {}).hashes()
        t0 = time.perf_counter()
        for h in hashes:
            raw.execute(
                "SELECT entity_id, marking_id FROM match_keys WHERE key = ? LIMIT ?", (h, CAP + 1)
            ).fetchall()
        peer.append((time.perf_counter() - t0) * 1000)
    raw.close()
    with node.db.reader.connect() as conn:
        from gugus.store.match import count_keys

        keys = count_keys(conn)
    report = {
        "benchmark": "xref_match",
        "people_indexed": args.people,
        "index_rows": keys,
        "build_seconds": round(build_s, 1),
        "queries": len(queries),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(pct(times, 0.95), 2),
        "matches_per_s": round(len(queries) / total, 1),
        # A notice is a write transaction with its audit records (two commits).
        "p95_ms_without_notices": round(
            pct([t for t, n in zip(times, with_notice, strict=True) if not n] or [0], 0.95), 2
        ),
        "p95_ms_with_notices": round(
            pct([t for t, n in zip(times, with_notice, strict=True) if n] or [0], 0.95), 2
        ),
        "queries_with_results": found,
        "queries_with_notices": notices,
        "peer_raw_key_probes_p50_ms": round(statistics.median(peer), 3),
        "peer_raw_key_probes_p95_ms": round(pct(peer, 0.95), 3),
        "ratio_p95_to_peer": round(pct(times, 0.95) / max(pct(peer, 0.95), 1e-6), 1),
        "target": "p95 <= 50 ms at 1,000,000 indexed",
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "load_average_1m": round(os.getloadavg()[0], 1),
        "date": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps(report, indent=2))
    (args.dir / "xref_match-result.json").write_text(json.dumps(report, indent=2))
    node.close()


if __name__ == "__main__":
    main()

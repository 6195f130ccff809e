"""Extraction throughput (characters/s per core) and selector precision/recall.

    python benchmarks/extract.py                 # corpus generated from the fixtures (~2 MB)
    python benchmarks/extract.py --dir DOCS      # every *.txt under DOCS
    python benchmarks/extract.py --profile       # plus the 20 most expensive functions

Throughput is CPU time of this one process (one core; the machine may be shared,
so wall-clock time would measure the neighbours): with the language detected
(``extract(text)``), with the language given (``extract(text, language=...)``),
and with dateparser's memo of relative dates cleared before every document
("cold").  The target is 100,000 characters/s; the ratio printed is the measured
figure over the target.

Precision and recall are computed per kind on tests/extract/fixtures/, whose
``expect`` lists are complete for the kinds they name.
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
    out = {}
    for kind, c in sorted(counts.items()):
        found, relevant = c["tp"] + c["fp"], c["tp"] + c["fn"]
        out[kind] = {
            "precision": c["tp"] / found if found else 1.0,
            "recall": c["tp"] / relevant if relevant else 1.0,
            "tp": c["tp"],
            "fp": c["fp"],
            "fn": c["fn"],
        }
    return out


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
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    corpus = directory_corpus(args.dir) if args.dir else generated_corpus(args.size, args.seed)
    chars = sum(map(len, corpus))
    # Warm-up: load the language model, locale data, gazetteers.
    for text in corpus[:20]:
        extract(text, today=TODAY, names=args.names)

    figures = {
        "documents": len(corpus),
        "characters": chars,
        "chars_per_s_with_language": throughput(
            corpus, with_language=True, cold=False, names=args.names
        ),
        "chars_per_s_language_given": throughput(
            corpus, with_language=False, cold=False, names=args.names
        ),
        "chars_per_s_with_language_cold_dates": throughput(
            corpus, with_language=True, cold=True, names=args.names
        ),
    }
    print(f"corpus: {len(corpus)} documents, {chars:,} characters")
    for key in (
        "chars_per_s_with_language",
        "chars_per_s_language_given",
        "chars_per_s_with_language_cold_dates",
    ):
        print(
            f"{key:40s} {figures[key]:>12,.0f} chars/s   ratio to target {figures[key] / TARGET:5.2f}x"
        )

    quality = precision_recall(args.names)
    figures["quality"] = quality
    print(f"\n{'kind':34s} {'precision':>9s} {'recall':>7s}   tp  fp  fn")
    for kind, q in quality.items():
        print(
            f"{kind:34s} {q['precision']:9.3f} {q['recall']:7.3f}  {q['tp']:3d} {q['fp']:3d} {q['fn']:3d}"
        )

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


if __name__ == "__main__":
    main()

"""Document loads: files/s, characters/s and peak memory of ``gugus load`` on a
directory of documents (read → extract → Document + Mentions → store).

    python benchmarks/load_documents.py [--docs 20000] [--dir benchmarks/out/docs]

The documents are the extraction fixtures' paragraphs shuffled into distinct
texts (``benchmarks/extract.py``), written as .txt files. Memory is the peak
resident set of this process and of its children (the extraction process):
it must stay bounded — a few hundred MB — whatever the number of documents.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from extract import generated_corpus  # noqa: E402  (benchmarks/extract.py)

from gugus import admin  # noqa: E402
from gugus.ingest import dispatch  # noqa: E402
from gugus.node import Node  # noqa: E402


def peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def write_corpus(root: Path, docs: int, seed: int = 7) -> int:
    root.mkdir(parents=True, exist_ok=True)
    chars = 0
    texts = generated_corpus(2_000_000, seed)
    for i in range(docs):
        # A serial number makes every file distinct (distinct content hashes).
        text = f"Expediente {i:07d}\n" + texts[i % len(texts)]
        chars += len(text)
        sub = root / f"{i // 1000:04d}"
        sub.mkdir(exist_ok=True)
        (sub / f"doc-{i:07d}.txt").write_text(text, encoding="utf-8")
    return chars


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20_000)
    ap.add_argument("--dir", type=Path, default=Path("benchmarks/out/docs"))
    args = ap.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    corpus = args.dir / "corpus"
    chars = write_corpus(corpus, args.docs)
    node = Node(str(args.dir / "gugus.db"))
    node.db.migrate()
    admin.add_organisation(node, "MX-FGR", "Fiscalía General de la República", "MX")
    admin.add_collection(node, "fgr", "MX-FGR", "amber", ["H1"])
    started = time.perf_counter()
    summary = dispatch.load_paths(node, "fgr", [corpus], on_error="skip")
    took = time.perf_counter() - started
    own, children = peak_mb()
    node.close()
    result = {
        "docs": args.docs,
        "characters": chars,
        "seconds": round(took, 1),
        "docs_per_s": round(args.docs / took, 1),
        "chars_per_s": round(chars / took),
        "statements": summary.statements,
        "statements_per_s": round(summary.statements / took),
        "skipped": summary.skipped,
        "peak_rss_mb": {"main": round(own), "extraction_process": round(children)},
        "machine": f"{platform.machine()}, {resource.getpagesize()} B pages",
    }
    print(json.dumps(result, indent=2))
    print(
        f"{args.docs} documents ({chars / 1e6:.1f} M chars) in {took:.1f} s: "
        f"{args.docs / took:.0f} docs/s, {chars / took:,.0f} chars/s, "
        f"peak RSS {own:.0f} MB (+ {children:.0f} MB extraction process)"
    )


if __name__ == "__main__":
    main()

"""The demo world as the files agencies really hold, and how to load them.

``render(world_dir)`` reads a world written by :func:`gugus.demo.world.generate`
(``world.json`` and ``collections/*.jsonl``, streamed) and writes, under
``world_dir/files/``:

* each collection's tables in the agency's own layout — CSV for most, XLSX for
  UIF, with Spanish or English column names, local date formats and phones as
  the agency writes them — plus, next to them in ``mappings/``, the mapping
  that loads each file (``gugus load C FILE --mapping M.yml``); rows carrying
  a stricter marking than their collection are in files of their own whose
  mapping declares that marking;
* SNDIF's case file in IOM's HTCDS 2.0 layout (``--format htcds``);
* reports, e-mails and news as .txt/.html/.eml/.docx/.pdf
  (:mod:`gugus.demo.documents`), with ``truth/documents.jsonl``;
* ``files/manifest.json``: per collection, the loads in order — ``path`` and
  ``mapping`` relative to ``world_dir``, ``format`` (``null`` for a mapped
  table, ``"htcds"``, ``"documents"``) and ``marking`` (the marking every
  entity of that load must carry; for mapped tables it is also in the mapping).

Loading every listed file gives back every entity and statement of the FtM
lines, with the same ids and markings (``tests/demo/test_files.py``).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from gugus.demo.files.htcds import write_htcds
from gugus.demo.files.layouts import LAYOUTS
from gugus.demo.files.tables import warm_up, write_tables
from gugus.errors import InvalidInput
from gugus.workers import process_pool

__all__ = ["render"]

MANIFEST = "files/manifest.json"
PARALLEL_BYTES = 8 << 20  # smaller worlds render in one process (no pool start-up)


def _collection(world_dir: str, coll: dict, seed: int) -> tuple[list[dict], int]:
    """One collection's tables (and HTCDS case file): its loads and rows written."""
    layout = LAYOUTS[coll["name"]]
    out_dir = Path(world_dir) / "files" / coll["name"]
    loads, rows = write_tables(Path(world_dir), coll, layout, out_dir)
    if layout.htcds:
        loads += write_htcds(Path(world_dir), coll, out_dir, layout.lang, seed)
    return loads, rows


def render(world_dir: Path, *, workers: int | None = None) -> dict:
    """Write ``world_dir/files/`` from the world's FtM lines; return the manifest.

    Collections are written in parallel on up to ``workers`` processes
    (default: one per CPU for worlds over a few megabytes) while this process
    writes the documents; the output does not depend on ``workers``.
    """
    # documents build on this package's modules: imported here, not at the top
    from gugus.demo.documents import write_documents

    world_dir = Path(world_dir)
    world = json.loads((world_dir / "world.json").read_text(encoding="utf-8"))
    colls = world["collections"]
    for coll in colls:
        if coll["name"] not in LAYOUTS:
            raise InvalidInput(
                f"{world_dir / 'world.json'}: collection {coll['name']!r} has no file layout "
                "(gugus/demo/files/layouts.py)"
            )
    files_dir = world_dir / "files"
    shutil.rmtree(files_dir, ignore_errors=True)  # a re-render replaces, never mixes
    files_dir.mkdir(parents=True)
    folders = {c: lay.documents for c, lay in LAYOUTS.items() if lay.documents}
    if workers is None:
        size = sum((world_dir / c["file"]).stat().st_size for c in colls)
        workers = (os.cpu_count() or 1) if size > PARALLEL_BYTES else 1
    workers = min(workers, len(colls))
    jobs = [(str(world_dir), coll, world["seed"]) for coll in colls]
    try:
        if workers <= 1:
            results = [_collection(*job) for job in jobs]
            docs = write_documents(world_dir, world, files_dir, folders)
        else:
            warm_up()  # forked workers inherit FtM's country tables instead of each building them
            with process_pool(workers) as pool:
                futures = [pool.submit(_collection, *job) for job in jobs]
                docs = write_documents(world_dir, world, files_dir, folders)
                results = [f.result() for f in futures]
    except BaseException:
        shutil.rmtree(files_dir, ignore_errors=True)  # no half-written files without a manifest
        raise
    loads = {c["name"]: r[0] + docs.get(c["name"], []) for c, r in zip(colls, results, strict=True)}
    manifest = {
        "seed": world["seed"],
        "people": world["people"],
        "collections": loads,
        "rows": {c["name"]: r[1] for c, r in zip(colls, results, strict=True)},
        "documents": "truth/documents.jsonl",
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (world_dir / MANIFEST).write_text(text, encoding="utf-8")
    return manifest

"""Which importer a ``gugus load`` takes, from the options and the paths given.

- ``--mapping M.yml``: one CSV / XLSX / JSON-lines file mapped row by row;
- ``--format htcds``: one IOM HTCDS 2.0 case file (XLSX or CSV);
- ``--format ftm`` or a ``.jsonl`` / ``.ndjson`` / ``.json`` file: FtM entities;
- ``--format documents`` or directories / ``.txt .html .pdf .docx .eml`` files:
  documents, text-extracted, in one batch.

Every importer loads in one transaction through :mod:`gugus.ingest.load`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from gugus.access import Reader
from gugus.errors import InvalidInput, Msg, NotFound
from gugus.ingest.writer import Summary
from gugus.node import Node

FORMATS = ("auto", "ftm", "htcds", "documents", "table")
FTM_EXTENSIONS = frozenset({".jsonl", ".ndjson", ".json"})
TABLE_EXTENSIONS = frozenset({".csv", ".tsv", ".xlsx"})


def detect_format(paths: list[Path], mapping: Path | None, fmt: str | None) -> str:
    from gugus.ingest.textract import SUPPORTED

    fmt = (fmt or "auto").lower()
    if fmt not in FORMATS:
        raise InvalidInput(
            Msg(
                "--format: %(format)r (allowed: %(allowed)s)",
                format=fmt,
                allowed=", ".join(FORMATS),
            )
        )
    if not paths:
        raise InvalidInput(Msg("PATH: give at least one file or directory"))
    for path in paths:
        if not path.exists():
            raise NotFound(Msg("%(path)s: no such file or directory", path=str(path)))
    if mapping is not None:
        if fmt not in ("auto", "table"):
            raise InvalidInput(
                Msg(
                    "--mapping applies to tables; it cannot be combined with --format %(format)s",
                    format=fmt,
                )
            )
        fmt = "table"
    if fmt == "auto":
        suffixes = {p.suffix.lower() for p in paths if not p.is_dir()}
        if any(p.is_dir() for p in paths) or (suffixes and suffixes <= SUPPORTED):
            fmt = "documents"
        elif suffixes and suffixes <= FTM_EXTENSIONS:
            fmt = "ftm"
        elif len(paths) == 1 and suffixes & TABLE_EXTENSIONS and _looks_htcds(paths[0]):
            fmt = "htcds"
        elif suffixes & TABLE_EXTENSIONS:
            raise InvalidInput(
                Msg(
                    "%(path)s: a table needs --mapping MAPPING.yml (see docs/mapping.md) "
                    "or --format htcds for an HTCDS case file",
                    path=str(paths[0]),
                )
            )
        else:
            allowed = ", ".join(sorted(SUPPORTED | FTM_EXTENSIONS | TABLE_EXTENSIONS))
            raise InvalidInput(
                Msg(
                    "%(path)s: cannot tell the format (known extensions: %(known)s); use --format",
                    path=str(paths[0]),
                    known=allowed,
                )
            )
    if fmt in ("ftm", "htcds", "table") and len(paths) != 1:
        raise InvalidInput(
            Msg(
                "--format %(format)s: give exactly one file (got %(count)s)",
                format=fmt,
                count=len(paths),
            )
        )
    return fmt


def _looks_htcds(path: Path) -> bool:
    """Row 1 names HTCDS field codes (prs_FirstName, vic_…): IOM's layout."""
    from gugus.ingest.htcds_fields import field_for_code

    header = _first_rows(path)
    codes = [c for c in header if c and field_for_code(str(c)) is not None]
    return len(codes) >= 3 and len(codes) * 2 >= len([c for c in header if c])


def _first_rows(path: Path) -> list:
    """Row 1 of a CSV, or of every sheet of an XLSX; empty when unreadable
    (the importer chosen then reports why)."""
    import zipfile

    from gugus.ingest.tabular import open_table

    try:
        if path.suffix.lower() == ".xlsx":
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                return [
                    v
                    for sheet in book.worksheets
                    for row in sheet.iter_rows(max_row=1, values_only=True)
                    for v in row
                ]
            finally:
                book.close()
        with open_table(path, "csv") as table:  # the mapped importer's reader and sniffer
            return table.header or []
    except (InvalidInput, OSError, zipfile.BadZipFile, KeyError, ValueError):
        return []


def load_paths(
    node: Node,
    collection: str,
    paths: list[Path],
    *,
    mapping: Path | None = None,
    fmt: str | None = None,
    published: dt.date | None = None,
    language: str | None = None,
    names: str | None = None,
    actor: Reader | None = None,
    on_error: str = "abort",
    purpose: str | None = None,
    progress: Callable | None = None,
    parallel: bool | None = None,
) -> Summary:
    """Load ``paths`` into ``collection`` with the importer their format needs.

    ``parallel``: parse in worker processes (default: when the input is
    large); a server passes False, so nothing forks from its threads."""
    fmt = detect_format(paths, mapping, fmt)
    common = {"actor": actor, "on_error": on_error, "purpose": purpose, "progress": progress}
    if fmt == "table":
        from gugus.ingest.mapped import load_mapped

        return load_mapped(node, collection, paths[0], mapping, parallel=parallel, **common)
    if fmt == "htcds":
        from gugus.ingest.htcds import load_htcds

        return load_htcds(node, collection, paths[0], **common)
    if fmt == "ftm":
        from gugus.ingest import ftm

        if parallel is not None:
            common["parallel"] = parallel
        return ftm.load_file(node, collection, paths[0], **common)
    from gugus.ingest.documents import load_documents

    return load_documents(
        node,
        collection,
        paths,
        published=published,
        language=language,
        names=names,
        parallel=parallel,
        **common,
    )

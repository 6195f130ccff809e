"""Mapped import: a CSV, XLSX or JSON-lines file + a YAML mapping → statements.

``gugus load COLLECTION FILE --mapping MAPPING.yml`` lands here.  Everything
that can fail before a row is read fails first, outside the transaction: the
mapping (:func:`~gugus.ingest.mapping.load_mapping`), the file's format
settings and the header against the columns the mapping names.  Then rows
stream through :meth:`Mapping.map_row` — in a second process for big files,
a few chunks ahead of the writer, so memory stays bounded — into the one
load loop (:func:`~gugus.ingest.load.load_records`): one transaction, bad
rows skipped or the whole load rolled back, audited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from gugus.access import Reader
from gugus.admin import check_marking
from gugus.errors import InvalidInput, Msg, joined
from gugus.ingest.load import check_on_error, load_records
from gugus.ingest.mapping import Mapping, load_mapping
from gugus.ingest.parsed import Record, aborted, chunked, ordered_map
from gugus.ingest.tabular import ABORTED, Row, Table, detect_format, open_table
from gugus.ingest.writer import Summary
from gugus.model.markings import Marking
from gugus.node import Node
from gugus.store.markings import markings_by_ids

__all__ = ["load_mapped", "load_mapping", "map_rows"]

PARALLEL_BYTES = 4 * 1024 * 1024  # files above this map in a second process


def load_mapped(
    node: Node,
    collection: str,
    path: Path,
    mapping_path: Path,
    *,
    actor: Reader | None = None,
    on_error: str = "abort",
    purpose: str | None = None,
    progress: Callable[[Record], None] | None = None,
    parallel: bool | None = None,
) -> Summary:
    """Load one table into ``collection`` as ``mapping_path`` says, in one transaction.

    Phones without a +prefix are read in the row's country column, else the
    mapping's ``country:``, else the collection's country.  ``parallel``
    (default: for files over 4 MB) maps rows in a second process.
    """
    check_on_error(on_error)
    path, mapping_path = Path(path), Path(mapping_path)
    mapping = load_mapping(mapping_path)
    fmt = detect_format(path, mapping.format)
    mapping.check_format(fmt)
    if parallel is None:
        parallel = path.is_file() and path.stat().st_size > PARALLEL_BYTES
    with open_table(
        path,
        fmt,
        encoding=mapping.encoding,
        delimiter=mapping.delimiter,
        sheet=mapping.sheet,
        header_row=mapping.header_row,
    ) as table:
        if table.header is not None:
            mapping.check_columns(table.header, table.header_where)
        records: Iterator[Record] | None = None

        def start(collection_row) -> Iterator[Record]:
            nonlocal records
            _check_markings(node, mapping, collection_row)
            records = _records(table, mapping, collection_row, parallel=parallel)
            return records

        try:
            return load_records(
                node,
                collection,
                start,
                source=str(path),
                actor=actor,
                on_error=on_error,
                purpose=purpose,
                progress=progress,
            )
        finally:
            if records is not None:
                records.close()  # stops the worker process and closes the file now


def _records(table: Table, mapping: Mapping, collection_row, *, parallel: bool) -> Iterator[Record]:
    rows = table.rows(sorted(mapping.columns))
    yield from map_rows(
        rows, mapping, collection_row.name, collection_row.country, parallel=parallel
    )
    if table.header is None and table.first_keys is not None:
        try:
            mapping.check_seen(table.seen, table.first_keys, table.display)
        except InvalidInput as exc:
            raise InvalidInput(aborted(exc.message)) from None


def map_rows(
    rows, mapping: Mapping, collection: str, country: str | None, *, parallel: bool = False
) -> Iterator[Record]:
    """One record per row, in order; with ``parallel`` mapped in a second process."""
    return ordered_map(_map_chunk, chunked(rows), mapping, collection, country, parallel=parallel)


def _map_chunk(
    start: int, rows: list[Row], mapping: Mapping, collection: str, country: str | None
) -> list[Record]:
    out = []
    for row in rows:
        rec = Record(row.number, row.where, row.origin)
        if row.error is not None:
            rec.error = InvalidInput(Msg("%(where)s: %(error)s", where=row.where, error=row.error))
        else:
            try:
                rec.entities = mapping.map_row(row.values, row.where, collection, country)
                rec.dropped = rec.entities.dropped
            except InvalidInput as exc:
                rec.error = exc
        out.append(rec)
    return out


def _check_markings(node: Node, mapping: Mapping, collection_row) -> None:
    """A marking looser than the collection's, or naming an unknown
    organisation or user, fails once, naming the mapping — not on every row."""
    given = mapping.markings()
    if not given:
        return
    with node.db.reader.connect() as conn:
        mid = collection_row.marking_id
        base = markings_by_ids(conn, [mid])[mid]
        for where, data in given:
            marking = Marking.from_dict(data, collection_row.org, where=where)
            problems = marking.loosening_against(base)
            if problems:
                raise InvalidInput(
                    Msg(
                        "%(where)s: looser than %(what)s (%(bound)s): %(problems)s — %(aborted)s",
                        where=where,
                        what=Msg("collection %(name)r's marking", name=collection_row.name),
                        bound=base.label(),
                        problems=joined(problems),
                        aborted=ABORTED,
                    )
                )
            check_marking(conn, marking, where)

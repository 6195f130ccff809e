"""FollowTheMoney entity JSON lines → statements.

Each line is ``{"id", "schema", "properties": {prop: [values]}}``, optionally with
``"marking"`` (for all statements of the line) and ``"property_markings"``
(``{prop: marking}``) to mark them more restrictively than the collection.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from gugus.errors import InvalidInput, Msg, NotFound, no_such_file, not_utf8
from gugus.ingest.load import check_on_error, load_records
from gugus.ingest.parse import parsed_lines, valid_entity_id
from gugus.ingest.parsed import Record
from gugus.ingest.writer import Summary
from gugus.node import Node

PARALLEL_BYTES = 4 * 1024 * 1024

__all__ = ["load_file", "load_lines", "read_lines", "valid_entity_id"]


def read_lines(path: Path) -> Iterator[str]:
    try:
        with open(path, encoding="utf-8-sig") as handle:  # tolerate a byte-order mark
            yield from handle
    except FileNotFoundError:
        raise NotFound(no_such_file(path)) from None
    except UnicodeDecodeError as exc:
        raise not_utf8(path, exc) from None


def load_lines(
    node: Node,
    collection_name: str,
    lines: Iterable[str],
    *,
    source: str,
    origin_name: str | None = None,
    parallel: bool = False,
    **kwargs,
) -> Summary:
    """Load FtM JSON lines into a collection in one transaction.

    ``on_error="abort"`` (default) rolls the whole load back at the first bad
    line; ``"skip"`` skips bad lines, reports them, and loads the rest.
    ``parallel`` parses and cleans in a second process (for large inputs).
    Other keyword arguments go to :func:`~gugus.ingest.load.load_records`.
    """
    check_on_error(kwargs.get("on_error", "abort"))
    name = origin_name or source

    def records() -> Iterator[Record]:
        for rec in parsed_lines(lines, source, parallel=parallel):
            rec.origin = f"import:{name}:{rec.number}"
            yield rec

    return load_records(node, collection_name, records(), source=source, **kwargs)


def load_file(node: Node, collection: str, path: Path, **kwargs) -> Summary:
    if path.is_dir():
        raise InvalidInput(
            Msg("%(file)s: is a directory (FtM load takes a .jsonl file)", file=str(path))
        )
    # Messages name the file as given; provenance names the file, not where it
    # lay on the analyst's disk.  Large files are parsed in a second process.
    if not path.exists():
        raise NotFound(no_such_file(path))
    kwargs.setdefault("parallel", path.stat().st_size > PARALLEL_BYTES)
    return load_lines(
        node, collection, read_lines(path), source=str(path), origin_name=path.name, **kwargs
    )

"""What importers produce: cleaned entities grouped by input unit — pure, no I/O.

Kept free of the database so mapping and parsing can run in a second process
(:func:`ordered_map`) while the main process writes to the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field

from gugus.errors import InvalidInput, Msg
from gugus.workers import process_pool, stop_pool

# Deepest nesting of lists and objects accepted in one input line (an FtM
# entity line needs 4; a mapped JSON line a few more).  Deeper input is
# refused as a line error before anything walks it recursively.
MAX_DEPTH = 32
# Most expanded containers in one structured input (a YAML mapping whose
# aliases refer to aliases — "billion laughs" — expands exponentially).
MAX_NODES = 100_000


def too_deep(data: object, limit: int = MAX_DEPTH) -> bool:
    """True when lists/objects in ``data`` nest deeper than ``limit``
    (iterative: never recurses, whatever the input)."""
    if not isinstance(data, (dict, list)):
        return False
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, (dict, list)):
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False


def json_error(exc: BaseException) -> str:
    """The reason to report for JSON the parser refused without a position:
    nesting beyond the parser's stack, or a number too long to convert."""
    if isinstance(exc, RecursionError):
        return Msg("nested deeper than %(max)s levels", max=MAX_DEPTH)
    if "digits" in str(exc):
        return Msg("a number has too many digits")
    return Msg("not readable")


def checked_json(data: object, where: str) -> object:
    """``data`` parsed from one line, refused (InvalidInput naming ``where``)
    when it nests deeper than :data:`MAX_DEPTH`."""
    if too_deep(data):
        raise InvalidInput(
            Msg(
                "%(where)s: invalid JSON (nested deeper than %(max)s levels)",
                where=where,
                max=MAX_DEPTH,
            )
        )
    return data


@dataclass(slots=True)
class ParsedEntity:
    """One entity's cleaned values, ready to write.

    ``values`` are ``(property, type name, cleaned value)``; ``dropped`` lists
    raw values FtM rejected (``{"where", "property", "value", "type"}``), so a
    load reports them instead of losing them silently.  ``marking`` and
    ``property_markings`` (dicts as in :meth:`Marking.from_dict`) may only
    tighten the collection's marking.  ``origin`` overrides the record's
    provenance for these values (e.g. the extraction backend that found them);
    several ParsedEntity objects may share one entity id.  The load loop
    signs ``entity_id`` and every entity-typed value with the loading
    organisation's namespace (:mod:`gugus.ingest.namespace`).
    """

    entity_id: str
    schema: str
    marking: dict | None = None
    property_markings: dict = field(default_factory=dict)
    values: list[tuple[str, str, str]] = field(default_factory=list)
    dropped: list[dict] = field(default_factory=list)
    origin: str | None = None
    # How a message names where the id came from (never its value): "field
    # 'id'" for FtM lines, the column for tables.
    id_field: str = Msg("field 'id'")


def aborted(message: str) -> Msg:
    """``message`` of the unit that stopped an all-or-nothing load, saying so."""
    return Msg("%(error)s — nothing was loaded", error=message)


def dropped_value(
    where: str, prop: str, value, type_name: str, reason: str | None = None, **extra
) -> dict:
    """The report of one raw value an importer could not load (counted in the
    summary, shown with its place and reason — never lost silently)."""
    out = {"where": where, "property": prop, "value": str(value)[:200], "type": type_name}
    out.update(extra)
    if reason is not None:
        out["reason"] = reason
    return out


@dataclass(slots=True)
class Record:
    """One input unit (line, row, file): all its entities load, or none."""

    number: int  # line / row / file number, 1-based, for reports
    where: str  # "people.csv: line 12" — prefixes every message
    origin: str  # provenance of its statements, e.g. "import:people.csv:12"
    entities: list[ParsedEntity] = field(default_factory=list)
    error: InvalidInput | None = None
    # What the unit named but made no entity of (e.g. a row with empty keys):
    # counted as dropped by the load, never lost silently.
    dropped: list[dict] = field(default_factory=list)


CHUNK = 2000  # input units per task sent to the worker process
IN_FLIGHT = 4  # tasks queued ahead: bounds memory on inputs of any size


def chunked(items: Iterable, size: int | None = None) -> Iterator[tuple[int, list]]:
    """``(number of the first item, items)`` chunks, numbering from 1."""
    size = size or CHUNK
    chunk: list = []
    start = 1
    for number, item in enumerate(items, start=1):
        if not chunk:
            start = number
        chunk.append(item)
        if len(chunk) >= size:
            yield start, chunk
            chunk = []
    if chunk:
        yield start, chunk


def ordered_map(
    func: Callable[..., list], chunks: Iterable[tuple[int, list]], *args, parallel: bool
) -> Iterator:
    """``func(start, chunk, *args)`` over chunks, results in input order; with
    ``parallel`` in a second process, a few chunks ahead of the consumer, so
    memory stays bounded.  ``func`` must be a module-level (picklable) function."""
    if not parallel:
        for start, chunk in chunks:
            yield from func(start, chunk, *args)
        return
    # dies with this process, ignores Ctrl-C, stopped if abandoned at exit (gugus.workers)
    pool = process_pool(1, stop_at_exit=True)
    pending: list[Future] = []
    try:
        for start, chunk in chunks:
            pending.append(pool.submit(func, start, chunk, *args))
            if len(pending) >= IN_FLIGHT:
                yield from pending.pop(0).result()
        while pending:
            yield from pending.pop(0).result()
    except BaseException:
        # An error, Ctrl-C / SIGTERM or the consumer closing this generator:
        # the worker's remaining results are not wanted.
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)

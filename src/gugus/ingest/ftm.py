"""FollowTheMoney entity JSON lines → statements.

Each line is ``{"id", "schema", "properties": {prop: [values]}}``, optionally with
``"marking"`` (for all statements of the line) and ``"property_markings"``
(``{prop: marking}``) to mark them more restrictively than the collection.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from gugus.access import Reader
from gugus.audit import AuditEvent, record
from gugus.errors import Forbidden, InvalidInput, NotFound
from gugus.ingest.parse import ParsedEntity, parsed_lines, valid_entity_id
from gugus.ingest.writer import StatementWriter, Summary
from gugus.model.statements import ID_PROP
from gugus.node import Node
from gugus.store import directory
from gugus.store.markings import markings_by_ids

PARALLEL_BYTES = 4 * 1024 * 1024

__all__ = ["load_file", "load_lines", "read_lines", "valid_entity_id"]


def read_lines(path: Path) -> Iterator[str]:
    try:
        with open(path, encoding="utf-8-sig") as handle:  # tolerate a byte-order mark
            yield from handle
    except FileNotFoundError:
        raise NotFound(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _write_entity(
    writer: StatementWriter, parsed: ParsedEntity, where: str, origin: str, summary: Summary
) -> None:
    line_mid = writer.base_id
    if parsed.marking is not None:
        line_mid = writer.marking_for(parsed.marking, f"{where}: field 'marking'")
    prop_mids = {
        name: writer.marking_for(
            marking, f"{where}: field 'property_markings.{name}'", floor=line_mid
        )
        for name, marking in parsed.property_markings.items()
    }
    summary.dropped += len(parsed.dropped)
    room = 20 - len(summary.dropped_values)
    if room > 0:
        summary.dropped_values.extend(parsed.dropped[:room])
    entity_id, schema = parsed.entity_id, parsed.schema
    writer.add(entity_id, schema, ID_PROP, "id", entity_id, line_mid, origin)
    for prop, prop_type, value in parsed.values:
        writer.add(entity_id, schema, prop, prop_type, value, prop_mids.get(prop, line_mid), origin)
    summary.entities += 1
    summary.statements += 1 + len(parsed.values)


def load_lines(
    node: Node,
    collection_name: str,
    lines: Iterable[str],
    *,
    source: str,
    actor: Reader | None = None,
    on_error: str = "abort",
    purpose: str | None = None,
    origin_name: str | None = None,
    parallel: bool = False,
) -> Summary:
    """Load FtM JSON lines into a collection in one transaction.

    ``on_error="abort"`` (default) rolls the whole load back at the first bad
    line; ``"skip"`` skips bad lines, reports them, and loads the rest.
    ``parallel`` parses and cleans in a second process (for large inputs).
    """
    if on_error not in ("abort", "skip"):
        raise InvalidInput(f"--on-error: {on_error!r} (allowed: abort, skip)")
    summary = Summary(collection_name, source)
    with node.db.writer.begin() as conn:
        collection = directory.require_collection(conn, collection_name)
        if actor is not None:
            # A collection the actor may not see answers exactly like a missing one.
            if not node.scope(actor).allows(collection.marking_id):
                raise NotFound(
                    f"collection {collection_name!r} does not exist (see `gugus collection list`)"
                )
            if actor.org != collection.org:
                raise Forbidden(
                    f"{actor.username} ({actor.org}) may not load into {collection_name!r} of {collection.org}"
                )
            if not actor.role.may_load:
                raise Forbidden(f"role {actor.role.value} may not load data")
        # Looked up directly: this write transaction must not feed the shared
        # catalogue (what it sees is not committed yet).
        base = markings_by_ids(conn, [collection.marking_id])[collection.marking_id]
        writer = StatementWriter(conn, node.db.dialect, collection, base)
        for number, parsed, error in parsed_lines(lines, source, parallel=parallel):
            where = f"{source}: line {number}"
            summary.lines = number
            try:
                if error is not None:
                    raise error
                if parsed is None:
                    continue
                # Every check of a line runs before any of its statements is
                # buffered, so a skipped line leaves nothing behind.
                _write_entity(
                    writer, parsed, where, f"import:{origin_name or source}:{number}", summary
                )
            except InvalidInput as exc:
                if on_error == "abort":
                    raise InvalidInput(
                        f"{exc.message} — nothing was loaded",
                        details=[{"line": number, "source": source}],
                    ) from None
                summary.skipped += 1
                summary.errors.append({"line": number, "error": exc.message})
        writer.flush()
        summary.kept_stricter = writer.kept_stricter
        record(
            conn,
            AuditEvent(
                "load",
                actor.username if actor else "local-operator",
                collection.org,
                [f"collection:{collection_name}"],
                purpose,
                detail={
                    k: v
                    for k, v in summary.to_dict().items()
                    if k not in ("errors", "dropped_examples")
                },
            ),
        )
    return summary


def load_file(node: Node, collection: str, path: Path, **kwargs) -> Summary:
    if path.is_dir():
        raise InvalidInput(f"{path}: is a directory (FtM load takes a .jsonl file)")
    # Messages name the file as given; provenance names the file, not where it
    # lay on the analyst's disk.  Large files are parsed in a second process.
    if not path.exists():
        raise NotFound(f"{path}: no such file")
    kwargs.setdefault("parallel", path.stat().st_size > PARALLEL_BYTES)
    return load_lines(
        node, collection, read_lines(path), source=str(path), origin_name=path.name, **kwargs
    )

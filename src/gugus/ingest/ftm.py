"""FollowTheMoney entity JSON lines → statements.

Each line is ``{"id", "schema", "properties": {prop: [values]}}``, optionally with
``"marking"`` (for all statements of the line) and ``"property_markings"``
(``{prop: marking}``) to mark them more restrictively than the collection.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from followthemoney import model
from followthemoney.types import registry

from gugus.access import Reader
from gugus.audit import AuditEvent, record
from gugus.errors import Forbidden, InvalidInput, NotFound
from gugus.ingest.clean import clean_value
from gugus.ingest.writer import StatementWriter, Summary
from gugus.model.statements import ID_PROP
from gugus.node import Node
from gugus.store import directory

MAX_ID = 255


def valid_entity_id(entity_id: str) -> bool:
    """FtM's rule for entity ids (no spaces, no control characters)."""
    return registry.entity.clean(entity_id) == entity_id


def read_lines(path: Path) -> Iterator[str]:
    try:
        with open(path, encoding="utf-8-sig") as handle:  # tolerate a byte-order mark
            yield from handle
    except FileNotFoundError:
        raise NotFound(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _parse(line: str, where: str) -> dict | None:
    text = line.strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{where}: expected a JSON object, got {type(data).__name__}")
    return data


def _write_entity(
    writer: StatementWriter, data: dict, where: str, origin: str, summary: Summary
) -> None:
    schema_name = data.get("schema")
    if not isinstance(schema_name, str) or not schema_name:
        raise InvalidInput(f"{where}: field 'schema' is missing")
    schema = model.get(schema_name)
    if schema is None:
        raise InvalidInput(f"{where}: field 'schema': unknown schema {schema_name!r}")
    if schema.abstract:
        raise InvalidInput(f"{where}: field 'schema': {schema_name!r} is abstract")
    entity_id = data.get("id")
    if not isinstance(entity_id, str) or not entity_id.strip():
        raise InvalidInput(f"{where}: field 'id' is missing")
    if len(entity_id) > MAX_ID:
        raise InvalidInput(f"{where}: field 'id' is longer than {MAX_ID} characters")
    if not valid_entity_id(entity_id):
        raise InvalidInput(
            f"{where}: field 'id': {entity_id[:80]!r} is not a valid entity id "
            "(letters, digits, '.', '-', '_')"
        )
    properties = data.get("properties", {})
    if not isinstance(properties, dict):
        raise InvalidInput(f"{where}: field 'properties' must be an object")
    line_mid = writer.base_id
    if data.get("marking") is not None:
        line_mid = writer.marking_for(data["marking"], f"{where}: field 'marking'")
    prop_mids: dict[str, int] = {}
    overrides = data.get("property_markings") or {}
    if not isinstance(overrides, dict):
        raise InvalidInput(f"{where}: field 'property_markings' must be an object")
    for name, marking in overrides.items():
        if schema.get(name) is None:
            raise InvalidInput(
                f"{where}: field 'property_markings.{name}': unknown property of {schema.name}"
            )
        prop_mids[name] = writer.marking_for(marking, f"{where}: field 'property_markings.{name}'")

    # Validate every property before writing anything of this entity.
    cleaned: list[tuple] = []
    for name, values in properties.items():
        prop = schema.get(name)
        if prop is None:
            raise InvalidInput(
                f"{where}: field 'properties.{name}': unknown property of {schema.name}"
            )
        if isinstance(values, (str, int, float)):
            values = [values]
        if not isinstance(values, list):
            raise InvalidInput(f"{where}: field 'properties.{name}' must be a list of values")
        for raw in values:
            if raw is None:
                continue
            if not isinstance(raw, (str, int, float)):
                raise InvalidInput(f"{where}: field 'properties.{name}': value {raw!r} is not text")
            value = clean_value(prop, raw)
            if value is None:
                summary.dropped += 1
                if len(summary.dropped_values) < 20:
                    summary.dropped_values.append(
                        {
                            "where": where,
                            "property": name,
                            "value": str(raw)[:200],
                            "type": prop.type.name,
                        }
                    )
                continue
            cleaned.append((prop, value))
    writer.add(entity_id, schema.name, ID_PROP, "id", entity_id, line_mid, origin)
    for prop, value in cleaned:
        writer.add(
            entity_id,
            schema.name,
            prop.name,
            prop.type.name,
            value,
            prop_mids.get(prop.name, line_mid),
            origin,
        )
    summary.entities += 1
    summary.statements += 1 + len(cleaned)


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
) -> Summary:
    """Load FtM JSON lines into a collection in one transaction.

    ``on_error="abort"`` (default) rolls the whole load back at the first bad
    line; ``"skip"`` skips bad lines, reports them, and loads the rest.
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
        node.catalogue.refresh(conn)
        base = node.catalogue.get(conn, collection.marking_id)
        writer = StatementWriter(conn, node.db.dialect, collection, base)
        for number, line in enumerate(lines, start=1):
            where = f"{source}: line {number}"
            summary.lines = number
            try:
                data = _parse(line, where)
                if data is None:
                    continue
                # Every check of a line runs before any of its statements is
                # buffered, so a skipped line leaves nothing behind.
                _write_entity(
                    writer, data, where, f"import:{origin_name or source}:{number}", summary
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
    # lay on the analyst's disk.
    return load_lines(
        node, collection, read_lines(path), source=str(path), origin_name=path.name, **kwargs
    )

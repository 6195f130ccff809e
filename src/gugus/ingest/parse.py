"""Parsing and cleaning of FtM entity JSON lines — pure, no database.

Kept free of I/O so large loads can run it in a second process while the main
process writes to the store (``parsed_lines``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from followthemoney import model
from followthemoney.types import registry

from gugus.errors import InvalidInput
from gugus.ingest.clean import clean_value

MAX_ID = 255
CHUNK = 2000  # lines per task sent to the parsing process
IN_FLIGHT = 4  # tasks queued ahead: bounds memory on files of any size


def valid_entity_id(entity_id: str) -> bool:
    """FtM's rule for entity ids (no spaces, no control characters)."""
    return registry.entity.clean(entity_id) == entity_id


@dataclass(slots=True)
class ParsedEntity:
    entity_id: str
    schema: str
    marking: dict | None
    property_markings: dict
    values: list[tuple[str, str, str]]  # (property, type, cleaned value)
    dropped: list[dict]


def parse_entity(line: str, where: str) -> ParsedEntity | None:
    """One line → a cleaned entity, None for a blank line; InvalidInput names
    the line and the field.  Every check runs before anything is written."""
    text = line.strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{where}: expected a JSON object, got {type(data).__name__}")
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
            "(letters, digits, '.' and '-')"
        )
    properties = data.get("properties", {})
    if not isinstance(properties, dict):
        raise InvalidInput(f"{where}: field 'properties' must be an object")
    overrides = data.get("property_markings") or {}
    if not isinstance(overrides, dict):
        raise InvalidInput(f"{where}: field 'property_markings' must be an object")
    for name in overrides:
        if schema.get(name) is None:
            raise InvalidInput(
                f"{where}: field 'property_markings.{name}': unknown property of {schema.name}"
            )
    values: list[tuple[str, str, str]] = []
    dropped: list[dict] = []
    for name, given in properties.items():
        prop = schema.get(name)
        if prop is None:
            raise InvalidInput(
                f"{where}: field 'properties.{name}': unknown property of {schema.name}"
            )
        if isinstance(given, (str, int, float)):
            given = [given]
        if not isinstance(given, list):
            raise InvalidInput(f"{where}: field 'properties.{name}' must be a list of values")
        for raw in given:
            if raw is None:
                continue
            if not isinstance(raw, (str, int, float)):
                raise InvalidInput(f"{where}: field 'properties.{name}': value {raw!r} is not text")
            value = clean_value(prop, raw)
            if value is None:
                dropped.append(
                    {
                        "where": where,
                        "property": name,
                        "value": str(raw)[:200],
                        "type": prop.type.name,
                    }
                )
            else:
                values.append((prop.name, prop.type.name, value))
    return ParsedEntity(entity_id, schema.name, data.get("marking"), overrides, values, dropped)


Outcome = tuple[int, ParsedEntity | None, InvalidInput | None]


def _parse_chunk(start: int, lines: list[str], source: str) -> list[Outcome]:
    out: list[Outcome] = []
    for offset, line in enumerate(lines):
        number = start + offset
        try:
            out.append((number, parse_entity(line, f"{source}: line {number}"), None))
        except InvalidInput as exc:
            out.append((number, None, exc))
    return out


def _chunks(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    chunk: list[str] = []
    start = 1
    for number, line in enumerate(lines, start=1):
        if not chunk:
            start = number
        chunk.append(line)
        if len(chunk) >= CHUNK:
            yield start, chunk
            chunk = []
    if chunk:
        yield start, chunk


def parsed_lines(lines: Iterable[str], source: str, *, parallel: bool) -> Iterator[Outcome]:
    """Parse lines in order; with ``parallel`` in a second process, a few
    chunks ahead of the consumer (memory stays bounded)."""
    if not parallel:
        for start, chunk in _chunks(lines):
            yield from _parse_chunk(start, chunk, source)
        return
    with ProcessPoolExecutor(max_workers=1) as pool:
        pending: list[Future] = []
        chunks = _chunks(lines)
        try:
            for start, chunk in chunks:
                pending.append(pool.submit(_parse_chunk, start, chunk, source))
                if len(pending) >= IN_FLIGHT:
                    yield from pending.pop(0).result()
            while pending:
                yield from pending.pop(0).result()
        finally:
            for future in pending:
                future.cancel()

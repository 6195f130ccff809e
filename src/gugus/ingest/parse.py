"""Parsing and cleaning of FtM entity JSON lines — pure, no database.

Kept free of I/O so large loads can run it in a second process while the main
process writes to the store (``parsed_lines``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from followthemoney import model
from followthemoney.types import registry

from gugus.errors import InvalidInput, Msg
from gugus.ingest.clean import clean_value
from gugus.ingest.parsed import (
    ParsedEntity,
    Record,
    checked_json,
    chunked,
    dropped_value,
    json_error,
    ordered_map,
)
from gugus.model.ids import MAX_ID  # the store's entity id column

# A \\uD800–\\uDFFF escape: text only as half of a pair (checked when present).
_SURROGATE_ESCAPE = re.compile(r"\\[uU][dD][89a-fA-F]")


def valid_entity_id(entity_id: str) -> bool:
    """FtM's rule for entity ids (no spaces, no control characters)."""
    return registry.entity.clean(entity_id) == entity_id


def parse_entity(line: str, where: str) -> ParsedEntity | None:
    """One line → a cleaned entity, None for a blank line; InvalidInput names
    the line and the field.  Every check runs before anything is written."""
    text = line.strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            Msg(
                "%(where)s: invalid JSON (%(problem)s at column %(column)s)",
                where=where,
                problem=exc.msg,
                column=exc.colno,
            )
        ) from None
    except (RecursionError, ValueError) as exc:  # too deep for the parser; a 5,000-digit number
        raise InvalidInput(
            Msg("%(where)s: invalid JSON (%(problem)s)", where=where, problem=json_error(exc))
        ) from None
    checked_json(data, where)
    if _SURROGATE_ESCAPE.search(text):
        try:  # a lone surrogate cannot be stored (or printed) as UTF-8
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput(
                Msg(
                    "%(where)s: invalid JSON (a \\u escape is half of a surrogate pair, not text)",
                    where=where,
                )
            ) from None
    if not isinstance(data, dict):
        raise InvalidInput(
            Msg(
                "%(where)s: expected a JSON object, got %(kind)s",
                where=where,
                kind=type(data).__name__,
            )
        )
    schema_name = data.get("schema")
    if not isinstance(schema_name, str) or not schema_name:
        raise InvalidInput(Msg("%(where)s: field 'schema' is missing", where=where))
    schema = model.get(schema_name)
    if schema is None:
        raise InvalidInput(
            Msg(
                "%(where)s: field 'schema': unknown schema %(schema)r",
                where=where,
                schema=schema_name,
            )
        )
    if schema.abstract:
        raise InvalidInput(
            Msg(
                "%(where)s: field 'schema': %(schema)r is abstract", where=where, schema=schema_name
            )
        )
    entity_id = data.get("id")
    if not isinstance(entity_id, str) or not entity_id.strip():
        raise InvalidInput(Msg("%(where)s: field 'id' is missing", where=where))
    if len(entity_id) > MAX_ID:
        raise InvalidInput(
            Msg("%(where)s: field 'id' is longer than %(max)s characters", where=where, max=MAX_ID)
        )
    if not valid_entity_id(entity_id):
        raise InvalidInput(
            Msg(
                "%(where)s: field 'id': %(id)r is not a valid entity id "
                "(letters, digits, '.' and '-')",
                where=where,
                id=entity_id[:80],
            )
        )
    properties = data.get("properties", {})
    if not isinstance(properties, dict):
        raise InvalidInput(Msg("%(where)s: field 'properties' must be an object", where=where))
    overrides = data.get("property_markings") or {}
    if not isinstance(overrides, dict):
        raise InvalidInput(
            Msg("%(where)s: field 'property_markings' must be an object", where=where)
        )
    for name in overrides:
        if schema.get(name) is None:
            raise InvalidInput(
                Msg(
                    "%(where)s: field 'property_markings.%(prop)s': unknown property of %(schema)s",
                    where=where,
                    prop=name,
                    schema=schema.name,
                )
            )
    values: list[tuple[str, str, str]] = []
    dropped: list[dict] = []
    for name, given in properties.items():
        prop = schema.get(name)
        if prop is None:
            raise InvalidInput(
                Msg(
                    "%(where)s: field 'properties.%(prop)s': unknown property of %(schema)s",
                    where=where,
                    prop=name,
                    schema=schema.name,
                )
            )
        if isinstance(given, (str, int, float)):
            given = [given]
        if not isinstance(given, list):
            raise InvalidInput(
                Msg(
                    "%(where)s: field 'properties.%(prop)s' must be a list of values",
                    where=where,
                    prop=name,
                )
            )
        for raw in given:
            if raw is None:
                continue
            if not isinstance(raw, (str, int, float)):
                raise InvalidInput(  # the kind only: the value may be personal data
                    Msg(
                        "%(where)s: field 'properties.%(prop)s': a value is not text (%(kind)s)",
                        where=where,
                        prop=name,
                        kind=type(raw).__name__,
                    )
                )
            value = clean_value(prop, raw)
            if value is None:
                dropped.append(dropped_value(where, name, raw, prop.type.name))
            else:
                values.append((prop.name, prop.type.name, value))
    return ParsedEntity(entity_id, schema.name, data.get("marking"), overrides, values, dropped)


def _parse_chunk(start: int, lines: list[str], source: str) -> list[Record]:
    out: list[Record] = []
    for offset, line in enumerate(lines):
        number = start + offset
        where = Msg("%(source)s: line %(line)s", source=source, line=number)
        rec = Record(number, where, "")
        try:
            parsed = parse_entity(line, where)
            if parsed is not None:
                rec.entities.append(parsed)
        except InvalidInput as exc:
            rec.error = exc
        except Exception as exc:  # noqa: BLE001 — one unreadable line must not fail the load
            # (No message: it might quote the line's values.)
            rec.error = InvalidInput(
                Msg("%(where)s: could not be read (%(kind)s)", where=where, kind=type(exc).__name__)
            )
        out.append(rec)
    return out


def parsed_lines(lines: Iterable[str], source: str, *, parallel: bool) -> Iterator[Record]:
    """One record per line, in order; with ``parallel`` parsed in a second
    process, a few chunks ahead of the consumer (memory stays bounded)."""
    return ordered_map(_parse_chunk, chunked(lines), source, parallel=parallel)

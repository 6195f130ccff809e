"""Statements: one property value of one entity, with provenance and a marking.

Entities are never stored as documents; they are assembled at read time from
the statements a reader may see (:func:`assemble`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.proxy import EntityProxy

from gugus.model.markings import Marking, combine

ID_PROP = "id"  # the statement that records an entity's existence and schema


def statement_id(collection: str, entity_id: str, prop: str, value: str) -> str:
    key = "\x1f".join((collection, entity_id, prop, value))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()  # noqa: S324 - an id, not a secret


@dataclass(frozen=True, slots=True)
class Statement:
    entity_id: str
    schema: str
    prop: str
    prop_type: str
    value: str
    collection: str
    marking: Marking
    origin: str | None = None
    first_seen: str | None = None
    last_seen: str | None = None

    @property
    def id(self) -> str:
        return statement_id(self.collection, self.entity_id, self.prop, self.value)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "entity_id": self.entity_id,
            "schema": self.schema,
            "prop": self.prop,
            "value": self.value,
            "collection": self.collection,
            "marking": self.marking.to_dict(),
            "origin": self.origin,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }


def _schema_of(statements: list[Statement]):
    schema = None
    for stmt in statements:
        try:
            candidate = model.get(stmt.schema)
            schema = candidate if schema is None else model.common_schema(schema, candidate)
        except InvalidData:
            # Two agencies typed the entity incompatibly (e.g. Person and
            # Company); keep the first and let the properties that do not
            # fit be reported by the caller.
            continue
    return schema


def assemble(
    statements: Iterable[Statement],
    key: Callable[[str], str] | None = None,
) -> Iterator[tuple[EntityProxy, Marking | None, list[Statement]]]:
    """Group statements (ordered or not) by entity and build FtM proxies.

    Yields (proxy, combined marking of the used statements, statements used).
    ``key`` maps an entity id to the id of the proxy its statements build (a
    resolved entity's canonical id: its members' statements make one proxy,
    each statement keeping its own entity id).
    """
    groups: dict[str, list[Statement]] = {}
    for stmt in statements:
        group = stmt.entity_id if key is None else key(stmt.entity_id)
        groups.setdefault(group, []).append(stmt)
    for entity_id, stmts in groups.items():
        schema = _schema_of(stmts)
        if schema is None:
            continue
        proxy = model.make_entity(schema)
        proxy.id = entity_id
        used = []
        for stmt in stmts:
            if stmt.prop == ID_PROP:
                used.append(stmt)
                continue
            prop = schema.get(stmt.prop)
            if prop is None:
                continue
            proxy.unsafe_add(prop, stmt.value, cleaned=True)
            used.append(stmt)
        yield proxy, combine(s.marking for s in used), used

"""The demo's table mappings, read so that a writer can run them backwards.

A mapping (``gugus load COLLECTION FILE --mapping M.yml``) says how the
columns of an agency's table become FollowTheMoney entities.  The demo writes
each agency's tables *from* its mapping: for an entity of a schema the mapping
names, every property value goes to the column the mapping reads it from, in
the form the mapping expects (a date format, a list separator, a literal).  So
the mapping is the one description of each file's layout, and loading a file
with its own mapping gives back the entities it was written from.

Only what can be inverted is accepted here — ``template`` and ``keys``
(derived values and ids) cannot be, and ``{entity: …}`` links need two
entities in one row, which the demo's one-record-per-row tables never have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from followthemoney import model

from gugus.errors import InvalidInput

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAPPINGS = "mappings"  # package data folder: mappings/<collection>/<table>.yml


@dataclass(frozen=True, slots=True)
class PropSpec:
    """Where one property's values go: columns, and how they are written."""

    columns: tuple[str, ...] = ()
    format: str | None = None  # date format (the first, if the mapping lists several)
    split: str | None = None  # several values joined in one cell
    literal: str | None = None  # a constant the mapping adds: the entity must hold it


@dataclass(frozen=True, slots=True)
class EntitySpec:
    name: str
    schema: str
    id_column: str
    filter: tuple[tuple[str, str], ...]
    properties: dict[str, PropSpec]
    kinds: dict[str, str]  # property → FtM type name


@dataclass(slots=True)
class Mapping:
    """A parsed mapping: file options, entity specs and the column order."""

    name: str  # "<collection>/<table>"
    text: str  # the YAML as shipped (written next to the files, comments kept)
    format: str
    encoding: str
    delimiter: str
    sheet: str | None
    country: str | None
    marking: dict | None
    entities: list[EntitySpec]
    header: list[str] = field(default_factory=list)

    def by_schema(self) -> dict[str, EntitySpec]:
        return {e.schema: e for e in self.entities}


def _prop(where: str, spec) -> PropSpec:
    if isinstance(spec, str):
        return PropSpec(columns=(spec,))
    if not isinstance(spec, dict):
        raise InvalidInput(f"{where}: expected a column name or an object, got {spec!r}")
    unknown = set(spec) - {"column", "columns", "format", "split", "literal"}
    if unknown:
        raise InvalidInput(f"{where}: the demo writer cannot invert {sorted(unknown)}")
    if "literal" in spec:
        return PropSpec(literal=str(spec["literal"]))
    columns = tuple(spec["columns"]) if "columns" in spec else (spec["column"],)
    fmt = spec.get("format")
    if isinstance(fmt, list):
        fmt = fmt[0]
    return PropSpec(columns=columns, format=fmt, split=spec.get("split"))


def parse_mapping(name: str, text: str) -> Mapping:
    """A mapping the writer can invert; ``InvalidInput`` names what it cannot."""
    data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, C-accelerated when available
    entities = []
    for local, ent in data["entities"].items():
        where = f"{name}: entities.{local}"
        schema = model.get(ent["schema"])
        if schema is None:
            raise InvalidInput(f"{where}.schema: unknown schema {ent['schema']!r}")
        if "id_column" not in ent:
            raise InvalidInput(f"{where}: the demo keeps the world's ids: id_column is required")
        props = {}
        for prop, spec in ent.get("properties", {}).items():
            if schema.get(prop) is None:
                raise InvalidInput(f"{where}.properties.{prop}: not a property of {schema.name}")
            props[prop] = _prop(f"{where}.properties.{prop}", spec)
        filt = tuple((str(k), str(v)) for k, v in (ent.get("filter") or {}).items())
        kinds = {prop: schema.get(prop).type.name for prop in props}
        entities.append(EntitySpec(local, schema.name, ent["id_column"], filt, props, kinds))
    _check_rows_unambiguous(name, entities)
    fmt = data.get("format", "csv")
    mapping = Mapping(
        name=name,
        text=text,
        format=fmt,
        encoding=data.get("encoding", "utf-8"),
        delimiter=data.get("delimiter", ","),
        sheet=data.get("sheet"),
        country=data.get("country"),
        marking=data.get("marking"),
        entities=entities,
    )
    header: list[str] = []
    for ent in entities:
        cols = [ent.id_column, *(c for c, _ in ent.filter)]
        cols += [c for spec in ent.properties.values() for c in spec.columns]
        header += [c for c in cols if c not in header]
    mapping.header = header
    return mapping


def _check_rows_unambiguous(name: str, entities: list[EntitySpec]) -> None:
    """Each schema once; entities sharing an id column told apart by a filter value."""
    schemas = [e.schema for e in entities]
    if len(set(schemas)) != len(schemas):
        raise InvalidInput(f"{name}: a schema appears twice; the writer could not choose")
    for i, a in enumerate(entities):
        for b in entities[i + 1 :]:
            if a.id_column != b.id_column:
                continue
            fa, fb = dict(a.filter), dict(b.filter)
            if not any(col in fb and fb[col] != val for col, val in fa.items()):
                raise InvalidInput(
                    f"{name}: entities {a.name!r} and {b.name!r} share the id column "
                    f"{a.id_column!r} without a filter that tells their rows apart"
                )


def shipped_text(collection: str, table: str) -> str:
    """The YAML of a mapping shipped with the package."""
    ref = resources.files("gugus.demo") / MAPPINGS / collection / f"{table}.yml"
    return ref.read_text(encoding="utf-8")


@lru_cache(maxsize=128)
def shipped_mapping(collection: str, table: str) -> Mapping:
    return parse_mapping(f"{collection}/{table}", shipped_text(collection, table))


def shipped_dir() -> Path:
    """Where the shipped mappings lie (for documentation and tests)."""
    return Path(str(resources.files("gugus.demo") / MAPPINGS))

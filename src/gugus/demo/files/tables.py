"""Write one collection's FtM lines as the agency's own tables (CSV or XLSX).

Lines are streamed: each entity becomes one row of the table whose mapping
names its schema, written in the agency's habits (local date format, phones
without the country code, country names in Spanish or as alpha-3 codes).
Rows whose line carries a stricter marking than the collection go to a file
of their own — one per distinct marking — whose mapping declares that
marking, so no marking is lost.  An XLSX file full to Excel's row limit
continues in a numbered part.  Anything the mapping cannot express (a
schema or property without a column, two values for a one-value column)
stops the render: a file that silently drops data is worse than none.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import zlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import openpyxl
import orjson
import phonenumbers
from babel import Locale
from followthemoney.types import registry

from gugus.demo.agencies import MINOR, TLP_ORDER, VICTIM
from gugus.demo.files.layouts import GROUP_WORDS, Layout
from gugus.demo.files.mappings import EntitySpec, Mapping, shipped_mapping
from gugus.errors import InvalidInput

XLSX_MAX_ROWS = 1_048_575  # data rows under the header row; patched small in tests
_ALPHA3 = {"mx": "MEX", "us": "USA", "gt": "GTM", "hn": "HND", "sv": "SLV"}
_LOCALES = {"es": Locale("es"), "en": Locale("en")}


def marking_key(marking: dict | None) -> str | None:
    return None if marking is None else orjson.dumps(marking, option=orjson.OPT_SORT_KEYS).decode()


def group_word(collection: str, marking: dict, lang: str) -> str:
    """The file-name word for rows of ``marking``: minors, victims, or restricted-<hash>."""
    words = GROUP_WORDS[lang]
    if marking == MINOR.get(collection):
        return words["minor"]
    if marking == VICTIM.get(collection):
        return words["victim"]
    digest = hashlib.sha256(marking_key(marking).encode()).hexdigest()[:8]
    return f"{words['other']}-{digest}"


def warm_up() -> None:
    """Build FtM's country lookup tables (seconds, once per process)."""
    registry.country.clean("mx")


@lru_cache(maxsize=4096)
def _country_text(code: str, style: str) -> str:
    """A country as the agency writes it, if FtM reads it back as ``code``."""
    if style == "alpha3":
        text = _ALPHA3.get(code, code.upper())
    else:
        name = _LOCALES[style.lower()].territories.get(code.upper(), code.upper())
        text = name.upper() if style.isupper() else name
    return text if registry.country.clean(text) == code else code.upper()


@lru_cache(maxsize=65_536)
def _phone(value: str) -> tuple[str, str, str] | None:
    """(region, national, international) forms of a number written in E.164; None for
    anything else, which is then written as it is."""
    try:
        num = phonenumbers.parse(value)
    except phonenumbers.NumberParseException:
        return None
    fmt = phonenumbers.PhoneNumberFormat
    if phonenumbers.format_number(num, fmt.E164) != value:
        return None
    region = phonenumbers.region_code_for_number(num) or ""
    return (
        region,
        phonenumbers.format_number(num, fmt.NATIONAL),
        phonenumbers.format_number(num, fmt.INTERNATIONAL),
    )


class Cells:
    """Renders values in one agency's habits, for one mapping.

    :meth:`value` raises ``ValueError`` with the reason; the caller adds where."""

    def __init__(self, layout: Layout, country: str) -> None:
        self.layout = layout
        self.country = country.upper()  # phones of this country lose their "+code"

    def value(self, kind: str, eid: str, value: str, fmt: str | None) -> str:
        if kind == "date" and fmt:
            try:
                return dt.date.fromisoformat(value).strftime(fmt)
            except ValueError:
                raise ValueError(f"{value!r} is not a full date for {fmt!r}") from None
        if kind == "phone":
            forms = _phone(value)
            if forms is None:
                return value
            region, national, international = forms
            # most local numbers are written without the country code, some with it
            local = region == self.country and zlib.crc32(f"{eid}{value}".encode()) % 10 < 7
            return national if local else international
        if kind == "country":
            return _country_text(value, self.layout.country)
        if kind == "gender" and value in ("female", "male"):
            word = value.capitalize()
            return word if self.layout.gender == "word" else word[0]
        return value


_AS_IS = frozenset({"string", "name", "text", "identifier", "entity", "address", "email", "url"})


def render_row(
    mapping: Mapping, spec: EntitySpec, obj: dict, cells: Cells, line: str = ""
) -> list[str]:
    """The row of ``mapping``'s table holding entity ``obj`` (via entity spec ``spec``);
    ``line`` names the input line for messages."""
    eid = obj["id"]
    row = dict(spec.filter)
    row[spec.id_column] = eid
    for prop, values in obj["properties"].items():
        p = spec.properties.get(prop)
        problem = None
        if p is None:
            problem = "the mapping has no column for it"
        elif p.literal is not None:
            if any(v != p.literal for v in values):
                problem = f"{values} differ from the literal {p.literal!r}"
            else:
                continue
        else:
            kind = spec.kinds[prop]
            try:
                texts = (
                    values
                    if kind in _AS_IS
                    else [cells.value(kind, eid, v, p.format) for v in values]
                )
            except ValueError as exc:
                texts, problem = [], str(exc)
            if p.split is not None and len(texts) > 1:
                if any(p.split in t for t in texts):
                    problem = f"a value contains the separator {p.split!r}"
                texts = [p.split.join(texts)]
            elif p.split is not None and texts and p.split in texts[0]:
                problem = f"a value contains the separator {p.split!r}"
            if len(texts) > len(p.columns):
                problem = f"{len(texts)} values for columns {list(p.columns)}"
        if problem is None:
            for col, text in zip(p.columns, texts, strict=False):
                if row.setdefault(col, text) != text:
                    problem = f"column {col!r} already holds another value"
        if problem is not None:
            where = f"{line}{obj['schema']}.{prop} of {eid} (mapping {mapping.name})"
            raise InvalidInput(f"{where}: {problem}")
    return [row.get(col, "") for col in mapping.header]


class _Out:
    """One output file (a part of a table, for one marking), opened on first row."""

    def __init__(self, path: Path, mapping: Mapping) -> None:
        self.path, self.mapping, self.rows = path, mapping, 0
        if mapping.format == "xlsx":
            self.book = openpyxl.Workbook(write_only=True)
            self.sheet = self.book.create_sheet(mapping.sheet or "Sheet1")
            self.sheet.append(mapping.header)
        else:
            self.handle = open(path, "w", encoding=mapping.encoding, newline="")  # noqa: SIM115 - closed by close()
            self.csv = csv.writer(self.handle, delimiter=mapping.delimiter)
            self.csv.writerow(mapping.header)

    def write(self, cells: list[str]) -> None:
        self.rows += 1
        if self.mapping.format == "xlsx":
            if any(c.startswith("=") for c in cells):  # Excel would take it for a formula
                raise InvalidInput(f"{self.path}: row {self.rows + 1}: a cell starts with '='")
            self.sheet.append([c or None for c in cells])
        else:
            try:
                self.csv.writerow(cells)
            except UnicodeEncodeError as exc:
                raise InvalidInput(
                    f"{self.path}: row {self.rows + 1}: {exc.object[exc.start : exc.end]!r} "
                    f"cannot be written in {self.mapping.encoding}"
                ) from None

    def close(self) -> None:
        if self.mapping.format == "xlsx":
            self.book.save(self.path)
        else:
            self.handle.close()


def _lines(path: Path) -> Iterator[tuple[str, dict]]:
    """(``"FILE: line N: "``, entity) for each line of an FtM JSON-lines file."""
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}: line {number}: "
            try:
                obj = orjson.loads(line)
                obj["id"], obj["schema"], obj["properties"]  # noqa: B018 - required fields
            except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
                raise InvalidInput(f"{where}not an FtM entity ({exc})") from None
            yield where, obj


def write_tables(
    world_dir: Path, collection: dict, layout: Layout, out_dir: Path
) -> tuple[list[dict], int]:
    """Write ``collection``'s tables under ``out_dir``; return (loads, rows written).

    Each load is ``{"path", "mapping", "format": None, "marking"}`` with paths
    relative to ``world_dir``; the mapping of a restricted file is written next
    to it with the stricter ``marking:`` added.
    """
    name = collection["name"]
    mappings = {t: shipped_mapping(name, t) for t in layout.tables}
    route: dict[str, tuple[str, EntitySpec]] = {}
    for table, mapping in mappings.items():
        for schema, spec in mapping.by_schema().items():
            if schema in route:
                raise InvalidInput(f"{name}: schema {schema} is in two tables")
            route[schema] = (table, spec)
    cells = {
        t: Cells(layout, m.country or collection.get("country") or "") for t, m in mappings.items()
    }
    open_files: dict[tuple[str, str | None], _Out] = {}
    parts: dict[tuple[str, str | None], list[Path]] = {}
    markings: dict[str | None, dict | None] = {None: None}
    rows = 0
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        for where, obj in _lines(world_dir / collection["file"]):
            if obj["schema"] not in route:
                raise InvalidInput(f"{where}{name} has no table for schema {obj['schema']}")
            table, spec = route[obj["schema"]]
            key = marking_key(obj.get("marking"))
            markings.setdefault(key, obj.get("marking"))
            out = open_files.get((table, key))
            if out is None or (mappings[table].format == "xlsx" and out.rows >= XLSX_MAX_ROWS):
                if out is not None:
                    out.close()
                done = parts.setdefault((table, key), [])
                stem = _stem(name, table, markings[key], layout.lang)
                ext = mappings[table].format
                path = out_dir / (f"{stem}.{ext}" if not done else f"{stem}-{len(done) + 1}.{ext}")
                done.append(path)
                out = open_files[table, key] = _Out(path, mappings[table])
            out.write(render_row(mappings[table], spec, obj, cells[table], where))
            rows += 1
    finally:
        for out in open_files.values():
            out.close()
    loads = []
    for table in layout.tables:
        for key, marking in sorted(markings.items(), key=_group_order):
            if (table, key) not in parts:
                continue
            stem = _stem(name, table, marking, layout.lang)
            map_path = out_dir / "mappings" / f"{stem}.yml"
            map_path.parent.mkdir(exist_ok=True)
            map_path.write_text(_mapping_text(mappings[table], marking), encoding="utf-8")
            for path in parts[table, key]:
                loads.append(
                    {
                        "path": str(path.relative_to(world_dir)),
                        "mapping": str(map_path.relative_to(world_dir)),
                        "format": None,
                        "marking": marking,
                    }
                )
    return loads, rows


def _group_order(item: tuple[str | None, dict | None]) -> tuple[int, str]:
    """Default marking first, then stricter ones by TLP level."""
    key, marking = item
    if marking is None:
        return (-1, "")
    tlp = marking.get("tlp")
    return (TLP_ORDER.index(tlp) if tlp in TLP_ORDER else len(TLP_ORDER), key or "")


def _stem(collection: str, table: str, marking: dict | None, lang: str) -> str:
    return table if marking is None else f"{table}-{group_word(collection, marking, lang)}"


def _mapping_text(mapping: Mapping, marking: dict | None) -> str:
    if marking is None:
        return mapping.text
    if mapping.marking is not None:
        raise InvalidInput(f"{mapping.name}: the shipped mapping already declares a marking")
    flow = orjson.dumps(marking).decode()  # JSON is YAML: one flow mapping
    return (
        mapping.text.rstrip("\n")
        + "\n# Every row of this file carries this stricter marking (from the source lines).\n"
        + f"marking: {flow}\n"
    )

"""YAML mappings: how each row of a CSV, XLSX or JSON-lines table becomes
FollowTheMoney entities (the format is documented in docs/mapping.md).

In the spirit of FtM mappings: per entity a schema, key columns that make a
stable id, ``property: column`` pairs and links between the entities of one
row.  :func:`load_mapping` checks everything that can be checked before a row
is read (schemata, properties, links, formats, markings, literals) and names
the mapping file and the YAML path of each problem.  :meth:`Mapping.map_row`
is pure — no I/O — so big loads run it in a second process and the HTCDS
importer reuses it.

What a row's value may cost: a value FtM rejects (a phone that is not a phone,
a country that is no country, an amount that is no number) is *dropped and
counted* with where, column and reason — so is an entity the row names but
cannot make (empty key columns beside filled ones, a missing required link);
a row that cannot be mapped as the mapping says (a date not in the declared
``format``, an empty ``required`` value, an Excel error or a date cell where
text was expected, an identifier or phone Excel stored as a number and so lost
digits, an invalid ``id_column`` id) is a *row error*, skipped or aborting the
load as the user chose.
"""

from __future__ import annotations

import codecs
import difflib
import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from pathlib import Path

import yaml
from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.property import Property
from followthemoney.types import registry
from phonenumbers import SUPPORTED_REGIONS

from gugus.errors import InvalidInput, Msg, NotFound, alternatives, both, joined, not_utf8
from gugus.ingest.clean import clean_value
from gugus.ingest.parse import MAX_ID, valid_entity_id
from gugus.ingest.parsed import MAX_DEPTH, MAX_NODES, ParsedEntity, dropped_value
from gugus.ingest.tabular import FORMATS, CellError
from gugus.model.markings import Marking, combine

__all__ = ["Mapping", "load_mapping"]

TOP_KEYS = (
    "format",
    "encoding",
    "delimiter",
    "sheet",
    "header_row",
    "country",
    "decimal",
    "marking",
    "entities",
)
ENTITY_KEYS = (
    "schema",
    "keys",
    "key",
    "key_literal",
    "id_column",
    "filter",
    "filter_not",
    "marking",
    "properties",
)
SOURCES = ("column", "columns", "template", "literal", "literals", "entity")
PROPERTY_KEYS = (
    *SOURCES,
    "format",
    "country",
    "country_column",
    "split",
    "join",
    "required",
    "decimal",
    "marking",
)
# File settings that only make sense for some formats.
FORMAT_SETTINGS = {
    "encoding": ("csv",),
    "delimiter": ("csv",),
    "sheet": ("xlsx",),
    "header_row": ("csv", "xlsx"),
}
# Types a date cell of a spreadsheet may feed as text; anywhere else a date
# cell means Excel turned an identifier or phone into a date.
DATE_CELL_TYPES = frozenset({"date", "string", "text"})
TEMPLATE_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
# Types whose values are digit strings: a spreadsheet number that lost digits
# (Excel keeps 15 significant digits) must not become one of them.
DIGIT_TYPES = frozenset({"identifier", "phone"})
EXACT_FLOAT = 2**53
SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+")
DIGITS_LOST = Msg("stored as a number, digits lost — format the column as text in Excel")


# -- YAML --------------------------------------------------------------------------------
class _Loader(yaml.SafeLoader):
    """YAML as a mapping author means it: plain scalars stay text (``01`` is not
    1, ``NO`` is Norway, ``2020-01-01`` is not a date object), only
    ``true``/``false`` and ``null`` are typed, and a repeated key is an error
    instead of silently replacing the first."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen: set = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, Hashable):
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, Msg("duplicate key %(key)r", key=key), key_node.start_mark
                        )
                    seen.add(key)
        return super().construct_mapping(node, deep=deep)


_KEEP = {"tag:yaml.org,2002:null", "tag:yaml.org,2002:merge"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag in _KEEP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _too_deep(path: Path) -> Msg:
    return Msg(
        "%(file)s: invalid YAML (nested deeper than %(max)s levels)", file=str(path), max=MAX_DEPTH
    )


def load_mapping(path: Path) -> Mapping:
    """Read and validate a mapping file; InvalidInput names the file and the YAML path."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise NotFound(Msg("%(file)s: no such mapping file", file=str(path))) from None
    except IsADirectoryError:
        raise InvalidInput(
            Msg("%(file)s: is a directory, not a mapping file", file=str(path))
        ) from None
    except UnicodeDecodeError as exc:
        raise not_utf8(path, exc) from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        if mark:
            raise InvalidInput(
                Msg(
                    "%(file)s: line %(line)s, column %(column)s: invalid YAML (%(problem)s)",
                    file=str(path),
                    line=mark.line + 1,
                    column=mark.column + 1,
                    problem=exc.problem,
                )
            ) from None
        raise InvalidInput(
            Msg("%(file)s: invalid YAML (%(problem)s)", file=str(path), problem=exc.problem)
        ) from None
    except yaml.YAMLError as exc:
        raise InvalidInput(
            Msg("%(file)s: invalid YAML (%(problem)s)", file=str(path), problem=str(exc))
        ) from None
    except RecursionError:
        raise InvalidInput(_too_deep(path)) from None
    size, depth = _shape(data)
    if depth > MAX_DEPTH:
        raise InvalidInput(_too_deep(path))
    if size > MAX_NODES:
        raise InvalidInput(
            Msg(
                "%(file)s: invalid YAML (its aliases expand to more than %(max)s values)",
                file=str(path),
                max=MAX_NODES,
            )
        )
    return Mapping(data, str(path))


def _shape(data) -> tuple[int, int]:
    """``(values, depth)`` of ``data`` once every alias is expanded — aliases
    share one object, so a few lines can stand for billions ("billion
    laughs") — counted without expanding (each object once) and without
    recursion.  An alias inside its own anchor counts as too large."""
    if not isinstance(data, (dict, list)):
        return 1, 0
    done: dict[int, tuple[int, int]] = {}
    open_: set[int] = set()
    stack = [(data, False)]
    while stack:
        item, ready = stack.pop()
        key = id(item)
        if key in done:
            continue
        children = list(item.values()) if isinstance(item, dict) else item
        nested = [c for c in children if isinstance(c, (dict, list))]
        if not ready:
            if key in open_:  # reached again while being counted: a cycle
                return MAX_NODES + 1, 0
            open_.add(key)
            stack.append((item, True))
            stack.extend((c, False) for c in nested if id(c) not in done)
            continue
        open_.discard(key)
        shapes = [done[id(c)] for c in nested]
        total = 1 + len(children) + sum(n for n, _ in shapes)
        done[key] = (min(total, MAX_NODES + 1), 1 + max((d for _, d in shapes), default=0))
    return done[id(data)]


# -- cell values -----------------------------------------------------------------------
class _Typed(str):
    """Text of a typed date cell (XLSX): already unambiguous, so no ``format`` applies."""

    __slots__ = ()


def _number(value: float) -> str:
    # Spreadsheets store every number as a float: 5512345678 must stay 5512345678.
    return str(int(value)) if value.is_integer() else repr(value)


def cell_texts(value, where: str, column: str, type_name: str | None = None) -> list[str]:
    """A cell as stripped texts (none when empty); a JSON list gives several.
    InvalidInput for a cell no text can be made of."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        return [text] if text else []
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, int):
        return [str(value)]
    if isinstance(value, float):
        if value != value:  # NaN: empty
            return []
        if type_name in DIGIT_TYPES and (abs(value) >= EXACT_FLOAT or not value.is_integer()):
            raise InvalidInput(  # not the number itself: a cell may hold personal data
                Msg(
                    "%(where)s: %(at)s: %(problem)s",
                    where=where,
                    at=Msg("column %(column)r", column=column),
                    problem=DIGITS_LOST,
                )
            )
        return [_number(value)]
    if isinstance(value, datetime | date):
        if isinstance(value, datetime):
            iso = (
                value.date().isoformat()
                if value.time() == time()
                else value.isoformat(timespec="seconds")
            )
        else:
            iso = value.isoformat()
        if type_name is not None and type_name not in DATE_CELL_TYPES:
            raise InvalidInput(  # not the date itself: it may be a mangled identifier
                Msg(
                    "%(where)s: column %(column)r: a date cell where a %(type)s is "
                    "expected — the spreadsheet may have turned the value into a date; "
                    "format that column as text",
                    where=where,
                    column=column,
                    type=type_name,
                )
            )
        return [_Typed(iso)]
    if isinstance(value, time | timedelta):
        return [str(value)]
    if isinstance(value, CellError):
        raise InvalidInput(
            Msg(
                "%(where)s: column %(column)r: %(problem)s",
                where=where,
                column=column,
                problem=value.problem or Msg("the cell holds the error %(code)s", code=value.code),
            )
        )
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            if isinstance(item, list | dict):
                raise InvalidInput(
                    Msg(
                        "%(where)s: column %(column)r: a list holding a %(kind)s, "
                        "expected a list of values",
                        where=where,
                        column=column,
                        kind=type(item).__name__,
                    )
                )
            out.extend(cell_texts(item, where, column, type_name))
        return out
    if isinstance(value, dict):
        raise InvalidInput(  # a key of the object names a field, as a column does
            Msg(
                "%(where)s: column %(column)r: an object; name a field inside it, "
                "e.g. '%(example)s'",
                where=where,
                column=column,
                example=".".join((column, str(next(iter(value), "field")))),
            )
        )
    raise InvalidInput(  # the value's kind only: a cell may hold personal data
        Msg(
            "%(where)s: column %(column)r: unsupported cell value (%(kind)s)",
            where=where,
            column=column,
            kind=type(value).__name__,
        )
    )


@lru_cache(maxsize=4096)
def _dialing_country(text: str) -> str | None:
    """An FtM country code with a telephone numbering plan, or None."""
    code = registry.country.clean(text) or country_word(text)
    if code is None:
        return None
    region = code.split("-")[0]
    return region if region.upper() in SUPPORTED_REGIONS else None


@cache
def _country_words() -> dict[str, str]:
    """Folded Spanish/English demonyms and aliases FtM does not know → country
    code (``Hondureña`` → hn, ``EUA`` → us), from the extraction word lists."""
    from gugus.extract.lexicon import country_aliases, nationalities  # only when needed

    out = dict(nationalities())
    for alias in country_aliases():
        if alias.languages is None or alias.languages & {"es", "en"}:
            out.setdefault(fold_text(alias.alias), alias.country)
    out.pop("us", None)  # "us" is also an English word; "US" is caught below
    return out


@lru_cache(maxsize=4096)
def country_word(text: str) -> str | None:
    """The country code of a demonym or alias FtM's country type rejects."""
    if text.strip() == "US":
        return "us"
    return _country_words().get(fold_text(text))


@lru_cache(maxsize=16_384)
def fold_text(text: str) -> str:
    """What ``filter`` and country words compare: NFKD without accents,
    case-folded, whitespace collapsed (``" Víctima "`` = ``VICTIMA``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def _mx_national(digits: str) -> str | None:
    """A Mexican number written with a pre-2019 dialling prefix, without it:
    ``044``/``045`` (mobile) or ``01`` (long distance) + 10 digits."""
    if len(digits) == 13 and digits[:3] in ("044", "045"):
        return digits[3:]
    if len(digits) == 12 and digits.startswith("01"):
        return digits[2:]
    return None


def phone_variants(text: str, country: str | None) -> tuple[str, ...]:
    """Spellings to try for a phone: the text, and for Mexico without the old
    mobile ``1`` after +52 (``+52 1 55 …``) or the ``044``/``045``/``01``
    national prefixes, which current numbering plans reject."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.lstrip().startswith("+") and digits.startswith("521") and len(digits) == 13:
        return (text, "+52" + digits[3:])
    if country is not None and country.lower() == "mx":
        national = _mx_national(digits)
        if national is not None:
            return (text, national)
    return (text,)


@lru_cache(maxsize=65_536)
def parse_amount(text: str, decimal: str = ".") -> str | None:
    """A written amount as a plain decimal number, or None when it is none:
    currency symbols and codes and spaces go, ``(1,234.50)`` is negative,
    the last of ``,``/``.`` when both appear is the decimal mark, a lone mark
    followed by exactly three digits is read with ``decimal`` (``1,234`` is
    1234 unless ``decimal: ","``), otherwise a lone mark is the decimal mark."""
    value = text.strip()
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1]
    value = "".join(ch for ch in value if not ch.isspace())
    # Currency: symbols and ISO codes at either end (MXN, USD, $, €, M.N.).
    value = re.sub(r"^[^\d+\-.,]+|[^\d.,\-]+$", "", value)
    if value.endswith("-") and not value.startswith("-"):
        value = "-" + value[:-1]
    if value.startswith(("-", "+")):
        negative = negative or value[0] == "-"
        value = value[1:]
    if not value or not re.fullmatch(r"[\d.,]+(?:[eE][+-]?\d+)?", value):
        return None
    marks = [ch for ch in value if ch in ".,"]
    if len(set(marks)) == 2:
        point = value[max(value.rfind(","), value.rfind("."))]
        thousands = "," if point == "." else "."
        if value.count(point) > 1:
            return None
        value = value.replace(thousands, "").replace(point, ".")
    elif marks:
        mark = marks[0]
        head, _, tail = value.rpartition(mark)
        if len(marks) > 1:  # repeated: thousands separators
            if not all(len(g) == 3 for g in value.split(mark)[1:]):
                return None
            value = value.replace(mark, "")
        elif len(tail) == 3 and mark != decimal and head:
            value = head + tail
        else:
            value = head + "." + tail
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    text = format(-number if negative else number, "f")
    return "0" if text in ("-0", "0") else text


def fix_century(iso: str, life_event: bool, today: date | None = None) -> str:
    """A date read with a two-digit year (``%y``: 65 → 2065) moved back a
    century when it lies in the future: for birth/death dates any future date,
    for other dates one more than a year ahead."""
    today = today or date.today()
    year = int(iso[:4])
    limit = today.year if life_event else today.year + 1
    if year < limit or (year == limit and iso[4:10] <= today.isoformat()[4:10]):
        return iso
    moved = f"{year - 100:04d}{iso[4:]}"
    if moved[4:10] == "-02-29" and not _leap(year - 100):
        return iso
    return moved


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@lru_cache(maxsize=256)
def _id_seed(collection: str, key_literal: str):
    """FtM's ``make_entity_id(collection, key_literal, text)`` hashes the
    parts' bytes one after the other: the first two are the same for every
    row, so their digest is computed once."""
    return hashlib.sha1(f"{collection.strip()}{key_literal.strip()}".encode())  # noqa: S324 - an id


def key_text(values: list[str]) -> str:
    """What the id hashes for the key values: the value itself for one key
    column; for several, their JSON list, so ("12", "345") and ("123", "45")
    stay two entities (FtM's make_id would join them into one)."""
    if len(values) == 1:
        return values[0]
    return json.dumps(values, ensure_ascii=False)


# -- compiled specs ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PropertySpec:
    """One ``property: source`` line of an entity, compiled."""

    entity: str  # the local entity name, for messages
    prop: Property
    kind: str  # column | template | literal | entity
    columns: tuple[str, ...] = ()
    template: tuple[tuple[str, str | None], ...] = ()
    literals: tuple[tuple[str, str, str], ...] = ()
    link: str | None = None
    formats: tuple[str, ...] = ()
    country: str | None = None
    country_column: str | None = None
    split: str | None = None
    join: str | None = None
    required: bool = False
    decimal: str = "."  # number properties: the decimal mark of the file
    two_digit_year: bool = False  # a format has %y: move future dates back a century
    life_event: bool = False  # a birth/death date: never in the future

    @property
    def label(self) -> str:
        if len(self.columns) == 1 and self.kind != "template":
            return Msg("column %(column)r", column=self.columns[0])
        return Msg("columns %(columns)s", columns=", ".join(repr(c) for c in self.columns))

    def at(self, column: str | None) -> Msg:
        """Where in the row a value came from: its column, else this property's."""
        return Msg("column %(column)r", column=column) if column else self.label

    def raw(self, row: dict, where: str) -> list[tuple[str, str | None]]:
        """``(text, column)`` of each value the row gives this property."""
        if self.kind == "column" and len(self.columns) == 1 and self.join is self.split is None:
            column = self.columns[0]
            value = row.get(column)
            if type(value) is str:  # the common case, made cheap
                text = value.strip()
                return [(text, column)] if text else []
        type_name = self.prop.type.name
        if self.kind == "template":
            parts, filled = [], False
            for text, column in self.template:
                if column is None:
                    parts.append(text)
                    continue
                values = cell_texts(row.get(column), where, column, type_name)
                filled = filled or bool(values)
                parts.append(", ".join(values))
            rendered = " ".join("".join(parts).split())
            return [(rendered, None)] if filled and rendered else []
        out = []
        for column in self.columns:
            out.extend((t, column) for t in cell_texts(row.get(column), where, column, type_name))
        if self.join is not None and out:
            out = [(self.join.join(t for t, _ in out), out[0][1])]
        if self.split is not None:
            out = [
                (part.strip(), column)
                for text, column in out
                for part in text.split(self.split)
                if part.strip()
            ]
        return out

    def countries(self, row: dict, where: str, defaults: tuple[str, ...]) -> tuple[str, ...]:
        """The countries a phone number without +prefix is tried in, in order:
        the row's country column when it names one, the property's, then
        ``defaults`` (the mapping's, the collection's)."""
        first = None
        if self.country_column is not None:
            for text in cell_texts(row.get(self.country_column), where, self.country_column):
                first = _dialing_country(text)
                if first is not None:
                    break
        if first is None and self.country is None:
            return defaults
        return tuple(dict.fromkeys(c for c in (first, self.country, *defaults) if c))

    def apply(
        self,
        row: dict,
        where: str,
        ids: dict[str, str | None],
        defaults: tuple[str, ...],
        values: list,
        dropped: list,
    ) -> None:
        prop = self.prop
        if self.kind == "entity":
            target = ids.get(self.link)
            if target is not None:
                values.append((prop.name, "entity", target))
            elif self.required:
                raise InvalidInput(
                    Msg(
                        "%(where)s: %(prop)s is required but the row has no %(link)r entity "
                        "(its key columns are empty or its filter excludes it)",
                        where=where,
                        prop=".".join((self.entity, prop.name)),
                        link=self.link,
                    )
                )
            return
        if self.kind == "literal":
            values.extend(self.literals)
            return
        raws = self.raw(row, where)
        if not raws:
            if self.required:
                raise InvalidInput(
                    Msg(
                        "%(where)s: %(at)s: %(prop)s is required but empty",
                        where=where,
                        at=self.label,
                        prop=".".join((self.entity, prop.name)),
                    )
                )
            return
        type_name = prop.type.name
        hint = self.countries(row, where, defaults) if type_name == "phone" else ()
        before = len(values)
        for text, column in raws:
            if (
                type_name in DIGIT_TYPES
                and ("E" in text or "e" in text)
                and SCIENTIFIC.fullmatch(text)
            ):
                raise InvalidInput(
                    Msg(
                        "%(where)s: %(at)s: %(problem)s",
                        where=where,
                        at=self.at(column),
                        problem=DIGITS_LOST,
                    )
                )
            value, reason = self.clean(text, where, column, hint)
            if value is not None:
                values.append((prop.name, type_name, value))
                continue
            dropped.append(
                dropped_value(
                    Msg("%(where)s: column %(column)r", where=where, column=column)
                    if column
                    else where,
                    prop.name,
                    text,
                    type_name,
                    reason,
                    column=column,
                )
            )
        if self.required and len(values) == before:
            raise InvalidInput(
                Msg(
                    "%(where)s: %(at)s: %(prop)s is required but no value is a valid %(type)s",
                    where=where,
                    at=self.label,
                    prop=".".join((self.entity, prop.name)),
                    type=type_name,
                )
            )

    def clean(
        self, text: str, where: str, column: str | None, hint: tuple[str, ...] = ()
    ) -> tuple[str | None, str | None]:
        """The cleaned value, or None and the reason it was rejected."""
        prop = self.prop
        if self.formats and not isinstance(text, _Typed):
            for fmt in self.formats:
                value = clean_value(prop, text, fmt)
                if value is not None:
                    if self.two_digit_year and "%y" in fmt:
                        value = fix_century(value, self.life_event)
                    return value, None
            raise InvalidInput(
                Msg(
                    "%(where)s: %(at)s: the value does not match the date format %(formats)s",
                    where=where,
                    at=self.at(column),
                    formats=alternatives(repr(f) for f in self.formats),
                )
            )
        type_name = prop.type.name
        if type_name == "phone":
            return _clean_phone(prop, text, hint)
        if type_name == "number":
            amount = parse_amount(text, self.decimal)
            if amount is None:
                return None, Msg("not a number")
            text = amount
        value = clean_value(prop, text)
        if value is None and type_name == "country":
            value = country_word(text)
        return value, None if value is not None else Msg("not a valid %(type)s", type=type_name)


def _clean_phone(prop: Property, text: str, countries: tuple[str, ...]):
    """A phone read in the first of ``countries`` where it is valid."""
    if not countries:
        value = clean_value(prop, text)
        return value, None if value else Msg(
            "no +country prefix and no country to read it in "
            "(set `country:` / `country_column:` in the mapping or a collection country)"
        )
    for country in countries:
        for variant in phone_variants(text, country):
            try:
                value = clean_value(prop, variant, country)
            except InvalidData:
                value = None
            if value:
                return value, None
    tried = ", ".join(c.upper() for c in countries)
    return None, Msg("not a valid phone number in %(countries)s", countries=tried)


@dataclass(frozen=True, slots=True)
class EntitySpec:
    name: str
    schema: str
    keys: tuple[str, ...]
    key_literal: str
    id_column: str | None
    filters: tuple[tuple[str, frozenset[str]], ...]
    filters_not: tuple[tuple[str, frozenset[str]], ...]
    marking: dict | None
    property_markings: dict
    properties: tuple[PropertySpec, ...]
    required: tuple[str, ...] = ()  # FtM-required links this mapping fills: no entity without

    def applies(self, row: dict, where: str) -> bool:
        """Filters compare folded text (case, accents, outer and repeated spaces ignored)."""
        for column, allowed in self.filters:
            texts = [fold_text(t) for t in cell_texts(row.get(column), where, column)]
            if allowed.isdisjoint(texts or [""]):
                return False
        for column, barred in self.filters_not:
            texts = [fold_text(t) for t in cell_texts(row.get(column), where, column)]
            if not barred.isdisjoint(texts or [""]):
                return False
        return True

    def lost_values(self, row: dict) -> int:
        """How many non-empty cells this entity's properties name in a row
        that makes no such entity (its key columns are empty)."""
        keys = set(self.keys) | {self.id_column}
        seen = set()
        for prop in self.properties:
            for column in prop.columns:
                if column not in keys and column not in seen and _filled(row.get(column)):
                    seen.add(column)
        return len(seen)

    def make_id(self, row: dict, where: str, collection: str) -> str | None:
        """The entity's id in this row, None when the row has no such entity."""
        if not self.applies(row, where):
            return None
        if self.id_column is not None:
            column = self.id_column
            texts = cell_texts(row.get(column), where, column, "entity")
            if not texts:
                return None
            if len(texts) > 1:
                raise InvalidInput(
                    Msg(
                        "%(where)s: column %(column)r: several ids, expected one",
                        where=where,
                        column=column,
                    )
                )
            entity_id = texts[0]
            if len(entity_id) > MAX_ID:
                raise InvalidInput(
                    Msg(
                        "%(where)s: column %(column)r: id longer than %(max)s characters",
                        where=where,
                        column=column,
                        max=MAX_ID,
                    )
                )
            if not valid_entity_id(entity_id):
                raise InvalidInput(  # not the id itself: a cell may hold personal data
                    Msg(
                        "%(where)s: column %(column)r: not a valid entity id "
                        "(letters, digits, '.' and '-')",
                        where=where,
                        column=column,
                    )
                )
            return entity_id
        values = [";".join(cell_texts(row.get(c), where, c)) for c in self.keys]
        if not any(values):
            return None
        digest = _id_seed(collection, self.key_literal).copy()
        digest.update(key_text(values).encode("utf-8"))
        return digest.hexdigest()


class RowEntities(list):
    """The entities of one row (a list), and ``dropped``: what the row named
    but did not make when no entity of the row is left to carry it."""

    dropped: list[dict]

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.dropped = []


@lru_cache(maxsize=64)
def _defaults(mapping_country: str | None, collection_country: str | None) -> tuple[str, ...]:
    """The mapping's then the collection's country, for phones without +prefix."""
    second = _dialing_country(collection_country) if collection_country else None
    return tuple(dict.fromkeys(c for c in (mapping_country, second) if c))


def _lost(spec: EntitySpec, where: str, reason: str) -> dict:
    return {
        "where": Msg("%(where)s: entity %(entity)r", where=where, entity=spec.name),
        "property": None,
        "value": None,
        "type": spec.schema,
        "reason": Msg(
            "%(entity)s (%(schema)s) not made: %(reason)s",
            entity=spec.name,
            schema=spec.schema,
            reason=reason,
        ),
    }


def _account(out: RowEntities, lost: list[dict], gone: set[str]) -> None:
    """Count what the row did not make: with the row's first entity (its
    drops reach the load summary), else on the row itself.  Links to an
    entity that was not made are left out."""
    if gone:
        for entity in out:
            entity.values = [v for v in entity.values if v[1] != "entity" or v[2] not in gone]
    if out:
        out[0].dropped.extend(lost)
    else:
        out.dropped.extend(lost)


def _filled(value) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, float):
        return value == value
    if isinstance(value, list):
        return any(_filled(v) for v in value)
    return True


# -- the mapping -------------------------------------------------------------------------
class Mapping:
    """A validated mapping; :meth:`map_row` turns one row into entities."""

    def __init__(self, data, name: str) -> None:
        self.raw = data
        self.name = name
        self._compile(data)

    def __reduce__(self):
        # Sent to the worker process as its source: FtM schema objects are not
        # worth pickling with every chunk.
        return (Mapping, (self.raw, self.name))

    # -- use --------------------------------------------------------------------------
    def map_row(
        self, row: dict, where: str, collection: str, country: str | None = None
    ) -> list[ParsedEntity]:
        """The entities one row makes.  ``country`` is the collection's default
        country (the mapping's own ``country:`` wins).  InvalidInput (naming
        ``where`` and the column) when the row cannot be mapped."""
        defaults = _defaults(self.country, country)
        ids = {e.name: e.make_id(row, where, collection) for e in self.entities}
        out = RowEntities()
        lost: list[dict] = []  # entities the row names but does not make
        gone: set[str] = set()  # ids of entities not made for a missing required link
        for spec in self.entities:
            entity_id = ids[spec.name]
            if entity_id is None:
                if spec.applies(row, where):
                    n = spec.lost_values(row)
                    if n:
                        keys = ", ".join(map(repr, spec.keys or (spec.id_column,)))
                        lost.append(
                            _lost(
                                spec,
                                where,
                                Msg(
                                    "key columns empty (%(keys)s); %(count)s values not loaded",
                                    keys=keys,
                                    count=n,
                                ),
                            )
                        )
                continue
            values: list = []
            dropped: list = []
            for prop in spec.properties:
                prop.apply(row, where, ids, defaults, values, dropped)
            if spec.required:
                present = {v[0] for v in values}
                missing = [name for name in spec.required if name not in present]
                if missing:
                    lost.append(
                        _lost(spec, where, Msg("required property %(prop)s empty", prop=missing[0]))
                    )
                    lost.extend(dropped)
                    gone.add(entity_id)
                    continue
            parsed = ParsedEntity(
                entity_id, spec.schema, spec.marking, spec.property_markings, values, dropped
            )
            if spec.id_column is not None:
                parsed.id_field = Msg("column %(column)r", column=spec.id_column)
            out.append(parsed)
        if lost:
            _account(out, lost, gone)
        return out

    def check_format(self, fmt: str) -> None:
        """File settings given for another format are a mistake (the wrong file?)."""
        for key, formats in FORMAT_SETTINGS.items():
            if key in self.raw and fmt not in formats:
                raise InvalidInput(
                    Msg(
                        "%(mapping)s: %(key)s: applies to %(formats)s files; this file is %(format)s",
                        mapping=self.name,
                        key=key,
                        formats=both(formats),
                        format=fmt,
                    )
                )

    def check_columns(self, header: list[str], where: str) -> None:
        """Every column the mapping names must be in the header, exactly once."""
        present = [h for h in header if h]
        missing = sorted(self.columns - set(present))
        if missing:
            shown = ", ".join(present[:40]) + (" …" if len(present) > 40 else "")
            raise InvalidInput(
                Msg(
                    "%(where)s: column(s) named in %(mapping)s missing from the header: "
                    "%(missing)s (the header has: %(header)s)",
                    where=where,
                    mapping=self.name,
                    missing=joined(_suggest(repr(c), c, present) for c in missing),
                    header=shown,
                )
            )
        twice = sorted(c for c, n in Counter(present).items() if n > 1 and c in self.columns)
        if twice:
            raise InvalidInput(
                Msg(
                    "%(where)s: column(s) %(columns)s appear more than once in the header; "
                    "rename them so %(mapping)s can tell them apart",
                    where=where,
                    columns=", ".join(map(repr, twice)),
                    mapping=self.name,
                )
            )

    def check_seen(self, seen: set[str], keys: list[str], where: str) -> None:
        """JSON lines have no header: a column no line holds is a mapping mistake."""
        missing = sorted(self.columns - seen)
        if missing:
            raise InvalidInput(
                Msg(
                    "%(where)s: column(s) named in %(mapping)s appear in no line: %(missing)s",
                    where=where,
                    mapping=self.name,
                    missing=joined(_suggest(repr(c), c, keys) for c in missing),
                )
            )

    def markings(self) -> list[tuple[str, dict]]:
        """Every marking the mapping gives, with where it was given."""
        out = []
        if self.marking is not None:
            out.append((f"{self.name}: marking", self.marking))
        for spec in self.entities:
            if spec.marking is not None and spec.marking is not self.marking:
                out.append((f"{self.name}: entities.{spec.name}.marking", spec.marking))
            for prop, marking in spec.property_markings.items():
                out.append(
                    (f"{self.name}: entities.{spec.name}.properties.{prop}.marking", marking)
                )
        return out

    # -- validation ---------------------------------------------------------------------
    def _error(self, path: str, message: str) -> InvalidInput:
        if not path:
            return InvalidInput(Msg("%(mapping)s: %(problem)s", mapping=self.name, problem=message))
        return InvalidInput(
            Msg("%(mapping)s: %(path)s: %(problem)s", mapping=self.name, path=path, problem=message)
        )

    def _compile(self, data) -> None:
        if not isinstance(data, dict):
            raise self._error(
                "", Msg("expected a YAML object with `entities:` (see docs/mapping.md)")
            )
        self._unknown_keys(data, TOP_KEYS, "")
        fmt = data.get("format")
        if fmt is not None:
            fmt = self._text(fmt, "format").lower()
            if fmt not in FORMATS:
                raise self._error(
                    "format",
                    Msg(
                        "%(format)r (allowed: %(allowed)s)", format=fmt, allowed=", ".join(FORMATS)
                    ),
                )
        self.format: str | None = fmt
        self.encoding: str | None = None
        if data.get("encoding") is not None:
            self.encoding = self._text(data["encoding"], "encoding")
            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise self._error(
                    "encoding", Msg("unknown encoding %(encoding)r", encoding=self.encoding)
                ) from None
        self.delimiter: str | None = None
        if data.get("delimiter") is not None:
            given = self._text(data["delimiter"], "delimiter", strip=False)
            self.delimiter = "\t" if given in ("\\t", "tab", "TAB") else given
            if len(self.delimiter) != 1:
                raise self._error("delimiter", Msg("%(given)r must be one character", given=given))
        self.sheet = self._text(data["sheet"], "sheet") if data.get("sheet") is not None else None
        self.header_row = 1
        if data.get("header_row") is not None:
            given = data["header_row"]
            if isinstance(given, bool) or not str(given).strip().isdigit() or int(given) < 1:
                raise self._error(
                    "header_row", Msg("%(given)r must be a row number (1 or more)", given=given)
                )
            self.header_row = int(given)
        self.country = self._country(data.get("country"), "country")
        self.decimal = self._decimal(data.get("decimal"), "decimal") or "."
        self.marking = self._marking(data.get("marking"), "marking")
        entities = data.get("entities")
        if not isinstance(entities, dict) or not entities:
            raise self._error(
                "entities", Msg("give at least one entity (local name: {schema, keys, …})")
            )
        for name, spec in entities.items():
            if not isinstance(name, str) or not name.strip():
                raise self._error(f"entities.{name}", Msg("an entity's local name must be text"))
            if not isinstance(spec, dict):
                raise self._error(f"entities.{name}", Msg("expected {schema, keys, properties}"))
        self.entities = tuple(self._entity(name, spec, entities) for name, spec in entities.items())
        columns: set[str] = set()
        for spec in self.entities:
            columns.update(spec.keys)
            if spec.id_column:
                columns.add(spec.id_column)
            columns.update(c for c, _ in spec.filters + spec.filters_not)
            for prop in spec.properties:
                columns.update(prop.columns)
                if prop.country_column:
                    columns.add(prop.country_column)
        self.columns = frozenset(columns)

    def _entity(self, name: str, spec: dict, entities: dict) -> EntitySpec:
        path = f"entities.{name}"
        self._unknown_keys(spec, ENTITY_KEYS, path)
        schema_name = spec.get("schema")
        if schema_name is None:
            raise self._error(
                f"{path}.schema", Msg("missing (an FtM schema such as Person, Payment)")
            )
        schema_name = self._text(schema_name, f"{path}.schema")
        schema = model.get(schema_name)
        if schema is None:
            raise self._error(
                f"{path}.schema",
                _suggest(
                    Msg("unknown schema %(schema)r", schema=schema_name),
                    schema_name,
                    list(model.schemata),
                ),
            )
        if schema.abstract:
            raise self._error(
                f"{path}.schema",
                Msg("%(schema)s is abstract; use a concrete schema", schema=schema.name),
            )
        if "keys" in spec and "key" in spec:
            raise self._error(path, Msg("give `keys` or `key`, not both"))
        keys = self._columns(spec.get("keys", spec.get("key")), f"{path}.keys")
        id_column = None
        if spec.get("id_column") is not None:
            id_column = self._column(spec["id_column"], f"{path}.id_column")
        if keys and id_column:
            raise self._error(path, Msg("give `keys` or `id_column`, not both"))
        if not keys and not id_column:
            raise self._error(
                path, Msg("needs `keys` (columns whose values make the id) or `id_column`")
            )
        if id_column and spec.get("key_literal") is not None:
            raise self._error(f"{path}.key_literal", Msg("applies with `keys`, not `id_column`"))
        key_literal = schema.name
        if spec.get("key_literal") is not None:
            key_literal = self._text(spec["key_literal"], f"{path}.key_literal")
        marking = self.marking
        if spec.get("marking") is not None:
            marking = self._marking(spec["marking"], f"{path}.marking", floor=self.marking)
        given = spec.get("properties") or {}
        if not isinstance(given, dict):
            raise self._error(f"{path}.properties", Msg("expected `property: column` pairs"))
        properties = []
        property_markings = {}
        for prop_name, prop_spec in given.items():
            compiled, prop_marking = self._property(
                name, schema, str(prop_name), prop_spec, entities, marking
            )
            properties.append(compiled)
            if prop_marking is not None:
                property_markings[compiled.prop.name] = prop_marking
        return EntitySpec(
            name=name,
            schema=schema.name,
            keys=keys,
            key_literal=key_literal,
            id_column=id_column,
            filters=self._filters(spec.get("filter"), f"{path}.filter"),
            filters_not=self._filters(spec.get("filter_not"), f"{path}.filter_not"),
            marking=marking,
            property_markings=property_markings,
            properties=tuple(properties),
            # Only links: a name or other value may come from another row or
            # file.  Not for amounts (Payment, Debt): a payment whose payer is
            # unknown (a cash deposit) is still a fact worth keeping.
            required=()
            if schema.is_a("Value")
            else tuple(
                p.prop.name
                for p in properties
                if p.prop.name in schema.required and p.prop.type == registry.entity
            ),
        )

    def _property(
        self, entity: str, schema, name: str, spec, entities: dict, floor: dict | None
    ) -> tuple[PropertySpec, dict | None]:
        path = f"entities.{entity}.properties.{name}"
        prop = schema.get(name)
        if prop is None:
            names = [n for n, p in schema.properties.items() if not p.stub]
            unknown = Msg("unknown property of %(schema)s", schema=schema.name)
            raise self._error(path, _suggest(unknown, name, names))
        if prop.stub:
            other = prop.reverse
            raise self._error(
                path,
                Msg(
                    "the reverse side of %(prop)s; map that property on the %(schema)s "
                    "entity instead",
                    prop=".".join((other.schema.name, other.name)),
                    schema=other.schema.name,
                ),
            )
        if spec is None:
            raise self._error(path, Msg("no column given"))
        if not isinstance(spec, dict):
            spec = {"column": spec}
        self._unknown_keys(spec, PROPERTY_KEYS, path)
        sources = [k for k in SOURCES if k in spec]
        if len(sources) != 1:
            allowed = ", ".join(SOURCES)
            raise self._error(
                path,
                Msg(
                    "give exactly one of %(allowed)s (got %(given)s)",
                    allowed=allowed,
                    given=", ".join(sources),
                )
                if sources
                else Msg("give exactly one of %(allowed)s", allowed=allowed),
            )
        source = sources[0]
        type_name = prop.type.name
        options: dict = {"entity": entity, "prop": prop}
        if source == "column":
            options.update(kind="column", columns=(self._column(spec["column"], f"{path}.column"),))
        elif source == "columns":
            columns = self._columns(spec["columns"], f"{path}.columns")
            if not columns:
                raise self._error(f"{path}.columns", Msg("give at least one column"))
            options.update(kind="column", columns=columns)
        elif source == "template":
            template = self._template(spec["template"], f"{path}.template")
            fields = tuple(dict.fromkeys(c for _, c in template if c is not None))
            options.update(kind="template", template=template, columns=fields)
        elif source in ("literal", "literals"):
            given = spec[source]
            items = given if isinstance(given, list) else [given]
            if not items:
                raise self._error(f"{path}.{source}", Msg("give at least one value"))
            literals = tuple(
                (prop.name, type_name, self._literal(prop, item, f"{path}.{source}", spec))
                for item in items
            )
            options.update(kind="literal", literals=literals)
        else:
            options.update(kind="entity", link=self._link(prop, spec["entity"], entities, path))
        if "format" in spec:
            if type_name != "date":
                raise self._error(
                    f"{path}.format",
                    Msg(
                        "only date properties take a format (%(prop)s is %(type)s)",
                        prop=name,
                        type=type_name,
                    ),
                )
            options["formats"] = self._formats(spec["format"], f"{path}.format")
            options["two_digit_year"] = any("%y" in f for f in options["formats"])
            lowered = prop.name.lower()
            options["life_event"] = "birth" in lowered or "death" in lowered
        if spec.get("decimal") is not None:
            if type_name != "number":
                raise self._error(
                    f"{path}.decimal",
                    Msg(
                        "only number properties take a decimal (%(prop)s is %(type)s)",
                        prop=name,
                        type=type_name,
                    ),
                )
            options["decimal"] = self._decimal(spec["decimal"], f"{path}.decimal")
        elif type_name == "number":
            options["decimal"] = self.decimal
        for key in ("country", "country_column"):
            if key in spec and type_name != "phone":
                raise self._error(
                    f"{path}.{key}",
                    Msg(
                        "only phone properties take a %(key)s (%(prop)s is %(type)s)",
                        key=key,
                        prop=name,
                        type=type_name,
                    ),
                )
        if "country" in spec:
            options["country"] = self._country(spec["country"], f"{path}.country")
        if spec.get("country_column") is not None:
            options["country_column"] = self._column(
                spec["country_column"], f"{path}.country_column"
            )
        for key in ("split", "join"):
            if spec.get(key) is None:
                continue
            if options["kind"] != "column":
                raise self._error(f"{path}.{key}", Msg("applies to values of column(s)"))
            options[key] = self._text(spec[key], f"{path}.{key}", strip=False)
            if key == "split" and not options[key]:
                raise self._error(f"{path}.split", Msg("an empty separator"))
        if "required" in spec:
            if not isinstance(spec["required"], bool):
                raise self._error(f"{path}.required", Msg("true or false"))
            options["required"] = spec["required"]
        marking = None
        if spec.get("marking") is not None:
            marking = self._marking(spec["marking"], f"{path}.marking", floor=floor)
        return PropertySpec(**options), marking

    def _link(self, prop: Property, target, entities: dict, path: str) -> str:
        target = self._text(target, f"{path}.entity")
        if target not in entities:
            raise self._error(
                f"{path}.entity",
                _suggest(
                    Msg("no entity named %(name)r", name=target),
                    target,
                    [str(n) for n in entities],
                ),
            )
        if prop.type != registry.entity:
            raise self._error(
                f"{path}.entity",
                Msg(
                    "%(prop)s is a %(type)s property, not a link to an entity",
                    prop=prop.name,
                    type=prop.type.name,
                ),
            )
        other = model.get(str(entities[target].get("schema")))
        if other is not None and prop.range is not None and not other.is_a(prop.range):
            raise self._error(
                f"{path}.entity",
                Msg(
                    "%(name)r is a %(schema)s; %(prop)s links to a %(range)s",
                    name=target,
                    schema=other.name,
                    prop=prop.name,
                    range=prop.range.name,
                ),
            )
        return target

    def _literal(self, prop: Property, item, path: str, spec: dict) -> str:
        if isinstance(item, list | dict) or item is None:
            # the kind only: a literal is a value to be stored
            raise self._error(path, Msg("expected a value, got %(kind)s", kind=_kind(item)))
        text = _scalar(item)
        if prop.type == registry.entity:
            if not valid_entity_id(text):
                raise self._error(path, Msg("not a valid entity id"))
            return text
        hint = None
        if prop.type.name == "phone":
            hint = self._country(spec.get("country"), f"{path}.country") or self.country
        try:
            value = clean_value(prop, text, hint)
        except InvalidData:
            value = None
        if value is None:
            known = list(getattr(prop.type, "names", None) or [])
            raise self._error(
                path, _suggest(Msg("not a valid %(type)s", type=prop.type.name), text, known)
            )
        return value

    def _template(self, given, path: str) -> tuple[tuple[str, str | None], ...]:
        text = self._text(given, path, strip=False)
        parts: list[tuple[str, str | None]] = []
        pos = 0
        for match in TEMPLATE_FIELD.finditer(text):
            parts.append((self._template_text(text[pos : match.start()], path), None))
            token = match.group(0)
            if token in ("{{", "}}"):
                parts.append((token[0], None))
            else:
                column = unicodedata.normalize("NFC", match.group(1).strip())
                if not column:
                    raise self._error(path, Msg("an empty {} names no column"))
                parts.append(("", column))
            pos = match.end()
        parts.append((self._template_text(text[pos:], path), None))
        if not any(c for _, c in parts):
            raise self._error(
                path, Msg("names no column (write {column}); for a constant use literal")
            )
        return tuple((t, c) for t, c in parts if t or c)

    def _template_text(self, text: str, path: str) -> str:
        if "{" in text or "}" in text:
            raise self._error(path, Msg("an unmatched brace (write {{ or }} for a brace itself)"))
        return text

    def _formats(self, given, path: str) -> tuple[str, ...]:
        items = given if isinstance(given, list) else [given]
        formats = tuple(self._text(f, path, strip=False) for f in items)
        if not formats:
            raise self._error(path, Msg("give at least one date format, e.g. '%d/%m/%Y'"))
        sample = datetime(2001, 2, 3, 4, 5, 6)  # only checks the directives
        for fmt in formats:
            if "%" not in fmt:
                raise self._error(
                    path, Msg("%(format)r has no %%-directive (e.g. '%%d/%%m/%%Y')", format=fmt)
                )
            try:
                datetime.strptime(sample.strftime(fmt), fmt)
            except ValueError as exc:
                raise self._error(
                    path, Msg("%(format)r: %(problem)s", format=fmt, problem=str(exc))
                ) from None
        return formats

    def _filters(self, given, path: str) -> tuple[tuple[str, frozenset[str]], ...]:
        if given is None:
            return ()
        if not isinstance(given, dict) or not given:
            raise self._error(path, Msg("expected `column: value` (or a list of values)"))
        out = []
        for column, allowed in given.items():
            items = allowed if isinstance(allowed, list) else [allowed]
            if any(isinstance(i, list | dict) for i in items):
                raise self._error(f"{path}.{column}", Msg("expected a value or a list of values"))
            out.append(
                (
                    unicodedata.normalize("NFC", str(column)),
                    frozenset("" if i is None else fold_text(_scalar(i)) for i in items),
                )
            )
        return tuple(out)

    def _columns(self, given, path: str) -> tuple[str, ...]:
        if given is None:
            return ()
        items = given if isinstance(given, list) else [given]
        return tuple(self._column(c, path) for c in items)

    def _column(self, given, path: str) -> str:
        """A column name in NFC, as headers are read (macOS tools write NFD)."""
        return unicodedata.normalize("NFC", self._text(given, path))

    def _decimal(self, given, path: str) -> str | None:
        if given is None:
            return None
        text = self._text(given, path)
        if text not in (".", ","):
            raise self._error(path, Msg("%(given)r: the decimal mark is '.' or ','", given=text))
        return text

    def _country(self, given, path: str) -> str | None:
        if given is None:
            return None
        text = self._text(given, path)
        code = _dialing_country(text)
        if code is None:
            raise self._error(
                path,
                Msg("%(given)r is not a country with phone numbers (e.g. MX, US)", given=text),
            )
        return code

    def _marking(self, given, path: str, floor: dict | None = None) -> dict | None:
        """Checked for form here; against the collection when the load starts.
        A marking below the mapping's one combines with it (the stricter wins)."""
        if given is None:
            return None
        marking = Marking.from_dict(given, None, where=f"{self.name}: {path}")
        if floor is not None:
            marking = combine([Marking.from_dict(floor, None), marking])
            if marking.recipients == {"-"}:
                raise self._error(
                    path, Msg("its TLP:RED recipients share no one with the enclosing marking's")
                )
        return marking.to_dict()

    def _text(self, value, path: str, *, strip: bool = True) -> str:
        if isinstance(value, list | dict) or value is None:
            raise self._error(path, Msg("expected text, got %(kind)s", kind=_kind(value)))
        text = _scalar(value)
        text = text.strip() if strip else text
        if not text:
            raise self._error(path, Msg("empty"))
        return text

    def _unknown_keys(self, data: dict, allowed: tuple[str, ...], path: str) -> None:
        for key in data:
            if key not in allowed:
                where = f"{path}.{key}" if path else str(key)
                raise self._error(
                    where,
                    Msg(
                        "%(problem)s (allowed: %(allowed)s)",
                        problem=_suggest(
                            Msg("unknown key %(key)r", key=key), str(key), list(allowed)
                        ),
                        allowed=", ".join(allowed),
                    ),
                )


def _kind(value) -> Msg:
    """What a YAML value is, in words (never the value: it may be data)."""
    if value is None:
        return Msg("nothing")
    return Msg("a list") if isinstance(value, list) else Msg("an object")


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _number(value)
    return str(value)


def _suggest(text: str, name: str, options: list[str]) -> str:
    """``text`` plus the closest options to ``name``: ``… (did you mean phone?)``."""
    lowered = {o.lower(): o for o in options}
    close = [lowered[name.lower()]] if name.lower() in lowered else []
    close = close or difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return Msg("%(text)s (did you mean %(close)s?)", text=text, close=close[0]) if close else text

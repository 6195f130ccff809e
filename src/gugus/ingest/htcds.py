"""IOM HTCDS 2.0 case files (XLSX or CSV) → people, trafficking events, cases.

Layout: row 1 holds HTCDS field codes (``prs_FirstName``, ``vic_TraffickingStatus``
…), row 2 may hold their labels (as in IOM's template), data follows.  Every
row becomes a Person (with its mailing Address), an Event per historic
trafficking event and per ``vic_LocationOf…`` value, a CourtCase for the case
fields, and Organizations for ``org_`` / ``per_Organisation`` — see
:mod:`gugus.ingest.htcds_fields` for where each field goes and docs/htcds.md
for the reasons.

Victims are protected by default, and a ``gugus_entity_id`` that is not the
loading organisation's own is namespaced: :mod:`gugus.ingest.htcds_protect`.

The file is read and its header checked before the load starts; rows are then
cleaned and grouped by person (a person may span several rows, e.g. one per
trafficking event) inside the load's transaction, through
:func:`gugus.ingest.load.load_records`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from followthemoney import model
from followthemoney.util import make_entity_id
from openpyxl.utils import get_column_letter

from gugus import clock
from gugus.access import Reader
from gugus.errors import InvalidInput, Msg, NotFound, alternatives, joined, no_such_file
from gugus.ingest.clean import clean_value
from gugus.ingest.htcds_fields import (
    FIELDS,
    GENDER,
    GUGUS_ID,
    GUGUS_LABELS,
    GUGUS_MARKING,
    GUGUS_PREFIX,
    GUGUS_ROLE,
    PERPETRATOR,
    PERPETRATOR_TOPIC,
    ROLE_WORDS,
    Field,
    choice_parts,
    clean_cell,
    close_codes,
    codes_for_label,
    field_for_code,
    make_tag,
    make_written,
    parse_marking,
)
from gugus.ingest.htcds_protect import (
    Facts,
    person_facts,
    protected_marking,
    row_marking,
)
from gugus.ingest.load import check_on_error, load_records
from gugus.ingest.parse import MAX_ID, valid_entity_id
from gugus.ingest.parsed import ParsedEntity, Record, dropped_value
from gugus.ingest.writer import Summary
from gugus.model.ids import plain_id
from gugus.model.markings import Marking
from gugus.node import Node

__all__ = ["load_htcds", "protected_marking", "read_table"]

CASE_TYPE = "Human trafficking case (IOM HTCDS)"
CASE_ORG_ROLE = "organisation"
MEMBER_ROLE = "perpetrator's organisation (per_Organisation)"
EVENT_NAMES = {
    "vic_LocationOfRecruitment": "Recruitment",
    "vic_LocationOfExploitation": "Exploitation",
}
_CSV_ESCAPED = re.compile(r"^'[=+\-@\t\r]")


# -- reading the file ------------------------------------------------------------
def read_table(path: Path) -> list[tuple[int, list]]:
    """``(row number, cells)`` of an XLSX (the sheet holding HTCDS codes in
    row 1) or CSV file; cells are text or None, numbered as a spreadsheet shows
    them."""
    if not path.exists():
        raise NotFound(no_such_file(path))
    if path.is_dir():
        raise InvalidInput(
            Msg("%(file)s: is a directory (an HTCDS case file is .xlsx or .csv)", file=str(path))
        )
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".tsv", ".txt"):
        return _read_csv(path)
    if not suffix:
        raise InvalidInput(
            Msg("%(path)s: an HTCDS case file is .xlsx or .csv (got no extension)", path=str(path))
        )
    raise InvalidInput(
        Msg(
            "%(path)s: an HTCDS case file is .xlsx or .csv (got %(suffix)s)",
            path=str(path),
            suffix=suffix,
        )
    )


def _read_xlsx(path: Path) -> list[tuple[int, list]]:
    """Cell values as text; a formula cell gives its cached result, or an
    :class:`Uncomputed` when the file holds none (written by a script, or
    saved without recalculation) — never a silent empty cell."""
    chosen, rows = _xlsx_rows(path, data_only=False)
    formulas = {
        (n, i): value
        for n, cells in enumerate(rows, start=1)
        for i, (value, kind) in enumerate(cells)
        if kind == "f"
    }
    cached: dict[tuple[int, int], tuple[object, str]] = {}
    if formulas:  # a second pass only for files that hold formulas
        _, results = _xlsx_rows(path, data_only=True, sheet=chosen)
        cached = {
            (n, i): cell
            for n, cells in enumerate(results, start=1)
            for i, cell in enumerate(cells)
            if (n, i) in formulas
        }
    table = []
    for n, cells in enumerate(rows, start=1):
        out = []
        for i, (value, _) in enumerate(cells):
            if (n, i) in formulas:
                out.append(_formula_result(chosen, str(value), *cached.get((n, i), (None, "n"))))
            else:
                out.append(_cell(value))
        table.append((n, out))
    return table


def _formula_result(sheet: str | None, formula: str, result, kind: str):
    """A formula cell's cached result as text; an empty text result (type
    ``str``) is empty; no result, or an error value, is :class:`Uncomputed`."""
    if kind == "e":
        return Uncomputed(sheet, formula, Msg("formula gives an error (%(code)s)", code=result))
    if result is None and kind == "n":  # numeric or unknown type, nothing cached
        return Uncomputed(sheet, formula)
    return _cell(result)


def _xlsx_rows(
    path: Path, *, data_only: bool, sheet: str | None = None
) -> tuple[str | None, list[list[tuple[object, str]]]]:
    """The chosen sheet's name and its rows of (value, openpyxl data type):
    the sheet named ``sheet``, else the one whose row 1 names HTCDS fields
    (IOM's template: Sheet1), else the first one."""
    from zipfile import BadZipFile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except (BadZipFile, InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise InvalidInput(
            Msg(
                "%(file)s: not a readable XLSX workbook (%(problem)s)",
                file=str(path),
                problem=str(exc),
            )
        ) from None
    try:
        sheets = book.worksheets
        if sheet is not None:
            chosen = book[sheet]
        else:
            chosen = next(
                (
                    ws
                    for ws in sheets
                    for first in ws.iter_rows(max_row=1, values_only=True)
                    if any(_cell_names_field(_cell(v)) for v in first)
                ),
                sheets[0] if sheets else None,
            )
        if chosen is None:
            return None, []
        rows = [
            [(c.value, getattr(c, "data_type", "n")) for c in cells] for cells in chosen.iter_rows()
        ]
        return chosen.title, rows
    finally:
        book.close()


@dataclass(frozen=True)
class Uncomputed:
    """An XLSX formula cell whose file holds no computed value: reading it as
    empty would lose the data, so the row that uses it fails."""

    sheet: str | None
    formula: str
    problem: str = Msg("formula without a computed value")

    def error(self, path: Path, number: int, column: str) -> Msg:
        """``casos.xlsx: sheet Sheet1 row 11, column D (prs_FirstName): formula …``
        (not the formula itself: it may hold a value typed into it)."""
        return Msg(
            "%(file)s: sheet %(sheet)s row %(row)s, column %(column)s: %(problem)s — open and "
            "save the file in Excel or LibreOffice (so it computes its formulas), or type the "
            "value",
            file=str(path),
            sheet=self.sheet,
            row=number,
            column=column,
            problem=self.problem,
        )


def _cell_names_field(value: str | None) -> bool:
    return bool(value) and field_for_code(value) is not None


def _read_csv(path: Path) -> list[tuple[int, list]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            Msg(
                "%(path)s: not UTF-8 text (%(reason)s at byte %(byte)s); "
                "save it as 'CSV UTF-8' and load it again",
                path=str(path),
                reason=exc.reason,
                byte=exc.start,
            )
        ) from None
    # Row 1 holds plain field codes: its most frequent separator is the file's
    # (Excel in Spanish locales writes ';').
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(n, [_csv_cell(v) for v in values]) for n, values in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise InvalidInput(
            Msg(
                "%(file)s: row %(row)s: not valid CSV (%(problem)s)",
                file=str(path),
                row=reader.line_num,
                problem=str(exc),
            )
        ) from None


def _csv_cell(value: str) -> str | None:
    # The exporter escapes formula-like text with a leading apostrophe.
    if _CSV_ESCAPED.match(value):
        value = value[1:]
    return _cell(value)


def _cell(value) -> str | None:
    """A cell as text: dates ISO, integral numbers without '.0', booleans
    true/false, empty as None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.replace(tzinfo=None, microsecond=0).isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    text = str(value).strip()
    return text or None


# -- the header ------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    index: int
    letter: str
    code: str | None  # a field code or a gugus_ column; None: not loaded
    ignored: bool = False  # a gugus_ column of another tool: its values are not data


def resolve_columns(path: Path, rows: list[tuple[int, list]]) -> tuple[list[Column], int]:
    """The columns of row 1 and the number of header rows (1, or 2 with the
    labels row).  Unknown columns are an error naming them (with close matches);
    ``gugus_`` columns other than gugus's own are ignored."""
    if not rows:
        raise InvalidInput(
            Msg("%(path)s: the file is empty (row 1 must hold HTCDS field codes)", path=str(path))
        )
    codes_row = rows[0][1]
    for i, head in enumerate(codes_row):
        if isinstance(head, Uncomputed):
            raise InvalidInput(head.error(path, rows[0][0], get_column_letter(i + 1)))
    labels_row = rows[1][1] if len(rows) > 1 and _is_labels_row(rows[1][1]) else None
    if not any(_cell_names_field(v) for v in codes_row) and _is_labels_row(codes_row):
        raise InvalidInput(
            Msg(
                "%(path)s: row 1 holds field labels; it must hold HTCDS field codes "
                "(e.g. prs_FirstName, vic_TraffickingStatus), the labels may follow in row 2",
                path=str(path),
            )
        )
    width = max(len(codes_row), len(labels_row or []))
    columns: list[Column] = []
    unknown: list[str] = []
    seen: dict[str, str] = {}
    for i in range(width):
        letter = get_column_letter(i + 1)
        head = codes_row[i] if i < len(codes_row) else None
        code = _column_code(
            path, letter, head, labels_row[i] if labels_row and i < len(labels_row) else None
        )
        if code is _IGNORED:
            columns.append(Column(i, letter, None, ignored=True))
            continue
        if code is _UNKNOWN:
            hint = close_codes(head or "")
            named = f"{letter} {head!r}"
            unknown.append(
                Msg("%(text)s (did you mean %(close)s?)", text=named, close=alternatives(hint))
                if hint
                else named
            )
            continue
        if code is not None:
            if code in seen:
                raise InvalidInput(
                    Msg(
                        "%(path)s: columns %(first)s and %(second)s both hold %(code)s; keep one",
                        path=str(path),
                        first=seen[code],
                        second=letter,
                        code=code,
                    )
                )
            seen[code] = letter
        columns.append(Column(i, letter, code))
    if unknown:
        raise InvalidInput(
            Msg(
                "%(path)s: unknown column(s) in row 1: %(unknown)s — row 1 must hold "
                "HTCDS 2.0 field codes (see docs/htcds.md); columns starting with gugus_ "
                "are ignored",
                path=str(path),
                unknown=joined(unknown),
            ),
            details=[{"where": str(path), "unknown_columns": unknown}],
        )
    if not any(c.code in FIELDS for c in columns):
        raise InvalidInput(
            Msg(
                "%(path)s: no HTCDS field code in row 1 (e.g. prs_FirstName, vic_TraffickingStatus)",
                path=str(path),
            )
        )
    return columns, 2 if labels_row is not None else 1


_UNKNOWN, _IGNORED = object(), object()


def _column_code(path: Path, letter: str, head: str | None, label: str | None):
    if head:
        if head.strip().casefold().startswith(GUGUS_PREFIX):
            name = head.strip().casefold()
            return name if name in GUGUS_LABELS else _IGNORED
        found = field_for_code(head)
        return found.code if found else _UNKNOWN
    if not label:
        return None  # e.g. the template's row-counter column A
    codes = codes_for_label(label)
    if len(codes) > 1:
        raise InvalidInput(
            Msg(
                "%(file)s: column %(column)s has no field code and its label %(label)r fits "
                "%(codes)s; put the code in row 1",
                file=str(path),
                column=letter,
                label=label,
                codes=", ".join(codes),
            )
        )
    return codes[0] if codes else _UNKNOWN


def _is_labels_row(cells: list) -> bool:
    if any(isinstance(c, Uncomputed) for c in cells):
        return False  # a data row with a formula (reported with its row)
    filled = [c for c in cells if c and not c.casefold().startswith(GUGUS_PREFIX)]
    return bool(filled) and all(codes_for_label(c) for c in filled)


# -- rows ------------------------------------------------------------------------------
@dataclass
class Row:
    """One data row, cleaned: values by field code, what was dropped, gugus columns."""

    number: int
    where: str
    values: dict[str, list[str]] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    dropped: list[dict] = field(default_factory=list)
    written: dict[str, list[str]] = field(default_factory=dict)  # translated picklist values
    gugus_id: str | None = None
    gugus_id_field: str = Msg("field 'id'")  # the gugus_entity_id column, for messages
    roles: set[str] = field(default_factory=set)
    marking: dict | None = None
    error: InvalidInput | None = None

    def first(self, code: str) -> str | None:
        values = self.values.get(code)
        return values[0] if values else None

    def fail(self, message: str) -> None:
        if self.error is None:
            self.error = InvalidInput(message)


@dataclass(frozen=True)
class Context:
    path: Path
    collection: str
    org: str
    country: str | None  # the collection's default country (lower case), for phones
    base: Marking
    today: dt.date


_PHONE_HINTS = {
    "prs_HomePhone": ("prs_MailingCountry", "prs_Citizenship"),
    "prs_MobilePhone": ("prs_MailingCountry", "prs_Citizenship"),
    "org_Phone": ("org_ShippingCountry",),
}


def parse_row(ctx: Context, columns: list[Column], number: int, cells: list) -> Row | None:
    """Clean one data row; None when it is empty.  Values FtM rejects are
    dropped and reported; a bad gugus_ cell makes the row an error."""
    where = Msg("%(source)s: row %(row)s", source=str(ctx.path), row=number)
    row = Row(number, where)
    texts: dict[str, tuple[Column, str]] = {}
    for col in columns:
        value = cells[col.index] if col.index < len(cells) else None
        if value is None:
            continue
        if isinstance(value, Uncomputed):
            if col.code is not None:  # a column without a field is not loaded: nothing lost
                row.fail(value.error(ctx.path, number, f"{col.letter} ({col.code})"))
            continue
        if col.code is None:
            if not (col.ignored or value.isdigit()):  # a row counter (IOM's column A) is not data
                row.fail(
                    Msg(  # not the value: a cell may hold personal data
                        "%(where)s, column %(column)s: a value in a column with no field "
                        "code in row 1",
                        where=where,
                        column=col.letter,
                    )
                )
            continue
        texts[col.code] = (col, value)
    extra = [c for c in cells[len(columns) :] if c is not None and not str(c).isdigit()]
    if extra:
        row.fail(
            Msg(
                "%(where)s: %(cells)s cells but the header has %(width)s columns",
                where=where,
                cells=len(cells),
                width=len(columns),
            )
        )
    if not texts:
        return None if row.error is None else row
    # Countries first: phones without + are read in them.
    order = sorted(
        texts, key=lambda code: FIELDS[code].kind == "phone" if code in FIELDS else False
    )
    for code in order:
        col, text = texts[code]
        if code not in FIELDS:
            _gugus_cell(ctx, row, col, text)
            continue
        f = FIELDS[code]
        row.raw[code] = text
        hints = [c for hint in _PHONE_HINTS.get(code, ()) for c in row.values.get(hint, [])] + (
            [ctx.country] if ctx.country else []
        )
        values, reason = clean_cell(f, text, list(dict.fromkeys(hints)))
        values = [v for v in values if v]
        if values:
            row.values[code] = list(dict.fromkeys(values))
        if f.kind in ("choice", "choices"):
            written = [p for p in choice_parts(f, text) if f.translated(p)]
            if written:
                row.written[code] = list(dict.fromkeys(written))
        if reason:
            row.dropped.append(dropped_value(_cell_where(where, col), code, text, f.kind, reason))
    return row


def _cell_where(where: str, col: Column) -> Msg:
    return Msg(
        "%(where)s, column %(column)s (%(code)s)", where=where, column=col.letter, code=col.code
    )


def _gugus_cell(ctx: Context, row: Row, col: Column, text: str) -> None:
    where = _cell_where(row.where, col)
    if col.code == GUGUS_ID:
        value = text.strip()
        if len(value) > MAX_ID or not valid_entity_id(value):
            row.fail(Msg("%(where)s: not a valid entity id", where=where))
        else:
            row.gugus_id = value
            row.gugus_id_field = Msg(
                "column %(column)s (%(code)s)", column=col.letter, code=col.code
            )
    elif col.code == GUGUS_ROLE:
        for word in re.split(r"[;,|]", text):
            key = _fold(word).replace(" ", "")
            if not key:
                continue
            if key not in ROLE_WORDS:
                row.fail(
                    Msg(  # not the word: a cell may hold personal data
                        "%(where)s: unknown role (allowed: victim, perpetrator)",
                        where=where,
                    )
                )
            else:
                row.roles.add(ROLE_WORDS[key])
    elif col.code == GUGUS_MARKING:
        try:
            data = parse_marking(text, where)
            Marking.from_dict(data, ctx.org, where=where)  # originator and fields checked
            row.marking = data
        except InvalidInput as exc:
            row.fail(exc.message)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def person_id(ctx: Context, row: Row) -> str:
    """Stable id of the row's person before the load loop signs it with the
    organisation's namespace: the gugus_entity_id given (without the
    organisation's own signature, so an export loads back onto the same
    person, case and events; another organisation's id is refused by the load
    loop, :mod:`gugus.ingest.namespace`), else :func:`person_key`."""
    if row.gugus_id:
        return plain_id(ctx.org, row.gugus_id)
    return person_key(ctx.collection, row)


def person_key(collection: str, row: Row) -> str:
    """The id the importer gives a row's person in ``collection``: over the
    identity number, else full name + birth date, else the whole row."""
    number = row.first("prs_IdentityNumber")
    if number:
        return make_entity_id("htcds-person", collection, "id", _fold(number))
    names = [
        _fold(row.first(c) or "") for c in ("prs_FirstName", "prs_MiddleName", "prs_SecondName")
    ]
    birth = row.first("prs_Birthdate")
    if any(names) and birth:
        return make_entity_id("htcds-person", collection, "name", *names, birth)
    content = [f"{code}={row.raw[code]}" for code in sorted(row.raw)]
    return make_entity_id("htcds-person", collection, "row", *content)


# -- entities of a row -------------------------------------------------------------
class _Entities:
    """The entities one row produces, values cleaned once more by FtM (so the
    statement types are FtM's)."""

    def __init__(self, row: Row, marking: dict | None) -> None:
        self.row = row
        self.marking = marking
        self.items: dict[str, ParsedEntity] = {}

    def make(self, entity_id: str, schema: str) -> str:
        if entity_id not in self.items:
            self.items[entity_id] = ParsedEntity(entity_id, schema, self.marking)
        return entity_id

    def add(self, entity_id: str, prop_name: str, value: str | None) -> None:
        if not value:
            return
        parsed = self.items[entity_id]
        prop = model.get(parsed.schema).get(prop_name)
        cleaned = clean_value(prop, value)
        if cleaned is None:
            parsed.dropped.append(dropped_value(self.row.where, prop_name, value, prop.type.name))
            return
        item = (prop.name, prop.type.name, cleaned)
        if item not in parsed.values:
            parsed.values.append(item)

    def fields(self, entity_id: str, pairs: list[tuple[Field, list[str]]]) -> None:
        """Each field's values on its property and/or as ``code: value`` tags."""
        for f, values in pairs:
            for value in values:
                if f.prop is not None:
                    self.add(
                        entity_id, f.prop, GENDER.get(value) if f.code == "prs_Gender" else value
                    )
                if f.tagged:
                    self.add(entity_id, f.tag_prop, make_tag(f.code, value))
            for written in self.row.written.get(f.code, []):  # never lose what was written
                self.add(entity_id, f.tag_prop, make_written(f.code, written))


def _name(rows: list[Row]) -> str | None:
    return next((n for n in (full_name(r) for r in rows) if n), None)


def full_name(row: Row) -> str | None:
    parts = [row.first(c) for c in ("prs_FirstName", "prs_MiddleName", "prs_SecondName")]
    return " ".join(p for p in parts if p) or None


def _address(ents: _Entities, owner: str, pairs: list[tuple[Field, list[str]]]):
    """An Address entity of ``owner`` from its street/city/… fields: (id, full
    text, country) or None when no part is given."""
    if not pairs:
        return None
    parts = {f.prop: values[0] for f, values in pairs}
    country = parts.get("country")
    shown = [parts.get(k) for k in ("street", "city", "state", "postalCode")]
    full = ", ".join(p for p in [*shown, country.upper() if country else None] if p)
    address_id = ents.make(
        make_entity_id("htcds-address", owner, full, parts.get("latitude"), parts.get("longitude")),
        "Address",
    )
    ents.add(address_id, "full", full)
    ents.fields(address_id, pairs)
    return address_id, full, country


def row_entities(ctx: Context, row: Row, pid: str, facts: Facts) -> list[ParsedEntity]:
    ents = _Entities(row, row_marking(ctx, row, facts))
    by_target: dict[str, list[tuple[Field, list[str]]]] = defaultdict(list)
    for code, values in row.values.items():
        by_target[FIELDS[code].target].append((FIELDS[code], values))

    ents.make(pid, "Person")
    ents.items[pid].id_field = row.gugus_id_field
    ents.fields(pid, by_target["person"])
    ents.add(pid, "name", full_name(row))
    for role in sorted(facts.roles):
        ents.add(pid, "classification", role)
    if PERPETRATOR in facts.roles:
        ents.add(pid, "topics", PERPETRATOR_TOPIC)
        labels = dict(
            zip(
                FIELDS["per_RoleInProcess"].values,
                FIELDS["per_RoleInProcess"].value_labels,
                strict=False,
            )
        )
        for value in row.values.get("per_RoleInProcess", []):
            ents.add(pid, "classification", labels.get(value, value))
    mailing = _address(ents, pid, by_target["mailing"])
    if mailing:
        ents.add(pid, "addressEntity", mailing[0])
        ents.add(pid, "address", mailing[1])
        ents.add(pid, "country", mailing[2])

    if by_target["event"] or by_target["place"]:
        _event(ents, row, pid, by_target)
    for code, label in EVENT_NAMES.items():
        for value in row.values.get(code, []):
            eid = ents.make(make_entity_id("htcds-event", pid, code, value), "Event")
            ents.add(eid, "name", f"{label}: {value}")
            ents.add(eid, "location", value)
            ents.add(eid, "involved", pid)
            ents.fields(eid, [(FIELDS[code], [value])])

    if by_target["case"] or by_target["org"] or by_target["org_place"]:
        case_id = ents.make(make_entity_id("htcds-case", pid), "CourtCase")
        ents.add(case_id, "name", f"HTCDS case: {facts.name or pid[:12]}")
        ents.add(case_id, "type", CASE_TYPE)
        ents.fields(case_id, by_target["case"])
        _party(ents, case_id, pid, "; ".join(sorted(facts.roles)) or "person")
        if by_target["org"] or by_target["org_place"]:
            key = _fold(row.first("org_Name") or "") or "|".join(
                f"{c}={row.raw[c]}" for c in sorted(row.raw) if c.startswith("org_")
            )
            oid = ents.make(make_entity_id("htcds-org", ctx.org, key), "Organization")
            ents.fields(oid, by_target["org"])
            place = _address(ents, oid, by_target["org_place"])
            if place:
                ents.add(oid, "addressEntity", place[0])
                ents.add(oid, "address", place[1])
                ents.add(oid, "country", place[2])
            _party(ents, case_id, oid, CASE_ORG_ROLE)

    for name in row.values.get("per_Organisation", []):
        oid = ents.make(make_entity_id("htcds-per-org", ctx.org, _fold(name)), "Organization")
        ents.add(oid, "name", name)
        mid = ents.make(make_entity_id("htcds-member", pid, oid), "Membership")
        ents.add(mid, "member", pid)
        ents.add(mid, "organization", oid)
        ents.add(mid, "role", MEMBER_ROLE)

    items = list(ents.items.values())
    items[0].dropped.extend(row.dropped)
    return items


def _event(ents: _Entities, row: Row, pid: str, by_target) -> None:
    kinds = row.values.get("hte_Type", [])
    place_parts = {f.prop: values[0] for f, values in by_target["place"]}
    eid = ents.make(
        make_entity_id(
            "htcds-event",
            pid,
            *kinds,
            *row.values.get("hte_Date", []),
            *(f"{k}={v}" for k, v in sorted(place_parts.items())),
            *row.values.get("hte_Description", []),
        ),
        "Event",
    )
    place = _address(ents, eid, by_target["place"])
    label = kinds[0] if kinds else "Trafficking event"
    ents.add(eid, "name", f"{label}: {place[1]}" if place and place[1] else label)
    ents.add(eid, "involved", pid)
    ents.fields(eid, by_target["event"])
    if place:
        ents.add(eid, "addressEntity", place[0])
        ents.add(eid, "location", place[1])
        ents.add(eid, "country", place[2])


def _party(ents: _Entities, case_id: str, party: str, role: str) -> None:
    link = ents.make(make_entity_id("htcds-party", case_id, party), "CourtCaseParty")
    ents.add(link, "case", case_id)
    ents.add(link, "party", party)
    ents.add(link, "role", role)


# -- the load ----------------------------------------------------------------------------
def htcds_records(node: Node, path: Path, table: list[tuple[int, list]]):
    """The callable :func:`load_records` runs with the collection row: rows
    cleaned, grouped by person, then one Record per non-empty row."""
    columns, header_rows = resolve_columns(path, table)

    def records(collection) -> list[Record]:
        ctx = Context(
            path=path,
            collection=collection.name,
            org=collection.org,
            country=(collection.country or "").lower() or None,
            base=collection.marking,  # the load loop passes the collection's Marking
            today=clock.today(),
        )
        rows = [
            row
            for number, cells in table[header_rows:]
            if (row := parse_row(ctx, columns, number, cells)) is not None
        ]
        ids = {row.number: person_id(ctx, row) for row in rows}
        groups: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            groups[ids[row.number]].append(row)
        facts = {pid: person_facts(group, ctx.today, _name(group)) for pid, group in groups.items()}
        out = []
        for row in rows:
            rec = Record(row.number, row.where, f"import:{path.name}:{row.number}", error=row.error)
            if rec.error is None:
                pid = ids[row.number]
                try:
                    rec.entities = row_entities(ctx, row, pid, facts[pid])
                except InvalidInput as exc:
                    rec.error = exc
            out.append(rec)
        return out

    return records


def load_htcds(
    node: Node,
    collection: str,
    path: Path,
    *,
    actor: Reader | None = None,
    on_error: str = "abort",
    purpose: str | None = None,
    progress: Callable[[Record], None] | None = None,
) -> Summary:
    """Load an HTCDS 2.0 case file (XLSX or CSV) into a collection, in one
    transaction.  The file and its header are checked before anything is
    written; ``on_error="skip"`` skips bad rows and reports them.

    The summary's ``lines`` counts data rows (not the header and labels rows,
    nor empty or counter-only rows); messages name rows as the sheet numbers
    them."""
    check_on_error(on_error)
    path = Path(path)
    table = read_table(path)
    make = htcds_records(node, path, table)
    made: list[Record] = []

    def records(collection) -> list[Record]:
        made.extend(make(collection))
        return made

    summary = load_records(
        node,
        collection,
        records,
        source=str(path),
        actor=actor,
        on_error=on_error,
        purpose=purpose,
        progress=progress,
    )
    summary.lines = len(made)
    return summary

"""Export what a reader may see of a collection as an IOM HTCDS 2.0 case file.

The layout is IOM's template: row 1 field codes, row 2 labels, one row per
person from row 3 — plus ``gugus_entity_id``, ``gugus_role`` and
``gugus_marking`` columns, so ids and markings travel with the data and a
re-import restores them (:mod:`gugus.ingest.htcds`).  A person with several
values of a one-value field (two trafficking events, two addresses) takes one
more row per extra value, with the same ``gugus_entity_id``.

The exporter reads only :func:`gugus.reads.export_collection` (which audits
the export and yields nothing the reader may not see); it never queries the
store.  The file is written beside the target and renamed, so a failed export
leaves no partial file.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from followthemoney import model

from gugus.access import Reader
from gugus.errors import InvalidInput
from gugus.ingest.htcds_fields import (
    FIELDS,
    GENDER,
    GENDER_BACK,
    GUGUS_ID,
    GUGUS_LABELS,
    GUGUS_MARKING,
    GUGUS_ROLE,
    PERPETRATOR,
    PRIMARY,
    TARGET_SCHEMA,
    TEMPLATE_COLUMNS,
    VICTIM,
    Field,
    read_tag,
    render_marking,
)
from gugus.model.markings import Marking, combine
from gugus.node import Node
from gugus.reads import export_collection

__all__ = ["FORMATS", "export_htcds"]

FORMATS = ("xlsx", "csv")
_NUMBERISH = re.compile(r"^[+-]?[\d\s().]*\d[\d\s().]*$")
_FORMULA_START = re.compile(r"^(['][=+\-@\t\r]|[=@\t\r]|[+-])")


@dataclass
class _Entity:
    id: str
    schema: str
    values: dict[str, dict[str, Marking]] = field(default_factory=dict)  # prop → value → marking
    markings: list[Marking] = field(default_factory=list)  # one per export line

    def get(self, prop: str) -> list[str]:
        return list(self.values.get(prop, {}))

    def is_a(self, schema: str) -> bool:
        return _is_a(self.schema, schema)


@cache
def _is_a(schema: str, parent: str) -> bool:
    found = model.get(schema)
    return found is not None and found.is_a(parent)


@cache
def _fields_of(targets: tuple[str, ...]) -> tuple[Field, ...]:
    return tuple(f for f in FIELDS.values() if f.target in targets)


@cache
def _siblings(code: str) -> tuple[Field, ...]:
    """Other fields kept on the same property of the same entity."""
    f = FIELDS[code]
    return tuple(
        g
        for g in FIELDS.values()
        if g.target == f.target and g.prop == f.prop and g.tag and g is not f
    )


def _entities(lines: Iterable[str]) -> dict[str, _Entity]:
    """Export lines (one per entity and marking) merged by entity."""
    out: dict[str, _Entity] = {}
    for line in lines:
        data = json.loads(line)
        marking = Marking.from_dict(data["marking"], data["marking"].get("originator"))
        ent = out.setdefault(data["id"], _Entity(data["id"], data["schema"]))
        if data["schema"] != ent.schema and model.get(data["schema"]).is_a(ent.schema):
            ent.schema = data["schema"]
        ent.markings.append(marking)
        for prop, values in (data.get("properties") or {}).items():
            slot = ent.values.setdefault(prop, {})
            for value in values:
                slot.setdefault(value, marking)
    return out


# -- one entity's fields -----------------------------------------------------------
Unit = dict[str, tuple[str, list[Marking]]]  # code → (cell text, markings of its values)


def _field_values(ent: _Entity, f: Field, siblings: list[Field]) -> list[tuple[str, Marking]]:
    """Values of one field on its entity: its tags, its own property, or (for
    a property shared with other fields) the values no tag claims."""
    out: list[tuple[str, Marking]] = []
    if f.tagged:
        for text, marking in ent.values.get(f.tag_prop, {}).items():
            tag = read_tag(text)
            if tag and tag[0] == f.code:
                out.append((tag[1], marking))
        if out or f.prop is None:
            return out
    values = ent.values.get(f.prop, {})
    if f.tag:
        if PRIMARY.get(f.prop, "prs_Gender") != f.code:
            return []
        claimed = set()
        for other in siblings:
            for text in ent.values.get(other.tag_prop, {}):
                tag = read_tag(text)
                if tag and tag[0] == other.code:
                    claimed.add(GENDER.get(tag[1]) if other.code == "prs_Gender" else tag[1])
        if f.code == "prs_Gender":
            return [
                (GENDER_BACK[v], m)
                for v, m in values.items()
                if v in GENDER_BACK and v not in claimed
            ]
        return [(v, m) for v, m in values.items() if v not in claimed]
    if not values and f.code in _FALLBACK:
        prop, unless = _FALLBACK[f.code]
        if not any(ent.values.get(p) for p in unless):
            values = ent.values.get(prop, {})
    if f.kind in ("country", "countries"):
        return [(v.upper(), m) for v, m in values.items()]
    return list(values.items())


# People loaded from other sources: a whole name goes where Salesforce puts an
# unsplit name (LastName, the one required name field); nationality stands in
# for citizenship.  Field → (property, unless the entity has any of these).
_FALLBACK = {
    "prs_SecondName": ("name", ("firstName", "middleName", "lastName")),
    "prs_Citizenship": ("nationality", ()),
}


def _units(ents: list[_Entity], target_groups: list[str]) -> list[Unit]:
    """Rows' worth of fields from entities: the k-th value of each field goes
    to the k-th unit; a multi-select field's values are joined in the first."""
    fields = _fields_of(tuple(target_groups))
    collected: dict[str, list[tuple[str, Marking]]] = defaultdict(list)
    markings: list[Marking] = []
    for ent in ents:
        markings.extend(ent.markings)
        for f in fields:
            if not ent.is_a(TARGET_SCHEMA[f.target]):
                continue
            collected[f.code].extend(_field_values(ent, f, _siblings(f.code)))
    units: list[Unit] = []
    for code, values in collected.items():
        if not values:
            continue
        if FIELDS[code].multi:
            values = [(";".join(v for v, _ in values), combine(m for _, m in values))]
        for k, (text, marking) in enumerate(values):
            while len(units) <= k:
                units.append({})
            units[k][code] = (text, [marking, *markings])
    return units


# -- people and what hangs on them ------------------------------------------------------
class _Graph:
    """Which units of fields belong to which person, found through the links
    the importer makes (addressEntity, involved, CourtCaseParty, Membership)."""

    def __init__(self, entities: dict[str, _Entity]) -> None:
        self.entities = entities
        self.used: set[str] = set()
        # person id → (order, entity id, units): packed into rows in that order
        self.parts: dict[str, list[tuple[int, str, list[Unit]]]] = defaultdict(list)
        self.parties: dict[str, list[_Entity]] = defaultdict(list)

    def ref(self, ids: list[str], schema: str) -> list[_Entity]:
        found = [self.entities[i] for i in ids if i in self.entities]
        found = [e for e in found if e.is_a(schema)]
        self.used.update(e.id for e in found)
        return found

    def add(self, person: str, order: int, source: _Entity, units: list[Unit]) -> None:
        """Units for a person; a visible entity that is not a Person has no row."""
        target = self.entities.get(person)
        if target is not None and not target.is_a("Person"):
            return
        self.used.add(source.id)
        self.parts[person].append((order, source.id, units))

    def build(self) -> None:
        for ent in self.entities.values():
            if ent.is_a("CourtCaseParty"):
                for case in ent.get("case"):
                    self.parties[case].append(ent)
        for ent in self.entities.values():
            if ent.is_a("Person"):
                units = _units([ent], ["person"]) or [{}]
                units[0].update(self._role(ent))
                self.add(ent.id, 0, ent, units)
                for address in self.ref(ent.get("addressEntity"), "Address"):
                    self.add(ent.id, 1, address, _units([address], ["mailing"]))
            elif ent.is_a("Event"):
                self._event(ent)
            elif ent.is_a("CourtCaseParty"):
                self._party(ent)
            elif ent.is_a("Membership"):
                orgs = self.ref(ent.get("organization"), "Organization")
                units = [
                    {"per_Organisation": (n, [*ent.markings, *o.markings])}
                    for o in orgs
                    for n in o.get("name")
                ]
                for member in ent.get("member"):
                    self.add(member, 5, ent, units)

    def _role(self, person: _Entity) -> Unit:
        roles = [r for r in (VICTIM, PERPETRATOR) if r in person.get("classification")]
        if not roles:
            return {}
        marks = [person.values["classification"][r] for r in roles]
        return {GUGUS_ROLE: (";".join(roles), marks)}

    def _event(self, ent: _Entity) -> None:
        tags = [read_tag(t) for t in ent.get("keywords")]
        if any(t and FIELDS[t[0]].target == "vic_event" for t in tags):
            order, units = 3, _units([ent], ["vic_event"])
        else:
            places = self.ref(ent.get("addressEntity"), "Address")
            order, units = 2, _units([ent, *places], ["event", "place"])
        for person in ent.get("involved"):
            self.add(person, order, ent, units)

    def _party(self, link: _Entity) -> None:
        for case in self.ref(link.get("case"), "CourtCase"):
            for party in link.get("party"):
                target = self.entities.get(party)
                if target is not None and target.is_a("Organization"):
                    continue  # an organisation comes with the case of a person
                units = _units([case], ["case"])
                for other in self.parties.get(case.id, []):
                    for org in self.ref(other.get("party"), "Organization"):
                        self.used.add(other.id)
                        places = self.ref(org.get("addressEntity"), "Address")
                        units = _pack(units, _units([org, *places], ["org", "org_place"]))
                self.add(party, 4, link, units)

    def rows(self) -> list[tuple[str, list[Unit]]]:
        out = []
        for pid in sorted(self.parts):
            slots: list[Unit] = []
            for _order, _eid, units in sorted(self.parts[pid], key=lambda p: (p[0], p[1])):
                slots = _pack(slots, units)
            out.append((pid, slots or [{}]))
        return out


def _pack(slots: list[Unit], units: list[Unit]) -> list[Unit]:
    """Place an entity's units in the first rows where none of their fields
    is taken yet, keeping them in consecutive rows (one entity's k-th values
    stay together)."""
    start = 0
    while any(
        start + j < len(slots) and set(slots[start + j]) & set(unit) for j, unit in enumerate(units)
    ):
        start += 1
    slots = [dict(s) for s in slots]
    for j, unit in enumerate(units):
        while len(slots) <= start + j:
            slots.append({})
        slots[start + j].update(unit)
    return slots


def _rows(graph: _Graph) -> list[dict[str, tuple[str, list[Marking]]]]:
    rows = []
    for pid, slots in graph.rows():
        person = graph.entities.get(pid)
        for slot in slots:
            row = dict(slot)
            marks = [m for _, ms in row.values() for m in ms]
            if person is not None:
                marks.extend(person.markings)
            marking = combine(marks)
            row[GUGUS_ID] = (pid, [])
            row[GUGUS_MARKING] = (render_marking(marking) if marking else "", [marking])
            rows.append(row)
    return rows


# -- writing ------------------------------------------------------------------------
def _columns(rows: list[dict]) -> list[str]:
    used = {code for row in rows for code in row}
    extra = [c for c in FIELDS if c in used and c not in TEMPLATE_COLUMNS]
    return [*TEMPLATE_COLUMNS, *extra, GUGUS_ID, GUGUS_ROLE, GUGUS_MARKING]


def _label(code: str) -> str:
    return FIELDS[code].label if code in FIELDS else GUGUS_LABELS[code]


def _csv_safe(text: str) -> str:
    """Text a spreadsheet will not run as a formula (OWASP CSV injection):
    a leading = @ tab CR, or + - not starting a number, gets an apostrophe
    (the importer removes it)."""
    match = _FORMULA_START.match(text)
    if match and not (match.group(0) in "+-" and _NUMBERISH.match(text)):
        return "'" + text
    return text


def _write_csv(path: Path, table: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        for values in table:
            writer.writerow([_csv_safe(v) for v in values])


def _write_xlsx(path: Path, table: list[list[str]]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet("HTCDS")
    for values in table:
        cells: list = []
        for value in values:
            text = ILLEGAL_CHARACTERS_RE.sub("", value) or None
            if text and (text.startswith("=") or text in ERROR_CODES):
                cell = WriteOnlyCell(sheet, value=text)
                cell.data_type = "s"  # text, never a formula or an error code
                text = cell
            cells.append(text)
        sheet.append(cells)
    book.save(path)


def export_htcds(
    node: Node,
    reader: Reader,
    collection: str,
    out: Path,
    *,
    fmt: str = "xlsx",
    purpose: str | None = None,
) -> dict:
    """Write what ``reader`` may see of ``collection`` as an HTCDS case file;
    returns a summary (rows, persons, entities left out, the file's marking)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"--format: {fmt!r} is not an HTCDS format (allowed: xlsx, csv)")
    out = Path(out)
    lines = export_collection(node, reader, collection, purpose=purpose, fmt=f"htcds-{fmt}")
    graph = _Graph(_entities(lines))
    graph.build()
    rows = _rows(graph)
    columns = _columns(rows)
    table = [columns, [_label(c) for c in columns]]
    table += [[row[c][0] if c in row else "" for c in columns] for row in rows]
    # What the file must be handled as: the most restrictive of its rows.
    everything = combine(m for row in rows for m in row[GUGUS_MARKING][1] if m)
    tmp = out.with_name(out.name + ".part")
    try:
        (_write_xlsx if fmt == "xlsx" else _write_csv)(tmp, table)
        tmp.replace(out)
    except OSError as exc:
        raise InvalidInput(f"{out}: cannot write ({exc.strerror or exc})") from None
    finally:
        tmp.unlink(missing_ok=True)
    return {
        "collection": collection,
        "path": str(out),
        "format": fmt,
        "rows": len(rows),
        "persons": len(graph.parts),
        "entities": len(graph.entities),
        "left_out": len(set(graph.entities) - graph.used),
        "marking": everything.to_dict() if everything else None,
        "marking_label": render_marking(everything) if everything else None,
    }

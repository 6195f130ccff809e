"""Findings of the mapped-import review: values that vanished or loaded wrong."""

from __future__ import annotations

import datetime as dt
import unicodedata

import openpyxl
import pytest
from followthemoney.util import make_entity_id
from test_mapped_load import count, person, setup, statement, write_mapping

from gugus.errors import InvalidInput
from gugus.ingest.mapped import load_mapped
from gugus.ingest.mapping import Mapping, fix_century, parse_amount

WHERE = "t.csv: line 2"


def make(text: str) -> Mapping:
    import textwrap

    import yaml

    return Mapping(yaml.safe_load(textwrap.dedent(text)), "t.yml")


def values(entity) -> dict:
    out: dict = {}
    for prop, _t, value in entity.values:
        out.setdefault(prop, []).append(value)
    return out


# -- 1. rows whose keys are empty ---------------------------------------------------------
def test_entity_without_key_but_with_values_is_counted(sqlite_node, tmp_path):
    setup(sqlite_node)
    data = tmp_path / "folios.csv"
    data.write_text(
        "expediente,folio,nombre,teléfono,nota\n"
        "E-1,A1,Ana Ríos,5512345678,x\n"
        "E-1,,Beto Sin Folio,5587654321,\n"
        "E-2,   ,,,solo una nota\n"
        "E-2,TOTAL,,,\n",
        encoding="utf-8",
    )
    mapping = write_mapping(
        tmp_path,
        """
        entities:
          p: {schema: Person, keys: [folio], key_literal: folios,
              properties: {name: nombre, phone: teléfono}}
          caso: {schema: Event, keys: [expediente], properties: {name: expediente}}
        """,
    )
    summary = load_mapped(sqlite_node, "fgr", data, mapping)
    # Per row the case, plus a person from A1 and one (empty) from TOTAL; Beto
    # is counted, the row whose other cells are unmapped is silent.
    assert summary.entities == 6
    assert statement(sqlite_node, "fgr", make_entity_id("fgr", "folios", "A1"), "name", "Ana Ríos")
    assert summary.dropped == 1
    [drop] = summary.dropped_values
    assert drop["where"] == f"{data}: line 3: entity 'p'"
    assert drop["reason"] == "p (Person) not made: key columns empty ('folio'); 2 values not loaded"


def test_row_making_no_entity_is_counted_by_the_load(sqlite_node, tmp_path):
    setup(sqlite_node)
    data = tmp_path / "nofolio.csv"
    data.write_text("folio,nombre\nA1,Ana Ríos\n,Carla Sin Folio\n", encoding="utf-8")
    mapping = write_mapping(
        tmp_path, "entities:\n  p: {schema: Person, keys: [folio], properties: {name: nombre}}\n"
    )
    summary = load_mapped(sqlite_node, "fgr", data, mapping)
    assert (summary.entities, summary.dropped) == (1, 1)
    assert summary.dropped_values[0]["where"].endswith("nofolio.csv: line 3: entity 'p'")


def test_row_making_no_entity_carries_its_drops():
    mapping = make(
        """
        entities:
          p: {schema: Person, keys: [folio], properties: {name: nombre}}
        """
    )
    entities = mapping.map_row({"folio": " ", "nombre": "Carla"}, WHERE, "c")
    assert list(entities) == []
    [drop] = entities.dropped
    assert "key columns empty ('folio'); 1 values not loaded" in drop["reason"]
    assert mapping.map_row({"folio": "", "nombre": ""}, WHERE, "c").dropped == []


# -- 2. filters ---------------------------------------------------------------------------
def test_filters_ignore_case_accents_and_spaces():
    mapping = make(
        """
        entities:
          v:
            schema: Person
            keys: [id]
            filter: {rol: Víctima}
            properties: {topics: {literal: crime.traffick}}
          o:
            schema: Person
            keys: [id]
            filter_not: {rol: [víctima]}
        """
    )
    for written in ("VÍCTIMA", "Víctima ", "victima", " VICTIMA", "vi\u0301ctima"):
        entities = mapping.map_row({"id": "1", "rol": written}, WHERE, "c")
        assert [e.schema for e in entities] == ["Person"], written
        assert values(entities[0]) == {"topics": ["crime.traffick"]}
    assert len(mapping.map_row({"id": "1", "rol": "Tratante"}, WHERE, "c")) == 1
    assert values(mapping.map_row({"id": "1", "rol": "Tratante"}, WHERE, "c")[0]) == {}


# -- 3. identifiers Excel rounded -----------------------------------------------------------
ACCOUNTS = """
entities:
  c: {schema: BankAccount, keys: [k], properties: {accountNumber: cuenta}}
  p: {schema: Person, keys: [k], properties: {phone: tel}}
"""


@pytest.mark.parametrize("cell", [72180012345678900.0, 1.2345678901234567e18, 5512345678.5])
def test_number_cell_that_lost_digits_is_a_row_error(cell):
    mapping = make(ACCOUNTS)
    with pytest.raises(InvalidInput, match="column 'cuenta'.*digits lost — format the column"):
        mapping.map_row({"k": "1", "cuenta": cell}, WHERE, "c")


@pytest.mark.parametrize("text", ["7.2180012345679E+17", "5.51235E+09", "2E+16"])
def test_scientific_notation_text_is_a_row_error(text):
    mapping = make(ACCOUNTS)
    for column in ("cuenta", "tel"):
        with pytest.raises(InvalidInput, match=f"column '{column}'.*stored as a number"):
            mapping.map_row({"k": "1", column: text}, WHERE, "c", "MX")


def test_exact_number_cells_still_load():
    mapping = make(ACCOUNTS)
    account, owner = mapping.map_row(
        {"k": "1", "cuenta": 1234567890.0, "tel": 5512345678.0}, WHERE, "c", "MX"
    )
    assert values(account) == {"accountNumber": ["1234567890"]}
    assert values(owner) == {"phone": ["+525512345678"]}
    # Text that merely contains an e is no number.
    account, _ = mapping.map_row({"k": "1", "cuenta": "ES12E3"}, WHERE, "c")
    assert values(account) == {"accountNumber": ["ES12E3"]}


def test_xlsx_rounded_account_aborts_the_load(sqlite_node, tmp_path):
    setup(sqlite_node)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["k", "cuenta", "tel"])
    sheet.append(["1", "012180001234567890", "5512345678"])
    sheet.append(["2", 72180012345678900.0, None])
    book.save(tmp_path / "cuentas.xlsx")
    with pytest.raises(InvalidInput, match=r"row 3: column 'cuenta'.*format the column as text"):
        load_mapped(
            sqlite_node, "fgr", tmp_path / "cuentas.xlsx", write_mapping(tmp_path, ACCOUNTS)
        )
    assert count(sqlite_node) == 0


# -- 4. UTF-8 declared as a single-byte encoding -------------------------------------------
@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "iso-8859-15"])
def test_utf8_file_declared_single_byte_fails_at_open(sqlite_node, tmp_path, encoding):
    setup(sqlite_node)
    data = tmp_path / "nombres.csv"
    data.write_text("id,nombre\n1,JOSÉ PEÑA\n2,MARÍA NÚÑEZ\n", encoding="utf-8")
    mapping = write_mapping(
        tmp_path,
        f"""
        encoding: {encoding}
        entities:
          p: {{schema: Person, keys: [id], properties: {{name: nombre}}}}
        """,
    )
    with pytest.raises(InvalidInput, match=f"{data}: .*is UTF-8 text.*`encoding: utf-8`"):
        load_mapped(sqlite_node, "fgr", data, mapping)
    # The same names really in Latin-1 load.
    data.write_text("id,nombre\n1,JOSÉ PEÑA\n", encoding="latin-1")
    load_mapped(sqlite_node, "fgr", data, mapping)
    assert statement(sqlite_node, "fgr", person("1"), "name", "JOSÉ PEÑA") is not None


# -- 5. phones and countries -------------------------------------------------------------------
PHONES = """
country: MX
entities:
  p:
    schema: Person
    keys: [id]
    properties:
      phone: {column: tel, country_column: pais}
      nationality: pais
"""


@pytest.mark.parametrize(
    ("pais", "tel", "expected"),
    [
        ("Guatemalteco", "962 123 4567", "+529621234567"),  # invalid in GT: read in MX
        ("Guatemala", "5123 4567", "+50251234567"),
        ("", "+52 1 55 8765 4321", "+525587654321"),
        ("México", "044 55 2222 3333", "+525522223333"),
        ("Mexicana", "045 33 1234 5678", "+523312345678"),
        ("EUA", "(202) 555-0143", "+12025550143"),
    ],
)
def test_phone_country_chain_and_old_mexican_prefixes(pais, tel, expected):
    [entity] = make(PHONES).map_row({"id": "1", "tel": tel, "pais": pais}, WHERE, "c", "US")
    assert values(entity)["phone"] == [expected]


def test_phone_invalid_everywhere_names_the_countries_tried():
    [entity] = make(PHONES).map_row({"id": "1", "tel": "12", "pais": "Hondureña"}, WHERE, "c", "US")
    assert entity.dropped[0]["reason"] == "not a valid phone number in HN, MX, US"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Hondureña", "hn"),
        ("guatemalteco", "gt"),
        ("Salvadoreña", "sv"),
        ("EE. UU.", "us"),
        ("Estados Unidos", "us"),
        ("EUA", "us"),
        ("Mexicana", "mx"),
    ],
)
def test_demonyms_and_aliases_are_countries(written, code):
    [entity] = make(PHONES).map_row({"id": "1", "pais": written}, WHERE, "c")
    assert values(entity) == {"nationality": [code]}
    assert entity.dropped == []


# -- 6. two-digit years ------------------------------------------------------------------------
def test_two_digit_year_in_the_future_moves_back_a_century():
    mapping = make(
        """
        entities:
          p:
            schema: Person
            keys: [id]
            properties:
              birthDate: {column: nac, format: "%d/%m/%y"}
              deathDate: {column: def, format: "%d/%m/%y"}
          e:
            schema: Event
            keys: [id]
            properties: {date: {column: fecha, format: "%d/%m/%y"}}
        """
    )
    row = {"id": "1", "nac": "15/03/65", "def": "01/01/05", "fecha": "15/03/65"}
    person_, event = mapping.map_row(row, WHERE, "c")
    assert values(person_) == {"birthDate": ["1965-03-15"], "deathDate": ["2005-01-01"]}
    assert values(event) == {"date": ["1965-03-15"]}
    today = dt.date(2026, 11, 30)
    assert fix_century("2027-01-05", life_event=False, today=today) == "2027-01-05"  # next year
    assert fix_century("2027-01-05", life_event=True, today=today) == "1927-01-05"
    assert fix_century("2026-12-01", life_event=True, today=today) == "1926-12-01"
    assert fix_century("2026-11-30", life_event=True, today=today) == "2026-11-30"
    assert fix_century("2028", life_event=False, today=today) == "1928"


# -- 7. amounts --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "decimal", "expected"),
    [
        ("$1,234.50", ".", "1234.50"),
        ("1.234,50", ".", "1234.50"),
        ("MXN 1 234,50", ".", "1234.50"),
        ("(1,234.50)", ".", "-1234.50"),
        ("-350.00", ".", "-350.00"),
        ("12,500.00 USD", ".", "12500.00"),
        ("1,234", ".", "1234"),
        ("1,234", ",", "1.234"),
        ("1.234", ",", "1234"),
        ("1.234.567", ".", "1234567"),
        ("12,5", ".", "12.5"),
        ("€ 7", ".", "7"),
        ("350-", ".", "-350"),
    ],
)
def test_amounts_are_normalised(written, decimal, expected):
    assert parse_amount(written, decimal) == expected


@pytest.mark.parametrize("written", ["TOTAL", "abc", "N/A", "1.2.3,4,5", "12,34,5", "--", "$"])
def test_text_that_is_no_amount(written):
    assert parse_amount(written) is None


def test_amount_property_normalises_and_drops(sqlite_node, tmp_path):
    setup(sqlite_node)
    data = tmp_path / "pagos.csv"
    data.write_text("tx;monto\nT1;1.234,50\nT2;TOTAL\nT3;7,5\n", encoding="utf-8")
    mapping = write_mapping(
        tmp_path,
        """
        decimal: ","
        entities:
          t: {schema: Payment, keys: [tx], properties: {amount: monto}}
        """,
    )
    summary = load_mapped(sqlite_node, "fgr", data, mapping)
    assert summary.dropped == 1
    assert summary.dropped_values[0]["value"] == "TOTAL"
    assert summary.dropped_values[0]["reason"] == "not a number"
    t1, t2 = make_entity_id("fgr", "Payment", "T1"), make_entity_id("fgr", "Payment", "T2")
    assert statement(sqlite_node, "fgr", t1, "amount", "1234.50") is not None
    assert statement(sqlite_node, "fgr", t2, "amount", "TOTAL") is None


def test_decimal_option_only_for_numbers():
    with pytest.raises(InvalidInput, match="properties.name.decimal: only number properties"):
        make(
            "entities: {p: {schema: Person, keys: [id], properties: {name: {column: n, decimal: ','}}}}"
        )
    with pytest.raises(InvalidInput, match="decimal: ';': the decimal mark"):
        make("decimal: ';'\nentities: {p: {schema: Person, keys: [id]}}")


# -- 8. required links ---------------------------------------------------------------------------
def test_link_missing_a_required_end_is_not_made():
    mapping = make(
        """
        entities:
          victima: {schema: Person, keys: [id]}
          reclutador: {schema: Person, keys: [reclutador_id]}
          vinculo:
            schema: UnknownLink
            keys: [id, reclutador_id]
            properties:
              subject: {entity: reclutador}
              object: {entity: victima}
              role: {literal: reclutador}
        """
    )
    both = mapping.map_row({"id": "1", "reclutador_id": "9"}, WHERE, "c")
    assert [e.schema for e in both] == ["Person", "Person", "UnknownLink"]
    one = mapping.map_row({"id": "3", "reclutador_id": ""}, WHERE, "c")
    assert [e.schema for e in one] == ["Person"]
    [drop] = one[0].dropped
    assert drop["where"] == f"{WHERE}: entity 'vinculo'"
    assert drop["reason"] == "vinculo (UnknownLink) not made: required property subject empty"


def test_payment_without_payer_is_kept():
    mapping = make(
        """
        entities:
          a: {schema: Person, keys: [a]}
          pay: {schema: Payment, keys: [tx], properties: {payer: {entity: a}, amount: m}}
        """
    )
    [payment] = mapping.map_row({"a": "", "tx": "T", "m": "5"}, WHERE, "c")
    assert values(payment) == {"amount": ["5"]}


# -- 9. decomposed headers -------------------------------------------------------------------------
def test_nfd_header_matches_nfc_mapping(sqlite_node, tmp_path):
    setup(sqlite_node)
    header = unicodedata.normalize("NFD", "Número,Correo electrónico\n")
    data = tmp_path / "nfd.csv"
    data.write_text(header + "7,ana@example.org\n", encoding="utf-8")
    mapping = write_mapping(
        tmp_path,
        """
        entities:
          p: {schema: Person, keys: [Número], properties: {email: Correo electrónico}}
        """,
    )
    summary = load_mapped(sqlite_node, "fgr", data, mapping)
    assert summary.entities == 1
    assert statement(sqlite_node, "fgr", person("7"), "email", "ana@example.org") is not None

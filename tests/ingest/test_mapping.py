"""The mapping spec: validation messages, and row → entities (pure, no store)."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import textwrap
from pathlib import Path

import pytest
from followthemoney.util import make_entity_id

from gugus.errors import InvalidInput, NotFound
from gugus.ingest.mapping import Mapping, cell_texts, load_mapping
from gugus.ingest.tabular import CellError

FIXTURES = Path(__file__).parent / "fixtures" / "mapping"
WHERE = "t.csv: line 7"


@pytest.fixture
def write(tmp_path):
    def write(text: str, name: str = "m.yml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def make(write):
    def make(text: str) -> Mapping:
        return load_mapping(write(text))

    return make


def person_id(value: str, collection: str = "fgr", literal: str = "Person") -> str:
    return make_entity_id(collection, literal, value)


def values_of(entity) -> dict:
    out: dict = {}
    for prop, _type, value in entity.values:
        out.setdefault(prop, []).append(value)
    return out


# -- the example mapping ------------------------------------------------------------------
EXAMPLE_ROW = {
    "tx_id": "T1",
    "sender_id": "S1",
    "full_name": "  José Luis   Pérez Gómez ",
    "alias1": "El Güero",
    "alias2": "",
    "given": "José Luis",
    "dob": "01/05/1990",
    "tel": "55 1234 5678",
    "country": "México",
    "nat": "mx",
    "email": "JL.Perez@Example.com",
    "first": "José Luis",
    "last": "Pérez",
    "city": "Tapachula",
    "tags": "coyote; transport;;",
    "receiver_id": "R1",
    "receiver_name": "María José Ramírez",
    "receiver_tel": "2345 6789",
    "role": "victim",
    "amount": "1500.50",
    "currency": "MXN",
    "date": "2021-02-03",
}


def test_example_mapping_row_to_entities():
    mapping = load_mapping(FIXTURES / "payments.yml")
    row = dict(EXAMPLE_ROW, country="Guatemala", tel="5555 1234")
    sender, receiver, victim, payment = mapping.map_row(row, WHERE, "fgr", None)
    assert sender.entity_id == person_id("S1")
    assert receiver.entity_id == victim.entity_id == person_id("R1")
    assert payment.entity_id == make_entity_id("fgr", "Payment", "T1")
    assert (sender.schema, payment.schema) == ("Person", "Payment")
    assert values_of(sender) == {
        "name": ["José Luis Pérez Gómez"],
        "alias": ["El Güero"],
        "firstName": ["José Luis"],
        "birthDate": ["1990-05-01"],
        "phone": ["+50255551234"],  # read in the row's country, Guatemala
        "nationality": ["mx"],
        "email": ["JL.Perez@example.com"],
        "notes": ["José Luis Pérez (Tapachula)"],
        "topics": ["crime.traffick.human"],
        "keywords": ["coyote", "transport"],
    }
    assert values_of(payment) == {
        "payer": [sender.entity_id],
        "beneficiary": [receiver.entity_id],
        "amount": ["1500.50"],
        "currency": ["MXN"],
        "date": ["2021-02-03"],  # the second of the two formats
    }
    # The receiver's 8-digit number is Guatemalan too (the row's country).
    assert values_of(receiver)["phone"] == ["+50223456789"]
    assert sender.marking is None and payment.marking is None
    assert victim.marking["tlp"] == "amber+strict"
    assert victim.marking["handling"] == ["H1", "H2"]
    assert all(not e.dropped for e in (sender, receiver, victim, payment))


def test_filter_excludes_the_entity_and_links_only_to_what_exists():
    mapping = load_mapping(FIXTURES / "payments.yml")
    row = dict(EXAMPLE_ROW, role="Witness", sender_id="")
    entities = mapping.map_row(row, WHERE, "fgr", None)
    assert [e.schema for e in entities] == ["Person", "Payment"]  # no sender, no victim
    assert "payer" not in values_of(entities[1])
    assert values_of(entities[1])["beneficiary"] == [person_id("R1")]


# -- phones and the country they are read in --------------------------------------------
PHONES = """
    entities:
      p:
        schema: Person
        keys: [id]
        properties:
          phone: {column: tel, country_column: country}
"""


@pytest.mark.parametrize(
    ("tel", "country", "mapping_country", "collection_country", "expected", "reason"),
    [
        ("55 1234 5678", "MX", None, None, "+525512345678", None),
        ("55 1234 5678", "", None, "mx", "+525512345678", None),  # the collection's
        ("55 1234 5678", "Narnia", None, "MX", "+525512345678", None),  # no country: default
        ("5555 1234", "Guatemala", "MX", "MX", "+50255551234", None),  # the row's wins
        ("5555 1234", "", "GT", "MX", "+50255551234", None),  # the mapping's over the collection's
        ("+1 202 555 0143", "MX", None, None, "+12025550143", None),  # international as given
        ("55 1234 5678", "", None, None, None, "no +country prefix"),
        ("12", "MX", None, None, None, "not a valid phone number in MX"),
    ],
)
def test_phone_without_prefix_uses_row_then_mapping_then_collection_country(
    make, tel, country, mapping_country, collection_country, expected, reason
):
    text = textwrap.dedent(PHONES)
    text = text if mapping_country is None else f"country: {mapping_country}\n" + text
    mapping = make(text)
    [entity] = mapping.map_row(
        {"id": "1", "tel": tel, "country": country}, WHERE, "c", collection_country
    )
    if expected:
        assert values_of(entity) == {"phone": [expected]}
        assert entity.dropped == []
        return
    assert entity.values == []
    [drop] = entity.dropped
    assert drop["where"] == "t.csv: line 7: column 'tel'"
    assert (drop["property"], drop["value"], drop["type"], drop["column"]) == (
        "phone",
        tel,
        "phone",
        "tel",
    )
    assert reason in drop["reason"]


def test_property_country_hint(make):
    mapping = make(
        """
        country: MX
        entities:
          p:
            schema: Person
            keys: [id]
            properties:
              phone: {column: tel, country: US}
        """
    )
    [entity] = mapping.map_row({"id": "1", "tel": "(202) 555-0143"}, WHERE, "c", "MX")
    assert values_of(entity) == {"phone": ["+12025550143"]}


# -- dropped values and row errors -----------------------------------------------------------
def test_rejected_values_are_dropped_and_counted(make):
    mapping = make(
        """
        entities:
          p:
            schema: Person
            keys: [id]
            properties:
              email: {columns: [mail1, mail2]}
              nationality: nat
              birthDate: dob
        """
    )
    row = {
        "id": "1",
        "mail1": "no-at-sign",
        "mail2": "ana@example.org",
        "nat": "Atlantis",
        "dob": "01/05/1990",
    }
    [entity] = mapping.map_row(row, WHERE, "c")
    assert values_of(entity) == {"email": ["ana@example.org"]}
    assert [(d["column"], d["value"], d["reason"]) for d in entity.dropped] == [
        ("mail1", "no-at-sign", "not a valid email"),
        ("nat", "Atlantis", "not a valid country"),
        ("dob", "01/05/1990", "not a valid date"),  # no format given: FtM reads ISO only
    ]


DATES = """
    entities:
      p:
        schema: Person
        keys: [id]
        properties:
          birthDate: {column: dob, format: ["%d/%m/%Y", "%Y"], required: true}
          name: {column: name, required: true}
"""


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"id": "1", "dob": "31/02/1990", "name": "A"},
            "t.csv: line 7: column 'dob': the value does not match the date format '%d/%m/%Y' or '%Y'",
        ),
        (
            {"id": "1", "dob": "1990", "name": " "},
            "t.csv: line 7: column 'name': p.name is required but empty",
        ),
        ({"id": "1", "dob": None, "name": "A"}, "column 'dob': p.birthDate is required but empty"),
        (
            {"id": "1", "dob": CellError("#REF!"), "name": "A"},
            "column 'dob': the cell holds the error #REF!",
        ),
        (
            {"id": "1", "dob": "1990", "name": {"a": 1}},
            "column 'name': an object; name a field inside it",
        ),
    ],
)
def test_row_errors_name_the_row_and_column(make, row, message):
    with pytest.raises(InvalidInput) as info:
        make(DATES).map_row(row, WHERE, "c")
    assert message in info.value.message
    assert info.value.message.startswith("t.csv: line 7: ")


def test_date_cells_need_no_format_and_keep_their_time(make):
    mapping = make(DATES)
    [entity] = mapping.map_row({"id": "1", "dob": dt.datetime(1990, 5, 1), "name": "A"}, WHERE, "c")
    assert values_of(entity)["birthDate"] == ["1990-05-01"]
    [entity] = mapping.map_row({"id": "1", "dob": dt.date(1990, 5, 1), "name": "A"}, WHERE, "c")
    assert values_of(entity)["birthDate"] == ["1990-05-01"]


def test_required_link(make):
    mapping = make(
        """
        entities:
          a: {schema: Person, keys: [a]}
          b: {schema: Person, keys: [b]}
          k:
            schema: Family
            keys: [a, b]
            properties:
              person: {entity: a, required: true}
              relative: {entity: b}
        """
    )
    # A Family without its relative is not made (FtM requires both ends): counted.
    entities = mapping.map_row({"a": "1", "b": ""}, WHERE, "c")
    assert [e.schema for e in entities] == ["Person"]
    assert entities[0].dropped[0]["reason"].endswith("required property relative empty")
    with pytest.raises(InvalidInput, match="k.person is required but the row has no 'a' entity"):
        mapping.map_row({"a": "", "b": "2"}, WHERE, "c")


# -- ids -----------------------------------------------------------------------------------
def test_ids_are_stable_and_namespaced_by_collection_and_literal(make):
    mapping = make(
        """
        entities:
          p: {schema: Person, keys: [id]}
          o: {schema: Person, keys: [id], key_literal: Suspect}
        """
    )
    first = [e.entity_id for e in mapping.map_row({"id": " 42 "}, WHERE, "fgr")]
    assert first == [person_id("42"), person_id("42", literal="Suspect")]
    [accented] = mapping.map_row({"id": "Cédula 42 ñ"}, WHERE, "fgr")[:1]
    assert accented.entity_id == person_id("Cédula 42 ñ")
    assert first == [e.entity_id for e in mapping.map_row({"id": "42"}, "x", "fgr")]
    assert first[0] != mapping.map_row({"id": "42"}, WHERE, "hsi")[0].entity_id
    assert mapping.map_row({"id": ""}, WHERE, "fgr") == []


def test_several_key_columns_are_not_ambiguous(make):
    mapping = make("entities:\n  a: {schema: BankAccount, keys: [branch, number]}\n")
    one = mapping.map_row({"branch": "12", "number": "345"}, WHERE, "c")[0].entity_id
    two = mapping.map_row({"branch": "123", "number": "45"}, WHERE, "c")[0].entity_id
    three = mapping.map_row({"branch": "", "number": "12345"}, WHERE, "c")[0].entity_id
    four = mapping.map_row({"branch": "12345", "number": ""}, WHERE, "c")[0].entity_id
    assert len({one, two, three, four}) == 4
    # Several keys: FtM's make_id over the JSON list of their values.
    assert one == make_entity_id("c", "BankAccount", json.dumps(["12", "345"]))
    named = mapping.map_row({"branch": "Señora Ñ", "number": "李 伟"}, WHERE, "c")[0].entity_id
    assert named == make_entity_id("c", "BankAccount", '["Señora Ñ", "李 伟"]')
    assert mapping.map_row({"branch": "", "number": None}, WHERE, "c") == []


def test_spreadsheet_numbers_make_the_same_id_as_text(make):
    mapping = make("entities:\n  p: {schema: Person, keys: [id], properties: {phone: tel}}\n")
    from_xlsx = mapping.map_row({"id": 5512345678.0, "tel": 5512345678.0}, WHERE, "c", "MX")
    from_csv = mapping.map_row({"id": "5512345678", "tel": "5512345678"}, WHERE, "c", "MX")
    assert from_xlsx[0].entity_id == from_csv[0].entity_id == person_id("5512345678", "c")
    assert from_xlsx[0].values == from_csv[0].values == [("phone", "phone", "+525512345678")]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("has space", "column 'ftm_id': not a valid entity id"),
        ("x" * 256, "id longer than 255"),
        (["a", "b"], "several ids"),
        (dt.datetime(2021, 1, 1), "a date cell where a entity is expected"),
    ],
)
def test_id_column_is_taken_as_is_and_checked(make, value, message):
    mapping = make("entities:\n  p: {schema: Person, id_column: ftm_id}\n")
    assert mapping.map_row({"ftm_id": "abc.123-X"}, WHERE, "c")[0].entity_id == "abc.123-X"
    with pytest.raises(InvalidInput) as info:
        mapping.map_row({"ftm_id": value}, WHERE, "c")
    assert message in info.value.message
    assert "column 'ftm_id'" in info.value.message


# -- value sources ----------------------------------------------------------------------
def test_templates_joins_splits_literals(make):
    mapping = make(
        """
        entities:
          p:
            schema: Person
            keys: [id]
            properties:
              name: {columns: [first, last], join: " "}
              notes: {template: "{{ref}} {first} {last} — {city}"}
              keywords: {columns: [tags, more], split: "|"}
              topics: {literals: [crime.traffick.human, poi]}
              gender: {literal: F}
        """
    )
    row = {"id": "1", "first": "Ana", "last": "Cruz", "city": "", "tags": "a| b |", "more": "c"}
    [entity] = mapping.map_row(row, WHERE, "c")
    assert values_of(entity) == {
        "name": ["Ana Cruz"],
        "notes": ["{ref} Ana Cruz —"],
        "keywords": ["a", "b", "c"],
        "topics": ["crime.traffick.human", "poi"],
        "gender": ["female"],
    }
    [entity] = mapping.map_row({"id": "1"}, WHERE, "c")  # every template column empty: no value
    assert set(values_of(entity)) == {"topics", "gender"}


def test_filters(make):
    mapping = make(
        """
        entities:
          v:
            schema: Person
            keys: [id]
            filter: {role: [victim, víctima], code: "01"}
            filter_not: {status: closed}
          o:
            schema: Person
            keys: [id]
            key_literal: Other
            filter: {role: ""}
        """
    )

    def schemas(**row):
        return [e.entity_id for e in mapping.map_row({"id": "1", **row}, WHERE, "c")]

    victim, other = person_id("1", "c"), person_id("1", "c", "Other")
    assert schemas(role="víctima", code="01", status="") == [victim]
    assert schemas(role="victim", code="1", status="") == []  # "01" stays text, not 1
    assert schemas(role="victim", code="01", status="closed") == []
    assert schemas(role="", code="01", status="") == [other]


def test_json_values(make):
    mapping = make(
        """
        entities:
          p:
            schema: Person
            keys: [person.id]
            properties:
              phone: person.phones
              name: person.name
        """
    )
    row = {
        "person.id": 7,
        "person.phones": ["+52 55 1234 5678", None, "+1 202 555 0143"],
        "person.name": True,
    }
    [entity] = mapping.map_row(row, WHERE, "c")
    assert entity.entity_id == person_id("7", "c")
    assert values_of(entity) == {"phone": ["+525512345678", "+12025550143"], "name": ["true"]}


@pytest.mark.parametrize(
    ("value", "texts"),
    [
        (None, []),
        ("  ", []),
        (" a ", ["a"]),
        (5512345678.0, ["5512345678"]),
        (1234.5, ["1234.5"]),
        (0.1, ["0.1"]),
        (-3.0, ["-3"]),
        (float("nan"), []),
        (17, ["17"]),
        (False, ["false"]),
        (dt.datetime(2021, 3, 4, 5, 6, 7), ["2021-03-04T05:06:07"]),
        (dt.datetime(2021, 3, 4), ["2021-03-04"]),
        (dt.date(2021, 3, 4), ["2021-03-04"]),
        (dt.time(5, 6), ["05:06:00"]),
        ([1, " x ", [], ""], None),
        ([1.0, " x ", ""], ["1", "x"]),
    ],
)
def test_cell_texts(value, texts):
    if texts is None:
        with pytest.raises(InvalidInput, match="a list holding a list"):
            cell_texts(value, WHERE, "c")
        return
    assert cell_texts(value, WHERE, "c") == texts


def test_date_cell_in_a_phone_column_is_a_row_error():
    with pytest.raises(InvalidInput) as info:
        cell_texts(dt.datetime(2021, 3, 4), WHERE, "tel", "phone")
    assert info.value.message.startswith("t.csv: line 7: column 'tel': a date cell where a phone")
    assert "2021" not in info.value.message  # not the cell's value: it may be an identifier
    assert "format that column as text" in info.value.message


# -- markings --------------------------------------------------------------------------------
def test_markings_combine_mapping_entity_and_property(make):
    mapping = make(
        """
        marking: {tlp: amber, handling: [H2]}
        entities:
          v:
            schema: Person
            keys: [id]
            marking: {tlp: amber+strict}
            properties:
              name: {column: name, marking: {tlp: red, recipients: [ana]}}
          o: {schema: Person, keys: [other]}
        """
    )
    victim, other = mapping.map_row({"id": "1", "other": "2", "name": "Ana"}, WHERE, "c")
    assert (victim.marking["tlp"], victim.marking["handling"]) == ("amber+strict", ["H2"])
    name = victim.property_markings["name"]
    assert (name["tlp"], name["handling"], name["recipients"]) == ("red", ["H2"], ["ana"])
    assert (other.marking["tlp"], other.marking["handling"]) == ("amber", ["H2"])
    assert [w.split("m.yml: ")[1] for w, _ in mapping.markings()] == [
        "marking",
        "entities.v.marking",
        "entities.v.properties.name.marking",
    ]


# -- validation --------------------------------------------------------------------------
BASE = """
entities:
  sender:
    schema: Person
    keys: [sender_id]
    properties:
      name: full_name
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "colour: red\n" + BASE,
            "m.yml: colour: unknown key 'colour' (did you mean country?) (allowed: format",
        ),
        ("entitys: {}\n" + BASE, "m.yml: entitys: unknown key 'entitys' (did you mean entities?)"),
        ("format: xls\n" + BASE, "m.yml: format: 'xls' (allowed: csv, xlsx, jsonl)"),
        ("encoding: klingon\n" + BASE, "m.yml: encoding: unknown encoding 'klingon'"),
        ("delimiter: ';;'\n" + BASE, "m.yml: delimiter: ';;' must be one character"),
        ("header_row: 0\n" + BASE, "m.yml: header_row: '0' must be a row number"),
        ("header_row: two\n" + BASE, "m.yml: header_row: 'two' must be a row number"),
        ("country: Narnia\n" + BASE, "m.yml: country: 'Narnia' is not a country"),
        ("marking: {tlp: purple}\n" + BASE, "m.yml: marking.tlp"),
        ("marking: {tlp: red}\n" + BASE, "m.yml: marking.recipients: TLP:RED needs"),
        ("marking: {tlp: amber, colour: x}\n" + BASE, "m.yml: marking: unknown field(s) colour"),
        ("entities: {}\n", "m.yml: entities: give at least one entity"),
        ("- a\n- b\n", "m.yml: expected a YAML object with `entities:`"),
        (
            BASE.replace("Person", "Persn"),
            "entities.sender.schema: unknown schema 'Persn' (did you mean Person?)",
        ),
        (BASE.replace("Person", "LegalEntity"), None),  # concrete in FtM 4
        (BASE.replace("Person", "Thing"), "entities.sender.schema: Thing is abstract"),
        (BASE.replace("    schema: Person\n", ""), "entities.sender.schema: missing"),
        (
            BASE.replace("keys: [sender_id]", "kes: [sender_id]"),
            "entities.sender.kes: unknown key 'kes' (did you mean keys?)",
        ),
        (BASE.replace("    keys: [sender_id]\n", ""), "entities.sender: needs `keys`"),
        (
            BASE.replace("keys: [sender_id]", "keys: [a]\n    id_column: b"),
            "give `keys` or `id_column`, not both",
        ),
        (
            BASE.replace("keys: [sender_id]", "id_column: b\n    key_literal: X"),
            "key_literal: applies with `keys`",
        ),
        (
            BASE.replace("name: full_name", "phon: tel"),
            "m.yml: entities.sender.properties.phon: unknown property of Person (did you mean phone?)",
        ),
        (
            BASE.replace("name: full_name", "Name: x"),
            "unknown property of Person (did you mean name?)",
        ),
        (
            BASE.replace("name: full_name", "ownershipOwner: x"),
            "the reverse side of Ownership.owner",
        ),
        (
            BASE.replace("name: full_name", "name:"),
            "entities.sender.properties.name: no column given",
        ),
        (
            BASE.replace("name: full_name", "name: {column: a, columns: [b]}"),
            "give exactly one of column, columns, template, literal, literals, entity (got column, columns)",
        ),
        (BASE.replace("name: full_name", "name: {split: ','}"), "give exactly one of"),
        (
            BASE.replace("name: full_name", "name: {colum: a}"),
            "unknown key 'colum' (did you mean column?)",
        ),
        (
            BASE.replace("name: full_name", "name: {column: a, format: '%Y'}"),
            "name.format: only date properties take a format (name is name)",
        ),
        (
            BASE.replace("name: full_name", "birthDate: {column: a, format: '%d/%m/%Q'}"),
            "birthDate.format: '%d/%m/%Q'",
        ),
        (
            BASE.replace("name: full_name", "birthDate: {column: a, format: 'dd/mm/yyyy'}"),
            "has no %-directive",
        ),
        (
            BASE.replace("name: full_name", "name: {column: a, country: MX}"),
            "name.country: only phone properties take a country",
        ),
        (
            BASE.replace("name: full_name", "phone: {column: a, country: XX}"),
            "phone.country: 'XX' is not a country",
        ),
        (
            BASE.replace("name: full_name", "topics: {literal: role.victim}"),
            "topics.literal: not a valid topic",
        ),
        (
            BASE.replace("name: full_name", "gender: {literal: mujer}"),
            "gender.literal: not a valid gender",
        ),
        (
            BASE.replace("name: full_name", "name: {literal: x, split: ','}"),
            "name.split: applies to values of column(s)",
        ),
        (
            BASE.replace("name: full_name", "name: {template: 'no fields'}"),
            "template: names no column",
        ),
        (
            BASE.replace("name: full_name", "name: {template: '{a} {'}"),
            "template: an unmatched brace",
        ),
        (
            BASE.replace("name: full_name", "name: {column: a, required: yes}"),
            "name.required: true or false",
        ),
        (
            BASE.replace("name: full_name", "name: {column: a, marking: {tlp: nope}}"),
            "properties.name.marking.tlp",
        ),
        (
            BASE.replace("name: full_name", "parent: {entity: sendr}"),
            "entities.sender.properties.parent.entity: no entity named 'sendr' (did you mean sender?)",
        ),
        (
            BASE.replace("name: full_name", "name: {entity: sender}"),
            "name.entity: name is a name property, not a link to an entity",
        ),
        (
            BASE
            + "  tx:\n    schema: Payment\n    keys: [tx]\n    properties:\n      payer: {entity: boat}\n  boat: {schema: Vessel, keys: [imo]}\n",
            "tx.properties.payer.entity: 'boat' is a Vessel; payer links to a LegalEntity",
        ),
        (
            BASE
            + "  tx:\n    schema: Payment\n    keys: [tx]\n    properties:\n      payer: {entity: tx}\n",
            "'tx' is a Payment; payer links to a LegalEntity",
        ),
        (  # a cycle of links is fine: ids come from keys
            BASE
            + "  a: {schema: Person, keys: [a], properties: {parent: {entity: b}}}\n"
            + "  b: {schema: Person, keys: [b], properties: {parent: {entity: a}}}\n",
            None,
        ),
        (
            BASE.replace("name: full_name", "name: a\n      name: b"),
            "m.yml: line 8, column 7: invalid YAML (duplicate key 'name')",
        ),
        (BASE + "  [oops", "m.yml: line"),
    ],
)
def test_bad_mapping_messages(make, text, message):
    if message is None:
        assert isinstance(make(text), Mapping)
        return
    with pytest.raises(InvalidInput) as info:
        make(text)
    assert message in info.value.message
    assert info.value.message.startswith("m.yml") or "/m.yml" in info.value.message


def test_mapping_file_errors(tmp_path):
    with pytest.raises(NotFound, match="nope.yml: no such mapping file"):
        load_mapping(tmp_path / "nope.yml")
    with pytest.raises(InvalidInput, match="is a directory"):
        load_mapping(tmp_path)
    bad = tmp_path / "latin.yml"
    bad.write_bytes("entities:\n  p: {schema: Person, keys: [C\xe9dula]}\n".encode("latin-1"))
    with pytest.raises(InvalidInput, match="latin.yml: not UTF-8 text"):
        load_mapping(bad)


def test_yaml_scalars_stay_text(make):
    mapping = make(
        """
        country: NO
        delimiter: "\\t"
        header_row: 2
        entities:
          p:
            schema: Person
            keys: [2020]
            filter: {on: yes}
            properties:
              birthDate: {literal: 2020-01-01}
        """
    )
    assert mapping.country == "no"  # Norway, not False
    assert mapping.delimiter == "\t"
    assert mapping.header_row == 2
    assert mapping.columns == {"2020", "on"}
    [entity] = mapping.map_row({"2020": "x", "on": "yes"}, WHERE, "c")
    assert values_of(entity) == {"birthDate": ["2020-01-01"]}


# -- header checks --------------------------------------------------------------------------
def test_missing_columns_name_the_header_line_and_close_matches():
    mapping = load_mapping(FIXTURES / "payments.yml")
    header = [c for c in EXAMPLE_ROW if c not in ("tel", "dob")] + ["Tel", "birth"]
    with pytest.raises(InvalidInput) as info:
        mapping.check_columns(header, "x.csv: line 1")
    message = info.value.message
    assert message.startswith("x.csv: line 1: column(s) named in ")
    assert "payments.yml missing from the header: 'dob'; 'tel' (did you mean Tel?)" in message
    assert "(the header has: tx_id, sender_id" in message


def test_duplicate_mapped_header_column():
    mapping = load_mapping(FIXTURES / "payments.yml")
    header = [*EXAMPLE_ROW, "tel", "unused", "unused"]
    with pytest.raises(InvalidInput, match="'tel' appear more than once"):
        mapping.check_columns(header, "x.csv: line 1")


def test_format_settings_must_fit_the_file(make):
    mapping = make("sheet: Personas\n" + BASE)
    mapping.check_format("xlsx")
    with pytest.raises(InvalidInput, match="m.yml: sheet: applies to xlsx files; this file is csv"):
        mapping.check_format("csv")
    with pytest.raises(InvalidInput, match="header_row: applies to csv and xlsx files"):
        make("header_row: 2\n" + BASE).check_format("jsonl")


def test_mapping_pickles_for_the_worker_process():
    mapping = load_mapping(FIXTURES / "payments.yml")
    copy = pickle.loads(pickle.dumps(mapping))  # noqa: S301 - our own bytes
    assert copy.map_row(EXAMPLE_ROW, WHERE, "fgr", "MX") == mapping.map_row(
        EXAMPLE_ROW, WHERE, "fgr", "MX"
    )

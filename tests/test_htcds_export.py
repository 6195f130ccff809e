"""HTCDS 2.0 export: layout, round trip, visibility, markings, safe files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from ingest.test_htcds import FIXTURES, task_force
from nsids import nsid
from sqlalchemy import select

from gugus import admin, reads
from gugus.errors import InvalidInput, NotFound
from gugus.htcds_export import export_htcds
from gugus.ingest import htcds
from gugus.ingest.htcds_fields import FIELDS, TEMPLATE_COLUMNS
from gugus.store.tables import audit_log

CASES = FIXTURES / "cases.csv"
VICTIM_WORDS = ("María", "Hernández", "Niña", "Quetzaltenango", "Tecún", "Casa del Migrante")


@pytest.fixture
def tf(node):
    world = task_force(node)
    htcds.load_htcds(world, "fgr", CASES)
    return world


@pytest.fixture
def tf_sqlite(sqlite_node):
    """For what does not depend on the backend (file handling, layout)."""
    world = task_force(sqlite_node)
    htcds.load_htcds(world, "fgr", CASES)
    return world


def read_rows(path: Path) -> list[list[str]]:
    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return [row for row in csv.reader(handle)]
    book = openpyxl.load_workbook(path, read_only=True)
    rows = [[v or "" for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    return [{k: v for k, v in zip(rows[0], row, strict=True) if v} for row in rows[2:]]


def snapshot(node, reader, collection: str) -> set:
    """Every (entity, marking) line a reader exports, values sorted."""
    out = set()
    for line in reads.export_collection(node, reader, collection):
        data = json.loads(line)
        props = tuple(sorted((p, tuple(sorted(v))) for p, v in data["properties"].items()))
        out.add((data["id"], data["schema"], json.dumps(data["marking"], sort_keys=True), props))
    return out


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_trip_gives_the_same_statements(tf, tmp_path, fmt):
    luis = tf.users["luis"]
    out = tmp_path / f"export.{fmt}"
    summary = export_htcds(tf, luis, "fgr", out, fmt=fmt, purpose="TF-2021 review")
    assert summary["left_out"] == 0
    assert summary["persons"] == 5
    rows = read_rows(out)
    assert rows[0][: len(TEMPLATE_COLUMNS)] == list(TEMPLATE_COLUMNS)
    assert rows[1][:3] == ["Case Owner", "Salutation", "First Name"]
    assert rows[0][-3:] == ["gugus_entity_id", "gugus_role", "gugus_marking"]
    admin.add_collection(tf, "fgr2", "MX-FGR", "amber", ["H1"], release_to=["US-HSI"], country="MX")
    again = htcds.load_htcds(tf, "fgr2", out)
    assert (again.errors, again.dropped, again.kept_stricter) == ([], 0, 0)
    assert snapshot(tf, luis, "fgr2") == snapshot(tf, luis, "fgr")


def test_layout_one_row_per_person_and_one_more_per_extra_event(tf_sqlite, tmp_path):
    tf = tf_sqlite
    out = tmp_path / "export.csv"
    summary = export_htcds(tf, tf.users["luis"], "fgr", out, fmt="csv")
    # The file holds victims: it is handled as the strictest of its rows.
    assert summary["marking_label"] == "TLP:AMBER+STRICT H1 H2 originator=MX-FGR"
    rows = as_dicts(read_rows(out))
    maria = [r for r in rows if r.get("prs_FirstName") == "María José"]
    [maria_id] = {r["gugus_entity_id"] for r in maria}
    extra = [r for r in rows if r["gugus_entity_id"] == maria_id and r not in maria]
    assert len(maria) == 1 and len(extra) == 1  # two trafficking events
    assert {maria[0]["hte_Type"], extra[0]["hte_Type"]} == {"Recruitment", "Transit"}
    first = maria[0]
    assert first["prs_MobilePhone"] == "+525512345678"
    assert first["prs_Citizenship"] == "GT"
    assert first["prs_MailingCountry"] == "MX"
    assert first["vic_MethodsOfControl"].split(";") == ["DebtBondage", "WithholdsDocuments"]
    assert first["vic_LocationOfRecruitment"] == "Quetzaltenango, Guatemala"
    assert first["cas_Status"] == "Active"
    assert first["gugus_role"] == "victim"
    assert first["gugus_marking"] == "TLP:AMBER+STRICT H1 H2 originator=MX-FGR"
    juan = next(r for r in rows if r.get("prs_FirstName") == "Juan Carlos")
    assert juan["per_RoleInProcess"].split(";") == ["RecruiterOrIntermediary", "Transporter"]
    assert juan["per_Organisation"] == "Los Halcones"
    assert juan["gugus_role"] == "perpetrator"
    assert juan["gugus_marking"] == "TLP:AMBER H1 originator=MX-FGR release_to=US-HSI"


def test_partner_export_leaves_out_what_it_may_not_see(tf, tmp_path):
    out = tmp_path / "hsi.csv"
    summary = export_htcds(tf, tf.users["ana"], "fgr", out, fmt="csv")
    text = out.read_text(encoding="utf-8-sig")
    for word in VICTIM_WORDS:
        assert word not in text
    rows = as_dicts(read_rows(out))
    assert sorted(r["prs_FirstName"] for r in rows) == ["Juan Carlos", "Rosa"]
    assert {r["gugus_marking"] for r in rows} == {
        "TLP:AMBER H1 originator=MX-FGR release_to=US-HSI"
    }
    assert summary["marking_label"] == "TLP:AMBER H1 originator=MX-FGR release_to=US-HSI"
    # What ana exports cannot be loaded as US-HSI's own data: the originator stays.
    admin.add_collection(tf, "hsi", "US-HSI", "amber", None)
    with pytest.raises(InvalidInput, match="is not the collection's organisation"):
        htcds.load_htcds(tf, "hsi", out)
    # Nor with its gugus_marking column deleted: the ids are MX-FGR's (finding 7).
    with open(out, encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    drop = table[0].index("gugus_marking")
    stripped = tmp_path / "stripped.csv"
    with open(stripped, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([r[:drop] + r[drop + 1 :] for r in table])
    with pytest.raises(InvalidInput, match="exported by another organisation; a partner's export"):
        htcds.load_htcds(tf, "hsi", stripped)
    with pytest.raises(NotFound):
        export_htcds(tf, tf.users["gabi"], "fgr", tmp_path / "gt.csv", fmt="csv")
    assert not (tmp_path / "gt.csv").exists()
    with tf.db.audit_reader.connect() as conn:
        exports = conn.execute(select(audit_log).where(audit_log.c.action == "export")).all()
    assert [e.username for e in exports] == ["ana"]


def test_formula_like_text_stays_text(sqlite_node, tmp_path):
    world = task_force(sqlite_node)
    source = tmp_path / "in.csv"
    source.write_text(
        "prs_FirstName,prs_SecondName,prs_MobilePhone,hte_Type,hte_Longitude,per_RoleInProcess\n"
        '"=HYPERLINK(""http://x.example"",""clic"")",@SUM(A1),+52 962 123 4567,Transit,-92.26,Smuggler\n',
        encoding="utf-8",
    )
    htcds.load_htcds(world, "fgr", source)
    luis = world.users["luis"]
    before = snapshot(world, luis, "fgr")
    csv_out, xlsx_out = tmp_path / "x.csv", tmp_path / "x.xlsx"
    export_htcds(world, luis, "fgr", csv_out, fmt="csv")
    export_htcds(world, luis, "fgr", xlsx_out, fmt="xlsx")
    raw = csv_out.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in raw and "'@SUM(A1)" in raw
    assert ",+529621234567," in raw and ",-92.26," in raw  # numbers are not escaped
    book = openpyxl.load_workbook(xlsx_out)
    cells = [c for row in book.worksheets[0].iter_rows() for c in row if c.value]
    formula = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert formula.data_type == "s"
    for out in (csv_out, xlsx_out):
        htcds.load_htcds(world, "fgr", out)
        assert snapshot(world, luis, "fgr") == before


def test_failed_export_leaves_no_partial_file(tf_sqlite, tmp_path, monkeypatch):
    tf = tf_sqlite
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "keep.csv"
    out.write_text("previous export\n", encoding="utf-8")

    def broken(path, table):
        path.write_text("half a file", encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("gugus.htcds_export._write_csv", broken)
    with pytest.raises(InvalidInput, match="keep.csv: cannot write"):
        export_htcds(tf, tf.users["luis"], "fgr", out, fmt="csv")
    assert out.read_text(encoding="utf-8") == "previous export\n"
    assert list(folder.iterdir()) == [out]
    with pytest.raises(InvalidInput, match="missing"):
        export_htcds(tf, tf.users["luis"], "fgr", tmp_path / "missing" / "x.csv", fmt="csv")
    with pytest.raises(InvalidInput, match="not an HTCDS format"):
        export_htcds(tf, tf.users["luis"], "fgr", out, fmt="json")


def test_people_from_other_sources_are_exported_too(tf_sqlite, tmp_path):
    tf = tf_sqlite
    from gugus.ingest import ftm

    lines = [
        json.dumps(
            {
                "id": "ftm-p1",
                "schema": "Person",
                "properties": {
                    "name": ["Óscar Villanueva Ríos"],
                    "nationality": ["sv"],
                    "phone": ["+50377778888"],
                    "birthDate": ["1988-09-09"],
                },
            }
        ),
        json.dumps({"id": "ftm-c1", "schema": "Company", "properties": {"name": ["Fletes Sur"]}}),
    ]
    ftm.load_lines(tf, "fgr", lines, source="other.jsonl")
    out = tmp_path / "x.csv"
    summary = export_htcds(tf, tf.users["luis"], "fgr", out, fmt="csv")
    [oscar] = [
        r for r in as_dicts(read_rows(out)) if r["gugus_entity_id"] == nsid("MX-FGR", "ftm-p1")
    ]
    assert oscar["prs_SecondName"] == "Óscar Villanueva Ríos"
    assert (oscar["prs_Citizenship"], oscar["prs_MobilePhone"]) == ("SV", "+50377778888")
    assert oscar["prs_Birthdate"] == "1988-09-09"
    assert summary["left_out"] == 1  # the company: HTCDS has no place for it


def _sample(f) -> tuple[str, str]:
    """(raw cell, what the export must give back) for one field of each kind."""
    n = list(FIELDS).index(f.code)
    samples = {
        "text": (f"  {f.label} ñ {n}  ", f"{f.label} ñ {n}"),
        "longtext": (f"Línea {n}\nsegunda línea", f"Línea {n}\nsegunda línea"),
        "date": (f"{13 + n % 15}/01/2020", f"2020-01-{13 + n % 15}"),  # day first
        "bool": ("Sí", "true"),
        "number": ("3", "3"),
        "lat": ("14,5", "14.5"),
        "lon": ("-92.25", "-92.25"),
        "country": ("Guatemala", "GT"),
        "countries": ("MX; El Salvador", "MX;SV"),
        "language": ("español", "spa"),
        "email": (f"Persona{n}@Example.org", f"Persona{n}@example.org"),
        "identifier": (f"CURP-{n}", f"CURP-{n}"),
        "phone": (f"55 1234 {5600 + n}", f"+52551234{5600 + n}"),
    }
    if f.kind == "choice":
        value = f.values[-1] if f.code != "prs_Gender" else "TransgenderFeminine"
        label = dict(zip(f.values, f.value_labels, strict=False)).get(value, value)
        return label, value
    if f.kind == "choices":
        return "; ".join(f.value_labels[:2]), ";".join(f.values[:2])
    return samples[f.kind]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_field_comes_back(sqlite_node, tmp_path, fmt):
    world = task_force(sqlite_node)
    codes = list(FIELDS)
    samples = {code: _sample(FIELDS[code]) for code in codes}
    source = tmp_path / "all.csv"
    with open(source, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(codes)
        writer.writerow([samples[c][0] for c in codes])
    summary = htcds.load_htcds(world, "fgr", source)
    assert (summary.dropped, summary.errors) == (0, [])
    out = tmp_path / f"out.{fmt}"
    export_htcds(world, world.users["luis"], "fgr", out, fmt=fmt)
    [row] = as_dicts(read_rows(out))
    got = {code: row.get(code) for code in codes}
    assert got == {code: samples[code][1] for code in codes}
    # Screened and found no victim (the last status value): not called a
    # victim, still protected for having victim-context fields.
    assert got["vic_TraffickingStatus"] == "NotAVictimOfTrafficking"
    assert row["gugus_role"] == "perpetrator"
    assert row["gugus_marking"].startswith("TLP:AMBER+STRICT H1 H2 originator=MX-FGR")

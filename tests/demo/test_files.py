"""The demo world as agency files: nothing lost, every marking kept, documents readable.

The tables are checked by loading them back with a small reference
implementation of the mapping format written here (independent of the
writer, which runs the mappings backwards): every entity and every statement
of the FtM lines must come back, cleaned the way FtM cleans them, with the
same id and the same marking — and nothing else.
"""

from __future__ import annotations

import csv
import datetime as dt
import email
import io
import json
import re
import zipfile
from collections import defaultdict
from email import policy
from pathlib import Path

import docx
import openpyxl
import phonenumbers
import pypdf
import pytest
import yaml
from followthemoney import model
from followthemoney.types import registry
from inscriptis import get_text
from stdnum import iban as stdnum_iban
from stdnum.mx import curp as stdnum_curp

import gugus.demo.files.tables as tables_module
from gugus.demo.agencies import COLLECTIONS, DIF, OS
from gugus.demo.files import render
from gugus.demo.files.htcds import CODES
from gugus.demo.files.layouts import LAYOUTS
from gugus.demo.files.mappings import shipped_dir
from gugus.demo.files.wording import clabe_valid
from gugus.demo.world import generate
from gugus.errors import InvalidInput
from gugus.ingest.htcds_fields import parse_marking
from gugus.model.markings import Marking

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "reference"


# -- a reference reader of the mapping format ------------------------------------------------
def read_rows(path: Path, spec: dict) -> tuple[list[str], list[dict]]:
    """Header and rows (column → text) of a CSV or XLSX table as its mapping describes it."""
    fmt = spec.get("format") or path.suffix.lstrip(".")
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        sheet = book[spec["sheet"]] if spec.get("sheet") else book.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        book.close()
        header = [str(c) for c in rows[0]]
        # a row ends at its last filled cell
        body = [
            ["" if c is None else str(c) for c in r] + [""] * (len(header) - len(r))
            for r in rows[1:]
        ]
    else:
        with open(path, encoding=spec.get("encoding", "utf-8"), newline="") as handle:
            rows = list(csv.reader(handle, delimiter=spec.get("delimiter", ",")))
        header = [h.lstrip("\ufeff") for h in rows[0]]
        body = rows[1:]
    return header, [dict(zip(header, r, strict=True)) for r in body]


def clean(schema: str, prop: str, raw: str, fmt=None, country=None) -> str | None:
    """The value FtM stores for ``raw``, as an importer given this mapping would clean it."""
    kind = model.get(schema).get(prop).type
    if kind.name == "phone":
        try:
            num = phonenumbers.parse(raw, (country or "").upper() or None)
        except phonenumbers.NumberParseException:
            return None
        return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    if kind.name == "date" and fmt:
        for f in [fmt] if isinstance(fmt, str) else fmt:
            if (out := registry.date.clean(raw, format=f)) is not None:
                return out
        return None
    return kind.clean(raw)


def apply_mapping(path: Path, spec: dict) -> list[dict]:
    """Entities a mapped table yields: ``{"id", "schema", "properties", "marking"}``."""
    _, rows = read_rows(path, spec)
    out = []
    for row in rows:
        for ent in spec["entities"].values():
            if any(row.get(c) != v for c, v in (ent.get("filter") or {}).items()):
                continue
            eid = row.get(ent["id_column"], "")
            if not eid:
                continue
            props = defaultdict(list)
            for prop, p in ent.get("properties", {}).items():
                p = {"column": p} if isinstance(p, str) else p
                if "literal" in p:
                    raws = [p["literal"]]
                else:
                    raws = [row[c] for c in p.get("columns", [p.get("column")]) if row[c]]
                    if p.get("split"):
                        raws = [x.strip() for r in raws for x in r.split(p["split"]) if x.strip()]
                country = p.get("country") or spec.get("country")
                for raw in raws:
                    value = clean(ent["schema"], prop, raw, p.get("format"), country)
                    assert value is not None, f"{path}: {prop} {raw!r} does not clean"
                    props[prop].append(value)
            out.append(
                {
                    "id": eid,
                    "schema": ent["schema"],
                    "properties": {k: sorted(v) for k, v in props.items()},
                    "marking": spec.get("marking"),
                }
            )
    return out


def cleaned_line(obj: dict) -> dict:
    props = {
        prop: sorted(clean(obj["schema"], prop, v) for v in values)
        for prop, values in obj["properties"].items()
    }
    return {
        "id": obj["id"],
        "schema": obj["schema"],
        "properties": props,
        "marking": obj.get("marking"),
    }


# -- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("world")
    generate(out, seed=3, people=300)
    return out, render(out)


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def world_lines(out: Path) -> dict[str, list[dict]]:
    meta = json.loads((out / "world.json").read_text(encoding="utf-8"))
    return {c["name"]: jsonl(out / c["file"]) for c in meta["collections"]}


def reloaded(out: Path, manifest: dict) -> dict[str, dict[str, dict]]:
    """Every mapped load of the manifest applied with the reference reader."""
    got: dict[str, dict[str, dict]] = {}
    for coll, loads in manifest["collections"].items():
        seen = got.setdefault(coll, {})
        for load in loads:
            if load["format"] is not None:
                continue
            spec = yaml.safe_load((out / load["mapping"]).read_text(encoding="utf-8"))
            assert spec.get("marking") == load["marking"], load
            for ent in apply_mapping(out / load["path"], spec):
                assert ent["id"] not in seen, f"{ent['id']} in two rows ({load['path']})"
                seen[ent["id"]] = ent
    return got


def assert_same_entities(out: Path, manifest: dict) -> None:
    got = reloaded(out, manifest)
    for coll, lines in world_lines(out).items():
        want = {o["id"]: cleaned_line(o) for o in lines}
        assert set(got.get(coll, {})) == set(want), coll
        for eid, entity in want.items():
            assert got[coll][eid] == entity, (coll, eid)


# -- tables -------------------------------------------------------------------------------------
def test_every_entity_statement_and_marking_comes_back(world):
    out, manifest = world
    assert_same_entities(out, manifest)
    assert set(manifest["collections"]) == set(COLLECTIONS)


def test_each_distinct_marking_has_its_own_files(world):
    out, manifest = world
    for coll, lines in world_lines(out).items():
        want = {json.dumps(o.get("marking"), sort_keys=True) for o in lines}
        mapped = [ld for ld in manifest["collections"][coll] if ld["format"] is None]
        have = {json.dumps(ld["marking"], sort_keys=True) for ld in mapped}
        assert want == have, coll
    # the world has restricted rows, so this is not vacuous
    names = [Path(ld["path"]).stem for loads in manifest["collections"].values() for ld in loads]
    assert any(n.endswith("-victimas") for n in names)
    assert any(n.endswith("-minors") for n in names)


def test_mappings_name_real_columns_and_formats_match(world):
    out, manifest = world
    for loads in manifest["collections"].values():
        for load in loads:
            if load["format"] is not None:
                continue
            spec = yaml.safe_load((out / load["mapping"]).read_text(encoding="utf-8"))
            path = out / load["path"]
            assert path.suffix == f".{spec['format']}"
            header, _ = read_rows(path, spec)
            for ent in spec["entities"].values():
                used = [ent["id_column"], *(ent.get("filter") or {})]
                for p in ent["properties"].values():
                    p = {"column": p} if isinstance(p, str) else p
                    used += p.get("columns", [p["column"]] if "column" in p else [])
                assert set(used) <= set(header), (load["path"], set(used) - set(header))


def test_agency_habits(world):
    out, manifest = world
    paths = {ld["path"]: ld for loads in manifest["collections"].values() for ld in loads}
    uif = [p for p in paths if p.startswith("files/uif-reportes/") and "." in Path(p).name]
    assert uif and all(p.endswith(".xlsx") for p in uif)
    assert (out / "files/fgr-investigaciones/personas.csv").read_bytes().decode("cp1252")
    assert (out / "files/inm-registros-migratorios/personas.csv").read_bytes()[
        :3
    ] == b"\xef\xbb\xbf"
    spec = yaml.safe_load(
        (out / "files/inm-registros-migratorios/mappings/personas.yml").read_text()
    )
    _, rows = read_rows(out / "files/inm-registros-migratorios/personas.csv", spec)
    dates = [r["fecha_nacimiento"] for r in rows if r["fecha_nacimiento"]]
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4}", d) for d in dates)
    assert any(int(d[:2]) > 12 for d in dates)  # day first
    phones = [x for r in rows for x in r["telefonos"].split(";") if x]
    assert any(not p.startswith("+") for p in phones)  # Mexican numbers without +52
    assert all(phonenumbers.parse(p, "MX") for p in phones)
    spec = yaml.safe_load((out / "files/cbp-encounters/mappings/subjects.yml").read_text())
    _, rows = read_rows(out / "files/cbp-encounters/subjects.csv", spec)
    assert any(int(r["dob"][3:5]) > 12 for r in rows if r["dob"])  # month first
    assert {r["citizenship"] for r in rows} <= {"MEX", "USA", "GTM", "HND", "SLV"}


def test_shipped_mappings_are_all_used_and_parse():
    root = shipped_dir()
    for coll, layout in LAYOUTS.items():
        shipped = {p.stem for p in (root / coll).glob("*.yml")}
        assert shipped == set(layout.tables), coll
        for table in layout.tables:
            spec = yaml.safe_load((root / coll / f"{table}.yml").read_text(encoding="utf-8"))
            assert "marking" not in spec and spec["entities"]


def test_xlsx_tables_continue_in_parts_at_the_row_limit(tmp_path, monkeypatch):
    generate(tmp_path, seed=5, people=120)
    monkeypatch.setattr(tables_module, "XLSX_MAX_ROWS", 7)
    manifest = render(tmp_path)
    parts = [
        ld["path"] for ld in manifest["collections"]["uif-reportes"] if "-2.xlsx" in ld["path"]
    ]
    assert parts
    assert_same_entities(tmp_path, manifest)


def _tiny_world(tmp_path: Path, line: dict, coll: str = "fgr-investigaciones") -> Path:
    meta = {
        "seed": 1,
        "people": 1,
        "collections": [{"name": coll, "file": f"collections/{coll}.jsonl", "country": "MX"}],
    }
    (tmp_path / "collections").mkdir()
    (tmp_path / "truth").mkdir()
    (tmp_path / "truth" / "networks.jsonl").write_text("")
    (tmp_path / "truth" / "identities.jsonl").write_text("")
    (tmp_path / "world.json").write_text(json.dumps(meta))
    (tmp_path / "collections" / f"{coll}.jsonl").write_text(json.dumps(line) + "\n")
    return tmp_path


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            {"id": "x1", "schema": "Vessel", "properties": {"name": ["Ana"]}},
            "no table for schema Vessel",
        ),
        ({"id": "x1", "schema": "Person", "properties": {"weight": ["70"]}}, "no column"),
        ({"id": "x1", "schema": "Person", "properties": {"name": ["Nguyễn Văn"]}}, "cp1252"),
        (
            {"id": "x1", "schema": "Person", "properties": {"phone": ["+5215512345678/9"]}},
            "separator",
        ),
        (
            {"id": "x1", "schema": "Person", "properties": {"birthDate": ["1987"]}},
            "not a full date",
        ),
        (
            {"id": "x1", "schema": "Person", "properties": {"address": ["a", "b", "c"]}},
            "3 values for columns",
        ),
        ({"id": "x1", "schema": "Person"}, "line 1: not an FtM entity"),
    ],
)
def test_what_a_table_cannot_hold_stops_the_render(tmp_path, line, message):
    _tiny_world(tmp_path, line)
    with pytest.raises(InvalidInput, match=message) as err:
        render(tmp_path)
    assert "fgr-investigaciones" in err.value.message
    assert not (tmp_path / "files").exists()  # nothing half-written left behind


def test_a_collection_without_a_layout_is_refused(tmp_path):
    _tiny_world(tmp_path, {"id": "x1", "schema": "Person", "properties": {}}, "cia-files")
    with pytest.raises(InvalidInput, match="'cia-files' has no file layout"):
        render(tmp_path)


def test_an_empty_world_renders_empty(tmp_path):
    generate(tmp_path, seed=1, people=0)
    manifest = render(tmp_path, workers=1)
    assert set(manifest["rows"].values()) == {0}
    loads = [ld for loads in manifest["collections"].values() for ld in loads]
    assert {ld["format"] for ld in loads} == {"documents"}  # background news and a tip only


def test_literal_columns_must_hold_the_literal(tmp_path):
    line = {"id": "p1", "schema": "Passport", "properties": {"type": ["ID card"]}}
    _tiny_world(tmp_path, line, "cbp-encounters")
    with pytest.raises(InvalidInput, match="literal"):
        render(tmp_path)


# -- HTCDS -------------------------------------------------------------------------------------
def test_htcds_case_file_keeps_ids_markings_and_standard_fields(world):
    out, manifest = world
    loads = [ld for ld in manifest["collections"][DIF] if ld["format"] == "htcds"]
    assert loads
    persons = {o["id"]: o for o in world_lines(out)[DIF] if o["schema"] == "Person"}
    victims = {
        eid
        for net in jsonl(out / "truth" / "networks.jsonl")
        for v in net["victims"]
        for c, eid in v["entities"]
        if c == DIF
    }
    rows = {}
    for load in loads:
        book = openpyxl.load_workbook(out / load["path"], read_only=True)
        values = list(book.worksheets[0].iter_rows(values_only=True))
        book.close()  # read-only books hold the file open (a ResourceWarning in a later test)
        assert list(values[0]) == CODES
        assert values[1][CODES.index("prs_FirstName")] == "First Name"
        for r in values[2:]:
            row = dict(zip(CODES, r, strict=True))
            marking = persons[row["gugus_entity_id"]].get("marking")
            assert marking == load["marking"]
            cell = parse_marking(row["gugus_marking"], "test")  # the importer's reading
            assert Marking.from_dict(cell, "MX-SNDIF") == Marking.from_dict(marking, "MX-SNDIF")
            rows[row["gugus_entity_id"]] = row
    assert set(rows) == set(persons)
    assert victims and victims <= set(rows)
    for eid, row in rows.items():
        props = persons[eid]["properties"]
        assert row["prs_FirstName"] == props["firstName"][0]
        assert row["prs_Gender"] == {"female": "Feminine", "male": "Masculine"}[props["gender"][0]]
        assert row["prs_Citizenship"].lower() == props["nationality"][0]
        if "birthDate" in props:
            assert row["prs_Birthdate"].date().isoformat() == props["birthDate"][0]
        actual = row["vic_TraffickingStatus"] == "ActualVictimOfTrafficking"
        assert actual == (eid in victims) == (row["gugus_role"] == "victim")
    ods = SHARED / "HTCDS Field Standards 2.0.ods"
    if ods.exists():  # every field code is the standard's
        with zipfile.ZipFile(ods) as z:
            content = z.read("content.xml").decode("utf-8")
        known = set(re.findall(r"\b(?:prs|vic|cas|per|hte|con|spl)_[A-Za-z]+", content))
        assert {c for c in CODES if not c.startswith("gugus_")} <= known


# -- documents ---------------------------------------------------------------------------------
def document_text(path: Path, encoding: str | None) -> tuple[str, str | None]:
    """(text, date the format's metadata gives) with the standard readers."""
    data = path.read_bytes()
    if path.suffix == ".txt":
        return data.decode(encoding), None
    if path.suffix == ".html":
        page = data.decode("utf-8")
        return get_text(page), re.search(r'name="date" content="([^"]+)"', page).group(1)
    if path.suffix == ".eml":
        msg = email.message_from_bytes(data, policy=policy.default)
        return msg["Subject"] + "\n" + msg.get_body().get_content(), msg["Date"].datetime
    if path.suffix == ".docx":
        d = docx.Document(io.BytesIO(data))
        return "\n".join(p.text for p in d.paragraphs), d.core_properties.created
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text, reader.metadata["/CreationDate"]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def documents(world):
    out, _ = world
    return [
        (d, *document_text(out / d["path"], d["encoding"]))
        for d in jsonl(out / "truth" / "documents.jsonl")
    ]


def test_documents_in_every_format_and_language_with_their_dates(documents):
    assert {d["format"] for d, _, _ in documents} == {"txt", "html", "eml", "docx", "pdf"}
    assert {d["language"] for d, _, _ in documents} >= {"es", "en", "pt", "fr", "id"}
    for d, text, stamp in documents:
        assert _flat(d["title"]) in _flat(text) or d["format"] == "html"
        if isinstance(stamp, dt.datetime):
            stamp = stamp.date().isoformat() if stamp.tzinfo is None else stamp.date().isoformat()
        if isinstance(stamp, str) and stamp.startswith("D:"):
            stamp = f"{stamp[2:6]}-{stamp[6:8]}-{stamp[8:10]}"
        if stamp is not None and d["format"] != "docx":  # docx keeps UTC
            assert stamp == d["published"], d["path"]


def test_every_recorded_mention_is_in_the_text(documents):
    kinds = set()
    for d, text, _ in documents:
        flat = _flat(text)
        for m in [*d["mentions"], *d["invalid"]]:
            assert _flat(m["text"]) in flat, (d["path"], m)
            kinds.add(m["kind"])
    assert kinds >= {"person", "phone", "curp", "clabe", "passport", "date", "place", "rfc"}


def test_mentions_point_at_real_entities_and_valid_selectors(world, documents):
    out, _ = world
    ids = {(c, o["id"]) for c, lines in world_lines(out).items() for o in lines}
    people = {p["person"] for p in jsonl(out / "truth" / "identities.jsonl")}
    for d, _, _ in documents:
        for m in d["mentions"]:
            for c, eid in m.get("entities", []):
                assert (c, eid) in ids, (d["path"], m)
            if "person" in m:
                assert m["person"] in people
            value = m["value"]
            if m["kind"] == "phone":
                assert phonenumbers.is_valid_number(phonenumbers.parse(value))
                region = phonenumbers.region_code_for_number(phonenumbers.parse(value))
                assert clean("Person", "phone", m["text"], country=region) == value
            elif m["kind"] == "curp":
                assert stdnum_curp.is_valid(value)
            elif m["kind"] == "clabe":
                assert clabe_valid(value) and re.sub(r"\D", "", m["text"]) == value
            elif m["kind"] == "iban":
                assert stdnum_iban.is_valid(value)
            elif m["kind"] == "date":
                dt.date.fromisoformat(value)
        for bad in d["invalid"]:
            digits = re.sub(r"\s", "", bad["text"])
            if bad["kind"] == "curp":
                assert not stdnum_curp.is_valid(digits)
            elif bad["kind"] == "clabe":
                assert not clabe_valid(digits)
            elif bad["kind"] == "iban":
                assert not stdnum_iban.is_valid(digits)
            elif bad["kind"] == "phone":
                assert not phonenumbers.is_valid_number(phonenumbers.parse(digits, "MX"))
                assert not phonenumbers.is_valid_number(phonenumbers.parse(digits, "US"))


def test_documents_never_name_victims(world, documents):
    out, _ = world
    nets = jsonl(out / "truth" / "networks.jsonl")
    victim_ids = {(c, e) for n in nets for v in n["victims"] for c, e in v["entities"]}
    victim_pids = {v["person"] for n in nets for v in n["victims"]}
    names = {
        name
        for c, lines in world_lines(out).items()
        for o in lines
        if (c, o["id"]) in victim_ids
        for name in o["properties"].get("name", [])
    }
    assert names
    members = {m["person"] for n in nets for m in n["members"]}
    for d, text, _ in documents:
        assert not any(m.get("person") in victim_pids for m in d["mentions"])
        flat = _flat(text).lower()
        # a victim's name in the text is a leak unless it is part of a member's name
        # written there ("Wilmer Mendez" in "Wilmer Mendez-Aguilar"): namesakes exist
        said = [m["text"].lower() for m in d["mentions"] if m["kind"] == "person"]
        leaked = [n for n in names if n.lower() in flat and not any(n.lower() in x for x in said)]
        assert not leaked, d["path"]
    named = {m.get("person") for d, _, _ in documents for m in d["mentions"]} - {None}
    assert named & members


def test_document_loads_cover_every_file(world, documents):
    out, manifest = world
    folders = {
        ld["path"]
        for loads in manifest["collections"].values()
        for ld in loads
        if ld["format"] == "documents"
    }
    files = {str(p.relative_to(out)) for f in folders for p in (out / f).rglob("*") if p.is_file()}
    assert files == {d["path"] for d, _, _ in documents}
    assert any(f.startswith(f"files/{OS}/") for f in folders)


def test_render_is_a_pure_function_of_the_world(world, tmp_path):
    out, manifest = world
    generate(tmp_path, seed=3, people=300)
    again = render(tmp_path, workers=2)  # the fixture rendered in one process
    assert again["collections"] == manifest["collections"]
    for load in (ld for loads in manifest["collections"].values() for ld in loads):
        first, second = out / load["path"], tmp_path / load["path"]
        for a in [first] if first.is_file() else sorted(first.iterdir()):
            if a.suffix != ".xlsx":  # openpyxl stamps the save time into the workbook
                assert a.read_bytes() == (second / a.relative_to(first)).read_bytes(), a
    assert (out / "truth/documents.jsonl").read_bytes() == (
        tmp_path / "truth/documents.jsonl"
    ).read_bytes()


# -- through the real importers ------------------------------------------------------------------
def _recipients() -> set[str]:
    users = set()
    for _, _, mark, minor, victim in COLLECTIONS.values():
        users |= set(mark["recipients"])
        for spec in (minor, victim):
            users |= set(spec[3]) if spec else set()
    return users


def test_the_importers_load_every_statement_with_its_marking(tmp_path):
    """Tables, HTCDS and documents loaded with ``gugus load``'s importers hold every
    statement the FtM lines give, with the same or a stricter marking."""
    dispatch = pytest.importorskip("gugus.ingest.dispatch")
    from gugus import admin
    from gugus.ingest import ftm
    from gugus.node import Node
    from gugus.store.markings import markings_by_ids

    world_dir = tmp_path / "world"
    meta = generate(world_dir, seed=4, people=40)
    files = render(world_dir)
    node = Node(str(tmp_path / "gugus.db"))
    node.db.migrate()
    for org in meta["organisations"]:
        admin.add_organisation(node, org["code"], org["name"], org["country"])
    staff = {u["username"]: u for u in meta["users"]}
    for name in sorted(_recipients()):
        admin.add_user(node, name, staff[name]["org"], staff[name]["role"])
    for coll in meta["collections"]:
        m = coll["marking"]
        for suffix in ("", "--ftm"):  # the files into C, the FtM lines into C--ftm
            admin.add_collection(
                node,
                coll["name"] + suffix,
                coll["org"],
                m["tlp"],
                m["handling"],
                handling_text=m["handling_text"],
                release_to=m["release_to"],
                recipients=m["recipients"],
                purpose=m["purpose"],
                country=coll["country"],
            )
        ftm.load_file(node, coll["name"] + "--ftm", world_dir / coll["file"])
        for load in files["collections"][coll["name"]]:
            mapping = world_dir / load["mapping"] if load["mapping"] else None
            summary = dispatch.load_paths(
                node, coll["name"], [world_dir / load["path"]], mapping=mapping, fmt=load["format"]
            )
            assert summary.skipped == 0 and summary.dropped == 0, (load, summary.to_dict())
    with node.db.reader.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT c.name, s.entity_id, s.schema, s.prop, s.value, s.marking_id "
            "FROM statements s JOIN collections c ON c.id = s.collection_id"
        ).all()
        marks = markings_by_ids(conn, list({r[5] for r in rows}))
    node.close()
    by_file = {(r[0], r[1], r[3], r[4]): (r[2], marks[r[5]]) for r in rows if "--" not in r[0]}
    lines = [r for r in rows if r[0].endswith("--ftm")]
    assert lines
    for coll, eid, schema, prop, value, mid in lines:
        key = (coll.removesuffix("--ftm"), eid, prop, value)
        assert key in by_file, key
        got_schema, got_marking = by_file[key]
        assert got_schema == schema
        assert not got_marking.loosening_against(marks[mid]), key

"""Row readers: CSV (delimiters, encodings, quoted lines), XLSX (typed cells), JSON lines."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from gugus.errors import InvalidInput, NotFound
from gugus.ingest.tabular import CellError, detect_format, open_table

FIXTURES = Path(__file__).parent / "fixtures" / "mapping"


def read(path: Path, fmt: str, columns, **options) -> list:
    with open_table(path, fmt, **options) as table:
        return [(r.number, r.where, r.values, r.error) for r in table.rows(columns)]


# -- format --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "declared", "fmt"),
    [
        ("a.csv", None, "csv"),
        ("A.TSV", None, "csv"),
        ("b.xlsx", None, "xlsx"),
        ("c.jsonl", None, "jsonl"),
        ("c.ndjson", None, "jsonl"),
        ("export.dat", "csv", "csv"),
        ("b.xlsx", "csv", "csv"),  # the mapping's word wins
    ],
)
def test_detect_format(name, declared, fmt):
    assert detect_format(Path(name), declared) == fmt


def test_unknown_extension_names_the_file():
    with pytest.raises(InvalidInput, match=r"export\.dat: cannot tell the format .*format: csv"):
        detect_format(Path("export.dat"), None)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(NotFound, match="nope.csv: no such file"):
        open_table(tmp_path / "nope.csv", "csv")
    with pytest.raises(InvalidInput, match="is a directory"):
        open_table(tmp_path, "csv")


# -- CSV ---------------------------------------------------------------------------------
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiter_is_sniffed(tmp_path, delimiter):
    other = "," if delimiter != "," else ";"
    rows = [["id", "name", "note"], ["1", f"Pérez{other} José", "a"], ["2", "Ana", f"x{other}y"]]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(delimiter.join(r) for r in rows) + "\n", encoding="utf-8")
    got = read(path, "csv", ["id", "name", "note"])
    assert [r[2] for r in got] == [
        {"id": "1", "name": f"Pérez{other} José", "note": "a"},
        {"id": "2", "name": "Ana", "note": f"x{other}y"},
    ]


def test_csv_declared_delimiter_wins(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a;b,c\n1;2,3\n", encoding="utf-8")
    assert read(path, "csv", ["b,c"], delimiter=";")[0][2] == {"b,c": "2,3"}
    assert read(path, "csv", ["c"], delimiter=",")[0][2] == {"c": "3"}


def test_csv_quoted_multiline_cells_keep_physical_line_numbers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        'id,note\n1,"first\nsecond\r\nthird"\n\n2,plain\n3,"a ""quoted"" word"\n',
        encoding="utf-8",
        newline="",
    )
    got = read(path, "csv", ["id", "note"])
    assert [(n, v["id"]) for n, _, v, _ in got] == [(2, "1"), (6, "2"), (7, "3")]
    assert got[0][2]["note"] == "first\nsecond\r\nthird"
    assert got[1][1].endswith("t.csv: line 6")
    assert got[2][2]["note"] == 'a "quoted" word'


def test_csv_bom_and_header_whitespace(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("\ufeff id , Nombre \n1,Ana\n".encode())
    with open_table(path, "csv") as table:
        assert table.header == ["id", "Nombre"]
        assert [r.values for r in table.rows(["id", "Nombre"])] == [{"id": "1", "Nombre": "Ana"}]


def test_csv_declared_latin1(tmp_path):
    path = FIXTURES / "remesas.csv"
    with open_table(path, "csv", encoding="latin-1", header_row=2) as table:
        assert table.delimiter == ";"
        assert "Cédula" in table.header
        assert table.header_where.endswith("remesas.csv: line 2")
        rows = list(table.rows(["Nombre", "Dirección"]))
    assert [r.number for r in rows] == [3, 5, 8]
    assert rows[0].values["Nombre"] == "María José"
    assert rows[1].values["Dirección"] == 'Calle "El Niño"\r\n3a avenida\r\nQuetzaltenango'


def test_csv_undeclared_latin1_is_a_file_error(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("id,name\n1,Ana\n2,Jos\xe9\n".encode("latin-1"))
    with pytest.raises(InvalidInput) as info:
        open_table(path, "csv")  # noticed while reading the header
    assert "t.csv: near line 1: not UTF-8 text" in info.value.message
    assert "encoding: latin-1" in info.value.message
    # Far into the file: noticed while loading, and the whole load stops.
    path.write_bytes(("id,name\n" + "1,Ana\n" * 5000 + "2,Jos\xe9\n").encode("latin-1"))
    with open_table(path, "csv") as table, pytest.raises(InvalidInput) as info:
        list(table.rows(["name"]))
    assert "t.csv: near line" in info.value.message
    assert "nothing was loaded" in info.value.message


def test_unknown_encoding(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n")
    with pytest.raises(InvalidInput, match="unknown encoding 'klingon'"):
        open_table(path, "csv", encoding="klingon")


def test_csv_too_many_cells_is_a_row_error_too_few_are_empty(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,name,city\n1,Pérez, José,Puebla\n2,Ana\n3,Bea,León,,\n", encoding="utf-8")
    got = read(path, "csv", ["id", "name", "city"])
    assert got[0][3].startswith("4 cells but the header")
    assert "line 1" in got[0][3]
    assert got[0][2] == {}
    assert got[1][2] == {"id": "2", "name": "Ana", "city": ""}
    assert got[2][3] is None  # trailing empty cells are harmless


def test_csv_unterminated_quote_stops_the_load(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('id,name\n1,Ana\n2,"Bea\n3,Cid\n', encoding="utf-8")
    with open_table(path, "csv") as table, pytest.raises(InvalidInput) as info:
        list(table.rows(["name"]))
    assert "t.csv: line 3: malformed CSV" in info.value.message
    assert "nothing was loaded" in info.value.message


def test_csv_header_row_and_empty_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Report of 2021\n\nid,name\n1,Ana\n", encoding="utf-8")
    with open_table(path, "csv", header_row=2) as table:
        assert table.header == ["id", "name"]
        assert table.header_where.endswith("line 3")
        assert [r.number for r in table.rows(["id"])] == [4]
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InvalidInput, match="empty.csv: no header row"):
        open_table(empty, "csv")


def test_csv_only_mapped_columns_are_kept(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    assert read(path, "csv", ["c", "a"])[0][2] == {"c": "3", "a": "1"}


# -- XLSX --------------------------------------------------------------------------------
def workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Notes"
    first.append(["nothing here"])
    sheet = book.create_sheet("Personas")
    sheet.append(["Listado de personas"])
    sheet.append(["id", "nombre", "nacimiento", "tel", 2021.0])
    sheet.append([5512345678.0, "Ana", dt.datetime(1990, 5, 1), 5512345678.0, 1.5])
    sheet.append([])
    sheet.append([17, "Bea", dt.date(1985, 1, 13), "=1/0", None])
    sheet["D5"].value = "#DIV/0!"
    sheet["D5"].data_type = "e"
    sheet.append([None, None, None, None, None, "stray"])
    book.save(path)
    return path


def test_xlsx_typed_cells_and_row_numbers(tmp_path):
    path = workbook(tmp_path / "book.xlsx")
    with open_table(path, "xlsx", sheet="Personas", header_row=2) as table:
        assert table.header == ["id", "nombre", "nacimiento", "tel", "2021"]
        assert table.header_where.endswith("book.xlsx: sheet Personas row 2")
        rows = list(table.rows(["id", "nacimiento", "tel", "2021"]))
    assert [r.number for r in rows] == [3, 5, 6]
    assert rows[0].values["nacimiento"] == dt.datetime(1990, 5, 1)
    assert rows[0].where.endswith("book.xlsx: sheet Personas row 3")
    assert rows[1].values["tel"] == CellError("#DIV/0!")
    assert rows[2].error.startswith("6 filled cells but the header")


def test_xlsx_numbers_come_as_floats(tmp_path):
    # The fixture stores numbers as floats (see make_personas_xlsx.py): the
    # reader hands them over as they are; the mapping turns them into text.
    with open_table(FIXTURES / "personas.xlsx", "xlsx", sheet="Personas", header_row=2) as t:
        rows = list(t.rows(["id", "tel", "nacimiento"]))
    assert [r.number for r in rows] == [3, 4, 6, 7, 8]
    assert rows[0].values["id"] == 5512345678.0
    assert isinstance(rows[0].values["id"], float)
    assert rows[1].values["nacimiento"] == dt.datetime(1985, 1, 13, 14, 30)
    assert rows[4].values["tel"] == CellError("#N/A")


def test_xlsx_default_sheet_is_the_first(tmp_path):
    path = workbook(tmp_path / "book.xlsx")
    with open_table(path, "xlsx") as table:
        assert table.header == ["nothing here"]
        assert table.sheet == "Notes"


def test_xlsx_unknown_sheet_lists_the_sheets(tmp_path):
    path = workbook(tmp_path / "book.xlsx")
    with pytest.raises(InvalidInput, match=r"no sheet 'Persons' \(sheets: Notes, Personas\)"):
        open_table(path, "xlsx", sheet="Persons")


def test_not_an_xlsx(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("id,name\n")
    with pytest.raises(InvalidInput, match="fake.xlsx: not an XLSX workbook"):
        open_table(path, "xlsx")


# -- JSON lines ------------------------------------------------------------------------
def test_jsonl_rows_nested_fields_and_bad_lines(tmp_path):
    path = tmp_path / "p.jsonl"
    lines = [
        json.dumps({"id": 1, "person": {"name": "Ana", "phones": ["5512345678"]}}),
        "",
        "{broken",
        "[1, 2]",
        json.dumps({"id": "2", "person.name": "literal dotted key", "extra": None}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open_table(path, "jsonl") as table:
        assert table.header is None
        rows = list(table.rows(["id", "person.name", "person.phones", "missing"]))
        assert table.first_keys == ["id", "person", "person.name", "person.phones"]
        assert table.seen == {"id", "person.name", "person.phones"}
    assert [r.number for r in rows] == [1, 3, 4, 5]
    assert rows[0].values == {"id": 1, "person.name": "Ana", "person.phones": ["5512345678"]}
    assert rows[1].error.startswith("invalid JSON")
    assert rows[2].error == "expected a JSON object, got list"
    assert rows[3].values == {"id": "2", "person.name": "literal dotted key"}
    assert rows[3].where.endswith("p.jsonl: line 5")

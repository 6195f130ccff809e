"""XLSX formulas: a cached result is the value; a formula the file holds no
result for (written by a script, or by LibreOffice without recalculation) is a
row error naming the cell — never an empty value lost silently."""

from __future__ import annotations

import openpyxl
import pytest
from test_mapped_load import count, write_mapping

from gugus import admin
from gugus.errors import InvalidInput
from gugus.ingest.mapped import load_mapped

MAPPING = """
    entities:
      p:
        schema: Person
        keys: [id]
        properties:
          name: nombre
          notes: nota
"""


@pytest.fixture
def fgr(sqlite_node):
    admin.add_organisation(sqlite_node, "MX-FGR", "FGR", "MX")
    admin.add_collection(sqlite_node, "fgr", "MX-FGR", "amber", None)
    return sqlite_node


def workbook(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Personas"
    sheet.append(["id", "nombre", "nota"])
    for row in rows:
        sheet.append(row)
    book.save(path)  # openpyxl stores formulas without a computed value
    return path


def test_uncomputed_formula_is_a_row_error_naming_the_cell(fgr, tmp_path):
    path = workbook(tmp_path / "p.xlsx", [[1, "Ana Pérez", "ok"], [2, '=PROPER("juan")', "x"]])
    mapping = write_mapping(tmp_path, MAPPING)
    with pytest.raises(InvalidInput) as info:
        load_mapped(fgr, "fgr", path, mapping)
    message = info.value.message
    assert "sheet Personas row 3" in message and "'nombre'" in message
    assert "formula without a computed value" in message
    assert "PROPER" not in message and "juan" not in message  # not the formula: it may hold data
    assert count(fgr) == 0
    summary = load_mapped(fgr, "fgr", path, mapping, on_error="skip")
    assert summary.skipped == 1 and summary.entities == 1


def test_formula_in_an_unmapped_column_is_ignored(fgr, tmp_path):
    path = workbook(tmp_path / "p.xlsx", [[1, "Ana Pérez", "ok"]])
    book = openpyxl.load_workbook(path)
    book.active["D1"] = "fila"  # a column the mapping does not use
    book.active["D2"] = "=ROW()"
    book.save(path)
    summary = load_mapped(fgr, "fgr", path, write_mapping(tmp_path, MAPPING))
    assert (summary.skipped, summary.entities) == (0, 1)


def test_text_that_looks_like_a_formula_is_data(fgr, tmp_path):
    path = workbook(tmp_path / "p.xlsx", [[1, "Ana Pérez", "'=HYPERLINK(x)"]])
    summary = load_mapped(fgr, "fgr", path, write_mapping(tmp_path, MAPPING))
    assert summary.skipped == 0 and summary.statements == 3

"""Load errors on a Spanish load page are Spanish — the mapping checks, a
document that cannot be read, an XLSX file's internals, HTCDS cells — with
no English template left over and no cell value quoted (TestClient on the
API tests' world, both backends).  And every message template of the
importers (gugus.errors.Msg in src/gugus/ingest and src/gugus/extract) has a
Spanish translation with the same placeholders."""

from __future__ import annotations

import ast
import html
import io
import re
from pathlib import Path

import openpyxl
import pytest
from apiworld import build_world
from pageworld import csrf_of, logged_in

import gugus
from gugus.errors import InvalidInput
from gugus.ingest import tabular
from gugus.ingest.mapping import load_mapping
from gugus.web import catalogue
from gugus.web.i18n import translations

SRC = Path(gugus.__file__).parent
CSV = b"id,name,born\nr1,Ana Ruiz,1990-01-02\n"
BASE = "entities:\n  p:\n    schema: Person\n    keys: [id]\n    properties:\n      name: name\n"


def person(props: str = "      name: name\n", entity: str = "    keys: [id]\n") -> str:
    return f"entities:\n  p:\n    schema: Person\n{entity}    properties:\n{props}"


# (mapping, what the Spanish page says, the English it must not say)
MAPPING_CHECKS = [
    ("- just a list\n", "m.yml: se esperaba un objeto YAML con `entities:`", "expected a YAML"),
    ("format: xlsy\n" + BASE, "m.yml: format: 'xlsy' (permitidos: csv, xlsx, jsonl)", "allowed"),
    ("encoding: klingon\n" + BASE, "codificación desconocida 'klingon'", "unknown encoding"),
    ("delimiter: ';;'\n" + BASE, "delimiter: ';;' debe ser un solo carácter", "one character"),
    ("header_row: 0\n" + BASE, "debe ser un número de fila (1 o más)", "must be a row number"),
    (
        person(entity="    keys: [id]\n    key: id\n"),
        "m.yml: entities.p: indique `keys` o `key`, no ambos",
        "not both",
    ),
    (person(entity=""), "necesita `keys` (columnas cuyos valores", "needs `keys`"),
    (
        person(props="      - name\n"),
        "entities.p.properties: se esperaban pares `propiedad: columna`",
        "expected `property",
    ),
    (
        person(props="      name: {column: name, format: '%d'}\n"),
        "solo las propiedades de fecha admiten un formato (name es de tipo name)",
        "only date properties",
    ),
    (
        person(props="      name: {column: name, split: ''}\n"),
        "entities.p.properties.name.split: vacío",
        "empty",
    ),
    (
        person(props="      name: {column: name, required: 'yes'}\n"),
        "entities.p.properties.name.required: true o false",
        "true or false",
    ),
    (
        person(props="      parent: {entity: q}\n"),
        "entities.p.properties.parent.entity: no hay ninguna entidad llamada 'q'",
        "no entity named",
    ),
    (
        person(props="      name: {template: '{name'}\n"),
        "una llave sin pareja (escriba {{ o }} para una llave literal)",
        "unmatched brace",
    ),
    (
        person(props="      birthDate: {column: born, format: 'dd'}\n"),
        "'dd' no tiene ninguna directiva % (p. ej. '%d/%m/%Y')",
        "has no %-directive",
    ),
    (
        person(props="      nationality: {literal: [[mx]]}\n"),
        "se esperaba un valor, se recibió una lista",
        "expected a value",
    ),
    (
        person(props="      gender: {literal: mujer}\n"),
        "gender.literal: no es un valor válido de tipo gender",
        "mujer",  # a literal is a value to be stored: never quoted
    ),
    ("sheet: Hoja1\n" + BASE, "sheet: se aplica a archivos xlsx; este archivo es csv", "applies"),
]


@pytest.fixture
def world(node):
    return build_world(node)


def spanish(world):
    c = logged_in(world.node, "mx_analyst")
    c.cookies.set("gugus_lang", "es_MX")
    return c


def load(c, files, collection="mx-cases", **fields):
    token = csrf_of(c.get("/load").text)
    return c.post("/load", data={"collection": collection, "csrf": token, **fields}, files=files)


def said(r) -> str:
    found = re.search(r'<p class="error"[^>]*>(.*?)</p>', r.text, re.S)
    assert found, r.text[:500]
    return html.unescape(found.group(1))


def english(tmp_path, text: str) -> str:
    path = tmp_path / "m.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_mapping(path).check_format("csv")
    return info.value.message


def test_mapping_checks_are_said_in_spanish(world, tmp_path):
    c = spanish(world)
    assert len({fragment for _, fragment, _ in MAPPING_CHECKS}) >= 10
    for text, fragment, gone in MAPPING_CHECKS:
        if gone != "mujer":  # the English says it: the test checks what it claims
            assert gone in english(tmp_path, text), text
        r = load(c, {"file": ("t.csv", CSV), "mapping": ("m.yml", text.encode())})
        assert r.status_code == 400, text
        message = said(r)
        assert fragment in message, (text, message)
        assert gone not in message, (text, message)
        assert message.startswith("m.yml: ") and "gugus-upload" not in message


def test_a_column_twice_in_the_header_and_a_date_that_does_not_fit_in_spanish(world):
    c = spanish(world)
    mapping = person(
        props="      name: name\n      birthDate: {column: born, format: '%d/%m/%Y'}\n"
    )
    twice = b"id,name,name,born\nr1,Ana,Ana,02/01/1990\n"
    r = load(c, {"file": ("t.csv", twice), "mapping": ("m.yml", mapping.encode())})
    assert said(r).startswith(
        "t.csv: línea 1: las columnas 'name' aparecen más de una vez en el encabezado; "
        "cámbieles el nombre para que m.yml pueda distinguirlas"
    )
    bad = b"id,name,born\nr1,Ana Ruiz,1990-31-31\n"
    r = load(c, {"file": ("t.csv", bad), "mapping": ("m.yml", mapping.encode())})
    assert said(r) == (
        "t.csv: línea 2: columna 'born': el valor no corresponde al formato de fecha "
        "'%d/%m/%Y' — no se cargó nada"
    )
    assert "1990-31-31" not in r.text  # the cell is never quoted


def test_a_document_that_cannot_be_read_is_said_in_spanish(world):
    c = spanish(world)
    r = load(c, {"file": ("nota.pdf", b"hello, not a pdf")})
    assert r.status_code == 400
    assert said(r) == "nota.pdf: no es un PDF (no tiene el encabezado %PDF-) — no se cargó nada"
    r = load(c, {"file": ("informe.docx", b"not a zip archive at all")})
    assert said(r) == "informe.docx: no es un DOCX (no es un archivo ZIP) — no se cargó nada"
    r = load(c, {"file": ("vacio.txt", b"\x00\x01\x02binary")})
    assert said(r).startswith(
        "vacio.txt: codificación de texto ilegible (datos binarios: bytes NUL)"
    )
    assert "not a PDF" not in r.text and "binary data" not in r.text


def _workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Personas"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_internals_are_said_in_spanish(world, monkeypatch):
    c = spanish(world)
    mapping = BASE.encode()
    formula = _workbook([["id", "name"], ["r1", '=PROPER("juan")']])
    r = load(c, {"file": ("p.xlsx", formula), "mapping": ("m.yml", mapping)})
    assert r.status_code == 400
    assert said(r) == (
        "p.xlsx: hoja Personas fila 2: columna 'name': fórmula sin valor calculado — abra y "
        "guarde el archivo en Excel o LibreOffice (para que calcule sus fórmulas), o escriba el "
        "valor — no se cargó nada"
    )
    assert "PROPER" not in r.text and "juan" not in r.text  # not the formula: it may hold data
    error = _workbook([["id", "name"], ["r1", "#DIV/0!"]])
    r = load(c, {"file": ("p.xlsx", error), "mapping": ("m.yml", mapping)})
    assert said(r) == (
        "p.xlsx: hoja Personas fila 2: columna 'name': la celda contiene el error #DIV/0! "
        "— no se cargó nada"
    )
    monkeypatch.setattr(tabular, "MAX_OTHER_PART", 10)
    r = load(c, {"file": ("p.xlsx", formula), "mapping": ("m.yml", mapping)})
    assert re.fullmatch(
        r"p\.xlsx: la parte \S+ se descomprime a \d+ bytes \(límite 10\): no se leyó", said(r)
    )
    assert "unpacks" not in r.text


def test_htcds_cells_are_said_in_spanish(world):
    c = spanish(world)
    role = b"prs_FirstName,prs_SecondName,gugus_role\nPedro,G\xc3\xb3mez,testigo\n"
    r = load(c, {"file": ("casos.csv", role)}, format="htcds")
    assert r.status_code == 400
    assert said(r) == (
        "casos.csv: fila 2, columna C (gugus_role): rol desconocido "
        "(permitidos: victim, perpetrator) — no se cargó nada"
    )
    assert "testigo" not in r.text
    marking = b"prs_FirstName,gugus_marking\nAna,TLP:AMBER secreto\n"
    r = load(c, {"file": ("casos.csv", marking)}, format="htcds")
    assert said(r).startswith(
        "casos.csv: fila 2, columna B (gugus_marking): una palabra no forma parte de un marcado"
    )
    assert "secreto" not in r.text
    dates = b"prs_FirstName,prs_Birthdate\nAna,03/04/2008\n"
    r = load(c, {"file": ("casos.csv", dates)}, format="htcds")
    assert r.status_code == 200, r.text[:500]
    assert "orden de día y mes ambiguo (escríbala como AAAA-MM-DD)" in r.text
    assert "ambiguous" not in r.text


# -- the catalogue ---------------------------------------------------------------------
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([srdifgxX%])")


def placeholders(text: str) -> list[tuple[str, str]]:
    return sorted(PLACEHOLDER.findall(text))


def test_every_importer_template_has_a_spanish_translation_with_its_placeholders():
    found = catalogue.extract()
    spanish_of = catalogue.read()
    es = translations("es_MX")
    checked = 0
    for msg in found:
        places = [f for f, _ in msg.locations]
        if not msg.id or not any(p.startswith(("ingest/", "extract/")) for p in places):
            continue
        have = spanish_of.get(msg.id)
        assert have is not None and have.string and not have.fuzzy, (msg.id, places)
        assert have.string != "" and placeholders(have.string) == placeholders(msg.id), msg.id
        names = {name for name, _ in placeholders(msg.id) if name}
        if names:  # the translation formats with the English one's parameters
            have.string % dict.fromkeys(names, "x")
        assert es.gettext(msg.id) == have.string
        checked += 1
    assert checked >= 200


# -- no English-only message is left in an importer ----------------------------------------
ERRORS = {"InvalidInput", "NotFound", "Unreadable", "UnreadableEncoding", "Refused", "invalid"}
# Left in English on purpose: a guard that cannot fire, a caller's programming error.
LEFT = {("ingest/htcds_protect.py", "victim marking"), ("extract/pipeline.py", "text: expected")}


def test_no_importer_raises_a_plain_english_message():
    plain = []
    for path in sorted([*SRC.glob("ingest/**/*.py"), *SRC.glob("extract/**/*.py")]):
        where = path.relative_to(SRC).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func).rsplit(".", 1)[-1]
            if name not in ERRORS:
                continue
            for arg in node.args:
                literal = isinstance(arg, ast.JoinedStr) or (
                    isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                )
                shown = ast.unparse(arg)[:60]
                if literal and not any(where == f and s in shown for f, s in LEFT):
                    plain.append(f"{where}:{node.lineno}: {shown}")
    assert not plain, "\n".join(plain)

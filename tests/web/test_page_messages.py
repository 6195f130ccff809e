"""Messages that come from the services speak the page's language: load
errors by line, not-found and refusals, bad query parameters, the
framework's own HTTP errors and the cross-reference explanation on the
entity page — in Spanish on a Spanish page, while the API keeps the English
text (TestClient, both backends).  Also: a trailing-slash redirect never
follows a forged Host header."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from apiworld import build_world
from leakpages import session_client
from pageworld import client, csrf_of, logged_in
from relworld import build as build_rel
from relworld import fgr

import gugus.reads
from gugus.api import uploads
from gugus.xref import runs

MAPPING = (
    "entities:\n  p:\n    schema: Person\n    keys: [id]\n"
    "    properties:\n      name: name\n      birthDate: born\n"
)
UNKNOWN_PROPERTY = {"id": "p-msg-2", "schema": "Person", "properties": {"nmae": ["Ana"]}}
GOOD = {"id": "p-msg-1", "schema": "Person", "properties": {"name": ["Marisol Vega"]}}


def jsonl(*lines) -> bytes:
    return "".join(json.dumps(x) + "\n" for x in lines).encode()


@pytest.fixture
def world(node):
    return build_world(node)


def as_user(world, username: str, lang: str):
    c = logged_in(world.node, username)
    c.cookies.set("gugus_lang", lang)
    return c


def load(c, files, collection="mx-cases", **fields):
    token = csrf_of(c.get("/load").text)
    data = {"collection": collection, "csrf": token, **fields}
    return c.post("/load", data=data, files=files)


def error_text(html: str) -> str:
    found = re.search(r'<p class="error"[^>]*>(.*?)</p>', html, re.S)
    assert found, html[:500]
    return found.group(1)


# -- load errors -------------------------------------------------------------------------------
def test_a_bad_line_is_named_in_the_pages_language_and_in_english_by_the_api(world):
    body = jsonl(GOOD, UNKNOWN_PROPERTY)
    es = load(as_user(world, "mx_analyst", "es_MX"), {"file": ("people.jsonl", body)})
    assert es.status_code == 400
    assert error_text(es.text) == (
        "people.jsonl: línea 2: campo &#39;properties.nmae&#39;: propiedad desconocida de Person"
        " — no se cargó nada"
    )
    en = load(as_user(world, "mx_analyst", "en_US"), {"file": ("people.jsonl", body)})
    english = (
        "people.jsonl: line 2: field 'properties.nmae': unknown property of Person"
        " — nothing was loaded"
    )
    assert error_text(en.text) == english.replace("'", "&#39;")
    api = client(world.node).post(
        "/api/v1/collections/mx-cases/files",
        files={"file": ("people.jsonl", body)},
        headers=world.headers("mx_analyst"),
    )
    assert api.status_code == 400 and api.json()["error"]["message"] == english


def test_an_unknown_file_type_and_a_missing_column_in_spanish(world):
    c = as_user(world, "mx_analyst", "es_MX")
    r = load(c, {"file": ("notas.xyz", b"hola\n")})
    assert r.status_code == 400
    assert "notas.xyz: no se puede saber el formato (extensiones conocidas:" in error_text(r.text)
    csv = b"id,nombre,born\nr1,Ana Ruiz,1990-01-02\n"
    r = load(c, {"file": ("t.csv", csv), "mapping": ("m.yml", MAPPING.encode())})
    assert r.status_code == 400
    said = error_text(r.text)
    assert said.startswith(
        "t.csv: línea 1: columnas nombradas en m.yml que faltan en el encabezado"
    )
    assert "(el encabezado tiene: id, nombre, born)" in said
    assert "cannot tell" not in r.text and "missing from the header" not in r.text
    typo = MAPPING.replace("name: name", "nmae: name").encode()
    r = load(c, {"file": ("t.csv", b"id,name,born\n"), "mapping": ("m.yml", typo)})
    assert error_text(r.text) == (
        "m.yml: entities.p.properties.nmae: propiedad desconocida de Person (¿quiso decir name?)"
    )


def test_an_htcds_file_with_an_unknown_column_in_spanish(world):
    c = as_user(world, "mx_analyst", "es_MX")
    r = load(c, {"file": ("casos.csv", b"prs_FirstName,prs_LastNme\nAna,Ruiz\n")}, format="htcds")
    assert r.status_code == 400
    said = error_text(r.text)
    assert said.startswith(
        "casos.csv: columnas desconocidas en la fila 1: B &#39;prs_LastNme&#39; (¿quiso decir"
    )
    assert "unknown column" not in said and "did you mean" not in said


def test_a_looser_or_unknown_marking_in_spanish(world):
    c = as_user(world, "mx_analyst", "es_MX")
    r = load(c, {"file": ("people.jsonl", jsonl({**GOOD, "marking": {"tlp": "green"}}))})
    said = error_text(r.text)
    assert said.startswith(
        "people.jsonl: línea 1: campo &#39;marking&#39;: menos restrictivo que "
        "el marcado de la colección &#39;mx-cases&#39; (TLP:AMBER"
    )
    assert "TLP:GREEN es menos restrictivo que TLP:AMBER" in said
    assert said.endswith(" — no se cargó nada")
    r = load(c, {"file": ("people.jsonl", jsonl({**GOOD, "marking": {"tlp": "purple"}}))})
    assert error_text(r.text).startswith(
        "people.jsonl: línea 1: campo &#39;marking&#39;.tlp: nivel TLP desconocido &#39;purple&#39;"
    )


def test_dropped_values_say_where_and_why_in_spanish(world):
    c = as_user(world, "mx_analyst", "es_MX")
    csv = b"id,name,born\nr1,Ana Ruiz,1990-01-02\nr2,Luis Paz,not a date\n"
    r = load(c, {"file": ("t.csv", csv), "mapping": ("m.yml", MAPPING.encode())})
    assert r.status_code == 200, r.text[:500]
    row = re.search(r"<tr><td>t\.csv: línea 3: columna &#39;born&#39;</td>.*?</tr>", r.text)
    assert row and "no es un valor válido de tipo date" in row.group(0)


def test_a_file_too_large_is_refused_in_spanish(world, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD", 1000)
    c = as_user(world, "mx_analyst", "es_MX")
    r = load(c, {"file": ("people.jsonl", jsonl(GOOD) * 40)})
    assert r.status_code == 400
    assert error_text(r.text).startswith("el envío supera 256 MiB; divídalo en varios")


def test_a_refused_collection_is_said_in_spanish(world):
    c = as_user(world, "us_analyst", "es_MX")
    r = load(c, {"file": ("people.jsonl", jsonl(GOOD))})
    assert r.status_code == 403
    assert "no puede cargar en &#39;mx-cases&#39; de MXFGR" in error_text(r.text)


# -- validation errors --------------------------------------------------------------------------
def test_bad_query_parameters_in_both_languages_without_the_value(world):
    es = as_user(world, "mx_analyst", "es_MX")
    r = es.get("/search", params={"q": "perez", "offset": "zq9x"})
    assert r.status_code == 400 and error_text(r.text) == "offset: debe ser un número entero"
    assert "zq9x" not in r.text.replace('value="perez"', "")
    r = es.get("/search", params={"q": "zq9y" * 200})
    assert error_text(r.text) == "q: debe tener como máximo 500 caracteres"
    assert "zq9y" not in r.text
    r = es.get("/entities/x", params={"offset": "-1"})
    assert error_text(r.text) == "offset: debe ser al menos 0"
    en = as_user(world, "mx_analyst", "en_US")
    r = en.get("/search", params={"q": "perez", "offset": "zq9x"})
    assert r.status_code == 400 and error_text(r.text) == "offset: must be a whole number"
    api = client(world.node).get(
        "/api/v1/search",
        params={"q": "perez", "offset": "zq9x"},
        headers=world.headers("mx_analyst"),
    )
    assert api.status_code == 400 and "valid integer" in api.json()["error"]["message"]


def test_audit_filters_in_spanish(world):
    c = as_user(world, "mx_super", "es_MX")
    r = c.get("/audit", params={"since": "ayer"})
    assert r.status_code == 400
    assert "since: &#39;ayer&#39; no es una fecha ni una hora ISO 8601" in error_text(r.text)
    r = c.get("/audit", params={"since": "2026-12-06", "until": "2026-12-01"})
    assert error_text(r.text) == "hasta: debe ser posterior a desde"
    r = c.get("/audit", params={"before": "0"})
    assert error_text(r.text) == "before: debe ser al menos 1"


# -- error pages ------------------------------------------------------------------------------
def test_http_error_pages_in_spanish(world):
    c = as_user(world, "mx_analyst", "es_MX")
    r = c.get("/no-such-page")
    assert r.status_code == 404 and "<h1>No encontrado</h1>" in r.text
    assert error_text(r.text) == "No hay ninguna página en esta dirección."
    r = c.delete("/load")
    assert r.status_code == 405 and "GET" in r.headers["allow"]
    assert error_text(r.text) == "Esta página no responde a este tipo de solicitud."
    r = c.get("/entities/no-such-entity")
    assert r.status_code == 404
    assert error_text(r.text) == "no se encontró la entidad &#39;no-such-entity&#39;"
    r = c.post("/load", files={"file": ("a.jsonl", b"{}\n")}, headers={"X-CSRF-Token": "0" * 64})
    assert r.status_code == 403 and error_text(r.text).startswith("este formulario caducó")
    en = as_user(world, "mx_analyst", "en_US")
    assert error_text(en.get("/no-such-page").text) == "There is no page at this address."
    api = en.get("/api/v1/no-such-endpoint")
    assert api.status_code == 404 and api.json()["error"]["message"] == "Not Found"


def test_a_busy_database_is_said_in_spanish(world, monkeypatch):
    def locked(*_args, **_kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(gugus.reads, "entity_of", locked)
    r = as_user(world, "mx_analyst", "es_MX").get(f"/entities/{world.id('p-msg-1')}")
    assert r.status_code == 503 and r.headers["retry-after"]
    assert error_text(r.text) == (
        "la base de datos está bloqueada por otro proceso o escritor; inténtelo de nuevo"
    )


def test_an_unexpected_fault_is_said_in_spanish_without_its_text(world, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("zq9z internal detail")

    monkeypatch.setattr(gugus.reads, "entity_of", broken)
    r = as_user(world, "mx_analyst", "es_MX").get("/entities/x")
    assert r.status_code == 500 and "zq9z" not in r.text and "internal error" not in r.text
    assert error_text(r.text).startswith("El servidor no pudo responder")


# -- the cross-reference explanation ----------------------------------------------------------
def test_the_entity_pages_explanation_is_in_the_pages_language(node):
    world = build_rel(node)
    assert runs.start(node, world["luis"], threshold=1e-9)["status"] == "done"

    def explanation(lang: str) -> str:
        c = session_client(node, "luis")
        c.cookies.set("gugus_lang", lang)
        html = c.get(f"/entities/{fgr('p1')}").text
        found = re.search(r'<ul class="explanation">(.*?)</ul>', html, re.S)
        assert found, html[:500]
        return found.group(1)

    es = explanation("es_MX")
    assert "apellido paterno: " in es and "evidencia" in es
    assert not re.search(r"surname|evidence|Exact match|Jaro", es)
    en = explanation("en_US")
    assert "surname: " in en and "evidence" in en


# -- redirects ------------------------------------------------------------------------------
def test_a_trailing_slash_redirect_is_a_path_whatever_the_host_header(world):
    c = client(world.node)
    for path, target in (("/login/", "/login"), ("/search/?q=perez", "/search?q=perez")):
        r = c.get(path, headers={"host": "evil.example"}, follow_redirects=False)
        assert r.status_code in (301, 307, 308), (path, r.status_code)
        assert r.headers["location"] == target
    r = c.get("/login/", follow_redirects=True)
    assert r.status_code == 200 and str(r.url).endswith("/login")


def test_search_filter_errors_in_spanish(world):
    es = as_user(world, "mx_analyst", "es_MX")
    r = es.get("/search", params={"q": "perez", "schema": "Persona"})
    assert r.status_code == 400
    assert error_text(r.text) == "tipo: tipo desconocido &#39;Persona&#39; (p. ej. Person, Company)"
    r = es.get("/search", params={"q": "perez", "country": "Atlantida"})
    assert error_text(r.text).startswith("país: país desconocido")
    api = client(world.node).get(
        "/api/v1/search",
        params={"q": "perez", "schema": "Persona"},
        headers=world.headers("mx_analyst"),
    )
    assert api.status_code == 400
    assert api.json()["error"]["message"].startswith("schema: unknown schema")


def test_file_level_load_errors_in_spanish(world):
    c = as_user(world, "mx_analyst", "es_MX")
    r = load(c, {"file": ("gente.jsonl", "José".encode("latin-1") + b"\n")})
    assert r.status_code == 400
    assert error_text(r.text).startswith("gente.jsonl: no es texto UTF-8 (")
    r = load(c, {"file": ("t.csv", b"id,name,born\n"), "mapping": ("m.yml", b"entities: [\n")})
    assert r.status_code == 400
    assert "m.yml: línea 2, columna 1: YAML no válido (" in error_text(r.text)
    r = load(
        c,
        {
            "file": ("libro.xlsx", b"PK\x03\x04 not a workbook"),
            "mapping": ("m.yml", MAPPING.encode()),
        },
    )
    assert r.status_code == 400
    assert error_text(r.text).startswith("libro.xlsx: no es un libro XLSX")
    assert "not an XLSX workbook" not in r.text and "invalid YAML" not in r.text

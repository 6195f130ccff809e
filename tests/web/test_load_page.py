"""The load page over HTTP (TestClient on the API tests' world): choose a
collection (marking first), upload one file, all or nothing, the summary."""

from __future__ import annotations

import json
import re

import pytest
from apiworld import build_world
from pageworld import csrf_of, logged_in

from gugus.store import statements as stmt_sql

PEOPLE = [
    {"id": "p-page-1", "schema": "Person", "properties": {"name": ["Marisol Vega"]}},
    {"id": "p-page-2", "schema": "Person", "properties": {"name": ["Ramiro Soto"]}},
]
MAPPING = "entities:\n  p:\n    schema: Person\n    keys: [id]\n    properties:\n      name: name\n      birthDate: born\n"


def jsonl(*lines) -> bytes:
    return "".join(json.dumps(x) + "\n" for x in lines).encode()


def statements(node) -> int:
    with node.db.reader.connect() as conn:
        return stmt_sql.count(conn)


@pytest.fixture
def world(node):
    return build_world(node)


def post(c, files, collection="mx-cases", *, csrf=None, htmx=False, **fields):
    form = c.get("/load")
    token = csrf if csrf is not None else csrf_of(form.text)
    headers = {"HX-Request": "true", "X-CSRF-Token": token} if htmx else {}
    data = {"collection": collection, **fields} | ({} if htmx else {"csrf": token})
    return c.post("/load", data=data, files=files, headers=headers)


def test_the_form_offers_the_collections_the_user_may_load_into_marking_first(world):
    c = logged_in(world.node, "mx_analyst")
    r = c.get("/load")
    assert r.status_code == 200
    values = re.findall(r'name="collection" id="[^"]+" value="([^"]+)"', r.text)
    assert sorted(values) == ["mx-cases", "mx-internal"]  # not us-public, not gt-red
    label = re.search(r'<label for="load-coll-\d+">(.*?)</label>', r.text, re.S).group(1)
    assert label.index("TLP:AMBER") < label.index("mx-")  # the badge before the name
    assert 'enctype="multipart/form-data"' in r.text and 'name="csrf"' in r.text
    assert '<script src="/static/load.js"' in r.text
    assert c.get("/static/load.js").status_code == 200


def test_a_supervisor_is_told_there_is_nothing_to_load_into(world):
    r = logged_in(world.node, "mx_super").get("/load")
    assert r.status_code == 200
    assert "You may not load into any collection" in r.text
    assert 'name="file"' not in r.text


def test_a_good_file_loads_and_shows_the_summary(world):
    c = logged_in(world.node, "mx_analyst")
    r = post(c, {"file": ("people.jsonl", jsonl(*PEOPLE))})
    assert r.status_code == 200, r.text[:500]
    assert "Loaded into mx-cases" in r.text and "people.jsonl" in r.text
    assert re.search(r"<td>2</td><td>2</td>\s*<td>4</td>", r.text)  # lines, entities, statements
    assert 'class="banner tlp-amber"' in r.text  # the file's values are the collection's data
    r = c.get(f"/api/v1/entities/{world.id('p-page-1')}", headers=world.headers("mx_analyst"))
    assert r.json()["properties"]["name"] == ["Marisol Vega"]


def test_a_bad_row_names_the_row_and_nothing_is_loaded(world):
    before = statements(world.node)
    c = logged_in(world.node, "mx_analyst")
    body = jsonl(PEOPLE[0]) + b'{"id": "p-broken",\n' + jsonl(PEOPLE[1])
    r = post(c, {"file": ("people.jsonl", body)})
    assert r.status_code == 400
    assert "Nothing was loaded" in r.text and "Line or row 2" in r.text
    assert "people.jsonl: line 2" in r.text
    assert "gugus-upload" not in r.text
    assert 'class="banner tlp-amber"' in r.text  # the message may quote the file's values
    assert statements(world.node) == before
    r = post(c, {"file": ("people.jsonl", body)}, collection="mx-internal")
    assert re.search(r'value="mx-internal" required checked', r.text)  # the choice is kept


def test_a_table_with_its_mapping_reports_dropped_values(world):
    c = logged_in(world.node, "mx_analyst")
    csv = b"id,name,born\nr1,Ana Ruiz,1990-01-02\nr2,Luis Paz,not a date\n"
    r = post(c, {"file": ("t.csv", csv), "mapping": ("m.yml", MAPPING.encode())})
    assert r.status_code == 200, r.text[:500]
    assert "Dropped values" in r.text and "not a date" in r.text and "t.csv: line 3" in r.text


def test_htmx_gets_the_result_alone(world):
    c = logged_in(world.node, "mx_analyst")
    r = post(c, {"file": ("people.jsonl", jsonl(*PEOPLE))}, htmx=True)
    assert r.status_code == 200
    assert "<html" not in r.text and "Loaded into mx-cases" in r.text
    assert 'hx-swap-oob="true"' in r.text  # the banners follow what is shown
    bad = post(c, {"file": ("x.jsonl", b"{oops\n")}, htmx=True)
    assert bad.status_code == 400 and "<html" not in bad.text and "Nothing was loaded" in bad.text


def test_without_the_csrf_token_nothing_is_loaded(world):
    before = statements(world.node)
    c = logged_in(world.node, "mx_analyst")
    for htmx in (False, True):
        r = post(c, {"file": ("people.jsonl", jsonl(*PEOPLE))}, csrf="0" * 64, htmx=htmx)
        assert r.status_code == 403
    assert statements(world.node) == before


def test_a_collection_of_another_organisation_is_refused(world):
    before = statements(world.node)
    c = logged_in(world.node, "us_analyst")
    r = post(c, {"file": ("people.jsonl", jsonl(*PEOPLE))}, collection="mx-cases")
    assert r.status_code == 403 and "Nothing was loaded" in r.text
    hidden = post(c, {"file": ("people.jsonl", jsonl(*PEOPLE))}, collection="mx-internal")
    assert hidden.status_code == 404 and "MXFGR" not in hidden.text
    assert statements(world.node) == before


def test_missing_file_or_collection_is_said(world):
    c = logged_in(world.node, "mx_analyst")
    r = post(c, {"file": ("", b"")})
    assert r.status_code == 400 and "Choose a file" in r.text
    r = post(c, {"file": ("a.jsonl", jsonl(PEOPLE[0]))}, collection="")
    assert r.status_code == 400 and "Choose a collection" in r.text


def test_the_page_speaks_spanish(world):
    c = logged_in(world.node, "mx_analyst")
    c.cookies.set("gugus_lang", "es_MX")
    assert "Cargar un archivo" in c.get("/load").text
    r = post(c, {"file": ("people.jsonl", b"{oops\n")})
    assert "No se cargó nada" in r.text

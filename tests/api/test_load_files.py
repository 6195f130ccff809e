"""POST /api/v1/collections/{name}/files: one uploaded file, all or nothing.

The twin of the web load page: FtM lines, a CSV with its mapping, through a
private temporary directory that is gone afterwards; a bad line or row
answers 400 naming it and nothing is stored.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from gugus.api import uploads
from gugus.store import statements as stmt_sql

API = "/api/v1"

PEOPLE = [
    {"id": "p-up-1", "schema": "Person", "properties": {"name": ["Marisol Vega"]}},
    {"id": "c-up-2", "schema": "Company", "properties": {"name": ["Hotel Frontera SA"]}},
]
MAPPING = """\
entities:
  person:
    schema: Person
    keys: [id]
    properties:
      name: name
      birthDate: born
"""
CSV = "id,name,born\nr1,Ana Ruiz,1990-01-02\nr2,Luis Paz,not a date\n"
BAD_CSV = "id,name,born\nr1,Ana Ruiz,1990-01-02\nr2,Luis Paz,1980-03-04,extra\n"


def jsonl(*lines) -> bytes:
    return "".join(json.dumps(x) + "\n" for x in lines).encode()


def statements(node) -> int:
    with node.db.reader.connect() as conn:
        return stmt_sql.count(conn)


def post(client, world, files, *, user="mx_analyst", collection="mx-cases", data=None):
    return client.post(
        f"{API}/collections/{collection}/files",
        files=files,
        data=data or {},
        headers=world.headers(user),
    )


def error(r, status: int) -> str:
    assert r.status_code == status, r.text
    return r.json()["error"]["message"]


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Temporary files of the test land here, to check they are removed."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_ftm_file_loads_and_answers_the_summary(world, client, private_tmp):
    r = post(client, world, {"file": ("people.jsonl", jsonl(*PEOPLE))})
    assert r.status_code == 200, r.text
    summary = r.json()
    assert summary["collection"] == "mx-cases"
    assert summary["source"] == "people.jsonl"
    assert (summary["lines"], summary["entities"], summary["statements"]) == (2, 2, 4)
    assert summary["errors"] == []
    got = client.get(f"{API}/entities/{world.id('p-up-1')}", headers=world.headers("mx_analyst"))
    assert got.json()["properties"]["name"] == ["Marisol Vega"]
    assert not any(private_tmp.iterdir())  # the upload is deleted


def test_bad_line_is_400_naming_it_and_nothing_is_loaded(world, client, private_tmp):
    before = statements(world.node)
    body = jsonl(PEOPLE[0]) + b'{"id": "p-broken", "schema": "Person",\n' + jsonl(PEOPLE[1])
    r = post(client, world, {"file": ("people.jsonl", body)})
    message = error(r, 400)
    assert message.startswith("people.jsonl: line 2") and "nothing was loaded" in message
    assert r.json()["error"]["details"][0]["line"] == 2
    assert "gugus-upload" not in r.text and str(private_tmp) not in r.text
    assert statements(world.node) == before
    assert not any(private_tmp.iterdir())


def test_table_with_its_mapping_reports_dropped_values(world, client):
    r = post(
        client,
        world,
        {"file": ("people.csv", CSV.encode()), "mapping": ("people.yml", MAPPING.encode())},
    )
    assert r.status_code == 200, r.text
    summary = r.json()
    assert (summary["lines"], summary["entities"], summary["dropped_values"]) == (3, 2, 1)
    dropped = summary["dropped_examples"][0]
    assert dropped["where"].startswith("people.csv: line 3") and dropped["property"] == "birthDate"


def test_bad_row_of_a_table_names_the_row_and_loads_nothing(world, client):
    before = statements(world.node)
    r = post(
        client,
        world,
        {"file": ("people.csv", BAD_CSV.encode()), "mapping": ("people.yml", MAPPING.encode())},
    )
    message = error(r, 400)
    assert message.startswith("people.csv: line 3") and "nothing was loaded" in message
    assert statements(world.node) == before


def test_bad_mapping_is_400_naming_the_mapping(module_world, module_client):
    files = {"file": ("people.csv", CSV.encode()), "mapping": ("m.yml", b"entities: [\n")}
    assert error(post(module_client, module_world, files), 400).startswith("m.yml")


def test_table_without_mapping_is_400(module_world, module_client):
    message = error(post(module_client, module_world, {"file": ("p.csv", CSV.encode())}), 400)
    assert "mapping" in message


def test_another_organisations_collection_is_403_and_an_invisible_one_404(world, client):
    before = statements(world.node)
    files = {"file": ("people.jsonl", jsonl(*PEOPLE))}
    assert "mx-cases" in error(post(client, world, files, user="us_analyst"), 403)
    hidden = post(client, world, files, user="us_analyst", collection="mx-internal")
    missing = post(client, world, files, user="us_analyst", collection="no-such")
    assert hidden.status_code == missing.status_code == 404
    assert "MXFGR" not in hidden.text
    assert "supervisor" in error(post(client, world, files, user="mx_super"), 403)
    assert statements(world.node) == before


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_body_over_the_limit_is_400(module_world, module_client, monkeypatch, private_tmp, chunked):
    monkeypatch.setattr(uploads, "MAX_UPLOAD", 10_000)
    body = b"--b\r\n" + (
        b'Content-Disposition: form-data; name="file"; filename="big.jsonl"\r\n\r\n'
        + b"x" * 20_000
        + b"\r\n--b--\r\n"
    )
    headers = {
        **module_world.headers("mx_analyst"),
        "Content-Type": "multipart/form-data; boundary=b",
    }
    content = iter([body[i : i + 4096] for i in range(0, len(body), 4096)]) if chunked else body
    r = module_client.post(f"{API}/collections/mx-cases/files", content=content, headers=headers)
    assert error(r, 400) == uploads.TOO_BIG
    assert not any(private_tmp.iterdir())


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"content": b"{}", "headers": {"Content-Type": "application/json"}}, "multipart"),
        ({"data": {"format": "ftm"}, "files": {"other": ("a.txt", b"x")}}, "other"),
        ({"files": {"file": ("", b"")}}, "file"),
        ({"files": {"file": ("a.jsonl", b"{}")}, "data": {"format": "xml"}}, "--format"),
    ],
    ids=["not-multipart", "unexpected-part", "no-file", "bad-format"],
)
def test_malformed_upload_is_400(module_world, module_client, kwargs, expected):
    headers = {**module_world.headers("mx_analyst"), **kwargs.pop("headers", {})}
    r = module_client.post(f"{API}/collections/mx-cases/files", headers=headers, **kwargs)
    assert expected in error(r, 400)


def test_path_in_the_file_name_is_dropped(module_world, module_client):
    r = post(module_client, module_world, {"file": ("../../etc/people.jsonl", jsonl(PEOPLE[0]))})
    assert r.status_code == 200, r.text
    assert r.json()["source"] == "people.jsonl"


def test_a_document_loads_by_its_extension(module_world, module_client):
    text = "Informe 12/2024. Se entrevistó a Marisol Vega en Tapachula el 3 de marzo de 2024.\n"
    r = post(module_client, module_world, {"file": ("informe.txt", text.encode())})
    assert r.status_code == 200, r.text
    summary = r.json()
    assert summary["source"] == "informe.txt" and summary["entities"] >= 1


def test_an_htcds_case_file_with_a_bad_row_names_it(module_world, module_client):
    before = statements(module_world.node)
    bad = (
        Path(__file__).parents[1] / "ingest" / "fixtures" / "htcds" / "bad_rows.csv"
    ).read_bytes()
    message = error(post(module_client, module_world, {"file": ("cases.csv", bad)}), 400)
    assert message.startswith("cases.csv: row 3") and message.endswith("nothing was loaded")
    assert statements(module_world.node) == before


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("mx_analyst", ["mx-cases", "mx-internal"]),
        ("us_analyst", ["us-public"]),
        ("mx_super", []),
    ],
)
def test_collections_one_may_load_into(module_world, module_client, user, expected):
    r = module_client.get(
        f"{API}/collections", params={"loadable": "true"}, headers=module_world.headers(user)
    )
    assert sorted(c["name"] for c in r.json()["collections"]) == expected

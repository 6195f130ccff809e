"""Finding 17 (check part): `gugus check` finds a changed byte in a stored
value and names the row — never the value — on both backends."""

from __future__ import annotations

import json
import sqlite3

import pytest
from nsids import nsid
from sqlalchemy import text
from typer.testing import CliRunner

from gugus import admin
from gugus.check import check
from gugus.cli import app
from gugus.ingest import ftm
from gugus.store import integrity

EMAIL = "maria.lopez1980@example.org"
FLIPPED = "maria.lopez1981@example.org"
P1 = nsid("MXFGR", "p-1")  # ids are stored in the loading organisation's namespace


def _load(node, people: int = 3) -> None:
    admin.add_organisation(node, "MXFGR", "Fiscalía", "MX")
    admin.add_collection(node, "mx-cases", "MXFGR", "amber", "H0")
    lines = [
        json.dumps(
            {
                "id": f"p-{i}",
                "schema": "Person",
                "properties": {
                    "name": [f"María López {i}"],
                    "email": [EMAIL if i == 1 else f"p{i}@example.org"],
                },
            }
        )
        for i in range(people)
    ]
    ftm.load_lines(node, "mx-cases", lines, source="people.jsonl")


def _email_row(node) -> tuple[int, str]:
    with node.db.reader.connect() as conn:
        row = conn.execute(
            text("SELECT pk, id FROM statements WHERE prop = 'email' AND entity_id = :e"),
            {"e": P1},
        ).one()
    return row.pk, row.id


def test_sound_store_checks_ok(node):
    _load(node)
    result = check(node)
    assert result.ok, result.to_dict()
    assert result.statements == 3 * 3  # id, name, email of each person
    run = CliRunner().invoke(app, ["check", "--db", node.db.url])
    assert run.exit_code == 0, run.output
    assert "9 statements" in run.output


def test_flipped_digit_in_an_email_is_named(node):
    _load(node)
    pk, sid = _email_row(node)
    with node.db.writer.begin() as conn:
        conn.execute(
            text("UPDATE statements SET value = :v WHERE pk = :pk"), {"v": FLIPPED, "pk": pk}
        )
    result = check(node)
    assert not result.ok
    [damage] = result.damaged
    assert (damage.table, damage.pk, damage.statement_id, damage.entity_id) == (
        "statements",
        pk,
        sid,
        P1,
    )
    run = CliRunner().invoke(app, ["check", "--db", node.db.url, "--json"])
    assert run.exit_code == 1
    report = json.loads(run.stdout)
    assert report["damaged_count"] == 1 and report["damaged"][0]["entity_id"] == P1
    run = CliRunner().invoke(app, ["check", "--db", node.db.url])
    assert run.exit_code == 1
    assert f"statement {sid}" in run.output and f"entity {P1}" in run.output
    for shown in (run.output, json.dumps(report)):
        assert FLIPPED not in shown and EMAIL not in shown and "maria" not in shown


def test_statements_are_read_in_bounded_batches(node):
    _load(node, people=7)
    with node.db.reader.connect() as conn:
        sizes = [len(b) for b in integrity.statement_batches(conn, node.db.dialect, size=4)]
    assert sum(sizes) == 21 and max(sizes) == 4


def test_invalid_utf8_is_named_not_decoded(sqlite_node):
    """SQLite stores any bytes: a flipped high bit leaves invalid UTF-8, which
    reads refuse with a message quoting the text; check names the row."""
    node = sqlite_node
    _load(node)
    pk, sid = _email_row(node)
    with sqlite3.connect(node.db.path) as raw:
        raw.execute(
            "UPDATE statements SET value = CAST(X'6d61726961ff40' AS TEXT) WHERE pk = ?", (pk,)
        )
    result = check(node)
    [damage] = result.damaged
    assert damage.pk == pk and damage.statement_id == sid
    assert damage.problem == "not valid UTF-8 in value"


@pytest.mark.parametrize("pragma", ["quick", "full"])
def test_damaged_database_file_is_reported(tmp_path, pragma):
    """Bytes overwritten inside the SQLite file: the engine's own check (or the
    read it makes fail) reports it, exit 1, one line per problem."""
    from gugus.node import Node

    db = tmp_path / "gugus.db"
    node = Node(str(db))
    node.db.migrate()
    _load(node, people=400)
    node.close()
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = raw.execute("PRAGMA page_size").fetchone()[0]
        pages = raw.execute("PRAGMA page_count").fetchone()[0]
    data = bytearray(db.read_bytes())
    for page in range(pages // 2, pages):  # scribble over the second half's page headers
        data[page * page_size : page * page_size + 8] = b"\xff" * 8
    db.write_bytes(bytes(data))
    args = ["check", "--db", str(db)] + (["--quick"] if pragma == "quick" else [])
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 1, run.output
    assert "damaged: database" in run.output
    assert "Traceback" not in run.output and "María" not in run.output

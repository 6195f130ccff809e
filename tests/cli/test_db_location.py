"""--db pointing at the wrong thing (issue #9, the first hour): a text file, a
directory, a missing folder, an in-memory or malformed URL, a PostgreSQL
database that does not exist.  One line naming what is wrong, exit 2, and
nothing created on the way."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gugus.cli import app

READS = [
    ["org", "list"],
    ["search", "jose", "--as", "ana"],
    ["entity", "p-1", "--as", "ana"],
    ["audit", "verify"],
    ["notices", "--as", "ana"],
]


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def one_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize("command", READS, ids=" ".join)
def test_a_text_file_is_not_a_database(tmp_path, command):
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n", encoding="utf-8")
    line = one_line(run(*command, "--db", str(text)))
    assert "is not a database file" in line and "damaged" not in line
    assert text.read_text(encoding="utf-8") == "not a database\n"


@pytest.mark.parametrize("command", [*READS, ["init"], ["check"]], ids=" ".join)
def test_a_directory_is_named_as_one(tmp_path, command):
    line = one_line(run(*command, "--db", str(tmp_path)))
    assert "is a directory" in line and str(tmp_path / "gugus.db") in line


@pytest.mark.parametrize("command", [*READS, ["check"]], ids=" ".join)
def test_a_read_never_creates_a_missing_folder(tmp_path, command):
    db = tmp_path / "nowhere" / "gugus.db"
    line = one_line(run(*command, "--db", str(db)))
    assert "does not exist" in line
    assert not (tmp_path / "nowhere").exists()


def test_a_missing_file_in_an_existing_folder_says_how_to_make_one(tmp_path):
    db = tmp_path / "gugus.db"
    line = one_line(run("org", "list", "--db", str(db)))
    assert f"no database at {db}" in line and "gugus init" in line
    assert not db.exists()


def test_init_says_when_it_creates_a_folder(tmp_path):
    db = tmp_path / "new" / "gugus.db"
    result = run("init", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert f"created the folder {tmp_path / 'new'}" in result.output
    assert db.exists()


def test_init_refuses_a_text_file(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("keep me\n", encoding="utf-8")
    assert "is not a database file" in one_line(run("init", "--db", str(text)))
    assert text.read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
        ("postgresql://ana:s3cret@127.0.0.1:port/gugus", "not a database URL"),
        ("mysql://u@h/db", "unsupported database 'mysql'"),
    ],
)
def test_urls_that_cannot_hold_a_node(url, expected):
    line = one_line(run("org", "list", "--db", url))
    assert expected in line and "internal error" not in line
    assert "s3cret" not in line


def test_a_postgresql_database_that_does_not_exist(pg_server):
    url = pg_server.url_for("no_such_database")
    line = one_line(run("org", "list", "--db", url))
    assert "does not exist" in line and "internal error" not in line

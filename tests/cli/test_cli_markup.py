"""Stored text is printed as text, never interpreted as Rich markup."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from gugus.cli import app


def test_names_and_purposes_with_brackets_print_verbatim(tmp_path):
    db = str(tmp_path / "g.db")
    run = CliRunner().invoke
    assert run(app, ["init", "--db", db]).exit_code == 0
    assert (
        run(app, ["org", "add", "MX", "--name", "M", "--country", "MX", "--db", db]).exit_code == 0
    )
    assert (
        run(app, ["user", "add", "ana", "--org", "MX", "--role", "analyst", "--db", db]).exit_code
        == 0
    )
    assert (
        run(
            app, ["user", "add", "sup", "--org", "MX", "--role", "supervisor", "--db", db]
        ).exit_code
        == 0
    )
    assert (
        run(app, ["collection", "add", "c", "--org", "MX", "--tlp", "amber", "--db", db]).exit_code
        == 0
    )
    path = tmp_path / "x.jsonl"
    path.write_text(
        json.dumps(
            {"id": "p1", "schema": "Person", "properties": {"name": ["Ana [/]Perez [conceal]x"]}}
        )
    )
    assert run(app, ["load", "c", str(path), "--db", db]).exit_code == 0
    result = run(app, ["search", "perez", "--as", "ana", "--purpose", "[/]", "--db", db])
    assert result.exit_code == 0, result.output
    assert "[/]Perez" in result.output and "[conceal]" in result.output
    result = run(app, ["audit", "list", "--as", "sup", "--db", db])
    assert result.exit_code == 0, result.output
    assert "[/]" in result.output


def test_token_lifetime_is_bounded(tmp_path):
    db = str(tmp_path / "g.db")
    run = CliRunner().invoke
    run(app, ["init", "--db", db])
    run(app, ["org", "add", "MX", "--name", "M", "--country", "MX", "--db", db])
    result = run(
        app,
        [
            "user",
            "add",
            "ana",
            "--org",
            "MX",
            "--role",
            "analyst",
            "--token-days",
            "1e9",
            "--db",
            db,
        ],
    )
    assert result.exit_code == 2
    assert "at most 3650" in result.output
    listed = run(app, ["user", "list", "--json", "--db", db])
    assert json.loads(listed.output) == []  # nothing half-written

"""A small node built once through the CLI and copied for each test that needs it.

    MXFGR (MX)  users mx_analyst (analyst), mx_super (supervisor)
    USHSI (US)  user us_analyst (analyst)
    mx-cases     TLP:AMBER H0 REL TO USHSI   (cases.jsonl, loaded as mx_analyst)
    mx-internal  TLP:AMBER H0                (internal.jsonl)

Each ``user add`` hashes a password with argon2 (~50 ms), so the users are
made once per session, not per test.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gugus import cli as cli_module
from gugus.cli import app
from gugus.node import Node

PASSWORD = "correct horse battery staple"
MX_ONLY = {"tlp": "amber", "handling": ["H0"]}

CASES = [
    {
        "id": "p-jose",
        "schema": "Person",
        "properties": {
            "name": ["José Pérez"],
            "nationality": ["mx"],
            "birthDate": ["1980-02-03"],
        },
        "property_markings": {"birthDate": MX_ONLY},
    },
    {
        "id": "p-lucia",
        "schema": "Person",
        "properties": {"name": ["Lucía Hernández", "Lucy Hernandez"], "gender": ["female"]},
    },
    {
        "id": "c-hotel",
        "schema": "Company",
        "properties": {"name": ["Hotel Frontera SA"], "jurisdiction": ["mx"]},
    },
    {
        "id": "o-hotel-jose",
        "schema": "Ownership",
        "properties": {"owner": ["p-jose"], "asset": ["c-hotel"], "percentage": ["60"]},
        "property_markings": {"percentage": MX_ONLY},
    },
]
INTERNAL = [{"id": "p-secret", "schema": "Person", "properties": {"name": ["José Secreto"]}}]


def jsonl(entities) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entities)


class Cli:
    """Runs the CLI in-process against one database file."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):
        return self.runner.invoke(app, [*args, "--db", str(self.db)], input=input)

    def ok(self, *args: str, input: str | None = None):
        result = self(*args, input=input)
        assert result.exit_code == 0, (args, result.output, result.exception)
        return result

    def json(self, *args: str):
        return json.loads(self.ok(*args, "--json").stdout)

    def node(self) -> Node:
        node = Node(str(self.db))
        node.db.ensure_ready()
        return node


@dataclass
class Built:
    dir: Path
    db: Path
    files: dict[str, Path]


def build(directory: Path) -> Built:
    cli = Cli(directory / "gugus.db")
    cli.ok("init")
    cli.ok("org", "add", "MXFGR", "--name", "Fiscalía General de la República", "--country", "MX")
    cli.ok("org", "add", "USHSI", "--name", "Homeland Security Investigations", "--country", "US")
    for username, org, role in [
        ("mx_analyst", "MXFGR", "analyst"),
        ("mx_super", "MXFGR", "supervisor"),
        ("us_analyst", "USHSI", "analyst"),
    ]:
        cli.ok(
            "user", "add", username, "--org", org, "--role", role, "--password-stdin",
            input=PASSWORD + "\n",
        )  # fmt: skip
    cli.ok(
        "collection", "add", "mx-cases", "--org", "MXFGR", "--tlp", "amber",
        "--handling", "H0", "--release-to", "USHSI",
    )  # fmt: skip
    cli.ok("collection", "add", "mx-internal", "--org", "MXFGR", "--tlp", "amber")
    files = {"cases": directory / "cases.jsonl", "internal": directory / "internal.jsonl"}
    files["cases"].write_text(jsonl(CASES), encoding="utf-8")
    files["internal"].write_text(jsonl(INTERNAL), encoding="utf-8")
    cli.ok("load", "mx-cases", str(files["cases"]), "--as", "mx_analyst")
    cli.ok("load", "mx-internal", str(files["internal"]))
    return Built(directory, cli.db, files)


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch):
    """Rich sizes its output from the real terminal if there is one; pin the
    width a pipe or a log file gets, so the tests do not depend on it."""
    for console in (cli_module.out, cli_module.err):
        monkeypatch.setattr(console, "_width", 80)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    return build(tmp_path_factory.mktemp("cli-node"))


@pytest.fixture
def cli(built, tmp_path) -> Cli:
    """A private copy of the built node."""
    db = tmp_path / "gugus.db"
    # The backup API copies committed pages, those still in the WAL included.
    for name in ("gugus.db", "gugus.audit.db"):
        with (
            closing(sqlite3.connect(built.dir / name)) as src,
            closing(sqlite3.connect(tmp_path / name)) as dst,
        ):
            src.backup(dst)
    for name in (
        "gugus.db.key",
        "gugus.db.anchor",
    ):  # the node key and anchor, outside the database
        shutil.copy2(built.dir / name, tmp_path / name)
    return Cli(db)


@pytest.fixture
def empty_cli(tmp_path) -> Cli:
    """A CLI on a database that does not exist yet."""
    return Cli(tmp_path / "fresh.db")

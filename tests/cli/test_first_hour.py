"""The first hour with the CLI (issue #9), as a newcomer meets it: the
version, help for everything in workflow order, ids whole enough to paste,
provenance and per-value markings in the human view, "no results" said, the
export's handling reminder, and the demo node found without --db."""

from __future__ import annotations

import json
import shutil
import socket

import click
import pytest
import typer
from nsids import nsid
from typer.testing import CliRunner

import gugus
from gugus.cli import app

# The order a newcomer meets the commands in: set up, load, read, link, account.
WORKFLOW = [
    "init", "demo", "serve", "org", "user", "collection", "load", "loads", "search", "entity",
    "export", "xref", "judge", "judgements", "match", "notices", "pprl", "audit", "check",
]  # fmt: skip


def invoke(*args: str, **kwargs):
    return CliRunner().invoke(app, list(args), **kwargs)


# -- version and help ----------------------------------------------------------------------
def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"gugus {gugus.__version__}"


def commands(group: click.Command, path: tuple[str, ...] = ()):
    yield path, group
    for name, sub in getattr(group, "commands", {}).items():
        yield from commands(sub, (*path, name))


def test_every_command_and_option_has_help():
    missing = []
    for path, command in commands(typer.main.get_command(app)):
        if not (command.help or command.short_help):
            missing.append(" ".join(path) or "gugus")
        for param in command.params:
            if param.name != "help" and not getattr(param, "help", None):
                missing.append(f"{' '.join(path)} {param.name}")
    assert missing == []


def test_help_shows_flags_as_flags():
    for path, command in commands(typer.main.get_command(app)):
        text = invoke(*path, "--help").stdout
        assert "<bool>" not in text, path
        if any(getattr(p, "is_flag", False) for p in command.params):
            assert "--help  " in text or "--help " in text


def test_commands_are_listed_in_workflow_order():
    listed = []
    lines = invoke("--help").stdout.split("Commands:", 1)[1].splitlines()
    for line in lines:
        if line.startswith("  ") and not line.startswith("   "):
            listed.append(line.split()[0])
    assert [name for name in listed if name in WORKFLOW] == WORKFLOW
    assert set(listed) >= set(WORKFLOW)
    assert listed[:3] == ["init", "demo", "serve"] and listed[-1] == "check"


# -- ids, provenance and markings in the human view ------------------------------------------
def test_search_shows_ids_whole(cli):
    result = cli.ok("search", "jose", "--as", "mx_analyst")
    jose = nsid("MXFGR", "p-jose")
    assert jose in result.stdout  # on one line, not cut to "p-jose.5e5f03…"
    assert "…" not in result.stdout
    assert "TLP:AMBER H0" in result.stdout


def test_a_pasted_id_reads_the_entity(cli):
    shown = cli.ok("search", "jose", "--as", "us_analyst").stdout
    pasted = next(w for line in shown.splitlines() for w in line.split("│") if "p-jose." in w)
    assert cli.ok("entity", pasted.strip(), "--as", "us_analyst").exit_code == 0


def test_entity_statements_show_provenance_and_each_values_marking(cli):
    jose = nsid("MXFGR", "p-jose")
    text = cli.ok("entity", jose, "--as", "mx_analyst", "--statements").stdout
    data = cli.json("entity", jose, "--as", "mx_analyst", "--statements")
    birth = next(s for s in data["statements"] if s["prop"] == "birthDate")
    row = next(line for line in text.splitlines() if "1980-02-03" in line and "mx-cases" in line)
    assert "TLP:AMBER H0" in row and "REL TO" not in row  # the value's own marking
    name = next(line for line in text.splitlines() if "José Pérez" in line and "mx-cases" in line)
    assert "TLP:AMBER H0 REL TO USHSI" in name
    assert "mx-cases" in row and "import:" in text and birth["first_seen"][:10] in text


# -- "no results" is said -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("search", "nobodyhere", "--as", "mx_analyst"), "no results for 'nobodyhere'"),
        (("judgements", "p-jose", "--as", "mx_analyst"), "no judgements"),
        (("notices", "--as", "us_analyst"), "no hit notices"),
    ],
    ids=lambda v: v if isinstance(v, str) else " ".join(v or ()),
)
def test_empty_listings_say_so(cli, args, said):
    result = cli.ok(*args)
    assert "┏" not in result.stdout and "━" not in result.stdout, result.stdout
    if said:
        assert said in result.stdout


def test_a_match_without_results_says_so(cli, tmp_path):
    query = tmp_path / "q.json"
    query.write_text(json.dumps({"schema": "Person", "properties": {"name": ["Zzyzx Qwv"]}}))
    result = cli.ok("match", str(query), "--as", "mx_analyst")
    assert "no results" in result.stdout and "━" not in result.stdout


# -- export says what it wrote -----------------------------------------------------------------
def test_export_says_what_it_wrote_and_how_to_handle_it(cli, tmp_path):
    target = tmp_path / "out.jsonl"
    result = cli.ok("export", "mx-cases", "--as", "us_analyst", "-o", str(target))
    lines = target.read_text(encoding="utf-8").splitlines()
    entities = {json.loads(line)["id"] for line in lines}
    said = result.stderr
    assert f"exported {len(entities)} entities ({len(lines)} lines) of mx-cases" in said
    assert str(target) in said and "handle as TLP:AMBER H0 REL TO USHSI" in said
    assert result.stdout == ""


def test_an_htcds_export_says_it_too(cli, tmp_path):
    target = tmp_path / "cases.csv"
    result = cli.ok(
        "export", "mx-cases", "--as", "us_analyst", "--format", "htcds", "-o", str(target)
    )
    assert target.exists() and result.stdout == ""
    assert "of mx-cases to" in result.stderr and "handle as TLP:AMBER" in result.stderr


def test_export_to_stdout_keeps_stdout_clean(cli):
    result = cli.ok("export", "mx-cases", "--as", "mx_analyst")
    assert all(json.loads(line) for line in result.stdout.splitlines())
    assert "to stdout; handle as TLP:AMBER H0" in result.stderr


# -- the demo node is found without --db -------------------------------------------------------
def test_without_db_the_demo_node_is_used(built, tmp_path, monkeypatch):
    monkeypatch.delenv("GUGUS_DB", raising=False)
    shutil.copytree(built.dir, tmp_path / "demo-node")
    monkeypatch.chdir(tmp_path)
    result = invoke("org", "list")
    assert result.exit_code == 0, result.output
    assert "MXFGR" in result.stdout
    assert "using the demo node's database demo-node/gugus.db" in result.stderr


def test_without_db_and_without_a_node_the_error_says_where_to_point(tmp_path, monkeypatch):
    monkeypatch.delenv("GUGUS_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    result = invoke("search", "x", "--as", "ana")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "demo-node/gugus.db" in line and "--db" in line and "GUGUS_DB" in line
    assert not (tmp_path / "gugus.db").exists()


# -- a second demo while the first serves -------------------------------------------------------
@pytest.mark.parametrize("command", ["demo", "serve"])
def test_a_taken_port_fails_before_anything_is_built(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = ["--dir", str(tmp_path / "demo")] if command == "demo" else ["--db", "x.db"]
        result = invoke(command, "--port", str(port), *args)
    assert result.exit_code == 2, result.output
    assert f"port {port} on 127.0.0.1 is taken" in result.stderr
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "demo").exists()


def test_a_new_nodes_listings_say_what_to_do(empty_cli):
    empty_cli.ok("init")
    for group, said in (("org", "gugus org add"), ("collection", "gugus collection add")):
        result = empty_cli.ok(group, "list")
        assert said in result.stdout and "━" not in result.stdout
    assert "gugus user add" in empty_cli.ok("user", "list").stdout


def test_audit_list_shows_the_ids_read_whole(cli):
    jose = nsid("MXFGR", "p-jose")
    cli.ok("entity", jose, "--as", "mx_analyst")
    listed = cli.ok("audit", "list", "--as", "mx_super").stdout
    assert jose in listed

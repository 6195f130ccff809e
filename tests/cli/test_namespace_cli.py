"""Namespaced entity ids through the command line (issue #7, findings 6 and 7)."""

from __future__ import annotations

import json

from nsids import nsid
from test_cli import error_line, export_lines, mx, statement_count

PARTNER = "exported by another organisation; a partner's export cannot be loaded as your own"


def us_collection(cli) -> None:
    cli.ok(
        "collection", "add", "us-cases", "--org", "USHSI", "--tlp", "amber",
        "--release-to", "MXFGR",
    )  # fmt: skip


def test_a_partner_cannot_write_onto_an_entity_by_its_id(cli, tmp_path):
    us_collection(cli)
    path = tmp_path / "poison.jsonl"
    line = {"id": "p-jose", "schema": "Person", "properties": {"classification": ["perpetrator"]}}
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    cli.ok("load", "us-cases", str(path), "--as", "us_analyst")
    mine = cli.json("entity", "p-jose", "--as", "mx_analyst")
    assert mine["id"] == mx("p-jose")
    assert "classification" not in mine["properties"]
    theirs = cli.json("entity", nsid("USHSI", "p-jose"), "--as", "mx_analyst")
    assert theirs["properties"] == {"classification": ["perpetrator"]}
    # Search shows the full ids; each reads back by it.
    hits = cli.json("search", "jose", "--as", "us_analyst")["results"]
    assert [h["id"] for h in hits] == [mx("p-jose")]


def test_a_partners_export_without_originator_is_refused(cli, tmp_path):
    us_collection(cli)
    stripped = []
    for text in export_lines(cli, "mx-cases", "us_analyst"):
        data = json.loads(text)
        del data["marking"]["originator"]
        stripped.append(json.dumps(data, ensure_ascii=False))
    path = tmp_path / "laundered.jsonl"
    path.write_text("\n".join(stripped) + "\n", encoding="utf-8")
    before = statement_count(cli)
    message = error_line(cli("load", "us-cases", str(path), "--as", "us_analyst"))
    assert message.startswith(f"error: {path}: line 1: field 'id': {PARTNER}")
    assert "p-jose" not in message and "José" not in message
    assert statement_count(cli) == before


def test_own_export_round_trips_through_the_cli(cli, tmp_path):
    path = tmp_path / "own.jsonl"
    cli.ok("export", "mx-cases", "--as", "mx_analyst", "-o", str(path))
    before = statement_count(cli)
    summary = cli.json("load", "mx-cases", str(path), "--as", "mx_analyst")
    assert (summary["skipped_lines"], summary["errors"]) == (0, [])
    assert statement_count(cli) == before
    assert sorted(export_lines(cli, "mx-cases", "mx_analyst")) == sorted(
        path.read_text(encoding="utf-8").splitlines()
    )

"""`gugus match`, `gugus notices`, `org contact`, `collection red-hits` and the
load summary's "possibly known to", through the CLI."""

from __future__ import annotations

import json


def jsonl(entities) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entities)


def write(tmp_path, name, data) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


SECRET = {
    "id": "p-hidden",
    "schema": "Person",
    "properties": {"name": ["Ulises Escondido"], "phone": ["+525599998888"]},
}
SHARED = {
    "id": "p-ana",
    "schema": "Person",
    "properties": {"name": ["Ana Lucía Torres Vega"], "birthDate": ["1990-01-01"]},
}


def test_match_notices_and_contact(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("GUGUS_MATCH_LIMIT_USER", "off")
    cli.ok("load", "mx-internal", write(tmp_path, "secret.jsonl", jsonl([SECRET])))
    cli.ok("org", "contact", "MXFGR", "--contact", "FGR liaison desk, +52 55 0000 0000")
    seen = write(tmp_path, "q1.json", {"schema": "Person", "properties": {"name": ["Jose Perez"]}})
    result = cli.json("match", seen, "--as", "us_analyst")
    [hit] = result["responses"]["q"]["results"]
    assert hit["caption"] == "José Pérez" and hit["features"]["name_match"] > 0.6
    body = {"queries": {"x": {"schema": "Person", "properties": {"phone": ["+52 55 9999 8888"]}}}}
    hidden = write(tmp_path, "q2.json", body)
    text = cli.ok("match", hidden, "--as", "us_analyst").stdout
    assert "hit notice HIT-" in text and "MXFGR" in text and "FGR liaison desk" in text
    for value in ("Ulises", "Escondido", "p-hidden", "mx-internal"):
        assert value not in text
    notices = cli.json("notices", "--as", "us_analyst")
    [out] = notices["out"]
    assert out["kind"] == "phone" and out["holder"] == "MXFGR" and notices["in"] == []
    mirror = cli.json("notices", "--as", "mx_super", "--direction", "in")["in"]
    assert mirror[0]["reference"] == out["reference"]
    assert mirror[0]["records"][0]["collection"] == "mx-internal"
    table = cli.ok("notices", "--as", "mx_super").stdout
    assert "USHSI" in table and "HIT-" in table


def test_load_summary_and_entity_say_possibly_known_to(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("GUGUS_MATCH_LIMIT_USER", "off")
    cli.ok("load", "mx-cases", write(tmp_path, "ana.jsonl", jsonl([SHARED])), "--as", "mx_analyst")
    cli.ok("collection", "add", "us-cases", "--org", "USHSI", "--tlp", "amber")
    mine = {
        "id": "u-1",
        "schema": "Person",
        "properties": {"name": ["ANA TORRES"], "birthDate": ["1990-01-01"]},
    }
    result = cli.ok(
        "load", "us-cases", write(tmp_path, "us.jsonl", jsonl([mine])), "--as", "us_analyst"
    )
    assert "possibly known to: MXFGR (1)" in result.stdout
    summary = (
        json.loads(result.stdout[result.stdout.index("{") :]) if "{" in result.stdout else None
    )
    assert summary is None  # the table form, not JSON
    entity = cli.ok("entity", "u-1", "--as", "us_analyst").stdout
    assert "possibly known to: MXFGR (1)" in entity


def test_bad_input_is_one_line(cli, tmp_path):
    bad = write(tmp_path, "bad.json", "{nope")
    result = cli("match", bad, "--as", "us_analyst")
    assert result.exit_code == 2 and "invalid JSON" in result.output
    assert len(result.output.strip().splitlines()) == 1
    for hostile in ("[" * 100000, '{"queries": ' + "[" * 40 + "]" * 40 + "}", "1" * 5000):
        result = cli("match", write(tmp_path, "hostile.json", hostile), "--as", "us_analyst")
        assert result.exit_code == 2 and "hostile.json" in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert "internal error" not in result.output
    result = cli("collection", "red-hits", "no-such", "--on")
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    cli.ok("collection", "red-hits", "mx-internal", "--on")
    result = cli("notices", "--as", "us_analyst", "--direction", "sideways")
    assert result.exit_code == 2 and "direction" in result.output

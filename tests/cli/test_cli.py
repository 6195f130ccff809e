"""The command line, in-process through typer's CliRunner (node in conftest.py)."""

from __future__ import annotations

import json
import re

import pytest
from followthemoney import model
from followthemoney.types import registry
from nsids import nsid
from sqlalchemy import delete, select, update

from gugus import auth
from gugus.errors import AuthError
from gugus.store import statements as stmt_sql
from gugus.store.tables import audit_log, tokens

TOKEN = re.compile(r"ggs_[A-Za-z0-9_-]{20,}")


def failed(result, code: int = 2) -> str:
    """A failure: the exit status, no traceback, one clear ``error:`` line; returns it."""
    assert result.exit_code == code, (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    message = result.stderr.strip()
    assert message, result.output
    assert "\n" not in message, message
    return message


def error_line(result) -> str:
    message = failed(result, 2)
    assert message.startswith("error: "), message
    return message


def statement_count(cli) -> int:
    node = cli.node()
    try:
        with node.db.reader.connect() as conn:
            return stmt_sql.count(conn)
    finally:
        node.close()


def entity_key(data: dict) -> tuple:
    props = tuple(sorted((p, tuple(sorted(v))) for p, v in data.get("properties", {}).items()))
    return data["id"], data["schema"], props


def mx(entity_id: str) -> str:
    """An id MXFGR loaded, as search, exports and other organisations' reads show it."""
    return nsid("MXFGR", entity_id)


def as_loaded_by_mx(entities: list[dict]) -> list[dict]:
    """FtM entities as MXFGR's load stores them: ids and references namespaced."""
    out = []
    for data in entities:
        schema = model.get(data["schema"])
        props = {
            p: [mx(v) for v in vs] if schema.get(p).type == registry.entity else vs
            for p, vs in data.get("properties", {}).items()
        }
        out.append({**data, "id": mx(data["id"]), "properties": props})
    return out


def merged(lines) -> set[tuple]:
    """Entities of FtM lines, lines of the same id merged (schema, property values)."""
    entities: dict[str, dict] = {}
    for line in lines:
        data = json.loads(line) if isinstance(line, str) else line
        entity = entities.setdefault(data["id"], {"id": data["id"], "schema": data["schema"]})
        assert entity["schema"] == data["schema"]
        props = entity.setdefault("properties", {})
        for prop, values in data.get("properties", {}).items():
            props.setdefault(prop, set()).update(values)
    return {entity_key(e) for e in entities.values()}


def export_lines(cli, collection: str, user: str) -> list[str]:
    return cli.ok("export", collection, "--as", user).stdout.splitlines()


# -- init, org ----------------------------------------------------------------------


def test_init_twice(empty_cli):
    first = empty_cli.ok("init")
    assert "initialised" in first.stdout
    second = empty_cli.ok("init")
    assert "initialised" in second.stdout
    assert empty_cli.db.exists()


def test_commands_on_uninitialised_database_say_run_init(empty_cli):
    message = error_line(empty_cli("org", "list"))
    assert "gugus init" in message


def test_org_add_and_list(empty_cli):
    empty_cli.ok("init")
    result = empty_cli.ok(
        "org", "add", "GTPNC", "--name", "Policía Nacional Civil", "--country", "gt"
    )
    assert "GTPNC" in result.stdout
    empty_cli.ok("org", "add", "MXFGR", "--name", "FGR", "--country", "MX")
    rows = empty_cli.json("org", "list")
    assert [(r["code"], r["name"], r["country"]) for r in rows] == [
        ("GTPNC", "Policía Nacional Civil", "GT"),
        ("MXFGR", "FGR", "MX"),
    ]
    table = empty_cli.ok("org", "list").stdout
    assert "GTPNC" in table and "MXFGR" in table


def test_org_add_unknown_country(cli):
    message = error_line(cli("org", "add", "XXORG", "--name", "Nowhere", "--country", "XX"))
    assert "--country" in message and "'XX'" in message
    assert "XXORG" not in {r["code"] for r in cli.json("org", "list")}


def test_org_add_duplicate(cli):
    message = error_line(cli("org", "add", "MXFGR", "--name", "Again", "--country", "MX"))
    assert "MXFGR" in message and "already exists" in message


def test_org_add_invalid_code(cli):
    message = error_line(cli("org", "add", "bad code!", "--name", "x", "--country", "MX"))
    assert "organisation code" in message


# -- users and tokens ------------------------------------------------------------------


def test_user_add_generates_password_and_token(cli):
    result = cli.ok("user", "add", "us_liaison", "--org", "USHSI", "--role", "liaison")
    out = result.stdout
    assert "us_liaison" in out and "liaison" in out
    password = re.search(r"password: (\S+)", out).group(1)
    assert len(password) >= 16
    token = TOKEN.search(out).group(0)
    node = cli.node()
    try:
        reader = auth.reader_for_token(node, token)
        assert (reader.username, reader.org, reader.role.value) == (
            "us_liaison",
            "USHSI",
            "liaison",
        )
        assert auth.check_password(node, "us_liaison", password).username == "us_liaison"
    finally:
        node.close()


def test_user_add_password_stdin_json(cli):
    result = cli.ok(
        "user", "add", "mx_admin", "--org", "MXFGR", "--role", "ADMIN", "--json",
        "--password-stdin", input="a long enough password\n",
    )  # fmt: skip
    data = json.loads(result.stdout)
    assert data["username"] == "mx_admin" and data["org"] == "MXFGR" and data["role"] == "admin"
    assert data["password"] is None  # not generated, so not shown
    assert TOKEN.fullmatch(data["token"]) and data["token_expires_at"]
    node = cli.node()
    try:
        assert auth.check_password(node, "mx_admin", "a long enough password").org == "MXFGR"
        assert auth.reader_for_token(node, data["token"]).username == "mx_admin"
    finally:
        node.close()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--org", "NOPE", "--role", "analyst"], ["organisation", "'NOPE'"]),
        (["--org", "MXFGR", "--role", "boss"], ["role", "'boss'", "analyst"]),
    ],
    ids=["unknown-org", "bad-role"],
)
def test_user_add_bad_org_or_role(cli, args, expected):
    message = error_line(cli("user", "add", "newbie", *args, "--password-stdin", input="x" * 12))
    for part in expected:
        assert part in message
    assert "newbie" not in cli.ok("user", "list").stdout


def test_user_add_duplicate_and_short_password(cli):
    def add(username: str, password: str):
        args = ["user", "add", username, "--org", "MXFGR", "--role", "analyst", "--password-stdin"]
        return cli(*args, input=password)

    assert "already exists" in error_line(add("mx_analyst", "x" * 12))
    message = error_line(add("shorty", "short\n"))
    assert "password" in message and "8" in message
    assert "--password-stdin" in error_line(add("empty", ""))


def test_user_list(cli):
    rows = cli.json("user", "list")
    assert {(r["username"], r["org"], r["role"]) for r in rows} == {
        ("mx_analyst", "MXFGR", "analyst"),
        ("mx_super", "MXFGR", "supervisor"),
        ("us_analyst", "USHSI", "analyst"),
    }
    assert {r["username"] for r in cli.json("user", "list", "--org", "USHSI")} == {"us_analyst"}


def test_user_token_and_revoke(cli):
    result = cli.ok("user", "token", "us_analyst", "--days", "2")
    token = TOKEN.search(result.stdout).group(0)
    node = cli.node()
    try:
        assert auth.reader_for_token(node, token).username == "us_analyst"
        with node.db.reader.connect() as conn:
            token_id = conn.execute(
                select(tokens.c.id).where(tokens.c.label == "cli").order_by(tokens.c.id.desc())
            ).scalar()
        # Someone else (not an admin) may not revoke it.
        message = error_line(cli("user", "revoke-token", str(token_id), "--as", "mx_analyst"))
        assert str(token_id) in message and "not yours" in message
        assert auth.reader_for_token(node, token).username == "us_analyst"
        result = cli.ok("user", "revoke-token", str(token_id), "--as", "us_analyst")
        assert f"token {token_id} revoked" in result.stdout
        with pytest.raises(AuthError, match="revoked"):
            auth.reader_for_token(node, token)
    finally:
        node.close()
    message = error_line(cli("user", "revoke-token", str(token_id), "--as", "us_analyst"))
    assert "already revoked" in message


def test_user_token_unknown_user_and_bad_days(cli):
    assert "'ghost'" in error_line(cli("user", "token", "ghost"))
    assert "lifetime" in error_line(cli("user", "token", "us_analyst", "--days", "0"))


# -- collections ------------------------------------------------------------------------


def test_collection_add_and_list(cli):
    data = json.loads(
        cli.ok(
            "collection", "add", "us-leads", "--org", "USHSI", "--tlp", "amber+strict",
            "--handling", "H1,H3", "--handling-text", "not before 2025", "--release-to", "MXFGR",
            "--purpose", "case 7", "--label", "HSI leads", "--country", "us", "--json",
        ).stdout
    )  # fmt: skip
    assert data["name"] == "us-leads" and data["country"] == "US"
    assert data["marking"] == {
        "tlp": "amber+strict",
        "handling": ["H1", "H3"],
        "handling_text": "not before 2025",
        "release_to": ["MXFGR"],
        "recipients": [],
        "originator": "USHSI",
        "purpose": "case 7",
    }
    cli.ok(
        "collection", "add", "us-red", "--org", "USHSI", "--tlp", "red",
        "--release-to", "MXFGR", "--recipients", "mx_analyst,us_analyst",
    )  # fmt: skip
    rows = {r["name"]: r for r in cli.json("collection", "list")}
    assert set(rows) == {"mx-cases", "mx-internal", "us-leads", "us-red"}
    assert rows["us-leads"]["marking"] == data["marking"]
    assert rows["us-red"]["marking"]["recipients"] == ["mx_analyst", "us_analyst"]
    assert rows["mx-cases"]["marking"]["release_to"] == ["USHSI"]
    table = cli.ok("collection", "list").stdout
    assert "us-leads" in table and "AMBER+STRICT" in table


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--tlp", "purple"], ["tlp", "'purple'", "amber"]),
        (["--tlp", "amber", "--handling", "H3"], ["--handling-text", "H3"]),
        (["--tlp", "amber", "--handling", "H9"], ["handling", "'H9'"]),
        (["--tlp", "red"], ["recipients", "RED"]),
        (["--tlp", "red", "--recipients", "ghost"], ["recipients", "'ghost'"]),
        # One answer for any unusable recipient: the user's organisation is not named.
        (
            ["--tlp", "red", "--recipients", "us_analyst"],
            ["recipients", "'us_analyst' is not an enabled user of MXFGR"],
        ),
        (["--tlp", "amber", "--recipients", "mx_analyst"], ["recipients", "RED"]),
        (["--tlp", "amber", "--release-to", "NOPE"], ["--release-to", "'NOPE'"]),
        (["--tlp", "amber", "--country", "XX"], ["--country", "'XX'"]),
        (["--tlp", "amber", "--org", "NOPE"], ["organisation", "'NOPE'"]),
    ],
    ids=[
        "unknown-tlp",
        "h3-without-text",
        "unknown-handling",
        "red-without-recipients",
        "red-unknown-recipient",
        "red-recipient-not-released",
        "recipients-without-red",
        "release-to-unknown-org",
        "unknown-country",
        "unknown-org",
    ],
)
def test_collection_add_invalid(cli, args, expected):
    if "--org" not in args:
        args = [*args, "--org", "MXFGR"]
    message = error_line(cli("collection", "add", "mx-new", *args))
    for part in expected:
        assert part in message, message
    assert "mx-new" not in {r["name"] for r in cli.json("collection", "list")}


def test_collection_add_unknown_handling_names_the_field_once(cli):
    args = ["--org", "MXFGR", "--tlp", "amber", "--handling", "H9"]
    message = error_line(cli("collection", "add", "mx-new", *args))
    assert "----" not in message


def test_collection_add_duplicate(cli):
    message = error_line(cli("collection", "add", "mx-cases", "--org", "MXFGR", "--tlp", "amber"))
    assert "'mx-cases'" in message and "already exists" in message


# -- load ----------------------------------------------------------------------------------

NEW = [
    {"id": "p-new-1", "schema": "Person", "properties": {"name": ["Marisol Vega"]}},
    {"id": "p-new-2", "schema": "Person", "properties": {"name": ["Rogelio Vega"]}},
]


def test_load_file(cli, tmp_path):
    path = tmp_path / "new.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in NEW), encoding="utf-8")
    result = cli.ok("load", "mx-cases", str(path), "--as", "mx_analyst", "--purpose", "intake")
    assert "mx-cases" in result.stdout
    data = cli.json("entity", mx("p-new-1"), "--as", "us_analyst")
    assert data["properties"]["name"] == ["Marisol Vega"]
    assert data["collections"] == ["mx-cases"]


def test_load_json_summary_and_idempotence(cli, tmp_path):
    path = tmp_path / "new.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in NEW) + "\n", encoding="utf-8")
    summary = cli.json("load", "mx-cases", str(path))
    assert summary["collection"] == "mx-cases"
    assert summary["source"] == str(path)
    assert (summary["lines"], summary["entities"], summary["statements"]) == (3, 2, 4)
    assert summary["skipped_lines"] == 0 and summary["errors"] == []
    count = statement_count(cli)
    again = cli.json("load", "mx-cases", str(path))
    assert again["statements"] == summary["statements"]
    assert statement_count(cli) == count


def test_load_malformed_line_loads_nothing(cli, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(NEW[0]) + "\n" + '{"id": "p-x",\n' + json.dumps(NEW[1]) + "\n")
    before = statement_count(cli)
    message = error_line(cli("load", "mx-cases", str(path)))
    assert str(path) in message and "line 2" in message and "nothing was loaded" in message
    assert statement_count(cli) == before
    assert "not found" in error_line(cli("entity", "p-new-1", "--as", "mx_analyst"))


def test_load_skip_bad_lines(cli, tmp_path):
    path = tmp_path / "bad.jsonl"
    lines = [
        json.dumps(NEW[0]),
        "[1, 2]",
        json.dumps({"id": "p-y", "schema": "Alien"}),
        json.dumps(NEW[1]),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = cli.json("load", "mx-cases", str(path), "--on-error", "skip")
    assert (summary["entities"], summary["skipped_lines"]) == (2, 2)
    assert [e["line"] for e in summary["errors"]] == [2, 3]
    assert all(str(path) in e["error"] for e in summary["errors"])
    assert cli.json("entity", "p-new-2", "--as", "mx_analyst")["id"] == mx("p-new-2")
    # Without --json the skipped lines are reported on stderr.
    result = cli.ok("load", "mx-cases", str(path), "--on-error", "skip")
    assert "skipped line 2" in result.stderr and "skipped line 3" in result.stderr


def test_load_skip_reports_one_line_per_skipped_line(cli, tmp_path):
    path = tmp_path / ("a-rather-long-file-name-for-the-report" * 2 + ".jsonl")
    path.write_text("{oops\n" + json.dumps(NEW[0]) + "\n", encoding="utf-8")
    result = cli.ok("load", "mx-cases", str(path), "--on-error", "skip")
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("skipped line 1: ")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["no-such", "{file}"], ["'no-such'"]),
        (["mx-cases", "{dir}/missing.jsonl"], ["missing.jsonl", "no such file"]),
        (["mx-cases", "{dir}"], ["directory"]),
        (["mx-cases", "{file}", "--on-error", "ignore"], ["--on-error", "'ignore'"]),
        (["mx-cases", "{file}", "--as", "us_analyst"], ["us_analyst", "mx-cases"]),
        (["mx-cases", "{file}", "--as", "mx_super"], ["supervisor"]),
        (["mx-cases", "{file}", "--as", "ghost"], ["unknown user", "'ghost'"]),
    ],
    ids=[
        "unknown-collection",
        "missing-file",
        "directory",
        "bad-on-error",
        "other-org",
        "supervisor",
        "unknown-user",
    ],
)
def test_load_refused(cli, tmp_path, args, expected):
    path = tmp_path / "new.jsonl"
    path.write_text(json.dumps(NEW[0]) + "\n", encoding="utf-8")
    args = [a.format(file=path, dir=tmp_path) for a in args]
    before = statement_count(cli)
    message = error_line(cli("load", *args))
    for part in expected:
        assert part in message, message
    assert statement_count(cli) == before


def test_load_marking_with_non_list_handling(cli, tmp_path):
    path = tmp_path / "bad-marking.jsonl"
    line = {**NEW[0], "marking": {"tlp": "amber", "handling": 5}}
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    message = error_line(cli("load", "mx-cases", str(path)))
    assert "line 1" in message and "handling" in message


def test_load_not_utf8(cli, tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"id": "p-é", "schema": "Person"}\n'.encode("latin-1"))
    message = error_line(cli("load", "mx-cases", str(path)))
    assert str(path) in message and "UTF-8" in message


# -- export ----------------------------------------------------------------------------


def test_export_round_trip(cli, built):
    lines = export_lines(cli, "mx-cases", "mx_analyst")
    # Stricter-marked properties come in lines of their own, with their marking.
    assert len(lines) > len(built.files["cases"].read_text().splitlines())
    loaded = [json.loads(line) for line in built.files["cases"].read_text().splitlines()]
    assert merged(lines) == merged(as_loaded_by_mx(loaded))
    # Every line carries its marking, so markings travel with exported data.
    decoded = [json.loads(line) for line in lines]
    assert all("marking" in d for d in decoded)
    restricted = [d for d in decoded if d["marking"]["release_to"] == []]
    assert {(d["id"], tuple(d["properties"])) for d in restricted} == {
        (mx("p-jose"), ("birthDate",)),
        (mx("o-hotel-jose"), ("percentage",)),
    }


def test_export_reload_keeps_markings(cli, tmp_path):
    path = tmp_path / "export.jsonl"
    cli.ok("export", "mx-cases", "--as", "mx_analyst", "-o", str(path))
    assert not path.with_name(path.name + ".part").exists()
    marking = ["--tlp", "amber", "--handling", "H0", "--release-to", "USHSI"]
    cli.ok("collection", "add", "mx-copy", "--org", "MXFGR", *marking)
    cli.ok("load", "mx-copy", str(path))
    original = path.read_text(encoding="utf-8").splitlines()
    assert sorted(export_lines(cli, "mx-copy", "mx_analyst")) == sorted(original)
    # The partner sees the same in the copy as in the original.
    assert merged(export_lines(cli, "mx-copy", "us_analyst")) == merged(
        export_lines(cli, "mx-cases", "us_analyst")
    )


def test_export_as_partner_is_what_the_partner_may_see(cli):
    lines = export_lines(cli, "mx-cases", "us_analyst")
    entities = {key[0]: dict(key[2]) for key in merged(lines)}
    assert set(entities) == {mx("p-jose"), mx("p-lucia"), mx("c-hotel"), mx("o-hotel-jose")}
    assert "birthDate" not in entities[mx("p-jose")]
    assert "percentage" not in entities[mx("o-hotel-jose")]
    # The partner's export carries the originator's marking on every line.
    assert {json.loads(line)["marking"]["originator"] for line in lines} == {"MXFGR"}


def test_export_to_missing_directory(cli, tmp_path):
    target = tmp_path / "no-such-dir" / "out.jsonl"
    message = error_line(cli("export", "mx-cases", "--as", "mx_analyst", "-o", str(target)))
    assert "no-such-dir" in message


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["mx-internal", "--as", "us_analyst"], ["'mx-internal'", "not found"]),
        (["no-such", "--as", "us_analyst"], ["'no-such'", "not found"]),
        (["mx-cases", "--as", "ghost"], ["unknown user", "'ghost'"]),
        (["mx-cases", "--as", "mx_analyst", "--format", "csv"], ["--format", "'csv'"]),
    ],
    ids=["invisible", "unknown", "unknown-user", "bad-format"],
)
def test_export_refused(cli, args, expected):
    result = cli("export", *args)
    message = error_line(result)
    for part in expected:
        assert part in message
    assert result.stdout == ""


# -- search, entity --------------------------------------------------------------------------


def test_search_json(cli):
    mx_ = cli.json("search", "jose", "--as", "mx_analyst")
    assert sorted(r["id"] for r in mx_["results"]) == sorted([mx("p-jose"), mx("p-secret")])
    us = cli.json("search", "JOSÉ", "--as", "us_analyst")
    assert [r["id"] for r in us["results"]] == [mx("p-jose")]
    assert us["results"][0]["properties"] == {"name": ["José Pérez"], "nationality": ["mx"]}
    assert cli.json("search", "jose", "--as", "mx_analyst", "--limit", "1")["limit"] == 1
    table = cli.ok("search", "frontera", "--as", "us_analyst").stdout
    assert "c-hotel" in table


def test_entity_json(cli):
    data = cli.json("entity", "p-jose", "--as", "mx_analyst", "--statements")
    assert data["properties"]["birthDate"] == ["1980-02-03"]
    assert {s["origin"].rsplit(":", 1)[1] for s in data["statements"]} == {"1"}
    assert all(s["origin"].startswith("import:") for s in data["statements"])
    data = cli.json("entity", mx("p-jose"), "--as", "us_analyst")
    assert set(data["properties"]) == {"name", "nationality"}
    table = cli.ok("entity", mx("p-jose"), "--as", "us_analyst").stdout
    assert "José Pérez" in table and "TLP:AMBER" in table


@pytest.mark.parametrize("entity_id", [mx("p-secret"), mx("p-nothing"), "p-secret", "p-jose"])
def test_entity_invisible_or_missing(cli, entity_id):
    # A bare id is the reader's (USHSI's) own namespace: MXFGR's p-jose is not reached.
    message = error_line(cli("entity", entity_id, "--as", "us_analyst", "--json"))
    assert message == f"error: entity '{entity_id}' not found"


@pytest.mark.parametrize(
    "args",
    [
        ["search", "jose"],
        ["entity", "p-jose"],
        ["export", "mx-cases"],
        ["audit", "list"],
        ["user", "revoke-token", "1"],
    ],
    ids=["search", "entity", "export", "audit-list", "revoke-token"],
)
def test_unknown_as_user(cli, args):
    assert error_line(cli(*args, "--as", "ghost")) == "error: unknown user 'ghost'"


# -- audit ----------------------------------------------------------------------------------


def test_audit_verify_intact(cli):
    result = cli.ok("audit", "verify")
    assert "intact" in result.stdout
    data = cli.json("audit", "verify")
    assert data["ok"] is True and data["records"] > 0 and data["first_bad"] is None


def test_audit_verify_detects_an_edited_record(cli):
    node = cli.node()
    try:
        with node.db.audit_writer.begin() as conn:
            seq = conn.execute(
                select(audit_log.c.seq).where(audit_log.c.action == "collection.add").limit(1)
            ).scalar_one()
            conn.execute(
                update(audit_log).where(audit_log.c.seq == seq).values(detail='{"marking": null}')
            )
    finally:
        node.close()
    message = failed(cli("audit", "verify"), 1)
    assert f"record {seq}" in message and "changed" in message
    result = cli("audit", "verify", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["first_bad"] == seq


def test_audit_verify_removed_record_is_one_line(cli):
    node = cli.node()
    try:
        with node.db.audit_writer.begin() as conn:
            last = conn.execute(select(audit_log.c.seq).order_by(audit_log.c.seq.desc())).scalar()
            conn.execute(delete(audit_log).where(audit_log.c.seq == last))
    finally:
        node.close()
    result = cli("audit", "verify")
    assert result.exit_code == 1
    message = failed(result, 1)
    assert "removed from the end" in message


def test_audit_list_supervisor(cli):
    cli.ok("entity", "p-jose", "--as", "mx_analyst", "--purpose", "case FGR/42")
    cli.ok("entity", mx("p-jose"), "--as", "us_analyst", "--purpose", "HSI case 7")
    rows = cli.json("audit", "list", "--as", "mx_super")
    assert rows and {r["org"] for r in rows} == {"MXFGR"}
    reads_ = [r for r in rows if r["action"] == "entity.read"]
    assert [(r["username"], r["purpose"]) for r in reads_] == [("mx_analyst", "case FGR/42")]
    assert "HSI case 7" not in json.dumps(rows)
    loads = [r for r in rows if r["action"] == "load"]
    assert {r["username"] for r in loads} == {"mx_analyst", "local-operator"}
    only = cli.json("audit", "list", "--as", "mx_super", "--action", "load", "--limit", "1")
    assert len(only) == 1 and only[0]["action"] == "load"
    assert "entity.read" in cli.ok("audit", "list", "--as", "mx_super").stdout


def test_audit_list_filters_by_user_action_and_time(cli):
    cli.ok("entity", "p-jose", "--as", "mx_analyst", "--purpose", "case FGR/42")
    rows = cli.json("audit", "list", "--as", "mx_super", "--limit", "1000")
    mine = cli.json("audit", "list", "--as", "mx_super", "--user", "mx_analyst", "--limit", "1000")
    assert mine == [r for r in rows if r["username"] == "mx_analyst"]
    cut = sorted({r["ts"] for r in rows})[-1]
    later = cli.json("audit", "list", "--as", "mx_super", "--since", cut, "--limit", "1000")
    assert later == [r for r in rows if r["ts"] >= cut]
    first = cli.json("audit", "list", "--as", "mx_super", "--user", "mx_analyst", "--limit", "1")
    rest = cli.json(
        "audit", "list", "--as", "mx_super", "--user", "mx_analyst", "--before",
        str(first[0]["seq"]), "--limit", "1000",
    )  # fmt: skip
    assert first + rest == mine
    none = cli.ok("audit", "list", "--as", "mx_super", "--user", "nobody")
    assert "no audit records match" in none.stdout
    message = error_line(cli("audit", "list", "--as", "mx_super", "--since", "yesterday"))
    assert "since" in message and "ISO 8601" in message


def test_audit_list_refused_to_analysts(cli):
    message = error_line(cli("audit", "list", "--as", "mx_analyst"))
    assert "analyst" in message and "audit" in message

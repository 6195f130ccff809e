"""``gugus audit verify`` on the command line: exit 1 and the first bad record,
exit 2 and one line for anything else, never a traceback (issue #7: finding 5,
finding 17, "audit verify never shows a traceback")."""

from __future__ import annotations

import json
import shutil

from sqlalchemy import delete, text
from test_cli import error_line, failed

from gugus.store.tables import audit_head


def tamper(cli, *sql) -> None:
    node = cli.node()
    try:
        with node.db.audit_writer.begin() as conn:
            for stmt in sql:
                conn.execute(stmt)
    finally:
        node.close()


def test_init_makes_a_private_key_and_an_anchor(empty_cli):
    out = empty_cli.ok("init").stdout
    key = empty_cli.db.with_name("fresh.db.key")
    assert "node key" in out and key.exists()
    assert key.stat().st_mode & 0o777 == 0o600
    assert empty_cli.db.with_name("fresh.db.anchor").exists()
    assert empty_cli.db.with_name("fresh.audit.db").exists()
    before = key.read_bytes()
    empty_cli.ok("init")  # idempotent: the key is kept
    assert key.read_bytes() == before


def test_deleted_head_row_is_one_line(cli):
    tamper(cli, delete(audit_head))
    message = failed(cli("audit", "verify"), 1)
    assert "head row" in message and "missing" in message
    assert "Traceback" not in message


def test_invalid_utf8_in_a_record_names_it(cli):
    tamper(cli, text("UPDATE audit_log SET purpose = CAST(X'ff' AS TEXT) WHERE seq = 3"))
    message = failed(cli("audit", "verify"), 1)
    assert "record 3 is damaged" in message and "purpose" in message
    data = json.loads(cli("audit", "verify", "--json").stdout)
    assert (data["ok"], data["first_bad"]) == (False, 3)


def test_byte_damage_in_the_audit_file_is_one_line(cli):
    """Flipped bytes in the audit file's pages: exit 1 naming a record, or
    exit 2 naming the damage — one line either way."""
    node = cli.node()
    node.close()  # WAL checkpointed into the file
    path = cli.db.with_name("gugus.audit.db")
    data = bytearray(path.read_bytes())
    for offset in range(4096 + 200, len(data), 97):
        data[offset] ^= 0x5A
    path.write_bytes(bytes(data))
    result = cli("audit", "verify")
    assert result.exit_code in (1, 2), result.output
    failed(result, result.exit_code)


def test_missing_key_is_one_line(cli):
    cli.db.with_name("gugus.db.key").unlink()
    message = error_line(cli("audit", "verify"))
    assert "no node key at" in message and "gugus init" in message


def test_missing_audit_file_is_one_line(cli):
    cli.db.with_name("gugus.audit.db").unlink()
    message = error_line(cli("audit", "verify"))
    assert "no audit log at" in message


def test_verify_with_key_option_on_a_copy(cli, tmp_path):
    """An untouched copy of the data and audit files verifies with the node's
    key given by --key; without a key beside the copy it is one clear line."""
    node = cli.node()
    node.close()
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(cli.db, copy / "node.db")
    shutil.copy(cli.db.with_name("gugus.audit.db"), copy / "node.audit.db")
    key = cli.db.with_name("gugus.db.key")
    args = ["audit", "verify", "--db", str(copy / "node.db")]
    result = cli.runner.invoke(cli_app(), [*args, "--key", str(key), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True
    result = cli.runner.invoke(cli_app(), args)
    assert result.exit_code == 2 and "no node key" in result.stderr


def cli_app():
    from gugus.cli import app

    return app

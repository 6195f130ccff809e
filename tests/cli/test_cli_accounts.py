"""Account commands: disable, enable, password, revoke-tokens; reserved
names; reads ``--as`` a user recorded as the operator acting for them."""

from __future__ import annotations

import re

from cli.conftest import PASSWORD
from cli.test_cli import TOKEN, error_line

from gugus import auth
from gugus.errors import AuthError

NEW_PASSWORD = "a brand new passphrase"
SHOWN = re.compile(r"new password \(shown once\): (\S+)")


def login(cli, username: str, password: str) -> bool:
    node = cli.node()
    try:
        auth.check_password(node, username, password)
        return True
    except AuthError:
        return False
    finally:
        node.close()


def token_works(cli, token: str) -> bool:
    node = cli.node()
    try:
        auth.reader_for_token(node, token)
        return True
    except AuthError:
        return False
    finally:
        node.close()


def test_disable_and_enable(cli):
    token = TOKEN.search(cli.ok("user", "token", "us_analyst").stdout).group(0)
    result = cli.ok("user", "disable", "us_analyst")
    assert (
        result.stdout.strip() == "user us_analyst disabled; 2 tokens revoked"
    )  # the first and this one
    assert not token_works(cli, token) and not login(cli, "us_analyst", PASSWORD)
    assert "unknown user" in error_line(cli("search", "Acme", "--as", "us_analyst"))
    rows = {r["username"]: r["disabled"] for r in cli.json("user", "list")}
    assert rows == {"mx_analyst": False, "mx_super": False, "us_analyst": True}
    assert "yes" in cli.ok("user", "list").stdout
    assert "was already disabled" in cli.ok("user", "disable", "us_analyst").stdout
    assert cli.ok("user", "enable", "us_analyst").stdout.strip() == "user us_analyst enabled"
    assert login(cli, "us_analyst", PASSWORD) and not token_works(cli, token)
    assert cli.json("user", "enable", "us_analyst") == {
        "username": "us_analyst",
        "disabled": False,
        "already": True,
    }


def test_password_reset_prints_the_new_password_once(cli):
    result = cli.ok("user", "password", "us_analyst")
    generated = SHOWN.search(result.stdout).group(1)
    assert result.stdout.count(generated) == 1
    assert login(cli, "us_analyst", generated) and not login(cli, "us_analyst", PASSWORD)
    assert generated not in cli.ok("audit", "list", "--as", "mx_super", "--limit", "1000").stdout


def test_password_change_from_stdin_is_not_echoed(cli):
    result = cli.ok("user", "password", "us_analyst", "--password-stdin", input=NEW_PASSWORD + "\n")
    assert NEW_PASSWORD not in result.stdout and not SHOWN.search(result.stdout)
    assert "password replaced" in result.stdout
    assert login(cli, "us_analyst", NEW_PASSWORD)
    assert "no password" in error_line(
        cli("user", "password", "us_analyst", "--password-stdin", input="\n")
    )
    assert "at least 8" in error_line(
        cli("user", "password", "us_analyst", "--password-stdin", input="short\n")
    )


def test_revoke_tokens_replaces_the_password_and_can_disable(cli):
    token = TOKEN.search(cli.ok("user", "token", "mx_analyst").stdout).group(0)
    data = cli.json("user", "revoke-tokens", "mx_analyst", "--disable")
    assert data["tokens_revoked"] == 2 and data["disabled"] is True
    assert data["new_password"] == "generated" and data["password"]
    assert not token_works(cli, token)
    assert not login(cli, "mx_analyst", PASSWORD)  # a thief's known password is useless
    assert not login(cli, "mx_analyst", data["password"])  # disabled until enabled
    cli.ok("user", "enable", "mx_analyst")
    assert login(cli, "mx_analyst", data["password"])
    rows = cli.json("audit", "list", "--as", "mx_super", "--action", "user.revoke_tokens")
    assert [(r["username"], r["object_ids"]) for r in rows] == [
        ("local-operator", ["user:mx_analyst"])
    ]


def test_account_commands_refuse_unknown_users(cli):
    for command in ("disable", "enable", "password", "revoke-tokens"):
        assert "does not exist" in error_line(cli("user", command, "ghost"))


def test_reserved_and_case_variant_names_are_refused(cli):
    for name in ("local-operator", "Local-Operator", "SYSTEM"):
        message = error_line(cli("user", "add", name, "--org", "MXFGR", "--role", "analyst"))
        assert "reserved" in message
    message = error_line(cli("user", "add", "MX_Analyst", "--org", "MXFGR", "--role", "analyst"))
    assert "already exists" in message


def test_reads_as_a_user_are_recorded_as_the_operator_acting_for_them(cli):
    cli.ok("entity", "p-jose", "--as", "mx_analyst")
    cli.ok("search", "José", "--as", "mx_analyst")
    cli.ok("export", "mx-cases", "--as", "mx_analyst")
    rows = cli.json("audit", "list", "--as", "mx_super")
    acted = {r["action"] for r in rows if r["detail"].get("via") == "cli-operator"}
    # conftest loaded --as mx_analyst too, and `user add` issued the first tokens.
    assert acted == {"entity.read", "search", "export", "load.start", "load", "token.issue"}
    assert {r["username"] for r in rows if r["detail"].get("via")} == {"mx_analyst", "mx_super"}

"""Accounts: disabling, password changes and resets, revoking a user's tokens,
reserved names, and the operator acting ``--as`` a user (issue #7, Accounts).

Each runs on SQLite and PostgreSQL (the ``node`` fixture).  Audit records are
read the way oversight reads them: a supervisor's listing of their organisation.
"""

from __future__ import annotations

import json

import pytest

from gugus import admin, auth, reads
from gugus.errors import AuthError, Conflict, InvalidInput, NotFound
from gugus.ingest import ftm

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "another horse, another battery"


@pytest.fixture
def accounts(node):
    """MXFGR with bob (analyst, with a first token) and sue (his supervisor)."""
    admin.add_organisation(node, "MXFGR", "Fiscalía General de la República", "MX")
    node.bob_token = admin.add_user(node, "bob", "MXFGR", "analyst", PASSWORD)["token"]
    admin.add_user(node, "sue", "MXFGR", "supervisor", PASSWORD)
    return node


def audit(node, action: str) -> list[dict]:
    return reads.list_audit(node, node.reader("sue"), action=action)


def test_disable_stops_tokens_and_password_logins_at_once(accounts):
    node = accounts
    assert auth.reader_for_token(node, node.bob_token).username == "bob"
    result = admin.set_disabled(node, "bob", True)
    assert result == {"username": "bob", "disabled": True, "already": False, "tokens_revoked": 1}
    with pytest.raises(AuthError):
        auth.reader_for_token(node, node.bob_token)
    with pytest.raises(AuthError, match="wrong username or password"):
        auth.check_password(node, "bob", PASSWORD)
    with pytest.raises(AuthError):  # nor can the operator read --as him
        admin.act_as(node, "bob")
    [record] = audit(node, "user.disable")
    assert record["username"] == admin.OPERATOR
    assert record["object_ids"] == ["user:bob"]
    assert record["detail"] == {"already": False, "tokens_revoked": 1}
    # Disabling twice is harmless and says so.
    assert admin.set_disabled(node, "bob", True)["already"] is True


def test_enable_restores_the_password_not_the_tokens(accounts):
    node = accounts
    admin.set_disabled(node, "bob", True)
    assert admin.set_disabled(node, "bob", False)["already"] is False
    assert auth.check_password(node, "bob", PASSWORD).username == "bob"
    with pytest.raises(AuthError, match="revoked"):
        auth.reader_for_token(node, node.bob_token)
    assert [r["detail"] for r in audit(node, "user.enable")] == [{"already": False}]


def test_changing_a_password_revokes_every_token(accounts):
    node = accounts
    second, _ = auth.issue_token(node, node.reader("bob"), days=1)
    result = admin.set_password(node, "bob", NEW_PASSWORD)
    assert result["password"] is None  # given, so not echoed back
    assert result["tokens_revoked"] == 2
    for token in (node.bob_token, second):
        with pytest.raises(AuthError, match="revoked"):
            auth.reader_for_token(node, token)
    with pytest.raises(AuthError):
        auth.check_password(node, "bob", PASSWORD)
    assert auth.check_password(node, "bob", NEW_PASSWORD).username == "bob"
    [record] = audit(node, "user.password")
    assert record["detail"] == {"tokens_revoked": 2, "new_password": "given"}


def test_a_reset_password_is_generated_returned_once_and_never_audited(accounts):
    node = accounts
    result = admin.set_password(node, "bob")
    generated = result["password"]
    assert generated and len(generated) >= 20
    assert auth.check_password(node, "bob", generated).username == "bob"
    with pytest.raises(AuthError):
        auth.check_password(node, "bob", PASSWORD)
    everything = json.dumps(reads.list_audit(node, node.reader("sue"), limit=1000))
    assert generated not in everything
    assert audit(node, "user.password")[0]["detail"]["new_password"] == "generated"


def test_revoking_tokens_is_not_defeated_by_a_known_password(accounts):
    """The incident: bob's token and password were stolen.  Revoking the token
    alone would let the thief log in with the password for a new one."""
    node = accounts
    result = admin.revoke_tokens(node, "bob")
    assert result["tokens_revoked"] == 1
    with pytest.raises(AuthError, match="revoked"):
        auth.reader_for_token(node, node.bob_token)
    with pytest.raises(AuthError, match="wrong username or password"):
        auth.check_password(node, "bob", PASSWORD)  # the thief's next step
    # bob gets the new password from the operator, out of band.
    assert auth.check_password(node, "bob", result["password"]).username == "bob"
    [record] = audit(node, "user.revoke_tokens")
    assert record["username"] == admin.OPERATOR
    assert record["detail"] == {"tokens_revoked": 1, "new_password": "generated"}


def test_revoking_tokens_can_also_disable(accounts):
    node = accounts
    result = admin.revoke_tokens(node, "bob", password=NEW_PASSWORD, disable=True)
    assert result["password"] is None and result["disabled"] is True
    for password in (PASSWORD, NEW_PASSWORD):
        with pytest.raises(AuthError):
            auth.check_password(node, "bob", password)
    admin.set_disabled(node, "bob", False)
    assert auth.check_password(node, "bob", NEW_PASSWORD).username == "bob"
    with pytest.raises(AuthError):
        auth.check_password(node, "bob", PASSWORD)


@pytest.mark.parametrize(
    "call",
    [
        lambda node: admin.set_disabled(node, "nobody", True),
        lambda node: admin.set_disabled(node, "nobody", False),
        lambda node: admin.set_password(node, "nobody", NEW_PASSWORD),
        lambda node: admin.revoke_tokens(node, "nobody"),
    ],
    ids=["disable", "enable", "password", "revoke-tokens"],
)
def test_unknown_users_are_refused(accounts, call):
    with pytest.raises(NotFound, match="does not exist"):
        call(accounts)


def test_a_short_password_is_refused_before_anything_changes(accounts):
    node = accounts
    with pytest.raises(InvalidInput, match="at least 8"):
        admin.set_password(node, "bob", "short")
    with pytest.raises(InvalidInput, match="at least 8"):
        admin.revoke_tokens(node, "bob", password="short")
    assert auth.reader_for_token(node, node.bob_token).username == "bob"
    assert auth.check_password(node, "bob", PASSWORD).username == "bob"


@pytest.mark.parametrize(
    "name",
    ["local-operator", "LOCAL-OPERATOR", "Local-Operator", "cli-operator", "Operator", "SYSTEM"],
)
def test_reserved_names_cannot_be_users(accounts, name):
    with pytest.raises(InvalidInput, match="reserved for the node itself"):
        admin.add_user(accounts, name, "MXFGR", "analyst", PASSWORD)
    with pytest.raises(AuthError):
        accounts.reader(name)


def test_names_differing_only_in_case_are_one_name(accounts):
    with pytest.raises(Conflict, match="ignoring case"):
        admin.add_user(accounts, "BOB", "MXFGR", "analyst", PASSWORD)


def test_the_operator_acting_as_a_user_is_recorded_as_such(accounts):
    node = accounts
    admin.add_collection(node, "mx-cases", "MXFGR", "amber", "H0")
    line = {"id": "p-1", "schema": "Person", "properties": {"name": ["Ana Ruiz"]}}
    ftm.load_lines(node, "mx-cases", [json.dumps(line)], source="t.jsonl")

    as_bob = admin.act_as(node, "bob")
    bob = node.reader("bob")
    # The same reader for visibility (and the scope cache), whoever acts.
    assert as_bob == bob and hash(as_bob) == hash(bob) and as_bob.via == admin.VIA_CLI
    assert reads.get_entity(node, as_bob, "p-1") == reads.get_entity(node, bob, "p-1")
    reads.search(node, as_bob, "Ruiz")
    list(reads.export_collection(node, as_bob, "mx-cases"))

    reads_ = audit(node, "entity.read")
    assert [r["detail"].get("via") for r in reads_] == [None, admin.VIA_CLI]  # newest first
    assert all(r["username"] == "bob" for r in reads_)
    assert audit(node, "search")[0]["detail"]["via"] == admin.VIA_CLI
    assert audit(node, "export")[0]["detail"]["via"] == admin.VIA_CLI

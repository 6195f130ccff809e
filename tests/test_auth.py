"""Passwords (argon2id) and API tokens."""

from __future__ import annotations

import hashlib

import pytest
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import select, update

from gugus import auth
from gugus.access import Reader
from gugus.errors import AuthError, Forbidden, InvalidInput, NotFound
from gugus.model.roles import Role
from gugus.store import directory
from gugus.store.tables import audit_log, tokens, users

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def password_hash() -> str:
    return auth.hash_password(PASSWORD)


def test_hash_and_verify_roundtrip(password_hash):
    assert password_hash.startswith("$argon2id$")
    assert PASSWORD not in password_hash
    assert auth._hasher.verify(password_hash, PASSWORD)
    with pytest.raises(VerifyMismatchError):
        auth._hasher.verify(password_hash, PASSWORD + "!")
    # salted: the same password hashes differently each time
    assert auth.hash_password(PASSWORD) != password_hash


def test_generated_passwords_differ():
    a, b = auth.generate_password(), auth.generate_password()
    assert a != b and len(a) >= 20


def setup_people(node, password_hash):
    """ana (real password), bob and root (placeholder hashes)."""
    with node.db.writer.begin() as conn:
        directory.add_organisation(conn, "US-HSI", "HSI", "US")
        directory.add_organisation(conn, "MX-FGR", "FGR", "MX")
        ids = {
            "ana": directory.add_user(conn, "ana", "US-HSI", "analyst", password_hash),
            "bob": directory.add_user(conn, "bob", "US-HSI", "liaison", "not-a-hash"),
            "root": directory.add_user(conn, "root", "MX-FGR", "admin", "not-a-hash"),
        }
    node.people = {
        "ana": Reader("ana", "US-HSI", Role.ANALYST, ids["ana"]),
        "bob": Reader("bob", "US-HSI", Role.LIAISON, ids["bob"]),
        "root": Reader("root", "MX-FGR", Role.ADMIN, ids["root"]),
    }
    return node


@pytest.fixture
def people(sqlite_node, password_hash):
    return setup_people(sqlite_node, password_hash)


@pytest.fixture
def people_both(node, password_hash):
    """The same, on SQLite and PostgreSQL (for what touches the store)."""
    return setup_people(node, password_hash)


def audit(node, action: str) -> list:
    with node.db.audit_reader.connect() as conn:
        return conn.execute(
            select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.seq)
        ).all()


# -- passwords ---------------------------------------------------------------------------
def test_check_password(people_both):
    reader = auth.check_password(people_both, "ana", PASSWORD)
    assert reader == people_both.people["ana"]
    assert audit(people_both, "auth.failed") == []


@pytest.mark.parametrize(
    ("username", "password", "org"),
    [
        ("ana", "wrong password", "US-HSI"),
        ("ana", "", "US-HSI"),
        ("ana", PASSWORD.upper(), "US-HSI"),
        ("bob", "anything at all", "US-HSI"),  # stored hash is not a valid argon2 hash
        ("nobody", PASSWORD, None),
    ],
)
def test_check_password_failure_is_audited(people, username, password, org):
    with pytest.raises(AuthError) as info:
        auth.check_password(people, username, password)
    # the same message whether the user exists or not
    assert info.value.message == "wrong username or password"
    [rec] = audit(people, "auth.failed")
    assert (rec.username, rec.org) == (username, org)


def test_disabled_user_cannot_log_in(people):
    with people.db.writer.begin() as conn:
        conn.execute(update(users).where(users.c.username == "ana").values(disabled=True))
    with pytest.raises(AuthError):
        auth.check_password(people, "ana", PASSWORD)
    assert len(audit(people, "auth.failed")) == 1


class CountingHasher:
    def __init__(self, real):
        self.real = real
        self.verified = 0

    def verify(self, hash_, password):
        self.verified += 1
        return self.real.verify(hash_, password)

    def hash(self, password):
        return self.real.hash(password)


# Regression: unknown and disabled users skipped argon2, so the response time told
# whether a username exists.
@pytest.mark.parametrize("username", ["nobody", "disabled"])
def test_failed_login_costs_the_same_for_unknown_users(people, monkeypatch, username):
    if username == "disabled":
        with people.db.writer.begin() as conn:
            conn.execute(update(users).where(users.c.username == "ana").values(disabled=True))
        username = "ana"
    counting = CountingHasher(auth._hasher)
    monkeypatch.setattr(auth, "_hasher", counting)
    with pytest.raises(AuthError):
        auth.check_password(people, username, PASSWORD)
    assert counting.verified == 1


# -- tokens ------------------------------------------------------------------------------
def token_rows(node) -> list[dict]:
    with node.db.reader.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(tokens)).all()]


def test_token_roundtrip_and_hashed_at_rest(people_both):
    ana = people_both.people["ana"]
    token, expires = auth.issue_token(people_both, ana, days=2, label="laptop")
    assert token.startswith(auth.TOKEN_PREFIX) and len(token) > 40
    assert auth.reader_for_token(people_both, token) == ana
    [row] = token_rows(people_both)
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert row["expires_at"] == expires
    assert row["label"] == "laptop"
    for value in row.values():
        assert token not in str(value)
        assert token.removeprefix(auth.TOKEN_PREFIX) not in str(value)
    [rec] = audit(people_both, "token.issue")
    assert rec.username == "ana"
    assert token not in rec.detail and token not in rec.object_ids


def test_tokens_are_unique(people):
    ana = people.people["ana"]
    a, _ = auth.issue_token(people, ana)
    b, _ = auth.issue_token(people, ana)
    assert a != b
    assert auth.reader_for_token(people, a) == auth.reader_for_token(people, b) == ana


@pytest.mark.parametrize("days", [0, -1])
def test_token_lifetime_must_be_positive(people, days):
    with pytest.raises(InvalidInput, match="positive"):
        auth.issue_token(people, people.people["ana"], days=days)
    assert token_rows(people) == []


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("ggs_made-up", "invalid token"),
        ("", "invalid token"),
    ],
)
def test_unknown_token(people, token, message):
    auth.issue_token(people, people.people["ana"])
    with pytest.raises(AuthError, match=message):
        auth.reader_for_token(people, token)


def test_expired_token_is_rejected(people_both):
    token, _ = auth.issue_token(people_both, people_both.people["ana"])
    with people_both.db.writer.begin() as conn:
        conn.execute(update(tokens).values(expires_at="2020-01-01T00:00:00.000000Z"))
    with pytest.raises(AuthError, match="token expired"):
        auth.reader_for_token(people_both, token)


def test_revoked_token_is_rejected(people_both):
    ana = people_both.people["ana"]
    token, _ = auth.issue_token(people_both, ana)
    other, _ = auth.issue_token(people_both, ana)
    [first, _second] = sorted(r["id"] for r in token_rows(people_both))
    auth.revoke_token(people_both, ana, first)
    with pytest.raises(AuthError, match="token revoked"):
        auth.reader_for_token(people_both, token)
    assert auth.reader_for_token(people_both, other) == ana
    [rec] = audit(people_both, "token.revoke")
    assert (rec.username, rec.object_ids) == ("ana", f'["token:{first}"]')


def test_token_of_disabled_user_is_rejected(people_both):
    token, _ = auth.issue_token(people_both, people_both.people["ana"])
    with people_both.db.writer.begin() as conn:
        conn.execute(update(users).where(users.c.username == "ana").values(disabled=True))
    with pytest.raises(AuthError, match="user disabled"):
        auth.reader_for_token(people_both, token)


def test_revoking_someone_elses_token(people_both):
    ana, bob, root = (people_both.people[n] for n in ("ana", "bob", "root"))
    token, _ = auth.issue_token(people_both, ana)
    [token_id] = [r["id"] for r in token_rows(people_both)]
    with pytest.raises(Forbidden, match=f"token {token_id} is not yours"):
        auth.revoke_token(people_both, bob, token_id)
    assert auth.reader_for_token(people_both, token) == ana  # still valid
    assert audit(people_both, "token.revoke") == []
    # an admin may revoke anyone's token
    auth.revoke_token(people_both, root, token_id)
    with pytest.raises(AuthError, match="revoked"):
        auth.reader_for_token(people_both, token)
    # twice: nothing left to revoke
    with pytest.raises(NotFound):
        auth.revoke_token(people_both, root, token_id)
    with pytest.raises(Forbidden):
        auth.revoke_token(people_both, ana, token_id)


def test_admin_revoking_unknown_token(people):
    with pytest.raises(NotFound, match="token 999"):
        auth.revoke_token(people, people.people["root"], 999)

"""Passwords (argon2id) and API tokens (random, stored as SHA-256, expiring, revocable)."""

from __future__ import annotations

import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gugus.access import Reader
from gugus.audit import AuditEvent
from gugus.clock import in_days, now_iso
from gugus.errors import AuthError, Forbidden, InvalidInput, NotFound
from gugus.model.roles import Role
from gugus.node import Node
from gugus.store import directory

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
TOKEN_PREFIX = "ggs_"  # noqa: S105 - a prefix that makes leaked tokens greppable, not a secret
DEFAULT_TOKEN_DAYS = 30
MAX_TOKEN_DAYS = 3650


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def generate_password() -> str:
    return secrets.token_urlsafe(18)


@functools.cache
def _dummy_hash() -> str:
    """Computed once (``warm_up`` at server start) so unknown users cost the
    same argon2 verification as known ones."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_password(node: Node, username: str, password: str) -> Reader:
    with node.db.reader.connect() as conn:
        row = directory.get_user(conn, username)
    known = row is not None and not row.disabled
    # Unknown and disabled users cost one argon2 verification too, so the
    # response time does not tell whether a username exists.
    try:
        valid = _hasher.verify(row.password_hash if known else _dummy_hash(), password) and known
    except (VerificationError, InvalidHashError):
        valid = False
    if not valid:
        # One record per failed attempt: the login rate limits
        # (gugus.ratelimit) bound how many an anonymous caller can cause.
        node.audit.append(AuditEvent("auth.failed", username, row.org if row else None))
        raise AuthError("wrong username or password")
    return Reader(row.username, row.org, Role(row.role), row.id)


def issue_token(
    node: Node, reader: Reader, *, days: float = DEFAULT_TOKEN_DAYS, label: str | None = None
) -> tuple[str, str]:
    """A new token (shown once; only its hash is stored) and its expiry."""
    if not 0 < days <= MAX_TOKEN_DAYS:
        raise InvalidInput(f"days: a token lifetime must be positive and at most {MAX_TOKEN_DAYS}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = in_days(days)
    with node.db.writer.begin() as conn:
        token_id = directory.add_token(conn, reader.user_id, _token_hash(token), expires, label)
        # Recorded before the change commits (see gugus.audit.trail).
        node.audit.append(
            AuditEvent(
                "token.issue",
                reader.username,
                reader.org,
                [f"token:{token_id}"],
                detail=reader.audit_detail({"expires_at": expires}),
            ),
        )
    return token, expires


WEB_SESSION = "web"  # the label of the tokens the login form issues


def reader_for_token(node: Node, token: str, *, label: str | None = None) -> Reader:
    """The token's user; ``label``: only a token issued with that label (a
    web session accepts only the login form's tokens, not an API token
    pasted into its cookie)."""
    with node.db.reader.connect() as conn:
        row = directory.find_token(conn, _token_hash(token))
    if row is None or (label is not None and row.label != label):
        raise AuthError("invalid token")
    if row.revoked_at is not None:
        raise AuthError("token revoked")
    if row.expires_at <= now_iso():
        raise AuthError("token expired")
    if row.disabled:
        raise AuthError("user disabled")
    return Reader(row.username, row.org, Role(row.role), row.user_id)


def revoke_token(node: Node, actor: Reader, token_id: int) -> None:
    with node.db.writer.begin() as conn:
        own_only = None if actor.role is Role.ADMIN else actor.user_id
        if not directory.revoke_token(conn, token_id, own_only):
            if own_only is not None:
                raise Forbidden(f"token {token_id} is not yours or already revoked")
            raise NotFound(f"token {token_id} does not exist or is already revoked")
        node.audit.append(
            AuditEvent(
                "token.revoke",
                actor.username,
                actor.org,
                [f"token:{token_id}"],
                detail=actor.audit_detail(),
            )
        )


def end_session(node: Node, token: str) -> None:
    """Log out: revoke the token a web session holds (an unknown, expired or
    revoked one is already of no use: nothing to do)."""
    with node.db.reader.connect() as conn:
        row = directory.find_token(conn, _token_hash(token))
    if row is None or row.revoked_at is not None:
        return
    reader = Reader(row.username, row.org, Role(row.role), row.user_id)
    revoke_token(node, reader, row.id)


def list_tokens(node: Node, reader: Reader) -> list[dict]:
    with node.db.reader.connect() as conn:
        return [
            {k: r._mapping[k] for k in ("id", "label", "created_at", "expires_at", "revoked_at")}
            for r in directory.list_tokens(conn, reader.user_id)
        ]


def warm_up() -> None:
    _dummy_hash()

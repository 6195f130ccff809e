"""Organisations, users, tokens and collections (the node's directory)."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from gugus.clock import now_iso
from gugus.errors import Conflict, Msg, NotFound
from gugus.store import grants
from gugus.store.tables import collections, organisations, tokens, users


# -- organisations ------------------------------------------------------------
def add_organisation(conn: Connection, code: str, name: str, country: str) -> None:
    if get_organisation(conn, code) is not None:
        raise Conflict(f"organisation {code!r} already exists")
    conn.execute(
        insert(organisations).values(code=code, name=name, country=country, created_at=now_iso())
    )
    grants.grant_organisation(conn, code)


def get_organisation(conn: Connection, code: str):
    return conn.execute(select(organisations).where(organisations.c.code == code)).first()


def require_organisation(conn: Connection, code: str):
    row = get_organisation(conn, code)
    if row is None:
        raise NotFound(f"organisation {code!r} does not exist (see `gugus org list`)")
    return row


def list_organisations(conn: Connection):
    return conn.execute(select(organisations).order_by(organisations.c.code)).all()


# -- users --------------------------------------------------------------------
def add_user(conn: Connection, username: str, org: str, role: str, password_hash: str) -> int:
    require_organisation(conn, org)
    try:
        with conn.begin_nested():
            user_id = conn.execute(
                insert(users)
                .values(
                    username=username,
                    org=org,
                    role=role,
                    password_hash=password_hash,
                    disabled=False,
                    created_at=now_iso(),
                )
                .returning(users.c.id)
            ).scalar_one()
    except IntegrityError as exc:
        raise Conflict(f"user {username!r} already exists") from exc
    grants.grant_user(conn, username, org, role)
    return user_id


def get_user(conn: Connection, username: str):
    return conn.execute(select(users).where(users.c.username == username)).first()


def get_user_folded(conn: Connection, username: str):
    """A user whose name equals ``username`` ignoring case (names that differ
    only in case would read as one person in the audit log)."""
    return conn.execute(
        select(users).where(func.lower(users.c.username) == username.lower()).limit(1)
    ).first()


def get_user_by_id(conn: Connection, user_id: int):
    return conn.execute(select(users).where(users.c.id == user_id)).first()


def list_users(conn: Connection, org: str | None = None):
    query = select(users).order_by(users.c.org, users.c.username)
    if org:
        query = query.where(users.c.org == org)
    return conn.execute(query).all()


def set_password_hash(conn: Connection, user_id: int, password_hash: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))


def set_disabled(conn: Connection, user_id: int, disabled: bool) -> bool:
    """Disable or enable a user; False if it already was."""
    query = update(users).where(users.c.id == user_id, users.c.disabled.is_(not disabled))
    return conn.execute(query.values(disabled=disabled)).rowcount > 0


# -- tokens -------------------------------------------------------------------
def add_token(
    conn: Connection, user_id: int, token_hash: str, expires_at: str, label: str | None
) -> int:
    return conn.execute(
        insert(tokens)
        .values(
            user_id=user_id,
            token_hash=token_hash,
            label=label,
            created_at=now_iso(),
            expires_at=expires_at,
        )
        .returning(tokens.c.id)
    ).scalar_one()


# Built once: every API request looks its token up, and building the
# statement cost more than running it.
_FIND_TOKEN = (
    select(tokens, users.c.username, users.c.org, users.c.role, users.c.disabled)
    .join(users, users.c.id == tokens.c.user_id)
    .where(tokens.c.token_hash == bindparam("token_hash"))
)


def find_token(conn: Connection, token_hash: str):
    return conn.execute(_FIND_TOKEN, {"token_hash": token_hash}).first()


def list_tokens(conn: Connection, user_id: int):
    return conn.execute(
        select(tokens).where(tokens.c.user_id == user_id).order_by(tokens.c.id)
    ).all()


def revoke_token(conn: Connection, token_id: int, user_id: int | None = None) -> bool:
    query = update(tokens).where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
    if user_id is not None:
        query = query.where(tokens.c.user_id == user_id)
    return conn.execute(query.values(revoked_at=now_iso())).rowcount > 0


def revoke_user_tokens(conn: Connection, user_id: int) -> int:
    """Revoke every live token of a user; how many were."""
    query = update(tokens).where(tokens.c.user_id == user_id, tokens.c.revoked_at.is_(None))
    return conn.execute(query.values(revoked_at=now_iso())).rowcount


# -- collections --------------------------------------------------------------
def add_collection(
    conn: Connection, name: str, org: str, marking_id: int, label: str | None, country: str | None
) -> int:
    require_organisation(conn, org)
    if get_collection(conn, name) is not None:
        raise Conflict(f"collection {name!r} already exists")
    return conn.execute(
        insert(collections)
        .values(
            name=name,
            org=org,
            marking_id=marking_id,
            label=label,
            country=country,
            created_at=now_iso(),
        )
        .returning(collections.c.id)
    ).scalar_one()


def get_collection(conn: Connection, name: str):
    return conn.execute(select(collections).where(collections.c.name == name)).first()


def require_collection(conn: Connection, name: str):
    row = get_collection(conn, name)
    if row is None:
        raise NotFound(
            Msg("collection %(name)r does not exist (see `gugus collection list`)", name=name)
        )
    return row


def list_collections(conn: Connection):
    return conn.execute(select(collections).order_by(collections.c.name)).all()

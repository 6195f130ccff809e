"""Administration: organisations, users, collections (with their markings)."""

from __future__ import annotations

import re

from followthemoney.types import registry
from sqlalchemy import Connection

from gugus.access import Reader
from gugus.audit import AuditEvent, record
from gugus.auth import MAX_TOKEN_DAYS, generate_password, hash_password, issue_token
from gugus.errors import InvalidInput
from gugus.model.markings import Marking
from gugus.model.roles import Role
from gugus.node import Node
from gugus.reads import collection_view
from gugus.store import directory
from gugus.store.markings import marking_id

OPERATOR = "local-operator"  # actions taken on the node's own command line
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _check_name(kind: str, value: str) -> str:
    if not _CODE.match(value or ""):
        raise InvalidInput(
            f"{kind}: {value!r} is not valid (letters, digits, '.', '_', '-'; at most 64 characters)"
        )
    return value


def _country(value: str | None, field: str) -> str | None:
    if value is None or value == "":
        return None
    code = registry.country.clean(value)
    if code is None or len(code) != 2:
        raise InvalidInput(
            f"{field}: unknown country {value!r} (use an ISO 3166 code such as MX, US, GT)"
        )
    return code.upper()


_OPTIONS = {
    "marking.tlp": "--tlp",
    "marking.handling_text": "--handling-text",
    "marking.handling": "--handling",
    "marking.release_to": "--release-to",
    "marking.recipients": "--recipients",
}


def _option_names(message: str) -> str:
    """Name a marking's fields as the command-line options that set them."""
    for field_name, option in _OPTIONS.items():
        if message.startswith(field_name):
            return option + message.removeprefix(field_name)
    return message


def add_organisation(node: Node, code: str, name: str, country: str) -> None:
    _check_name("organisation code", code)
    if not name.strip():
        raise InvalidInput("--name: an organisation needs a name")
    cc = _country(country, "--country")
    if cc is None:
        raise InvalidInput("--country: an organisation needs a country")
    with node.db.writer.begin() as conn:
        directory.add_organisation(conn, code, name.strip(), cc)
        record(
            conn,
            AuditEvent(
                "org.add", OPERATOR, code, [f"org:{code}"], detail={"name": name, "country": cc}
            ),
        )


def add_user(
    node: Node,
    username: str,
    org: str,
    role: str,
    password: str | None = None,
    token_days: float = 30,
) -> dict:
    """Create a user; returns the password if generated and a first API token (shown once)."""
    _check_name("username", username)
    parsed = Role.parse(role)
    if not 0 < token_days <= MAX_TOKEN_DAYS:  # checked before anything is written
        raise InvalidInput(f"--token-days: must be positive and at most {MAX_TOKEN_DAYS}")
    generated = password is None
    password = password or generate_password()
    if len(password) < 8:
        raise InvalidInput("password: at least 8 characters")
    with node.db.reader.connect() as conn:
        directory.require_organisation(conn, org)  # before the slow hash
    with node.db.writer.begin() as conn:
        user_id = directory.add_user(conn, username, org, parsed.value, hash_password(password))
        record(
            conn,
            AuditEvent(
                "user.add", OPERATOR, org, [f"user:{username}"], detail={"role": parsed.value}
            ),
        )
    reader = Reader(username, org, parsed, user_id)
    token, expires = issue_token(node, reader, days=token_days, label="initial")
    return {
        "username": username,
        "org": org,
        "role": parsed.value,
        "password": password if generated else None,
        "token": token,
        "token_expires_at": expires,
    }


def check_marking(conn: Connection, marking: Marking, where: str = "marking") -> None:
    """Every organisation and user a marking names must exist; RED recipients
    must be enabled users of the originator or of an organisation on the
    release-to list.

    A recipient that is not usable gets one answer whatever the reason
    (unknown, of another organisation, disabled): the message must not tell
    a loading analyst which user names exist or where they belong."""
    for org in sorted(marking.release_to):
        if directory.get_organisation(conn, org) is None:
            raise InvalidInput(f"{where}.release_to: unknown organisation {org!r}")
    allowed = {marking.originator, *marking.release_to} - {None}
    for username in sorted(marking.recipients):
        user = directory.get_user(conn, username)
        if user is None or user.disabled or user.org not in allowed:
            raise InvalidInput(
                f"{where}.recipients: {username!r} is not an enabled user of "
                f"{' or '.join(sorted(allowed))} (the originator or an organisation on the "
                "release-to list), so it cannot be named as a recipient"
            )


def add_collection(
    node: Node,
    name: str,
    org: str,
    tlp: str,
    handling: list[str] | str | None,
    *,
    handling_text: str | None = None,
    release_to: list[str] | str | None = None,
    recipients: list[str] | str | None = None,
    purpose: str | None = None,
    label: str | None = None,
    country: str | None = None,
) -> dict:
    _check_name("collection name", name)
    try:
        marking = Marking.build(tlp, org, handling, handling_text, release_to, recipients, purpose)
        cc = _country(country, "--country")
        with node.db.writer.begin() as conn:
            directory.require_organisation(conn, org)
            check_marking(conn, marking)
            mid = marking_id(conn, marking)
            cid = directory.add_collection(conn, name, org, mid, label, cc)
            record(
                conn,
                AuditEvent(
                    "collection.add",
                    OPERATOR,
                    org,
                    [f"collection:{name}"],
                    detail={"marking": marking.to_dict()},
                ),
            )
    except InvalidInput as exc:
        raise InvalidInput(_option_names(exc.message)) from None
    return {
        "id": cid,
        "name": name,
        "org": org,
        "marking": marking.to_dict(),
        "country": cc,
        "label": label,
    }


def list_collections(node: Node) -> list[dict]:
    """Every collection of the node (the operator's view, not a reader's)."""
    with node.db.reader.connect() as conn:
        return [collection_view(node, conn, r) for r in directory.list_collections(conn)]

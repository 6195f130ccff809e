"""Administration: organisations, users, collections (with their markings)."""

from __future__ import annotations

import dataclasses
import re

from followthemoney.types import registry
from sqlalchemy import Connection

from gugus.access import Reader
from gugus.audit import AuditEvent
from gugus.auth import MAX_TOKEN_DAYS, generate_password, hash_password, issue_token
from gugus.errors import Conflict, InvalidInput, Msg, NotFound
from gugus.model.markings import Marking, field_of
from gugus.model.roles import Role
from gugus.node import Node
from gugus.reads import collection_view
from gugus.store import directory, grants
from gugus.store.markings import marking_id

OPERATOR = "local-operator"  # actions taken on the node's own command line
VIA_CLI = "cli-operator"  # audit "via" of what the operator reads or does --as a user
# Names that read as the node itself in the audit log; compared ignoring case.
RESERVED_USERNAMES = frozenset({OPERATOR, VIA_CLI, "operator", "system", "root", "gugus"})
MIN_PASSWORD = 8
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
        # Recorded before the change commits (see gugus.audit.trail).
        node.audit.append(
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
    grant_named: bool = False,
) -> dict:
    """Create a user; returns the password if generated and a first API token (shown once).

    Loads accept any well-formed recipient name without looking it up (no
    user-name oracle), so a TLP:RED marking may name someone who has no
    account yet — or a misspelt name.  A new user whose name stored markings
    already name would read what they mark: refused unless ``grant_named``
    confirms that this is the person meant."""
    _check_name("username", username)
    if username.casefold() in RESERVED_USERNAMES:
        raise InvalidInput(f"username: {username!r} is reserved for the node itself")
    parsed = Role.parse(role)
    if not 0 < token_days <= MAX_TOKEN_DAYS:  # checked before anything is written
        raise InvalidInput(f"--token-days: must be positive and at most {MAX_TOKEN_DAYS}")
    password, generated = _new_password(password)
    with node.db.reader.connect() as conn:
        directory.require_organisation(conn, org)  # before the slow hash
        if directory.get_user_folded(conn, username) is not None:
            raise Conflict(f"user {username!r} already exists (names are compared ignoring case)")
        named = grants.named_audiences(conn, username, org, parsed.value)
        if named and not grant_named:
            raise Conflict(
                f"user {username!r}: {named} stored TLP:RED marking(s) already name {username!r} "
                "as a recipient, so the new user would read what they mark; if this is the "
                "person meant, repeat with --grant-named"
            )
    with node.db.writer.begin() as conn:
        user_id = directory.add_user(conn, username, org, parsed.value, hash_password(password))
        node.audit.append(
            AuditEvent(
                "user.add", OPERATOR, org, [f"user:{username}"], detail={"role": parsed.value}
            ),
        )
    reader = Reader(username, org, parsed, user_id, via=VIA_CLI)  # the operator issues it
    token, expires = issue_token(node, reader, days=token_days, label="initial")
    return {
        "username": username,
        "org": org,
        "role": parsed.value,
        "password": password if generated else None,
        "token": token,
        "token_expires_at": expires,
    }


def _new_password(password: str | None) -> tuple[str, bool]:
    """The password to set (generated when none is given) and whether it was generated."""
    if password is None:
        return generate_password(), True
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password: at least {MIN_PASSWORD} characters")
    return password, False


def _require_user(conn: Connection, username: str):
    row = directory.get_user(conn, username)
    if row is None:
        raise NotFound(f"user {username!r} does not exist (see `gugus user list`)")
    return row


def act_as(node: Node, username: str) -> Reader:
    """The operator acting as a user on the command line: the user's
    visibility, and audit records that say the operator did it (``via``)."""
    return dataclasses.replace(node.reader(username), via=VIA_CLI)


def set_disabled(node: Node, username: str, disabled: bool) -> dict:
    """Disable a user: their tokens are revoked and stop working at once, and
    password logins fail (the password is kept).  Or enable them again: the
    old password works again, revoked tokens do not (if the password may be
    known to someone else, replace it: ``set_password``, ``revoke_tokens``)."""
    with node.db.writer.begin() as conn:
        row = _require_user(conn, username)
        changed = directory.set_disabled(conn, row.id, disabled)
        detail = {"already": not changed}
        if disabled:
            detail["tokens_revoked"] = directory.revoke_user_tokens(conn, row.id)
    action = "user.disable" if disabled else "user.enable"
    node.audit.append(AuditEvent(action, OPERATOR, row.org, [f"user:{username}"], detail=detail))
    return {"username": username, "disabled": disabled, **detail}


def set_password(node: Node, username: str, password: str | None = None) -> dict:
    """Change a user's password (or reset it to a generated one, returned once);
    every token of the user is revoked, so whoever held one must log in again."""
    return _replace_credentials(node, username, password, action="user.password")


def revoke_tokens(
    node: Node, username: str, *, password: str | None = None, disable: bool = False
) -> dict:
    """Incident response: revoke every token of a user AND replace the password
    (a generated one, returned once, unless one is given), optionally also
    disabling the user.  Revoking tokens alone would not shut out someone who
    knows the password: they would log in and mint a new token."""
    return _replace_credentials(
        node, username, password, action="user.revoke_tokens", disable=disable
    )


def _replace_credentials(
    node: Node, username: str, password: str | None, *, action: str, disable: bool = False
) -> dict:
    password, generated = _new_password(password)
    with node.db.reader.connect() as conn:
        _require_user(conn, username)  # before the slow hash
    password_hash = hash_password(password)
    with node.db.writer.begin() as conn:
        row = _require_user(conn, username)
        directory.set_password_hash(conn, row.id, password_hash)
        revoked = directory.revoke_user_tokens(conn, row.id)
        if disable:
            directory.set_disabled(conn, row.id, True)
    detail = {"tokens_revoked": revoked, "new_password": "generated" if generated else "given"}
    if disable:
        detail["disabled"] = True
    # Audited before the new password is shown: no credential without its record.
    node.audit.append(AuditEvent(action, OPERATOR, row.org, [f"user:{username}"], detail=detail))
    return {**detail, "username": username, "password": password if generated else None}


def check_marking(
    conn: Connection, marking: Marking, where: str = "marking", *, verify_recipients: bool = False
) -> None:
    """Every organisation a marking names must exist; RED recipients must be
    well-formed user names.

    What a *load* names is never looked up in the directory: whether a line
    with a RED marking is accepted must not tell the loading analyst which
    user names exist or where they belong (with ``--on-error skip`` an
    accepted line would answer for a refused one).  A recipient who is not
    an enabled user of the originator or of a release-to organisation is
    granted nothing — the policy decides per reader — until such a user
    exists.  The node's operator (``collection add``), who sees the
    directory anyway, gets ``verify_recipients``: a name that is not usable
    is refused, with one answer whatever the reason."""
    for org in sorted(marking.release_to):
        if directory.get_organisation(conn, org) is None:
            raise InvalidInput(
                Msg(
                    "%(field)s: unknown organisation %(org)r",
                    field=field_of(where, "release_to"),
                    org=org,
                )
            )
    allowed = {marking.originator, *marking.release_to} - {None}
    for username in sorted(marking.recipients):
        if not _CODE.match(username):
            raise InvalidInput(
                Msg(
                    "%(field)s: %(user)r is not a user name (letters, digits, "
                    "'.', '_', '-'; at most 64 characters)",
                    field=field_of(where, "recipients"),
                    user=username,
                )
            )
        if not verify_recipients:
            continue
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
            check_marking(conn, marking, verify_recipients=True)
            mid = marking_id(conn, marking)
            cid = directory.add_collection(conn, name, org, mid, label, cc)
            node.audit.append(
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

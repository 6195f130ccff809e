"""`gugus user`: users, their passwords and API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from gugus import admin, auth
from gugus.cli.common import (
    AsOpt,
    DbOpt,
    JsonOpt,
    SafeTable,
    UserArg,
    app,
    handled,
    open_node,
    out,
    print_json,
    show,
)
from gugus.errors import InvalidInput

user_app = typer.Typer(no_args_is_help=True, help="Users and their API tokens.")
app.add_typer(user_app, name="user")


@user_app.command("add")
@handled
def user_add(
    username: UserArg,
    org: Annotated[str, typer.Option("--org", help="Organisation code.", metavar="ORG")],
    role: Annotated[
        str, typer.Option("--role", help="analyst, liaison, supervisor or admin.", metavar="ROLE")
    ],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from stdin (else one is generated)."
        ),
    ] = False,
    token_days: Annotated[
        float, typer.Option("--token-days", help="Lifetime of the first API token.", metavar="DAYS")
    ] = 30,
    grant_named: Annotated[
        bool,
        typer.Option(
            "--grant-named",
            help="Confirm that this is the person stored TLP:RED markings already name.",
        ),
    ] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a user; prints the generated password (if any) and an API token, once."""
    password = _stdin_password() if password_stdin else None
    result = admin.add_user(
        open_node(db), username, org, role, password, token_days, grant_named=grant_named
    )
    if as_json:
        return print_json(result)
    out.print(f"user {username} ({role}, {org}) added")
    if result["password"]:
        out.print(f"password: {result['password']}")
    out.print(f"token (shown once, expires {result['token_expires_at']}): {result['token']}")


PasswordStdinOpt = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the new password from stdin (else one is generated)."
    ),
]


def _stdin_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise InvalidInput("--password-stdin: no password on standard input")
    return password


@user_app.command("list")
@handled
def user_list(
    org: Annotated[
        str | None, typer.Option("--org", help="Only this organisation's users.", metavar="ORG")
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The users of this node (or of one organisation), with role and state."""
    from gugus.store import directory

    node = open_node(db)
    with node.db.reader.connect() as conn:
        rows = [
            {"username": r.username, "org": r.org, "role": r.role, "disabled": r.disabled}
            for r in directory.list_users(conn, org)
        ]
    if as_json:
        return print_json(rows)
    table = SafeTable("username", "org", "role", "disabled")
    for r in rows:
        table.add_row(r["username"], r["org"], r["role"], "yes" if r["disabled"] else "")
    show(table, empty="no users yet (gugus user add)")


@user_app.command("disable")
@handled
def user_disable(username: UserArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Disable a user: their tokens are revoked at once and password logins fail."""
    _set_disabled(username, True, db, as_json)


@user_app.command("enable")
@handled
def user_enable(username: UserArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Enable a disabled user (same password; revoked tokens stay revoked)."""
    _set_disabled(username, False, db, as_json)


def _set_disabled(username: str, disabled: bool, db: str | None, as_json: bool) -> None:
    result = admin.set_disabled(open_node(db), username, disabled)
    if as_json:
        return print_json(result)
    text = f"user {username} {'was already ' if result['already'] else ''}"
    text += "disabled" if disabled else "enabled"
    if disabled:
        text += f"; {result['tokens_revoked']} tokens revoked"
    out.print(text, markup=False)


@user_app.command("password")
@handled
def user_password(
    username: UserArg,
    password_stdin: PasswordStdinOpt = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a user's password (from stdin) or reset it to a generated one
    (printed once); every token of the user is revoked."""
    password = _stdin_password() if password_stdin else None
    result = admin.set_password(open_node(db), username, password)
    _print_credentials(result, as_json)


@user_app.command("revoke-tokens")
@handled
def user_revoke_tokens(
    username: UserArg,
    password_stdin: PasswordStdinOpt = False,
    disable: Annotated[
        bool, typer.Option("--disable", help="Also disable the user until `gugus user enable`.")
    ] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Shut a user's credentials out (incident response): revoke every token
    AND replace the password (generated and printed once, or from stdin), so
    someone who knows the old password cannot log in for a new token."""
    password = _stdin_password() if password_stdin else None
    result = admin.revoke_tokens(open_node(db), username, password=password, disable=disable)
    _print_credentials(result, as_json)


def _print_credentials(result: dict, as_json: bool) -> None:
    if as_json:
        return print_json(result)
    out.print(
        f"user {result['username']}: password replaced, {result['tokens_revoked']} tokens revoked"
        + ("; user disabled" if result.get("disabled") else ""),
        markup=False,
    )
    if result["password"]:
        out.print(f"new password (shown once): {result['password']}", markup=False)


@user_app.command("token")
@handled
def user_token(
    username: UserArg,
    days: Annotated[
        float, typer.Option("--days", help="Lifetime of the token in days.", metavar="DAYS")
    ] = auth.DEFAULT_TOKEN_DAYS,
    db: DbOpt = None,
) -> None:
    """Issue a new API token for a user (shown once)."""
    node = open_node(db)
    token, expires = auth.issue_token(node, admin.act_as(node, username), days=days, label="cli")
    out.print(f"token (shown once, expires {expires}): {token}")


@user_app.command("tokens")
@handled
def user_tokens(username: UserArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """A user's API tokens (ids, expiry, revoked) — never the tokens themselves."""
    node = open_node(db)
    rows = auth.list_tokens(node, admin.act_as(node, username))
    if as_json:
        return print_json(rows)
    table = SafeTable("id", "label", "created", "expires", "revoked")
    for r in rows:
        table.add_row(
            str(r["id"]), r["label"] or "", r["created_at"], r["expires_at"], r["revoked_at"] or ""
        )
    show(table, empty="no tokens")


@user_app.command("revoke-token")
@handled
def user_revoke_token(
    token_id: Annotated[
        int,
        typer.Argument(help="The token's id, as `gugus user tokens` shows it.", metavar="TOKEN_ID"),
    ],
    username: AsOpt,
    db: DbOpt = None,
) -> None:
    """Revoke one API token (by its id, as its owner or an admin).  To shut a
    user out, use `revoke-tokens`: it also replaces the password."""
    node = open_node(db)
    auth.revoke_token(node, admin.act_as(node, username), token_id)
    out.print(f"token {token_id} revoked")

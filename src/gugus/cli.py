"""Command line (typer + rich).  Thin: parse, call a service, print.

Every read command takes ``--json``; every error prints one line naming what
is wrong and exits with status 2 (1 for a failed audit verification).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gugus import admin, auth, reads
from gugus.errors import GugusError, InvalidInput
from gugus.node import Node
from gugus.store.faults import translate

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="gugus — enforced information sharing for joint task forces.",
)
org_app = typer.Typer(no_args_is_help=True, help="Organisations of this node.")
user_app = typer.Typer(no_args_is_help=True, help="Users and their API tokens.")
coll_app = typer.Typer(no_args_is_help=True, help="Collections and their default markings.")
audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit log.")
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
app.add_typer(coll_app, name="collection")
app.add_typer(audit_app, name="audit")


class SafeTable(Table):
    """A table whose cells are shown as text, never read as Rich markup
    (stored names and purposes may contain "[...]")."""

    def add_row(self, *cells, **kwargs) -> None:
        super().add_row(*(escape(c) if isinstance(c, str) else c for c in cells), **kwargs)


out = Console()
err = Console(stderr=True)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db", envvar="GUGUS_DB", help="Database URL or SQLite file (default: ./gugus.db)."
    ),
]
AsOpt = Annotated[
    str, typer.Option("--as", help="Read as this user (visibility and audit are theirs).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
KeyOpt = Annotated[
    str | None,
    typer.Option(
        "--key",
        envvar="GUGUS_NODE_KEY",
        help="The node key file (default: beside a SQLite file, gugus.db.key).",
    ),
]
PurposeOpt = Annotated[
    str | None, typer.Option("--purpose", help="Why you read this (kept in the audit log).")
]


# What an interruption leaves behind, for the commands where it is worth saying.
INTERRUPTED = {"load": "nothing was loaded"}


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM: unwinds like Ctrl-C (transactions roll back, worker
    processes stop), then the command exits with 128 + the signal number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, _frame) -> None:
    # Once: a second Ctrl-C must not interrupt the rollback of the first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(signum)


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def handled(func):
    """Print every error as one clear line and exit 2; an interruption
    (Ctrl-C, SIGTERM) prints what it left and exits 130 / 143.  Database and
    file-system failures are named by gugus.store.faults (never with stored
    values); GUGUS_TRACEBACK=1 shows the traceback of an unexpected one."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (typer.Exit, click.exceptions.ClickException, click.exceptions.Abort):
            raise
        except KeyboardInterrupt as exc:
            signum = getattr(exc, "signum", signal.SIGINT)
            note = INTERRUPTED.get(func.__name__)
            err.print(f"interrupted: {note}" if note else "interrupted", highlight=False)
            raise typer.Exit(128 + signum) from None
        except GugusError as exc:
            _fail(exc.message)
            raise typer.Exit(2) from None
        except Exception as exc:
            if os.environ.get("GUGUS_TRACEBACK") == "1":
                raise
            _fail(translate(exc).message)
            raise typer.Exit(2) from None

    return wrapper


def _node(db: str | None) -> Node:
    return Node.open(db)


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@app.command()
@handled
def init(db: DbOpt = None, key: KeyOpt = None) -> None:
    """Create the database (or upgrade its schema), its audit log and the node key."""
    node = Node(db, key)
    node.db.migrate()
    out.print(f"initialised {node.db!r} at schema {node.db.head()}; node key {node.db.key_path}")


@org_app.command("add")
@handled
def org_add(
    code: str,
    name: Annotated[str, typer.Option("--name", help="Full name of the organisation.")],
    country: Annotated[
        str, typer.Option("--country", help="ISO 3166 country code, e.g. MX or US.")
    ],
    db: DbOpt = None,
) -> None:
    """Add an organisation."""
    admin.add_organisation(_node(db), code, name, country)
    out.print(f"organisation {code} added")


@org_app.command("list")
@handled
def org_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    from gugus.store import directory

    node = _node(db)
    with node.db.reader.connect() as conn:
        rows = [dict(r._mapping) for r in directory.list_organisations(conn)]
    if as_json:
        return _print_json(rows)
    table = SafeTable("code", "name", "country")
    for r in rows:
        table.add_row(r["code"], r["name"], r["country"])
    out.print(table)


@user_app.command("add")
@handled
def user_add(
    username: str,
    org: Annotated[str, typer.Option("--org", help="Organisation code.")],
    role: Annotated[str, typer.Option("--role", help="analyst, liaison, supervisor or admin.")],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from stdin (else one is generated)."
        ),
    ] = False,
    token_days: Annotated[
        float, typer.Option("--token-days", help="Lifetime of the first API token.")
    ] = 30,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a user; prints the generated password (if any) and an API token, once."""
    password = _stdin_password() if password_stdin else None
    result = admin.add_user(_node(db), username, org, role, password, token_days)
    if as_json:
        return _print_json(result)
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
    org: Annotated[str | None, typer.Option("--org")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    from gugus.store import directory

    node = _node(db)
    with node.db.reader.connect() as conn:
        rows = [
            {"username": r.username, "org": r.org, "role": r.role, "disabled": r.disabled}
            for r in directory.list_users(conn, org)
        ]
    if as_json:
        return _print_json(rows)
    table = SafeTable("username", "org", "role", "disabled")
    for r in rows:
        table.add_row(r["username"], r["org"], r["role"], "yes" if r["disabled"] else "")
    out.print(table)


@user_app.command("disable")
@handled
def user_disable(username: str, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Disable a user: their tokens are revoked at once and password logins fail."""
    _set_disabled(username, True, db, as_json)


@user_app.command("enable")
@handled
def user_enable(username: str, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Enable a disabled user (same password; revoked tokens stay revoked)."""
    _set_disabled(username, False, db, as_json)


def _set_disabled(username: str, disabled: bool, db: str | None, as_json: bool) -> None:
    result = admin.set_disabled(_node(db), username, disabled)
    if as_json:
        return _print_json(result)
    text = f"user {username} {'was already ' if result['already'] else ''}"
    text += "disabled" if disabled else "enabled"
    if disabled:
        text += f"; {result['tokens_revoked']} tokens revoked"
    out.print(text, markup=False)


@user_app.command("password")
@handled
def user_password(
    username: str,
    password_stdin: PasswordStdinOpt = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a user's password (from stdin) or reset it to a generated one
    (printed once); every token of the user is revoked."""
    password = _stdin_password() if password_stdin else None
    result = admin.set_password(_node(db), username, password)
    _print_credentials(result, as_json)


@user_app.command("revoke-tokens")
@handled
def user_revoke_tokens(
    username: str,
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
    result = admin.revoke_tokens(_node(db), username, password=password, disable=disable)
    _print_credentials(result, as_json)


def _print_credentials(result: dict, as_json: bool) -> None:
    if as_json:
        return _print_json(result)
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
    username: str,
    days: Annotated[float, typer.Option("--days")] = auth.DEFAULT_TOKEN_DAYS,
    db: DbOpt = None,
) -> None:
    """Issue a new API token for a user (shown once)."""
    node = _node(db)
    token, expires = auth.issue_token(node, admin.act_as(node, username), days=days, label="cli")
    out.print(f"token (shown once, expires {expires}): {token}")


@user_app.command("tokens")
@handled
def user_tokens(username: str, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """A user's API tokens (ids, expiry, revoked) — never the tokens themselves."""
    node = _node(db)
    rows = auth.list_tokens(node, admin.act_as(node, username))
    if as_json:
        return _print_json(rows)
    table = SafeTable("id", "label", "created", "expires", "revoked")
    for r in rows:
        table.add_row(
            str(r["id"]), r["label"] or "", r["created_at"], r["expires_at"], r["revoked_at"] or ""
        )
    out.print(table)


@user_app.command("revoke-token")
@handled
def user_revoke_token(token_id: int, username: AsOpt, db: DbOpt = None) -> None:
    """Revoke one API token (by its id, as its owner or an admin).  To shut a
    user out, use `revoke-tokens`: it also replaces the password."""
    node = _node(db)
    auth.revoke_token(node, admin.act_as(node, username), token_id)
    out.print(f"token {token_id} revoked")


@coll_app.command("add")
@handled
def collection_add(
    name: str,
    org: Annotated[str, typer.Option("--org")],
    tlp: Annotated[str, typer.Option("--tlp", help="clear, green, amber, amber+strict or red.")],
    handling: Annotated[
        str, typer.Option("--handling", help="H0..H3, comma-separated for several.")
    ] = "H0",
    handling_text: Annotated[
        str | None, typer.Option("--handling-text", help="Text of an H3 restriction.")
    ] = None,
    release_to: Annotated[
        str | None, typer.Option("--release-to", help="Organisation codes, comma-separated.")
    ] = None,
    recipients: Annotated[
        str | None, typer.Option("--recipients", help="Named users (TLP:RED), comma-separated.")
    ] = None,
    purpose: Annotated[str | None, typer.Option("--purpose", help="Purpose / legal basis.")] = None,
    label: Annotated[str | None, typer.Option("--label")] = None,
    country: Annotated[
        str | None,
        typer.Option(
            "--country",
            help="Default country of the data (ISO 3166): phones written without +country "
            "are read as this country's (default: none — such phones need a country "
            "column or are counted as dropped).",
        ),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a collection with its default marking."""
    result = admin.add_collection(
        _node(db),
        name,
        org,
        tlp,
        handling,
        handling_text=handling_text,
        release_to=release_to,
        recipients=recipients,
        purpose=purpose,
        label=label,
        country=country,
    )
    if as_json:
        return _print_json(result)
    out.print(f"collection {name} ({org}) added")


@coll_app.command("list")
@handled
def collection_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    rows = admin.list_collections(_node(db))
    if as_json:
        return _print_json(rows)
    table = SafeTable("name", "org", "country", "marking", "release to")
    for r in rows:
        m = r["marking"]
        table.add_row(
            r["name"],
            r["org"],
            (r.get("country") or "").upper() or "-",
            f"TLP:{m['tlp'].upper()} {' '.join(m['handling'])}",
            ",".join(m["release_to"]),
        )
    out.print(table)


@app.command()
@handled
def load(
    collection: str,
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="A .jsonl of FtM entities, a table with --mapping, an HTCDS file with "
            "--format htcds, or documents (.txt .html .pdf .docx .eml) and directories."
        ),
    ],
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="YAML mapping for a CSV / XLSX / JSON-lines table."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="auto (default), ftm, table, htcds or documents."),
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(
            "--published", help="Documents: their date (YYYY-MM-DD) when metadata has none."
        ),
    ] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="Documents: their language (skip detection).")
    ] = None,
    names: Annotated[
        str | None,
        typer.Option("--names", help="Documents: name-extraction backend (default: heuristic)."),
    ] = None,
    username: Annotated[
        str | None, typer.Option("--as", help="Load as this user (default: the node operator).")
    ] = None,
    on_error: Annotated[
        str,
        typer.Option(
            "--on-error", help="abort (default: nothing is loaded) or skip bad lines, rows, files."
        ),
    ] = "abort",
    purpose: PurposeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load entities, mapped tables, HTCDS case files or documents (one transaction)."""
    from gugus.ingest import dispatch

    node = _node(db)
    actor = admin.act_as(node, username) if username else None
    with _load_progress(enabled=not as_json) as progress:
        summary = dispatch.load_paths(
            node,
            collection,
            paths,
            mapping=mapping,
            fmt=fmt,
            published=_date_option(published, "--published"),
            language=_language_option(language),
            names=names,
            actor=actor,
            on_error=on_error,
            purpose=purpose,
            progress=progress,
        ).to_dict()
    if as_json:
        return _print_json(summary)
    what = ", ".join(str(p) for p in paths[:3]) + (" …" if len(paths) > 3 else "")
    table = SafeTable(
        "records",
        "entities",
        "statements",
        "dropped values",
        "skipped",
        "kept stricter",
        title=f"{what} → {collection}",
    )
    table.add_row(
        *(
            str(summary[k])
            for k in (
                "lines",
                "entities",
                "statements",
                "dropped_values",
                "skipped_lines",
                "kept_stricter_markings",
            )
        )
    )
    out.print(table)
    for e in summary["errors"][:20]:
        where = e.get("where") or ""
        err.print(
            f"skipped line {e['line']}: {e['error']}"
            if not where or ": line " in where
            else f"skipped: {e['error']}",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    for d in summary["dropped_examples"][:5]:
        err.print(
            f"dropped {d['type']} value {d['value']!r} ({d['where']}, {d['property']}"
            + (f": {d['reason']}" if d.get("reason") else "")
            + ")",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )


def _date_option(value: str | None, option: str):
    if value is None:
        return None
    import datetime as dt

    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


def _language_option(value: str | None) -> str | None:
    if value is None:
        return None
    from followthemoney.types import registry

    code = value.strip().lower()
    if len(code) != 2 or not code.isalpha() or registry.language.clean(code) is None:
        raise InvalidInput(f"--language: {value!r} is not an ISO 639-1 code such as es, en, id")
    return code


class _load_progress:
    """A rich progress line on stderr while records load (off for --json and
    when stderr is not a terminal); yields the callback the loader calls."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and err.is_terminal
        self._bar = None

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TimeElapsedColumn

        self._bar = Progress(
            SpinnerColumn(),
            "[progress.description]{task.description}",
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        )
        self._bar.start()
        task = self._bar.add_task("loading", total=None)
        bar = self._bar

        def advance(_record) -> None:
            bar.advance(task)

        # Importers that know how many records will come (documents) say so.
        advance.set_total = lambda total: bar.update(task, total=total)
        return advance

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()


@app.command()
@handled
def export(
    collection: str,
    username: AsOpt,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="ftm (FollowTheMoney JSON lines) or htcds (IOM HTCDS 2.0, .xlsx or .csv).",
        ),
    ] = "ftm",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    purpose: PurposeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Export what a user may see of a collection."""
    if fmt not in ("ftm", "htcds"):
        raise InvalidInput(f"--format: {fmt!r} is not supported (ftm, htcds)")
    node = _node(db)
    if fmt == "htcds":
        from gugus.htcds_export import export_htcds

        if output is None:
            raise InvalidInput("--output: required for --format htcds (a .xlsx or .csv file)")
        kind = output.suffix.lower().lstrip(".")
        if kind not in ("xlsx", "csv"):
            raise InvalidInput(f"--output: {output.name!r} must end in .xlsx or .csv for HTCDS")
        summary = export_htcds(
            node, admin.act_as(node, username), collection, output, fmt=kind, purpose=purpose
        )
        if as_json:
            return _print_json(summary)
        out.print(
            f"{summary['rows']} rows ({summary['persons']} persons) → {output}; "
            f"handle as {summary.get('marking_label') or 'the collection marking'}",
            highlight=False,
            markup=False,
        )
        return
    lines = reads.export_collection(node, admin.act_as(node, username), collection, purpose=purpose)
    if output is None:
        for line in lines:
            sys.stdout.write(line)
        return
    # Written to a side file and renamed: a failed export leaves no partial file.
    tmp = output.with_name(output.name + ".part")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.writelines(lines)
        tmp.replace(output)
    except OSError as exc:
        raise InvalidInput(f"--output: {exc.strerror}: {output}") from None
    finally:
        tmp.unlink(missing_ok=True)


@app.command()
@handled
def search(
    query: str,
    username: AsOpt,
    limit: Annotated[int, typer.Option("--limit")] = 20,
    purpose: PurposeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Full-text search over what a user may see."""
    node = _node(db)
    result = reads.search(node, admin.act_as(node, username), query, limit=limit, purpose=purpose)
    if as_json:
        return _print_json(result)
    table = SafeTable("id", "schema", "caption", "marking", "collections")
    for r in result["results"]:
        table.add_row(
            r["id"],
            r["schema"],
            r["caption"],
            r["marking"]["tlp"] if r["marking"] else "",
            ",".join(r["collections"]),
        )
    out.print(table)


@app.command()
@handled
def entity(
    entity_id: str,
    username: AsOpt,
    purpose: PurposeOpt = None,
    statements: Annotated[
        bool, typer.Option("--statements", help="Include each statement with its provenance.")
    ] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one entity as a user may see it."""
    node = _node(db)
    data = reads.get_entity(
        node, admin.act_as(node, username), entity_id, purpose=purpose, with_statements=statements
    )
    if as_json:
        return _print_json(data)
    table = SafeTable(
        "property", "values", title=f"{data['schema']} {data['id']} — {data['caption']}"
    )
    for prop, values in sorted(data["properties"].items()):
        table.add_row(prop, "\n".join(values))
    out.print(table)
    m = data["marking"]
    if m:
        out.print(
            f"marking: TLP:{m['tlp'].upper()} {' '.join(m['handling'])} originator {m['originator']}",
            markup=False,
        )


@audit_app.command("verify")
@handled
def audit_verify_cmd(db: DbOpt = None, key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """Check the chain, its signatures and anchor; exit 1 naming the first bad record."""
    node = Node(db, key)
    node.db.ensure_ready()
    try:
        result = node.audit.verify()
    except GugusError:
        raise
    except Exception as exc:  # noqa: BLE001 - verify reports any damage in one line
        raise GugusError(
            f"the audit log could not be checked ({type(exc).__name__}: damaged or unreadable storage)"
        ) from None
    finally:
        node.close()
    if as_json:
        _print_json(result.to_dict())
    elif result.ok:
        out.print(f"audit log intact: {result.records} records")
    else:
        err.print(
            f"[bold red]audit log damaged:[/] {escape(result.problem)}"
            + (f" (first bad record: {result.first_bad})" if result.first_bad else ""),
            highlight=False,
            soft_wrap=True,
        )
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("list")
@handled
def audit_list(
    username: AsOpt,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    action: Annotated[str | None, typer.Option("--action")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The audit records a supervisor may read (their organisation's)."""
    node = _node(db)
    rows = reads.list_audit(node, admin.act_as(node, username), limit=limit, action=action)
    if as_json:
        return _print_json(rows)
    table = SafeTable("seq", "time", "user", "action", "objects", "purpose")
    for r in rows:
        table.add_row(
            str(r["seq"]),
            r["ts"],
            r["username"] or "",
            r["action"],
            ", ".join(r["object_ids"][:3]),
            r["purpose"] or "",
        )
    out.print(table)


@app.command("check")
@handled
def check_cmd(
    quick: Annotated[
        bool, typer.Option("--quick", help="SQLite: quick_check instead of integrity_check.")
    ] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check the database file and every statement against its content hash;
    exit 1 naming what is damaged (never the stored values)."""
    from gugus.check import check

    node = Node(db)
    try:
        if node.db.path is not None and not node.db.path.exists():
            raise GugusError(f"no database at {node.db.path}")
        result = check(node, quick=quick)
    finally:
        node.close()
    if as_json:
        _print_json(result.to_dict())
    elif result.ok:
        out.print(f"database sound: {result.statements} statements match their content hash")
    else:
        for damage in result.damaged:
            err.print(f"damaged: {damage.line()}", highlight=False, soft_wrap=True, markup=False)
        more = result.damaged_count - len(result.damaged)
        err.print(
            f"{result.damaged_count} damaged"
            + (f" ({more} more not listed)" if more else "")
            + f", {result.statements} statements read",
            highlight=False,
        )
    if not result.ok:
        raise typer.Exit(1)


@app.command()
@handled
def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Server processes (one per core).")] = 1,
    db: DbOpt = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs); SIGTERM or Ctrl-C stops it
    within a bounded time (requests in flight get 10 s)."""
    from gugus.api import create_app, serving

    node = _node(db)  # fails early, with the usual message, on a bad database
    out.print(f"gugus API on http://{host}:{port}/  (docs: http://{host}:{port}/docs)")
    if workers > 1:
        os.environ["GUGUS_DB"] = node.db.url
        node.close()
        serving.serve_workers("gugus.api.app:app_from_env", host=host, port=port, workers=workers)
    else:
        serving.serve_app(create_app(node), host=host, port=port)


@app.command()
@handled
def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where to write the demo world and its database.")
    ] = Path("demo-node"),
    seed: Annotated[int, typer.Option("--seed")] = 1,
    people: Annotated[int, typer.Option("--people")] = 300,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build the node and stop.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Build a fresh demo node (synthetic task-force world) and serve it."""
    from gugus.demo.node import build_demo

    result = build_demo(directory, seed=seed, people=people)
    if as_json:
        _print_json(result)
    else:
        out.print(
            f"demo node: {result['db']}  ({result['statements']} statements in {result['seconds']:.1f} s)"
        )
        table = SafeTable(
            "organisation",
            "username",
            "role",
            "password",
            title="logins (one per organisation and role)",
        )
        for login in result["logins"]:
            table.add_row(login["org"], login["username"], login["role"], login["password"])
        out.print(table)
    if not no_serve:
        serve(host=host, port=port, db=result["db"])


def main() -> None:
    # psycopg logs what it ignores while closing a pipeline or copy on a lost
    # connection ("error ignored terminating <psycopg.Pipeline [BAD]>: …").
    # With no logging configured Python prints that on stderr beside the
    # CLI's one-line error; the failure itself reaches the CLI as an
    # exception.  A handler here stops that fallback print (a server's
    # configured root handlers still receive the records).
    logging.getLogger("psycopg").addHandler(logging.NullHandler())
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _on_signal)
    app()


if __name__ == "__main__":
    main()

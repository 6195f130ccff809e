"""Command line (typer + rich).  Thin: parse, call a service, print.

Every read command takes ``--json``; every error prints one line naming what
is wrong and exits with status 2 (1 for a failed audit verification).
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gugus import admin, auth, reads
from gugus.audit import verify as audit_verify
from gugus.errors import GugusError, InvalidInput
from gugus.node import Node

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
PurposeOpt = Annotated[
    str | None, typer.Option("--purpose", help="Why you read this (kept in the audit log).")
]


def handled(func):
    """Print GugusErrors as one clear line and exit non-zero."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except GugusError as exc:
            err.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _node(db: str | None) -> Node:
    return Node.open(db)


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@app.command()
@handled
def init(db: DbOpt = None) -> None:
    """Create the database (or upgrade its schema)."""
    node = Node(db)
    node.db.migrate()
    out.print(f"initialised {node.db!r} at schema {node.db.head()}")


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
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InvalidInput("--password-stdin: no password on standard input")
    result = admin.add_user(_node(db), username, org, role, password, token_days)
    if as_json:
        return _print_json(result)
    out.print(f"user {username} ({role}, {org}) added")
    if result["password"]:
        out.print(f"password: {result['password']}")
    out.print(f"token (shown once, expires {result['token_expires_at']}): {result['token']}")


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
    table = SafeTable("username", "org", "role")
    for r in rows:
        table.add_row(r["username"], r["org"], r["role"])
    out.print(table)


@user_app.command("token")
@handled
def user_token(
    username: str,
    days: Annotated[float, typer.Option("--days")] = auth.DEFAULT_TOKEN_DAYS,
    db: DbOpt = None,
) -> None:
    """Issue a new API token for a user (shown once)."""
    node = _node(db)
    token, expires = auth.issue_token(node, node.reader(username), days=days, label="cli")
    out.print(f"token (shown once, expires {expires}): {token}")


@user_app.command("tokens")
@handled
def user_tokens(username: str, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """A user's API tokens (ids, expiry, revoked) — never the tokens themselves."""
    node = _node(db)
    rows = auth.list_tokens(node, node.reader(username))
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
    """Revoke an API token (by its id, as its owner or an admin)."""
    node = _node(db)
    auth.revoke_token(node, node.reader(username), token_id)
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
    actor = node.reader(username) if username else None
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
            node, node.reader(username), collection, output, fmt=kind, purpose=purpose
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
    lines = reads.export_collection(node, node.reader(username), collection, purpose=purpose)
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
    result = reads.search(node, node.reader(username), query, limit=limit, purpose=purpose)
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
        node, node.reader(username), entity_id, purpose=purpose, with_statements=statements
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
def audit_verify_cmd(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Check the hash chain; exit 1 naming the first bad record."""
    node = _node(db)
    with node.db.reader.connect() as conn:
        result = audit_verify(conn)
    if as_json:
        _print_json(result.to_dict())
    elif result.ok:
        out.print(f"audit log intact: {result.records} records")
    else:
        err.print(
            f"[bold red]audit log damaged:[/] {escape(result.problem)} (first bad record: {result.first_bad})",
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
    rows = reads.list_audit(node, node.reader(username), limit=limit, action=action)
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


@app.command()
@handled
def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Server processes (one per core).")] = 1,
    db: DbOpt = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import os

    import uvicorn

    from gugus.api import create_app

    node = _node(db)  # fails early, with the usual message, on a bad database
    out.print(f"gugus API on http://{host}:{port}/  (docs: http://{host}:{port}/docs)")
    if workers > 1:
        os.environ["GUGUS_DB"] = node.db.url
        node.close()
        uvicorn.run(
            "gugus.api.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
        )
    else:
        uvicorn.run(create_app(node), host=host, port=port, log_level="warning")


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
    app()


if __name__ == "__main__":
    main()

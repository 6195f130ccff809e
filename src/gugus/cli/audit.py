"""`gugus audit`: verify the audit log and list it for supervisors."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from gugus import admin, reads
from gugus.cli.common import (
    AsOpt,
    DbOpt,
    JsonOpt,
    KeyOpt,
    SafeTable,
    app,
    default_db,
    err,
    handled,
    open_node,
    out,
    print_json,
    show,
)
from gugus.errors import GugusError
from gugus.node import Node

audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit log.")
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
@handled
def audit_verify_cmd(db: DbOpt = None, key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """Check the chain, its signatures and anchor; exit 1 naming the first bad record."""
    node = Node(default_db(db), key)
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
        print_json(result.to_dict())
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
    limit: Annotated[
        int, typer.Option("--limit", help="At most this many records.", metavar="N")
    ] = 50,
    action: Annotated[
        str | None,
        typer.Option("--action", help="Only this action (entity.read, load …).", metavar="ACTION"),
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Only this user's records.", metavar="USER")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="From this ISO 8601 date or time (UTC without offset).", metavar="WHEN"
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until", help="Before this time; a bare date includes that day.", metavar="WHEN"
        ),
    ] = None,
    before: Annotated[
        int | None,
        typer.Option("--before", help="Records before this seq (paging).", min=1, metavar="SEQ"),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The audit records a supervisor may read (their organisation's), newest first."""
    node = open_node(db)
    rows = reads.list_audit(
        node,
        admin.act_as(node, username),
        limit=limit,
        action=action,
        user=user,
        since=since,
        until=until,
        before=before,
    )
    if as_json:
        return print_json(rows)
    table = SafeTable("seq", "time", "user", "action", "objects", "purpose")
    for r in rows:
        table.add_row(
            str(r["seq"]),
            r["ts"],
            r["username"] or "",
            r["action"],
            "\n".join(r["object_ids"][:3]),
            r["purpose"] or "",
        )
    show(table, empty="no audit records match")

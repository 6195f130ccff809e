"""`gugus init` and `gugus org`: the node and its organisations."""

from __future__ import annotations

from typing import Annotated

import typer

from gugus import admin
from gugus.cli.common import (
    DbOpt,
    JsonOpt,
    KeyOpt,
    OrgArg,
    SafeTable,
    app,
    handled,
    open_node,
    out,
    print_json,
    show,
)
from gugus.node import Node

org_app = typer.Typer(no_args_is_help=True, help="Organisations of this node.")
app.add_typer(org_app, name="org")


@app.command()
@handled
def init(db: DbOpt = None, key: KeyOpt = None) -> None:
    """Create the database (or upgrade its schema), its audit log and the node key."""
    node = Node(db, key)
    folder = node.db.path.parent if node.db.path is not None else None
    new_folder = folder is not None and not folder.exists()
    node.db.migrate()
    if new_folder:
        out.print(f"created the folder {folder}", highlight=False, markup=False, soft_wrap=True)
    out.print(f"initialised {node.db!r} at schema {node.db.head()}; node key {node.db.key_path}")


@org_app.command("add")
@handled
def org_add(
    code: OrgArg,
    name: Annotated[
        str, typer.Option("--name", help="Full name of the organisation.", metavar="NAME")
    ],
    country: Annotated[
        str,
        typer.Option("--country", help="ISO 3166 country code, e.g. MX or US.", metavar="COUNTRY"),
    ],
    db: DbOpt = None,
) -> None:
    """Add an organisation."""
    admin.add_organisation(open_node(db), code, name, country)
    out.print(f"organisation {code} added")


@org_app.command("list")
@handled
def org_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """The organisations of this node, with their country."""
    from gugus.store import directory

    node = open_node(db)
    with node.db.reader.connect() as conn:
        rows = [dict(r._mapping) for r in directory.list_organisations(conn)]
    if as_json:
        return print_json(rows)
    table = SafeTable("code", "name", "country")
    for r in rows:
        table.add_row(r["code"], r["name"], r["country"])
    show(table, empty="no organisations yet (gugus org add)")

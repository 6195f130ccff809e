"""`gugus collection`: collections and their default markings."""

from __future__ import annotations

from typing import Annotated

import typer

from gugus import admin
from gugus.cli.common import (
    CollectionArg,
    DbOpt,
    JsonOpt,
    SafeTable,
    app,
    handled,
    open_node,
    out,
    print_json,
    show,
)

coll_app = typer.Typer(no_args_is_help=True, help="Collections and their default markings.")
app.add_typer(coll_app, name="collection")


@coll_app.command("add")
@handled
def collection_add(
    name: CollectionArg,
    org: Annotated[
        str, typer.Option("--org", help="The owning organisation's code.", metavar="ORG")
    ],
    tlp: Annotated[
        str, typer.Option("--tlp", help="clear, green, amber, amber+strict or red.", metavar="TLP")
    ],
    handling: Annotated[
        str, typer.Option("--handling", help="H0..H3, comma-separated for several.", metavar="CODE")
    ] = "H0",
    handling_text: Annotated[
        str | None,
        typer.Option("--handling-text", help="Text of an H3 restriction.", metavar="TEXT"),
    ] = None,
    release_to: Annotated[
        str | None,
        typer.Option("--release-to", help="Organisation codes, comma-separated.", metavar="ORGS"),
    ] = None,
    recipients: Annotated[
        str | None,
        typer.Option(
            "--recipients", help="Named users (TLP:RED), comma-separated.", metavar="USERS"
        ),
    ] = None,
    purpose: Annotated[
        str | None, typer.Option("--purpose", help="Purpose / legal basis.", metavar="TEXT")
    ] = None,
    label: Annotated[
        str | None, typer.Option("--label", help="A human name for the collection.", metavar="TEXT")
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(
            "--country",
            help="Default country of the data (ISO 3166): phones written without +country "
            "are read as this country's (default: none — such phones need a country "
            "column or are counted as dropped).",
            metavar="COUNTRY",
        ),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a collection with its default marking."""
    result = admin.add_collection(
        open_node(db),
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
        return print_json(result)
    out.print(f"collection {name} ({org}) added")


@coll_app.command("list")
@handled
def collection_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Every collection of this node with its default marking."""
    rows = admin.list_collections(open_node(db))
    if as_json:
        return print_json(rows)
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
    show(table, empty="no collections yet (gugus collection add)")

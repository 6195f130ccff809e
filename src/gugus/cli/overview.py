"""``gugus loads``: the home page's recent loads (CLI twin of /api/v1/loads)."""

from __future__ import annotations

from typing import Annotated

import typer

from gugus import admin, overview
from gugus.cli.common import (
    AsOpt,
    DbOpt,
    JsonOpt,
    SafeTable,
    app,
    handled,
    marking_label,
    open_node,
    print_json,
    show,
)


@app.command()
@handled
def loads(
    username: AsOpt,
    limit: Annotated[
        int, typer.Option(help=f"At most this many (1-{overview.MAX_LOADS}).", metavar="N")
    ] = 10,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Recent loads into your organisation's collections that you may see
    (when, by whom, which collection; no counts)."""
    node = open_node(db)
    found = overview.recent_loads(node, admin.act_as(node, username), limit=limit)
    if as_json:
        return print_json({"loads": found})
    table = SafeTable("time", "collection", "marking", "user")
    for load in found:
        table.add_row(
            load["time"], load["collection"], marking_label(load["marking"]), load["user"] or ""
        )
    show(table, empty="no loads yet")

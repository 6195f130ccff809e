"""`gugus check`: database and statement integrity."""

from __future__ import annotations

from typing import Annotated

import typer

from gugus.cli.common import (
    DbOpt,
    JsonOpt,
    app,
    default_db,
    err,
    handled,
    out,
    print_json,
)
from gugus.node import Node


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

    node = Node(default_db(db))
    try:
        # A directory or a missing file is named; a file that is not SQLite
        # is reported by the check itself (a damaged header looks the same).
        problem = node.db.location_problem()
        if problem is not None and node.db.path is not None and not node.db.path.is_file():
            raise problem
        result = check(node, quick=quick)
    finally:
        node.close()
    if as_json:
        print_json(result.to_dict())
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

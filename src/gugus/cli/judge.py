"""`gugus judge` and `gugus judgements`: verdicts on pairs of entities."""

from __future__ import annotations

from typing import Annotated

import typer

from gugus import admin
from gugus.cli.common import (
    AsOpt,
    DbOpt,
    JsonOpt,
    PurposeOpt,
    SafeTable,
    app,
    handled,
    open_node,
    out,
    print_json,
    show,
)
from gugus.xref import judgements


@app.command()
@handled
def judge(
    a: Annotated[
        str, typer.Argument(help="An entity id (as search shows it) or a gc- id.", metavar="ENTITY")
    ],
    b: Annotated[str, typer.Argument(help="The other entity.", metavar="OTHER")],
    verdict: Annotated[str, typer.Argument(help="same, different or unsure.", metavar="VERDICT")],
    username: AsOpt,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (kept with it).", metavar="TEXT")
    ] = None,
    purpose: PurposeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Judge whether two entities are the same person, company, …; judging a
    pair again adds to its history."""
    node = open_node(db)
    result = judgements.judge(
        node, admin.act_as(node, username), a, b, verdict, reason, purpose=purpose
    )
    if as_json:
        return print_json(result)
    cluster = result["cluster"]
    note = ""
    if result.get("merged") is False:
        note = " (kept apart: a 'different' judgement between the two sides)"
    out.print(
        f"judgement {result['id']}: {result['left']} {result['verdict']} {result['right']}{note}",
        markup=False,
        highlight=False,
    )
    if len(cluster["members"]) > 1:
        out.print(
            f"resolved entity {cluster['id']}: {len(cluster['members'])} members",
            markup=False,
            highlight=False,
        )


@app.command("judgements")
@handled
def list_judgements(
    entity: Annotated[str, typer.Argument(help="An entity id or a gc- id.", metavar="ENTITY")],
    username: AsOpt,
    purpose: PurposeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The judgements a user may see on an entity (and on its resolved
    entity's members), newest first."""
    node = open_node(db)
    items = judgements.list_judgements(node, admin.act_as(node, username), entity, purpose=purpose)
    if as_json:
        return print_json({"entity": entity, "judgements": items})
    table = SafeTable("id", "left", "verdict", "right", "user", "org", "time", "reason")
    for j in items:
        table.add_row(
            str(j["id"]),
            j["left"],
            j["verdict"],
            j["right"],
            j["user"],
            j["org"],
            j["created_at"],
            j["reason"] or "",
        )
    show(table, empty="no judgements you may see on this entity")

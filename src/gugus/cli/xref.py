"""`gugus xref`: cross-reference collections as a user, and read a run.

    gugus xref [COLLECTION…] --as USER [--json]     run (default sub-command)
    gugus xref status RUN --as USER [--json]        a run's status and pairs
    gugus xref review --as USER [--json]            pairs waiting for a judgement
    gugus xref pair --as USER [--position N]        one of them, side by side

``xref`` is a group whose default sub-command is ``run``: anything that is
not a sub-command's name (``status``, and those other parts add, e.g.
``review``) is a collection of ``run``.
"""

from __future__ import annotations

from typing import Annotated

import typer
from typer.core import TyperGroup

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
from gugus.model.markings import Marking
from gugus.xref import queue, runs
from gugus.xref.selectors import DEFAULT_CAP


class _RunByDefault(TyperGroup):
    """``gugus xref a b --as u`` means ``gugus xref run a b --as u``."""

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["run", *args]
        return super().parse_args(ctx, args)


xref_app = typer.Typer(
    cls=_RunByDefault,
    help="Cross-reference collections: who do we (and our partners) know twice?",
)
app.add_typer(xref_app, name="xref")


def _print_run(view: dict, as_json: bool) -> None:
    if as_json:
        print_json(view)
        return
    line = f"xref run {view['run']}: {view['status']}"
    if "collections" in view:
        line += f" over {', '.join(view['collections'])}"
    out.print(line, markup=False)
    for key, value in sorted((view.get("counts") or {}).items()):
        if key != "seconds":
            out.print(f"  {key}: {value}", markup=False)
    for note in view.get("notes") or []:
        out.print(f"  note: {note}", markup=False)
    pairs = view.get("pairs")
    if pairs is not None:
        table = SafeTable("left", "right", "kind", "probability", "why", title="pairs")
        for p in pairs:
            why = "; ".join(_why(k, v) for k, v in p["explanation"].items())
            table.add_row(p["left"], p["right"], p["kind"], f"{p['probability']:.3f}", why)
        show(table, empty="no pairs")
        if view.get("total", 0) > len(pairs):
            out.print(f"  … {view['total'] - len(pairs)} more (--offset)", markup=False)


def _why(field: str, value) -> str:
    if field == "selector":
        return f"shared {value['kind']} ({value['entities']} entities)"
    if isinstance(value, dict) and "level" in value:
        return f"{field}: {value['level']} ({value['weight']:+})"
    return f"{field}: {value}"


@xref_app.command("run")
@handled
def run(
    username: AsOpt,
    collections: Annotated[
        list[str] | None,
        typer.Argument(
            help="Collections (default: every collection you may read).", metavar="COLLECTION"
        ),
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="duckdb or spark.", metavar="ENGINE")
    ] = "duckdb",
    retrain: Annotated[
        bool, typer.Option("--retrain", help="Estimate the model's parameters again.")
    ] = False,
    cap: Annotated[
        int,
        typer.Option(
            "--cap", help="Pair no selector shared by more entities than this.", metavar="N"
        ),
    ] = DEFAULT_CAP,
    limit: Annotated[int, typer.Option("--limit", help="Pairs to show.", metavar="N")] = 50,
    purpose: PurposeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cross-reference collections as a user (waits for the run to finish)."""
    node = open_node(db)
    reader = admin.act_as(node, username)
    started = runs.start(
        node,
        reader,
        collections or [],
        engine_name=engine,
        retrain=retrain,
        cap=cap,
        purpose=purpose,
    )
    view = runs.status(node, reader, started["run"], limit=limit, purpose=purpose)
    _print_run(view, as_json)


@xref_app.command("status")
@handled
def status(
    run_id: Annotated[int, typer.Argument(help="The run's number.", metavar="RUN")],
    username: AsOpt,
    limit: Annotated[int, typer.Option("--limit", help="Pairs to show.", metavar="N")] = 50,
    offset: Annotated[
        int, typer.Option("--offset", help="Pairs to skip (the next page).", metavar="N")
    ] = 0,
    purpose: PurposeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A run's status and the pairs you may see, most probable first."""
    node = open_node(db)
    view = runs.status(
        node,
        admin.act_as(node, username),
        run_id,
        limit=limit,
        offset=offset,
        purpose=purpose,
    )
    _print_run(view, as_json)


@xref_app.command("review")
@handled
def review(
    username: AsOpt,
    limit: Annotated[int, typer.Option("--limit", help="Pairs to show.", metavar="N")] = 50,
    offset: Annotated[
        int, typer.Option("--offset", help="Pairs to skip (the next page).", metavar="N")
    ] = 0,
    count: Annotated[bool, typer.Option("--count", help="Only say how many pairs wait.")] = False,
    purpose: PurposeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Pairs still waiting for your judgement, most probable first (judge
    them with `gugus judge A B same|different|unsure`)."""
    node = open_node(db)
    if count:
        n = queue.review_count(node, admin.act_as(node, username))
        if as_json:
            print_json({"count": n})
        else:
            out.print(f"{n} pair(s) waiting for your judgement", markup=False, highlight=False)
        return
    view = runs.review(
        node, admin.act_as(node, username), limit=limit, offset=offset, purpose=purpose
    )
    if as_json:
        print_json(view)
        return
    if view["run"] is None:
        out.print("no finished xref run yet: run `gugus xref --as USER` first", markup=False)
        return
    if not view["pairs"]:
        out.print(f"xref run {view['run']}: no pairs waiting for a judgement", markup=False)
        return
    _print_run({"run": view["run"], "status": "review", "pairs": view["pairs"]}, False)


def _label(marking: dict) -> str:
    return Marking.from_dict(marking, None).label()


@xref_app.command("pair")
@handled
def pair(
    username: AsOpt,
    position: Annotated[
        int, typer.Option("--position", help="Skip this many pairs of your queue.", metavar="N")
    ] = 0,
    purpose: PurposeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The first pair still waiting for your judgement (or the one at
    --position), both entities side by side with each value's marking, and
    why they were paired."""
    node = open_node(db)
    view = queue.review_pair(node, admin.act_as(node, username), position=position, purpose=purpose)
    if as_json:
        print_json(view)
        return
    p = view["pair"]
    if p is None:
        out.print("no pairs to review", markup=False)
        return
    left, right = p["sides"]["left"], p["sides"]["right"]
    out.print(
        f"pair {view['position'] + 1} of {view['total']} (xref run {view['run']}): "
        f"{p['kind']}, probability {p['probability']:.3f}; handle as {_label(p['marking'])}",
        markup=False,
        highlight=False,
    )
    if p["judgement"]:
        out.print(f"  judged {p['judgement']} before", markup=False, highlight=False)
    table = SafeTable("field", "left", "right")
    table.add_row("id", left["entity_id"], right["entity_id"])
    table.add_row("caption", left["caption"], right["caption"])
    table.add_row("schema", left["schema"], right["schema"])
    table.add_row("collections", ", ".join(left["collections"]), ", ".join(right["collections"]))
    table.add_row("marking", _label(left["marking"]), _label(right["marking"]))
    for f in p["fields"]:
        cells = [
            "\n".join(f"{v['value']} [{_label(v['marking'])}]" for v in f[side])
            for side in ("left", "right")
        ]
        table.add_row(f["label"], *cells)
    out.print(table)
    for item in p["explanation"]:
        out.print(f"  {item['words']}", markup=False, highlight=False)
    out.print(
        f"  judge: gugus judge {left['entity_id']} {right['entity_id']} same|different|unsure "
        f"--as {username}",
        markup=False,
        highlight=False,
    )

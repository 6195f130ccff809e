"""`gugus match`, `gugus notices`, `gugus org contact`, `gugus collection
red-hits`: the online match and hit notices."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gugus import admin
from gugus.cli.admin import org_app
from gugus.cli.collection import coll_app
from gugus.cli.common import (
    AsOpt,
    CollectionArg,
    DbOpt,
    JsonOpt,
    OrgArg,
    PurposeOpt,
    SafeTable,
    app,
    handled,
    open_node,
    out,
    print_json,
    show,
)
from gugus.errors import InvalidInput
from gugus.ingest.parsed import checked_json, json_error
from gugus.share import notices as notice_service
from gugus.xref import match as match_service


def read_request(path: Path) -> object:
    """A yente match request, or one entity ({"schema", "properties"}) as query "q"."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: not UTF-8 text") from None
    try:
        body = checked_json(json.loads(text), str(path))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    except (RecursionError, ValueError) as exc:  # too deep for the parser; a 5,000-digit number
        raise InvalidInput(f"{path}: invalid JSON ({json_error(exc)})") from None
    if isinstance(body, dict) and "schema" in body and "queries" not in body:
        body = {"queries": {"q": body}}
    return body


def print_notices(notices: list[dict]) -> None:
    for n in notices:
        out.print(
            f"hit notice {n['reference']}: {n['message']} — contact: {n['contact']} ({n['time']})",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


@app.command()
@handled
def match(
    file: Annotated[
        Path, typer.Argument(help="yente-style request JSON, or one FtM entity.", metavar="FILE")
    ],
    username: AsOpt,
    limit: Annotated[
        int, typer.Option(help="Results per query.", metavar="N")
    ] = match_service.DEFAULT_LIMIT,
    purpose: PurposeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Match entities against the node as a user may see it (yente /match shape)."""
    body = read_request(file)
    node = open_node(db)
    result = match_service.match(
        node, admin.act_as(node, username), body, limit=limit, purpose=purpose
    )
    if as_json:
        return print_json(result)
    for key, res in result["responses"].items():
        table = SafeTable("id", "caption", "score", "match", "features", title=f"query {key}")
        for r in res["results"]:
            feats = ", ".join(f"{k} {v:+.2f}" for k, v in r["features"].items())
            table.add_row(r["id"], r["caption"], f"{r['score']:.2f}", str(r["match"]), feats)
        if table.row_count or not res["notices"]:
            show(table, empty=f"query {key}: no results")
        print_notices(res["notices"])


@app.command()
@handled
def notices(
    username: AsOpt,
    direction: Annotated[str, typer.Option(help="in, out or all.", metavar="in|out|all")] = "all",
    limit: Annotated[int, typer.Option(help="At most this many of each.", metavar="N")] = 100,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Hit notices: on your queries and records (out), about your records (in)."""
    node = open_node(db)
    result = notice_service.list_notices(
        node, admin.act_as(node, username), direction=direction, limit=limit
    )
    if as_json:
        return print_json(result)
    if "out" in result:
        table = SafeTable("reference", "kind", "holder", "contact", "first", "count", title="out")
        for n in result["out"]:
            table.add_row(
                n["reference"], n["what"], n["holder"], n["contact"], n["time"], str(n["count"])
            )
        show(table, empty="out: no hit notices")
    if "in" in result:
        table = SafeTable(
            "reference", "kind", "requester", "contact", "your records", "first", title="in"
        )
        for n in result["in"]:
            recs = "\n".join(f"{r['entity_id']} ({r['collection']})" for r in n["records"])
            table.add_row(n["reference"], n["what"], n["requester"], n["contact"], recs, n["time"])
        show(table, empty="in: no hit notices")


@org_app.command("contact")
@handled
def org_contact(
    code: OrgArg,
    contact: Annotated[
        str, typer.Option(help="Contact point named in hit notices.", metavar="TEXT")
    ],
    db: DbOpt = None,
) -> None:
    """Set an organisation's contact point for hit notices."""
    notice_service.set_contact(open_node(db), code, contact)
    out.print(f"contact point of {code} set", highlight=False, markup=False)


@coll_app.command("red-hits")
@handled
def collection_red_hits(
    name: CollectionArg,
    on: Annotated[bool, typer.Option("--on/--off", help="Let TLP:RED records raise hits.")],
    db: DbOpt = None,
) -> None:
    """Whether TLP:RED records of a collection raise hit notices (off by default)."""
    notice_service.set_red_hits(open_node(db), name, on)
    out.print(
        f"TLP:RED records of {name} {'raise' if on else 'do not raise'} hit notices",
        highlight=False,
        markup=False,
    )

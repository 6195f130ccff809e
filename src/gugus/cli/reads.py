"""`gugus export`, `search` and `entity`: what a user may see."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gugus import admin, reads, search_facets
from gugus.cli import entity_parts
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
)
from gugus.errors import InvalidInput


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
    node = open_node(db)
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
            return print_json(summary)
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


def _filter_opt(flag: str, what: str):
    return typer.Option(flag, help=f"Only entities with {what} (repeatable: any of them).")


@app.command()
@handled
def search(
    query: str,
    username: AsOpt,
    limit: Annotated[int, typer.Option("--limit", help="Results per page (1-100).")] = 20,
    offset: Annotated[int, typer.Option("--offset", help="Results to skip (paging).")] = 0,
    schema: Annotated[list[str] | None, _filter_opt("--schema", "this schema (Person)")] = None,
    collection: Annotated[
        list[str] | None, _filter_opt("--collection", "a record in this collection")
    ] = None,
    org: Annotated[list[str] | None, _filter_opt("--org", "a record of this organisation")] = None,
    country: Annotated[
        list[str] | None,
        _filter_opt("--country", "this country (ISO code or name; its collection's too)"),
    ] = None,
    purpose: PurposeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Full-text search over what a user may see, with the exact total and
    facets (words; a phone in any common form; a country's code or name)."""
    node = open_node(db)
    result = search_facets.search(
        node,
        admin.act_as(node, username),
        query,
        schema=schema,
        collection=collection,
        org=org,
        country=country,
        limit=limit,
        offset=offset,
        purpose=purpose,
    )
    if as_json:
        return print_json(result)
    if not result["results"]:
        out.print("no results" if not result["total"] else f"no results past {result['total']}")
        return
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
    first = result["offset"] + 1
    shown = f"{first}-{first + len(result['results']) - 1} of {result['total']}"
    out.print(f"results {shown}", highlight=False, markup=False)
    for name, values in result["facets"].items():
        counts = ", ".join(f"{v['value']} ({v['count']})" for v in values)
        out.print(f"{name}: {counts}", highlight=False, markup=False)
    if result["facets_capped"]:
        out.print(
            f"facets counted over the newest {search_facets.FACET_CAP} results",
            highlight=False,
            markup=False,
        )


@app.command()
@handled
def entity(
    entity_id: str,
    username: AsOpt,
    purpose: PurposeOpt = None,
    statements: Annotated[
        bool, typer.Option("--statements", help="Include each statement with its provenance.")
    ] = False,
    relationships: Annotated[
        bool,
        typer.Option(
            "--relationships",
            help="Also the relationships you may see (payments, family, documents …).",
        ),
    ] = False,
    same_as: Annotated[
        bool,
        typer.Option(
            "--same-as",
            help="Also the cross-reference pairs and hit notices that concern it.",
        ),
    ] = False,
    offset: Annotated[
        int, typer.Option("--offset", help="First relationship to show (paging).", min=0)
    ] = 0,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one entity as a user may see it."""
    node = open_node(db)
    reader = admin.act_as(node, username)
    data = reads.get_entity(
        node,
        reader,
        entity_id,
        purpose=purpose,
        with_statements=statements,
        known=True,  # one read: the online match's cost does not matter here
    )
    parts = entity_parts.read(node, reader, entity_id, purpose, relationships, same_as, offset)
    if as_json:
        return print_json({**data, **parts})
    table = SafeTable(
        "property", "values", title=f"{data['schema']} {data['id']} — {data['caption']}"
    )
    for prop, values in sorted(data["properties"].items()):
        table.add_row(prop, "\n".join(values))
    out.print(table)
    if data.get("possibly_known_to"):
        known = ", ".join(f"{k['org']} ({k['records']})" for k in data["possibly_known_to"])
        out.print(f"possibly known to: {known}", highlight=False, markup=False)
    m = data["marking"]
    if m:
        out.print(
            f"marking: TLP:{m['tlp'].upper()} {' '.join(m['handling'])} originator {m['originator']}",
            markup=False,
        )
    entity_parts.show(parts)

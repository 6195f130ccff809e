"""`gugus export`, `search` and `entity`: what a user may see."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from gugus import admin, reads, search_facets
from gugus.cli import entity_parts
from gugus.cli.common import (
    AsOpt,
    CollectionArg,
    DbOpt,
    JsonOpt,
    PurposeOpt,
    SafeTable,
    app,
    err,
    handled,
    marking_label,
    open_node,
    out,
    print_json,
    show,
    write_whole,
)
from gugus.errors import InvalidInput
from gugus.model.markings import Marking, combine


@app.command()
@handled
def export(
    collection: CollectionArg,
    username: AsOpt,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="ftm (FollowTheMoney JSON lines) or htcds (IOM HTCDS 2.0, .xlsx or .csv).",
            metavar="FORMAT",
        ),
    ] = "ftm",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: stdout).", metavar="FILE"),
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
        err.print(
            f"exported {summary['rows']} rows ({summary['persons']} persons) of {collection} "
            f"to {output}; handle as {summary.get('marking_label') or 'the collection marking'}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        return
    lines = reads.export_collection(node, admin.act_as(node, username), collection, purpose=purpose)
    tally = ExportTally(lines)
    if output is None:
        for line in tally:
            sys.stdout.write(line)
    else:
        write_whole(output, tally)
    # On stderr: stdout may be the export itself.
    err.print(tally.summary(collection, output), highlight=False, markup=False, soft_wrap=True)


def _filter_opt(flag: str, what: str):
    return typer.Option(
        flag,
        help=f"Only entities with {what} (repeatable: any of them).",
        metavar=flag.removeprefix("--").upper(),
    )


@app.command()
@handled
def search(
    query: Annotated[
        str, typer.Argument(help="Words to find (accents and case folded).", metavar="QUERY")
    ],
    username: AsOpt,
    limit: Annotated[
        int, typer.Option("--limit", help="Results per page (1-100).", metavar="N")
    ] = 20,
    offset: Annotated[
        int, typer.Option("--offset", help="Results to skip (paging).", metavar="N")
    ] = 0,
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
        out.print(
            f"no results for {query!r}"
            if not result["total"]
            else f"no results past {result['total']}",
            highlight=False,
            markup=False,
        )
        return
    table = SafeTable("id", "schema", "caption", "marking", "collections")
    for r in result["results"]:
        table.add_row(
            r["id"],
            r["schema"],
            r["caption"],
            marking_label(r["marking"]),
            ",".join(r["collections"]),
        )
    show(table)
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
    entity_id: Annotated[
        str,
        typer.Argument(
            help="The id as search shows it (a bare id: your organisation's).", metavar="ENTITY"
        ),
    ],
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
        int,
        typer.Option("--offset", help="First relationship to show (paging).", min=0, metavar="N"),
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
    out.print(
        f"{data['schema']} {data['id']} — {data['caption']}",
        highlight=False,
        markup=False,
        soft_wrap=True,  # the id whole, for pasting
    )
    table = SafeTable("property", "values")
    for prop, values in sorted(data["properties"].items()):
        table.add_row(prop, "\n".join(values))
    out.print(table)
    if statements:
        print_statements(data.get("statements") or [])
    if data.get("possibly_known_to"):
        known = ", ".join(f"{k['org']} ({k['records']})" for k in data["possibly_known_to"])
        out.print(f"possibly known to: {known}", highlight=False, markup=False)
    m = data["marking"]
    if m:
        out.print(
            f"marking: {marking_label(m)} originator {m['originator']}",
            markup=False,
            highlight=False,
        )
    entity_parts.show(parts)


def print_statements(rows: list[dict]) -> None:
    """Each value with its provenance and its own marking."""
    table = SafeTable(
        "property", "value", "marking", "collection", "origin", "first seen", "last seen",
        title="statements (each value's provenance and marking)",
    )  # fmt: skip
    for st in rows:
        if st["prop"] == "id":
            continue
        table.add_row(
            st["prop"],
            st["value"],
            marking_label(st["marking"]),
            st["collection"],
            st["origin"],
            st["first_seen"],
            st["last_seen"],
        )
    show(table, empty="no statements", whole=True)


class ExportTally:
    """Counts what an export writes as it passes: lines, entities and the
    strictest marking among them (for the handling reminder)."""

    def __init__(self, lines) -> None:
        self.lines = lines
        self.count = 0
        self.entities: set[str] = set()
        self.markings: dict[str, Marking] = {}

    def __iter__(self):
        for line in self.lines:
            data = json.loads(line)
            self.count += 1
            self.entities.add(data.get("id"))
            if data.get("marking"):
                m = Marking.from_dict(data["marking"], None)
                self.markings.setdefault(m.key, m)
            yield line

    def summary(self, collection: str, output: Path | None) -> str:
        where = output or "stdout"
        if not self.count:
            return f"exported nothing of {collection} to {where} (nothing you may see)"
        strictest = combine(self.markings.values())
        handle = strictest.label() if strictest else "the collection's marking"
        return (
            f"exported {len(self.entities)} entities ({self.count} lines) of {collection} "
            f"to {where}; handle as {handle} (each line carries its own marking)"
        )

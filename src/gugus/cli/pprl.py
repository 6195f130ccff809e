"""`gugus pprl`: privacy-preserving matching with partners (docs/pprl.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gugus import admin
from gugus.cli.common import (
    AsOpt,
    CollectionArg,
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
    write_whole,
)
from gugus.errors import InvalidInput
from gugus.model.markings import Marking
from gugus.xref import pprl, pprl_notify
from gugus.xref.pprl_encoding import read_secret

pprl_app = typer.Typer(
    no_args_is_help=True,
    help="Privacy-preserving matching: encode persons as CLKs under a shared secret, match two files.",
)
app.add_typer(pprl_app, name="pprl")

SecretOpt = Annotated[
    Path,
    typer.Option(
        "--secret-file",
        help="File holding the secret shared with the partner (at least 32 bytes; never printed).",
        metavar="FILE",
    ),
]


def _write(path: Path, lines) -> None:
    write_whole(path, lines, mode=0o600)


@pprl_app.command("encode")
@handled
def encode(
    collection: CollectionArg,
    username: AsOpt,
    secret_file: SecretOpt,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The CLK file to write.", metavar="FILE")
    ],
    for_org: Annotated[
        str | None,
        typer.Option(
            "--for", help="Encode only values released to this partner organisation.", metavar="ORG"
        ),
    ] = None,
    include_red: Annotated[
        bool,
        typer.Option("--include-red", help="Also encode TLP:RED values (left out by default)."),
    ] = False,
    blocking: Annotated[
        bool,
        typer.Option(
            "--blocking",
            help="Add blocking keys (keyed year of birth, name-token prefixes) so a match compares "
            "fewer pairs; they reveal which records share them (docs/pprl.md).",
        ),
    ] = False,
    purpose: PurposeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Encode the persons a user may see in a collection as CLKs (names, date of birth, phones, addresses)."""
    secret = read_secret(secret_file)
    node = open_node(db)
    encoded = pprl.encode(
        node,
        admin.act_as(node, username),
        collection,
        secret,
        include_red=include_red,
        for_org=for_org,
        blocking=blocking,
        purpose=purpose,
    )
    _write(output, encoded.lines())
    summary = dict(encoded.summary, output=str(output))
    if as_json:
        return print_json(summary)
    out.print(
        f"{summary['persons']} persons, {summary['records']} CLKs → {output}; "
        f"handle as {summary['marking_label']}; check value {summary['fingerprint']}",
        highlight=False,
        markup=False,
    )
    left_out = {
        "without_name": "persons without a name you may see",
        "red_values_left_out": "TLP:RED values left out (--include-red)",
        "values_not_released_to_partner": f"values not released to {for_org}",
    }
    for key, text in left_out.items():
        if summary.get(key):
            out.print(f"  {summary[key]} {text}", highlight=False, markup=False)


@pprl_app.command("match")
@handled
def match(
    left: Annotated[Path, typer.Argument(help="The first CLK file.", metavar="LEFT")],
    right: Annotated[Path, typer.Argument(help="The second CLK file.", metavar="RIGHT")],
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold",
            help="Least Sørensen–Dice similarity of a likely pair (0.5–1).",
            metavar="SCORE",
        ),
    ] = pprl.DEFAULT_THRESHOLD,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Also write the result as JSON here.", metavar="FILE"),
    ] = None,
    no_blocking: Annotated[
        bool,
        typer.Option("--no-blocking", help="Compare every pair even when both files have keys."),
    ] = False,
    notify: Annotated[
        bool,
        typer.Option(
            "--notify",
            help="Turn the pairs into hit notices on your side (needs --as; one file must be "
            "your organisation's).",
        ),
    ] = False,
    username: Annotated[
        str | None,
        typer.Option("--as", metavar="USER", help="With --notify: the user the notices are for."),
    ] = None,
    collections: Annotated[
        list[str] | None,
        typer.Option(
            "--collection",
            metavar="COLLECTION",
            help="With --notify: where your records are (repeatable; default: every "
            "collection you may read).",
        ),
    ] = None,
    purpose: PurposeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Likely pairs of persons between two CLK files (no secret needed; no
    database either, unless --notify)."""
    if notify and not username:
        raise InvalidInput("--notify needs --as USER (whose hit notices they are)")
    if not notify and (username or collections):
        raise InvalidInput("--as and --collection go with --notify")
    result = pprl.match(left, right, threshold, blocking=not no_blocking)
    if notify:
        node = open_node(db)
        notified = pprl_notify.notify(
            node,
            admin.act_as(node, username),
            result,
            collections=collections or [],
            purpose=purpose,
        )
        result = dict(result, notices=notified["notices"])
    if output is not None:
        _write(output, [json.dumps(result, indent=1, ensure_ascii=False) + "\n"])
    if as_json:
        return print_json(result)
    label = Marking.from_dict(result["marking"], None).label()
    a, b = result["left"], result["right"]
    out.print(
        f"{len(result['pairs'])} likely pairs at similarity ≥ {threshold} between "
        f"{a['file']} ({a['org']}, {a['persons']} persons) and {b['file']} ({b['org']}, "
        f"{b['persons']} persons), {result['blocking']}; handle as {label}",
        highlight=False,
        markup=False,
    )
    if result["pairs"]:
        table = SafeTable(f"{a['org']} reference", f"{b['org']} reference", "similarity")
        for p in result["pairs"]:
            table.add_row(p["left"], p["right"], f"{p['similarity']:.3f}")
        show(table, empty="no likely pairs")
    if notify:
        _print_notices(result["notices"])


def _print_notices(notices: list[dict]) -> None:
    out.print(
        f"{len(notices)} hit notice(s) on your side (gugus notices --as USER lists them)",
        highlight=False,
        markup=False,
    )
    if notices:
        table = SafeTable("reference", "your record", "holder", "contact")
        for n in notices:
            table.add_row(n["reference"], n["own_entity_id"], n["holder"], n["contact"])
        out.print(table)


@pprl_app.command("resolve")
@handled
def resolve(
    collection: CollectionArg,
    refs: Annotated[
        list[str], typer.Argument(help="References from a match, r + 32 hex.", metavar="REF")
    ],
    username: AsOpt,
    secret_file: SecretOpt,
    purpose: PurposeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Which of your own records the references of a match are."""
    secret = read_secret(secret_file)
    node = open_node(db)
    found = pprl.resolve(
        node, admin.act_as(node, username), collection, secret, refs, purpose=purpose
    )
    if as_json:
        return print_json({"found": found, "not_found": sorted(set(refs) - set(found))})
    table = SafeTable("reference", "entity")
    for ref in refs:
        table.add_row(ref, found.get(ref, "(not yours, or not visible to you)"))
    show(table, empty="no references resolved to your records")

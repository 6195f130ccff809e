"""`gugus load`: entities, mapped tables, HTCDS files and documents."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gugus import admin
from gugus.cli.common import (
    CollectionArg,
    DbOpt,
    JsonOpt,
    PurposeOpt,
    SafeTable,
    app,
    err,
    handled,
    open_node,
    out,
    print_json,
)
from gugus.errors import InvalidInput


@app.command()
@handled
def load(
    collection: CollectionArg,
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="A .jsonl of FtM entities, a table with --mapping, an HTCDS file with "
            "--format htcds, or documents (.txt .html .pdf .docx .eml) and directories.",
            metavar="PATH",
        ),
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping", help="YAML mapping for a CSV / XLSX / JSON-lines table.", metavar="FILE"
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", help="auto (default), ftm, table, htcds or documents.", metavar="FORMAT"
        ),
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(
            "--published",
            help="Documents: their date (YYYY-MM-DD) when metadata has none.",
            metavar="DATE",
        ),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(
            "--language", help="Documents: their language (skip detection).", metavar="LANG"
        ),
    ] = None,
    names: Annotated[
        str | None,
        typer.Option(
            "--names",
            help="Documents: name-extraction backend (default: heuristic).",
            metavar="FILE",
        ),
    ] = None,
    username: Annotated[
        str | None,
        typer.Option(
            "--as", help="Load as this user (default: the node operator).", metavar="USER"
        ),
    ] = None,
    on_error: Annotated[
        str,
        typer.Option(
            "--on-error",
            help="abort (default: nothing is loaded) or skip bad lines, rows, files.",
            metavar="abort|skip",
        ),
    ] = "abort",
    purpose: PurposeOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load entities, mapped tables, HTCDS case files or documents (one transaction)."""
    from gugus.ingest import dispatch

    node = open_node(db)
    actor = admin.act_as(node, username) if username else None
    with _load_progress(enabled=not as_json) as progress:
        summary = dispatch.load_paths(
            node,
            collection,
            paths,
            mapping=mapping,
            fmt=fmt,
            published=_date_option(published, "--published"),
            language=_language_option(language),
            names=names,
            actor=actor,
            on_error=on_error,
            purpose=purpose,
            progress=progress,
        ).to_dict()
    if as_json:
        return print_json(summary)
    what = ", ".join(str(p) for p in paths[:3]) + (" …" if len(paths) > 3 else "")
    table = SafeTable(
        "records",
        "entities",
        "statements",
        "dropped values",
        "skipped",
        "kept stricter",
        title=f"{what} → {collection}",
    )
    table.add_row(
        *(
            str(summary[k])
            for k in (
                "lines",
                "entities",
                "statements",
                "dropped_values",
                "skipped_lines",
                "kept_stricter_markings",
            )
        )
    )
    out.print(table)
    if summary["possibly_known_to"]:
        known = ", ".join(f"{k['org']} ({k['records']})" for k in summary["possibly_known_to"])
        out.print(f"possibly known to: {known}", highlight=False, markup=False)
    for n in summary["notices"]:
        out.print(
            f"hit notice {n['reference']}: {n['message']} — contact: {n['contact']}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    for e in summary["errors"][:20]:
        where = e.get("where") or ""
        err.print(
            f"skipped line {e['line']}: {e['error']}"
            if not where or ": line " in where
            else f"skipped: {e['error']}",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    for d in summary["dropped_examples"][:5]:
        err.print(
            f"dropped {d['type']} value {d['value']!r} ({d['where']}, {d['property']}"
            + (f": {d['reason']}" if d.get("reason") else "")
            + ")",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )


def _date_option(value: str | None, option: str):
    if value is None:
        return None
    import datetime as dt

    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


def _language_option(value: str | None) -> str | None:
    if value is None:
        return None
    from followthemoney.types import registry

    code = value.strip().lower()
    if len(code) != 2 or not code.isalpha() or registry.language.clean(code) is None:
        raise InvalidInput(f"--language: {value!r} is not an ISO 639-1 code such as es, en, id")
    return code


class _load_progress:
    """A rich progress line on stderr while records load (off for --json and
    when stderr is not a terminal); yields the callback the loader calls."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and err.is_terminal
        self._bar = None

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TimeElapsedColumn

        self._bar = Progress(
            SpinnerColumn(),
            "[progress.description]{task.description}",
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        )
        self._bar.start()
        task = self._bar.add_task("loading", total=None)
        bar = self._bar

        def advance(_record) -> None:
            bar.advance(task)

        # Importers that know how many records will come (documents) say so.
        advance.set_total = lambda total: bar.update(task, total=total)
        return advance

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

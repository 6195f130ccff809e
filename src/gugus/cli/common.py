"""What every command group shares: the one typer ``app``, the common options
(--db, --as, --json, --key, --purpose), the consoles, one-line error handling
and the signal handling of ``main``.

Every read command takes ``--json``; every error prints one line naming what
is wrong and exits with status 2 (1 for a failed audit verification).
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import click
import typer
import typer.core
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

import gugus
from gugus.errors import GugusError, InvalidInput
from gugus.interrupts import Interrupted, on_signal  # noqa: F401 (re-exported)
from gugus.node import Node
from gugus.store.db import DEFAULT_DB
from gugus.store.faults import translate

# `gugus --help` lists commands in the order a newcomer uses them, groups
# among them (typer would list every group after every command).
WORKFLOW = [
    "init", "demo", "serve", "org", "user", "collection", "load", "loads", "search", "entity",
    "export", "xref", "judge", "judgements", "match", "notices", "pprl", "audit", "check",
]  # fmt: skip


class NamedArgument(typer.core.TyperArgument):
    """An argument whose help line shows its metavar alone (``QUERY``), not
    typer's type beside it (``QUERY <str>``)."""

    def display_type_rich(self, ctx) -> str | None:
        return None if self.metavar else super().display_type_rich(ctx)


def _name_arguments(command) -> None:
    """Every argument with a metavar, in ``command`` and below, helped by its
    name (typer builds them as ``TyperArgument``; nothing else differs)."""
    for param in command.params:
        if type(param) is typer.core.TyperArgument and param.metavar:
            param.__class__ = NamedArgument
    for sub in getattr(command, "commands", {}).values():
        _name_arguments(sub)


class WorkflowGroup(typer.core.TyperGroup):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _name_arguments(self)  # the whole tree is built when the root group is

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(WORKFLOW)}
        return sorted(names, key=lambda name: rank.get(name, len(WORKFLOW)))


def _version(value: bool) -> None:
    if value:
        out.print(f"gugus {gugus.__version__}", highlight=False, markup=False)
        raise typer.Exit()


app = typer.Typer(
    cls=WorkflowGroup,
    no_args_is_help=True,
    context_settings={"max_content_width": 120},
    add_completion=False,
    # Plain click help: flags shown as flags (typer's rich help writes
    # "--json <bool>") and docstrings re-wrapped to the terminal.
    rich_markup_mode=None,
    help="gugus — enforced information sharing for joint task forces.  "
    "Start with `gugus demo` (or `make demo`); every command takes --help.",
)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """gugus — enforced information sharing for joint task forces."""


# Columns that hold ids, references or file names: shown whole so that they can
# be pasted into the next command (rich would cut them to "080b79e9f44a8a3…").
# A cell may hold several, one a line.
WHOLE = {"id", "left", "right", "reference", "entity", "username", "objects", "your records"}


class SafeTable(Table):
    """A table whose cells are shown as text, never read as Rich markup
    (stored names and purposes may contain "[...]"); the columns named in
    ``WHOLE`` (and any ending in "reference") never wrap nor cut a value."""

    def add_row(self, *cells, **kwargs) -> None:
        super().add_row(*(escape(c) if isinstance(c, str) else c for c in cells), **kwargs)
        for column, cell in zip(self.columns, cells, strict=False):
            header = str(column.header)
            if isinstance(cell, str) and (header in WHOLE or header.endswith("reference")):
                column.no_wrap = True
                column.overflow = "ignore"
                widest = max((len(line) for line in cell.splitlines()), default=0)
                column.min_width = max(column.min_width or 0, widest)


def marking_label(m: dict | None) -> str:
    """A marking as written everywhere: TLP:AMBER H0 REL TO USHSI."""
    if not m:
        return ""
    from gugus.model.markings import Marking

    return Marking.from_dict(m, m.get("originator")).label()


def show(table: Table, empty: str = "no results", *, whole: bool = False) -> None:
    """Print a listing, or say that it is empty (never an empty table).

    A table whose whole columns (ids) do not fit the terminal is printed
    wider rather than squeezed until an id is cut (the terminal wraps the
    long lines; the ids stay whole for pasting and grep); ``whole`` prints
    it at its natural width, one line per row."""
    if not table.row_count:
        out.print(empty, highlight=False, markup=False)
        return
    size = Measurement.get(out, out.options.update(width=100_000), table)
    width = out.width
    if whole:
        width = max(width, size.maximum)
    elif size.minimum > width:  # whole ids do not fit: room for them, and some for the rest
        width = min(size.maximum, size.minimum + width // 2)
    if width > out.width:
        Console(file=out.file, width=width, force_terminal=out.is_terminal).print(table, crop=False)
    else:
        out.print(table)


out = Console()
err = Console(stderr=True)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="GUGUS_DB",
        metavar="URL|FILE",
        help="The node's database: a SQLite file or postgresql://… (default: ./gugus.db, "
        "or ./demo-node/gugus.db when only that exists).",
    ),
]
AsOpt = Annotated[
    str,
    typer.Option(
        "--as", metavar="USER", help="Read as this user (visibility and audit are theirs)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
UserArg = Annotated[str, typer.Argument(metavar="USER", help="The user's name.")]
CollectionArg = Annotated[
    str, typer.Argument(metavar="COLLECTION", help="The collection's name, e.g. mx-cases.")
]
OrgArg = Annotated[str, typer.Argument(metavar="ORG", help="The organisation's code, e.g. MX-FGR.")]
HostOpt = Annotated[str, typer.Option("--host", help="The address to listen on.", metavar="HOST")]
PortOpt = Annotated[int, typer.Option("--port", help="The TCP port to listen on.", metavar="PORT")]
KeyOpt = Annotated[
    str | None,
    typer.Option(
        "--key",
        envvar="GUGUS_NODE_KEY",
        metavar="FILE",
        help="The node key file (default: beside a SQLite file, gugus.db.key).",
    ),
]
PurposeOpt = Annotated[
    str | None,
    typer.Option("--purpose", metavar="TEXT", help="Why you read this (kept in the audit log)."),
]


# What an interruption leaves behind, for the commands where it is worth saying.
INTERRUPTED = {"load": "nothing was loaded"}


def fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def quiet_stdout() -> None:
    """Points stdout at /dev/null, so that Python's last flush at exit does
    not fail again on a pipe nobody reads."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def handled(func):
    """Print every error as one clear line and exit 2; an interruption
    (Ctrl-C, SIGTERM) prints what it left and exits 130 / 143.  Database and
    file-system failures are named by gugus.store.faults (never with stored
    values); GUGUS_TRACEBACK=1 shows the traceback of an unexpected one."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (typer.Exit, click.exceptions.ClickException, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # The reader of the output went away (`gugus export … | head`):
            # end quietly with 1, as rich does for tables.
            quiet_stdout()
            raise typer.Exit(1) from None
        except KeyboardInterrupt as exc:
            signum = getattr(exc, "signum", signal.SIGINT)
            note = INTERRUPTED.get(func.__name__)
            err.print(f"interrupted: {note}" if note else "interrupted", highlight=False)
            raise typer.Exit(128 + signum) from None
        except GugusError as exc:
            fail(exc.message)
            raise typer.Exit(2) from None
        except Exception as exc:
            if os.environ.get("GUGUS_TRACEBACK") == "1":
                raise
            fail(translate(exc).message)
            raise typer.Exit(2) from None

    return wrapper


DEMO_DB = Path("demo-node") / DEFAULT_DB


def default_db(db: str | None) -> str | None:
    """The database a command opens when neither --db nor GUGUS_DB names one:
    ./gugus.db if it exists, else the demo node's ./demo-node/gugus.db (said
    on stderr), else an error naming both and how to choose."""
    if db:
        return db
    if Path(DEFAULT_DB).exists():
        return DEFAULT_DB
    if DEMO_DB.exists():
        err.print(
            f"using the demo node's database {DEMO_DB} (no ./{DEFAULT_DB} here)", highlight=False
        )
        return str(DEMO_DB)
    raise GugusError(
        f"no database here (./{DEFAULT_DB}, or ./{DEMO_DB} after `make demo`): "
        f"pass --db FILE|URL or set GUGUS_DB; `gugus init --db FILE` creates a new, empty node"
    )


def open_node(db: str | None) -> Node:
    return Node.open(default_db(db))


def write_whole(path: Path, lines, *, mode: int = 0o666) -> None:
    """Written to a side file and renamed: a failure leaves no partial file
    (``mode`` before the umask; 0o600 for files only their owner may read)."""
    tmp = path.with_name(path.name + ".part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(lines)
        tmp.replace(path)
    except OSError as exc:
        raise InvalidInput(f"--output: {exc.strerror}: {path}") from None
    finally:
        tmp.unlink(missing_ok=True)


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")

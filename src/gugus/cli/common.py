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
from typing import Annotated

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gugus.errors import GugusError
from gugus.node import Node
from gugus.store.faults import translate

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="gugus — enforced information sharing for joint task forces.",
)


class SafeTable(Table):
    """A table whose cells are shown as text, never read as Rich markup
    (stored names and purposes may contain "[...]")."""

    def add_row(self, *cells, **kwargs) -> None:
        super().add_row(*(escape(c) if isinstance(c, str) else c for c in cells), **kwargs)


out = Console()
err = Console(stderr=True)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db", envvar="GUGUS_DB", help="Database URL or SQLite file (default: ./gugus.db)."
    ),
]
AsOpt = Annotated[
    str, typer.Option("--as", help="Read as this user (visibility and audit are theirs).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
KeyOpt = Annotated[
    str | None,
    typer.Option(
        "--key",
        envvar="GUGUS_NODE_KEY",
        help="The node key file (default: beside a SQLite file, gugus.db.key).",
    ),
]
PurposeOpt = Annotated[
    str | None, typer.Option("--purpose", help="Why you read this (kept in the audit log).")
]


# What an interruption leaves behind, for the commands where it is worth saying.
INTERRUPTED = {"load": "nothing was loaded"}


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM: unwinds like Ctrl-C (transactions roll back, worker
    processes stop), then the command exits with 128 + the signal number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def on_signal(signum, _frame) -> None:
    # Once: a second Ctrl-C must not interrupt the rollback of the first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(signum)


def fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


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


def open_node(db: str | None) -> Node:
    return Node.open(db)


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")

"""Command line (typer + rich).  Thin: parse, call a service, print.

One module per command group, all registering on the one ``app`` of
``gugus.cli.common`` (which also holds the shared options --db/--as/--json/
--key/--purpose, the consoles, ``SafeTable``, ``open_node``, ``print_json``
and ``handled``, the one-line error handling).  To add a command group:

1. Write ``gugus/cli/<group>.py`` importing what it needs from
   ``gugus.cli.common``.  A top-level command is ``@app.command()`` over
   ``@handled``; a sub-command group is ``x_app = typer.Typer(
   no_args_is_help=True, help=...)`` plus ``app.add_typer(x_app, name="x")``
   in that module, its commands ``@x_app.command("verb")`` over ``@handled``.
2. Import the module in the block below, and put the command's name at its
   place in ``common.WORKFLOW``: the order of ``gugus --help`` (a name not
   there is listed last).
3. Keep each module well under 400 lines; what two groups share goes in
   ``common``.
"""

from __future__ import annotations

import logging
import signal

# Each module registers its commands on `app` when imported (`gugus --help`
# lists them in the order of common.WORKFLOW).
# isort: off
from gugus.cli import admin, user, collection  # noqa: F401
from gugus.cli import load, reads, judge, audit, check, serve  # noqa: F401
from gugus.cli import pprl  # noqa: F401
from gugus.cli import match  # noqa: F401
from gugus.cli import xref  # noqa: F401
from gugus.cli import overview  # noqa: F401

# isort: on
from gugus.cli.common import app, err, handled, on_signal, out

__all__ = ["app", "err", "handled", "main", "out"]


def main() -> None:
    # psycopg logs what it ignores while closing a pipeline or copy on a lost
    # connection ("error ignored terminating <psycopg.Pipeline [BAD]>: …").
    # With no logging configured Python prints that on stderr beside the
    # CLI's one-line error; the failure itself reaches the CLI as an
    # exception.  A handler here stops that fallback print (a server's
    # configured root handlers still receive the records).
    logging.getLogger("psycopg").addHandler(logging.NullHandler())
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    app()

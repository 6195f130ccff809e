"""The ``gugus`` command's entry point.

Importing the command line takes a second or two (FollowTheMoney, SQLAlchemy,
typer, rich; ~2 s on a slow machine).  A Ctrl-C or SIGTERM in that time used
to end in a Python traceback.  This module imports nothing heavy: it installs
the command line's signal handling (gugus.interrupts) first, so that an
interruption while the imports run ends like any other — one line, exit 128 +
the signal number.
"""

from __future__ import annotations

import signal
import sys

from gugus.interrupts import Interrupted, on_signal


def main() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    try:
        from gugus.cli import main as cli_main

        # Installs the same handlers again before it parses anything; the
        # commands themselves answer an interruption (gugus.cli.common.handled).
        cli_main()
    except Interrupted as exc:
        sys.stderr.write("interrupted\n")
        sys.exit(128 + exc.signum)

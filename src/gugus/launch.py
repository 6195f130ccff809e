"""The ``gugus`` command's entry point.

Importing the command line takes a second or two (FollowTheMoney, SQLAlchemy,
typer, rich; ~2 s on a slow machine).  A Ctrl-C or SIGTERM in that time used
to end in a Python traceback.  This module imports nothing heavy: it installs
the command line's signal handling first, so that an interruption while the
imports run ends like any other — one line, exit 128 + the signal number.
"""

from __future__ import annotations

import signal
import sys


class _Early(KeyboardInterrupt):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_early_signal(signum, _frame) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise _Early(signum)


def main() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _on_early_signal)
    try:
        from gugus.cli import main as cli_main

        # Installs the command line's own handlers (gugus.cli.common.on_signal)
        # before it parses anything; this one may still fire until then.
        cli_main()
    except _Early as exc:
        sys.stderr.write("interrupted\n")
        sys.exit(128 + exc.signum)

"""Ctrl-C and SIGTERM as one exception, for the ``gugus`` command.

Imports nothing heavy: ``gugus.launch`` installs the handler before the
command line is imported, and the command line installs it again for itself.
"""

from __future__ import annotations

import signal


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

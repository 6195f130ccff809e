"""Finding 14, in a server: an interrupted write transaction (Ctrl-C or
SIGTERM reaching a statement invalidates its connection) must release the
in-process write lock; before, the rollback hook failed with
PendingRollbackError and the lock stayed held, so every later write waited."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, text


def test_interrupted_write_releases_the_write_lock(node):
    fired: list[bool] = []

    def interrupt(_conn, _cursor, statement, *_args):
        if not fired and not statement.startswith("BEGIN"):  # inside the transaction
            fired.append(True)
            raise KeyboardInterrupt

    event.listen(node.db.writer, "before_cursor_execute", interrupt)
    try:
        with pytest.raises(KeyboardInterrupt), node.db.writer.begin() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        event.remove(node.db.writer, "before_cursor_execute", interrupt)
    assert fired

    written: list[int] = []

    def write() -> None:  # another thread: an RLock held by this one would let it through
        with node.db.writer.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO organisations (code, name, country, created_at) "
                    "VALUES ('XX', 'x', 'MX', '2026-01-01')"
                )
            )
        written.append(1)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    thread.join(timeout=30)  # a liveness bound: the lock is free at once
    assert written == [1]

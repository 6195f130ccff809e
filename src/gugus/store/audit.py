"""SQL of the audit log (the chain logic lives in :mod:`gugus.audit`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Connection, func, insert, select, update

from gugus.store.tables import audit_head, audit_log


def lock_head(conn: Connection) -> tuple[int, str]:
    """Current head of the chain, locked for this transaction (PostgreSQL:
    row lock; SQLite: the writer already holds the database lock)."""
    row = conn.execute(select(audit_head).where(audit_head.c.id == 1).with_for_update()).one()
    return row.seq, row.hash


def append(conn: Connection, rows: Sequence[dict]) -> None:
    conn.execute(insert(audit_log), list(rows))
    last = rows[-1]
    conn.execute(
        update(audit_head).where(audit_head.c.id == 1).values(seq=last["seq"], hash=last["hash"])
    )


def head(conn: Connection) -> tuple[int, str]:
    row = conn.execute(select(audit_head).where(audit_head.c.id == 1)).one()
    return row.seq, row.hash


def iter_all(conn: Connection, batch: int = 5000) -> Iterator:
    last = -1
    while True:
        rows = conn.execute(
            select(audit_log).where(audit_log.c.seq > last).order_by(audit_log.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def list_for_orgs(
    conn: Connection,
    orgs: Sequence[str],
    *,
    limit: int,
    before: int | None = None,
    action: str | None = None,
) -> list:
    if not orgs:
        return []
    query = select(audit_log).where(audit_log.c.org.in_(list(orgs)))
    if before is not None:
        query = query.where(audit_log.c.seq < before)
    if action:
        query = query.where(audit_log.c.action == action)
    return conn.execute(query.order_by(audit_log.c.seq.desc()).limit(limit)).all()


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(audit_log)).scalar_one()

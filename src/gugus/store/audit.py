"""SQL of the audit store (the chain logic lives in :mod:`gugus.audit`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import (
    Connection,
    LargeBinary,
    bindparam,
    cast,
    func,
    insert,
    inspect,
    select,
    update,
)

from gugus.errors import GugusError
from gugus.store.tables import audit_checkpoints, audit_head, audit_log, audit_metadata

GENESIS = "0" * 64
_TEXT = ("ts", "username", "org", "action", "object_ids", "purpose", "detail", "prev_hash", "hash")


class HeadMissing(GugusError):
    """The head row of the chain is gone (deleted by hand)."""


def create(conn: Connection) -> None:
    """Create the audit tables where missing, their indexes where missing
    (a table created before an index was added keeps its rows), and the
    head row (idempotent)."""
    audit_metadata.create_all(conn, checkfirst=True)
    for index in audit_log.indexes:
        index.create(conn, checkfirst=True)
    if conn.execute(select(audit_head.c.id)).first() is None:
        conn.execute(insert(audit_head).values(id=1, seq=0, hash=GENESIS))


def exists(conn: Connection) -> bool:
    return inspect(conn).has_table("audit_log")


# The statements of an append, built once: the writer runs them for every
# batch, and building them cost more than running them.
_LOCK_HEAD = select(audit_head).where(audit_head.c.id == 1).with_for_update()
_INSERT_RECORDS = insert(audit_log)
_MOVE_HEAD = (
    update(audit_head)
    .where(audit_head.c.id == 1)
    .values(seq=bindparam("head_seq"), hash=bindparam("head_hash"))
)
_ADD_CHECKPOINT = insert(audit_checkpoints)


def lock_head(conn: Connection) -> tuple[int, str]:
    """Current head of the chain, locked for this transaction (PostgreSQL:
    row lock; SQLite: the writer holds the audit file's lock)."""
    row = conn.execute(_LOCK_HEAD).first()
    if row is None:
        raise HeadMissing("the audit log's head row is missing (deleted): run `gugus audit verify`")
    return row.seq, row.hash


def append(conn: Connection, rows: Sequence[dict], sig: str) -> None:
    """Insert a batch, move the head, and store the batch's signed checkpoint."""
    conn.execute(_INSERT_RECORDS, list(rows))
    last = rows[-1]
    conn.execute(_MOVE_HEAD, {"head_seq": last["seq"], "head_hash": last["hash"]})
    add_checkpoint(conn, last["seq"], last["hash"], sig)


def add_checkpoint(conn: Connection, seq: int, digest: str, sig: str) -> None:
    conn.execute(_ADD_CHECKPOINT, {"seq": seq, "hash": digest, "sig": sig})


def head(conn: Connection) -> tuple[int, str] | None:
    row = conn.execute(select(audit_head).where(audit_head.c.id == 1)).first()
    return None if row is None else (row.seq, row.hash)


def iter_all(conn: Connection, batch: int = 5000) -> Iterator[dict]:
    """Every record in order, as a dict.  Text is read as bytes and decoded
    here, so a damaged byte names its record and column (key ``damaged``)
    instead of failing the whole scan."""
    sqlite = conn.dialect.name == "sqlite"
    cols = [audit_log.c.seq] + [
        cast(audit_log.c[name], LargeBinary).label(name) if sqlite else audit_log.c[name]
        for name in (*_TEXT, "markings")
    ]
    last = None
    while True:
        query = select(*cols).order_by(audit_log.c.seq).limit(batch)
        if last is not None:
            query = query.where(audit_log.c.seq > last)
        rows = conn.execute(query).all()
        if not rows:
            return
        for row in rows:
            yield _decoded(dict(row._mapping))
        last = rows[-1].seq


def _decoded(row: dict) -> dict:
    for name, value in list(row.items()):
        if isinstance(value, bytes | memoryview):
            try:
                row[name] = bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                row["damaged"] = name
                row[name] = None
    if not isinstance(row["seq"], int):
        row["damaged"] = "seq"
    return row


def checkpoints(conn: Connection) -> dict[int, tuple[str, str]]:
    return {r.seq: (r.hash, r.sig) for r in conn.execute(select(audit_checkpoints))}


def list_for_orgs(
    conn: Connection,
    orgs: Sequence[str],
    *,
    limit: int,
    before: int | None = None,
    action: str | None = None,
    username: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list:
    """Records of ``orgs``, newest first: ``before`` a sequence number, of one
    ``action`` and ``username``, at or after ``since`` and before ``until``
    (stored-form times, compared as text: they sort as time)."""
    if not orgs:
        return []
    query = select(audit_log).where(audit_log.c.org.in_(list(orgs)))
    if before is not None:
        query = query.where(audit_log.c.seq < before)
    if action:
        query = query.where(audit_log.c.action == action)
    if username:
        query = query.where(audit_log.c.username == username)
    if since is not None:
        query = query.where(audit_log.c.ts >= since)
    if until is not None:
        query = query.where(audit_log.c.ts < until)
    return conn.execute(query.order_by(audit_log.c.seq.desc()).limit(limit)).all()


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(audit_log)).scalar_one()


def copy_legacy(source: Connection, target: Connection) -> int:
    """Copy the records and head of a SQLite database from before the audit
    file (schema 0001) into an empty audit store; returns how many."""
    if count(target) or not inspect(source).has_table("audit_log"):
        return 0
    names = ", ".join(("seq", *_TEXT))
    rows = [dict(r._mapping) for r in source.exec_driver_sql(f"SELECT {names} FROM audit_log")]  # noqa: S608 - fixed column names
    if rows:
        conn_rows = sorted(rows, key=lambda r: r["seq"])
        target.execute(insert(audit_log), conn_rows)
    old = source.exec_driver_sql("SELECT seq, hash FROM audit_head WHERE id = 1").first()
    if old is not None:
        target.execute(
            update(audit_head).where(audit_head.c.id == 1).values(seq=old.seq, hash=old.hash)
        )
    return len(rows)

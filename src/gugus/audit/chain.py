"""The keyed, anchored hash chain.

Each record carries ``prev_hash`` (the hash of the record before it) and its
own ``hash`` = SHA-256 over its canonical JSON (sequence number, time, user,
organisation, action, object ids, purpose, detail, marking ids when there are
any, prev_hash).  The last record of every committed batch gets a checkpoint
signed with the node key (Ed25519), and the newest signed head is also written
to the anchor file outside the database.  ``verify`` recomputes everything and
names the first record that was changed, removed, inserted or reordered, a
tail that no signature covers, a log shorter than its anchor, and users,
tokens and collections without the audit record of their creation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, select
from sqlalchemy.exc import DBAPIError

from gugus.audit.keys import KeyError_, NodeKey, ensure_key
from gugus.clock import now_iso
from gugus.store import audit as sql
from gugus.store.tables import collections, tokens, users

GENESIS = sql.GENESIS


@dataclass(frozen=True)
class AuditEvent:
    action: str
    username: str | None
    org: str | None
    object_ids: Sequence[str] = ()
    purpose: str | None = None
    detail: dict = field(default_factory=dict)
    # Ids of the stored markings of the data this event touched (reads: every
    # statement returned), so a supervisor's listing can redact what it may not see.
    markings: Sequence[int] = ()


_HASHED = ("seq", "ts", "username", "org", "action", "object_ids", "purpose", "detail")


def _digest(row: dict) -> str:
    body = {k: row[k] for k in _HASHED}
    body["prev_hash"] = row["prev_hash"]
    if row.get("markings"):  # absent when none: records from before 0002 keep their hash
        body["markings"] = row["markings"]
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def rows_for(seq: int, prev: str, events: Sequence[AuditEvent], ts: str) -> list[dict]:
    rows = []
    for event in events:
        seq += 1
        marks = sorted({int(m) for m in event.markings})
        row = {
            "seq": seq,
            "ts": ts,
            "username": event.username,
            "org": event.org,
            "action": event.action,
            "object_ids": json.dumps(list(event.object_ids), ensure_ascii=False),
            "purpose": event.purpose,
            "detail": json.dumps(event.detail, sort_keys=True, ensure_ascii=False, default=str),
            "prev_hash": prev,
            "markings": json.dumps(marks) if marks else None,
        }
        row["hash"] = prev = _digest(row)
        rows.append(row)
    return rows


def commit(conn: Connection, key: NodeKey, events: Sequence[AuditEvent]) -> tuple[int, str]:
    """Append events as one batch in ``conn``'s transaction (the caller
    commits): chained rows, the head moved, the last record signed.  Returns
    the new head."""
    seq, prev = sql.lock_head(conn)
    rows = rows_for(seq, prev, events, now_iso())
    last = rows[-1]
    sql.append(conn, rows, key.sign(last["seq"], last["hash"]))
    return last["seq"], last["hash"]


def initialise(db) -> NodeKey:
    """At ``gugus init``: the node key (created when missing) and the anchor.

    A log from before signed checkpoints (no checkpoint at all, no anchor yet)
    is adopted: its head is signed once, here, by the operator."""
    key, _created = ensure_key(db.key_path)
    with db.audit_writer.begin() as conn:
        head = sql.head(conn)
        if head is None:
            return key
        try:
            anchored = key.read_anchor()
        except KeyError_:
            anchored = None
        if head[0] > 0 and not sql.checkpoints(conn) and anchored is None:
            sql.add_checkpoint(conn, head[0], head[1], key.sign(*head))
    if anchored is None:
        key.advance_anchor(*head)
    return key


@dataclass
class VerifyResult:
    ok: bool
    records: int
    first_bad: int | None = None
    problem: str | None = None

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "records": self.records,
            "first_bad": self.first_bad,
            "problem": self.problem,
        }


def _bad(count: int, seq: int | None, problem: str) -> VerifyResult:
    return VerifyResult(False, count, seq, problem)


def verify(audit: Connection, data: Connection | None, key: NodeKey) -> VerifyResult:
    """Check the chain, its signatures, its anchor, and (with ``data``) that
    every user, token and collection has the record of its creation.

    Raises :class:`KeyError_` when the anchor cannot be read."""
    anchor = key.read_anchor()
    if anchor is None:
        raise KeyError_(f"no anchor file at {key.anchor_path} (it is written by `gugus init`)")
    head = sql.head(audit)
    if head is None:
        return _bad(0, None, "the head row of the audit log is missing (deleted)")
    signed = sql.checkpoints(audit)
    expected_seq, prev, count = 1, GENESIS, 0
    last_signed = 0
    created: dict[str, tuple] = {}  # object id → what its creation recorded
    try:
        for data_row in sql.iter_all(audit):
            seq = data_row["seq"]
            if data_row.get("damaged"):
                where = expected_seq if data_row["damaged"] == "seq" else seq
                return _bad(
                    count,
                    where,
                    f"record {where} is damaged (field {data_row['damaged']!r} is not valid text)",
                )
            if seq != expected_seq:
                kind = "removed" if seq > expected_seq else "out of order"
                return _bad(count, expected_seq, f"record {expected_seq} {kind} (found {seq})")
            if data_row["prev_hash"] != prev:
                return _bad(
                    count,
                    seq,
                    f"record {seq} does not follow record {seq - 1} "
                    "(chain broken: inserted, removed or reordered)",
                )
            try:
                digest = _digest(data_row)
            except (TypeError, ValueError):
                digest = None
            if digest != data_row["hash"]:
                return _bad(count, seq, f"record {seq} was changed (hash mismatch)")
            if seq in signed:
                sig_hash, sig = signed[seq]
                if sig_hash != data_row["hash"] or not key.valid(seq, data_row["hash"], sig):
                    return _bad(
                        count,
                        seq,
                        f"record {seq}: its checkpoint signature does not verify with the node key "
                        "(records rewritten, or signed with another key)",
                    )
                last_signed = seq
            if seq == anchor.seq and data_row["hash"] != anchor.hash:
                return _bad(
                    count,
                    seq,
                    f"record {seq} differs from the one anchored outside the database (rewritten)",
                )
            if data_row["action"] in _CREATIONS:
                created.update(_created(data_row))
            prev = data_row["hash"]
            expected_seq += 1
            count += 1
    except DBAPIError as exc:
        return _bad(
            count,
            expected_seq,
            f"record {expected_seq} cannot be read ({type(exc.orig).__name__}: damaged storage)",
        )
    if count < anchor.seq:
        return _bad(
            count,
            count + 1,
            f"the log ends at record {count} but the anchor outside the database says "
            f"{anchor.seq} (records removed from the end, or the log emptied)",
        )
    if head != (count, prev):
        return _bad(
            count,
            min(head[0], count) + 1,
            f"the head row says record {head[0]} but the log ends at record {count} "
            "(head altered, or records removed or added beside the log)",
        )
    if count > last_signed:
        return _bad(
            count,
            last_signed + 1,
            f"records {last_signed + 1} to {count} are covered by no signed checkpoint "
            "(written without the node key)",
        )
    beyond = sorted(s for s in signed if s > count)
    if beyond:
        return _bad(
            count,
            count + 1,
            f"a signed checkpoint names record {beyond[0]}, but the log ends at record {count} "
            "(records removed from the end)",
        )
    if data is not None:
        missing = _unaudited(data, created)
        if missing:
            return _bad(count, None, missing)
    return VerifyResult(True, count)


# What creates an object, and the object id it records.
_CREATIONS = {"user.add", "token.issue", "collection.add"}


def _created(row) -> dict[str, tuple]:
    """What a creation record says of the object it created: a user's
    organisation and role, a token's holder, a collection's organisation."""
    detail = json.loads(row["detail"])
    said = {
        "user.add": (row["org"], detail.get("role")),
        "token.issue": (row["username"],),
        "collection.add": (row["org"],),
    }[row["action"]]
    return dict.fromkeys(json.loads(row["object_ids"]), said)


def _unaudited(data: Connection, created: dict[str, tuple]) -> str | None:
    """The first user, token or collection without the record of its creation,
    or whose organisation, role or holder differs from what that record says
    (a database writer moving a user to another organisation or role, or a
    token to another user)."""
    for row in data.execute(
        select(users.c.id, users.c.username, users.c.org, users.c.role).order_by(users.c.id)
    ):
        said = created.get(f"user:{row.username}")
        if said is None:
            return f"user id {row.id} exists but has no audit record of its creation (user.add)"
        if said != (row.org, row.role):
            return (
                f"user id {row.id}: its organisation or role differs from its audit record "
                "(user.add) — changed beside the log"
            )
    for row in data.execute(
        select(tokens.c.id, users.c.username)
        .join(users, users.c.id == tokens.c.user_id)
        .order_by(tokens.c.id)
    ):
        said = created.get(f"token:{row.id}")
        if said is None:
            return f"token id {row.id} exists but has no audit record of its creation (token.issue)"
        if said != (row.username,):
            return (
                f"token id {row.id}: its holder differs from its audit record (token.issue) "
                "— changed beside the log"
            )
    for row in data.execute(
        select(collections.c.id, collections.c.name, collections.c.org).order_by(collections.c.id)
    ):
        said = created.get(f"collection:{row.name}")
        if said is None:
            return (
                f"collection id {row.id} exists but has no audit record of its creation "
                "(collection.add)"
            )
        if said != (row.org,):
            return (
                f"collection id {row.id}: its organisation differs from its audit record "
                "(collection.add) — changed beside the log"
            )
    return None

"""The hash chain.

Each record carries ``prev_hash`` (the hash of the record before it) and its own
``hash`` = SHA-256 over its canonical JSON (sequence number, time, user,
organisation, action, object ids, purpose, detail, prev_hash).  A head row
holds the last sequence number and hash.  ``verify`` recomputes everything and
names the first record that was changed, removed, inserted or reordered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

from gugus.clock import now_iso
from gugus.store import audit as sql

GENESIS = "0" * 64


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


def _digest(row: dict) -> str:
    body = {
        k: row[k]
        for k in (
            "seq",
            "ts",
            "username",
            "org",
            "action",
            "object_ids",
            "purpose",
            "detail",
            "prev_hash",
        )
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(conn: Connection, *events: AuditEvent) -> None:
    """Append events in the caller's write transaction (so the audit record and
    the change it describes commit or fail together)."""
    if not events:
        return
    seq, prev = sql.lock_head(conn)
    rows = []
    ts = now_iso()
    for event in events:
        seq += 1
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
        }
        row["hash"] = prev = _digest(row)
        rows.append(row)
    sql.append(conn, rows)


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


def verify(conn: Connection) -> VerifyResult:
    # The head is read before the scan: records appended while verify runs
    # (other writers) then follow it and are checked too, instead of looking
    # like a head that ran ahead of the log.
    start_seq, start_hash = sql.head(conn)
    expected_seq = 1
    prev = GENESIS
    count = 0
    head_seen = start_seq == 0
    for row in sql.iter_all(conn):
        data = dict(row._mapping)
        if data["seq"] != expected_seq:
            kind = "removed" if data["seq"] > expected_seq else "out of order"
            return VerifyResult(
                False, count, expected_seq, f"record {expected_seq} {kind} (found {data['seq']})"
            )
        if data["prev_hash"] != prev:
            return VerifyResult(
                False,
                count,
                data["seq"],
                f"record {data['seq']} does not follow record {data['seq'] - 1} (chain broken: inserted, removed or reordered)",
            )
        if _digest(data) != data["hash"]:
            return VerifyResult(
                False, count, data["seq"], f"record {data['seq']} was changed (hash mismatch)"
            )
        if data["seq"] == start_seq:
            if data["hash"] != start_hash:
                return VerifyResult(
                    False, count, data["seq"], f"record {data['seq']} does not match the head"
                )
            head_seen = True
        prev = data["hash"]
        expected_seq += 1
        count += 1
    if not head_seen:
        return VerifyResult(
            False,
            count,
            count + 1,
            f"log ends at record {count} but its head says {start_seq} (records removed from the end or head altered)",
        )
    end_seq, end_hash = sql.head(conn)
    if count > end_seq or (count == end_seq and prev != end_hash):
        return VerifyResult(
            False,
            count,
            end_seq + 1,
            f"record {end_seq + 1} follows the head (appended without going through the log)",
        )
    return VerifyResult(True, count)

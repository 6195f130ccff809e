"""Hit notices: "another organisation holds a record matching this; ask them".

When a match (online, at load, or in a batch xref run) finds records the
reader may not see, the reader gets a *hit notice* and never their content:
what kind of thing matched (a person, or the selector kind), the holding
organisation, its contact point, a reference and the time.  The holder's
liaison officers and supervisors get the *mirror* notice naming their own
record(s), so a person decides what to release (the Prüm model).

A notice must not be an oracle: its reference is a keyed hash of who asked,
what was asked, the holder and the kind — the same query always gets the same
reference and the same notice (a repeat only counts), however many copies of
the hidden record exist; every notice and mirror is audited; the match
services rate-limit the queries that could raise them.  TLP:RED records raise
hits only where the holding collection allows it (``red_hits``, off by
default).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization

from gugus.access import Reader, notice_reach
from gugus.audit import AuditEvent
from gugus.clock import now_iso
from gugus.errors import InvalidInput
from gugus.model.markings import TLP, combine
from gugus.node import Node
from gugus.store import match as match_sql
from gugus.store.markings import marking_id, markings_by_ids
from gugus.xref.match_keys import KIND_LABELS

DIRECTIONS = ("in", "out", "all")


@dataclass
class Hit:
    """Records of one holder organisation, hidden from the reader, that
    matched as ``kind``: (entity id, collection id, marking id) each."""

    kind: str
    holder_org: str
    records: list[tuple[str, int, int]] = field(default_factory=list)


def _secret(node: Node) -> bytes:
    """The node's reference key, derived from its private key (which only
    the node's operator holds, so references cannot be computed offline)."""
    cached = getattr(node, "_hit_secret", None)
    if cached is None:
        raw = node.audit.key.private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        cached = hashlib.sha256(b"gugus-hit-reference\x00" + raw).digest()
        node._hit_secret = cached
    return cached


def reference(node: Node, reader: Reader, fingerprint: str, holder_org: str, kind: str) -> str:
    body = json.dumps([reader.org, reader.username, fingerprint, holder_org, kind])
    digest = hmac.new(_secret(node), body.encode(), hashlib.sha256).hexdigest()
    return "HIT-" + digest[:20].upper()


def _contact(org: str, contact: str | None) -> str:
    return contact or f"the liaison officers of {org}"


def render(row, contact: str | None) -> dict:
    """A notice as its recipient sees it: no record, no value, no score."""
    return {
        "reference": row.reference,
        "kind": row.kind,
        "what": KIND_LABELS.get(row.kind, row.kind),
        "holder": row.holder_org,
        "contact": _contact(row.holder_org, contact),
        "time": row.created_at,
        "message": (
            f"{row.holder_org} holds a record matching this ({KIND_LABELS.get(row.kind, row.kind)})"
            " that you may not see; ask its contact point, quoting the reference"
        ),
    }


def render_mirror(row, records: list[tuple[str, str]]) -> dict:
    """A mirror notice as the holder's liaison officers and supervisors see
    it, with the (entity id, collection name) of its records they may see."""
    what = KIND_LABELS.get(row.kind, row.kind)
    return {
        "reference": row.reference,
        "kind": row.kind,
        "what": what,
        "requester": row.recipient_org,
        "time": row.created_at,
        "last": row.last_at,
        "count": row.count,
        "records": [{"entity_id": e, "collection": c} for e, c in records],
        "message": (
            f"{row.recipient_org}, to which you have not released it, has a record "
            f"matching your restricted record(s) ({what})"
        ),
    }


@dataclass
class HitGroup:
    """The hits of one query or one own record."""

    fingerprint: str  # what was asked (the reference's input)
    hits: Sequence[Hit]
    own_entity_id: str | None = None


def record_hits(
    node: Node,
    reader: Reader,
    hits: Sequence[Hit],
    *,
    fingerprint: str,
    source: str,
    own_entity_id: str | None = None,
    purpose: str | None = None,
) -> list[dict]:
    """Store the notices of some hits (one per holder and kind), audit each
    notice and its mirror, and return the notices as the reader sees them."""
    group = HitGroup(fingerprint, hits, own_entity_id)
    return record_hit_groups(node, reader, [group], source=source, purpose=purpose)[0]


def record_hit_groups(
    node: Node,
    reader: Reader,
    groups: Sequence[HitGroup],
    *,
    source: str,
    purpose: str | None = None,
    also: Callable[[list[list[dict]]], list[AuditEvent]] | None = None,
) -> list[list[dict]]:
    """:func:`record_hits` of many queries or records (a load's) at once: one
    write transaction, its audit records appended inside it, so a notice is
    never stored without its record.  ``also`` gives more audit records to
    append with them, from the notices (the match that raised them)."""
    out: list[list[dict]] = [[] for _ in groups]
    if not any(g.hits for g in groups):
        return out
    # A load by the node operator (no user) notifies the organisation.
    recipient_user = reader.username if reader.user_id is not None else None
    now = now_iso()
    with node.db.writer.begin() as conn:
        mids = {m for g in groups for h in g.hits for _, _, m in h.records}
        # Markings through the node's catalogue (no read once cached); a
        # record's marking is its own stored id when nothing is combined.
        known = {m: node.catalogue.get(conn, m) for m in sorted(mids)}
        info = match_sql.contacts(conn, {h.holder_org for g in groups for h in g.hits})
        cache: dict = {found.key: m for m, found in known.items()}
        items: list[tuple[int, dict]] = []
        for index, group in enumerate(groups):
            by_kind: dict[tuple[str, str], list] = {}
            for hit in group.hits:
                by_kind.setdefault((hit.holder_org, hit.kind), []).extend(hit.records)
            for (holder, kind), records in sorted(by_kind.items()):
                # One record per (entity, collection), with the most
                # restrictive marking of what matched there.
                per: dict[tuple[str, int], list] = {}
                for eid, cid, mid in records:
                    per.setdefault((eid, cid), []).append(known[mid])
                recs = [
                    (eid, cid, marking_id(conn, combine(ms), cache))
                    for (eid, cid), ms in sorted(per.items())
                ]
                notice = {
                    "reference": reference(node, reader, group.fingerprint, holder, kind),
                    "kind": kind,
                    "recipient_org": reader.org,
                    "recipient_user": recipient_user,
                    "holder_org": holder,
                    "source": source,
                    "own_entity_id": group.own_entity_id,
                    "records": recs,
                }
                items.append((index, notice))
        rows = match_sql.record_notices(conn, node.db.dialect, [n for _, n in items], now)
        events = []
        for index, n in items:
            out[index].append(render(rows[n["reference"]], info.get(n["holder_org"])))
            events.extend(
                _notice_events(
                    reader,
                    n["reference"],
                    n["holder_org"],
                    n["kind"],
                    n["records"],
                    source,
                    purpose,
                )
            )
        if also is not None:
            events.extend(also(out))
        node.audit.append(*events)
    return out


def _notice_events(reader, ref, holder, kind, recs, source, purpose) -> list[AuditEvent]:
    """The notice on the recipient's side of the audit trail, and its mirror
    on the holder's (its supervisors list it, redacted unless they may see
    the records)."""
    return [
        AuditEvent(
            "notice.hit",
            reader.username,
            reader.org,
            [f"notice:{ref}"],
            purpose,
            reader.audit_detail({"kind": kind, "holder": holder, "source": source}),
        ),
        AuditEvent(
            "notice.mirror",
            reader.username,
            holder,
            sorted({eid for eid, _, _ in recs}),
            purpose,
            {"kind": kind, "requester": reader.org, "reference": ref, "source": source},
            sorted({m for _, _, m in recs}),
        ),
    ]


def raise_hit(
    node: Node,
    reader: Reader,
    *,
    own_entity_id: str | None,
    kind: str,
    holder_collection_id: int,
    holder_entity_id: str,
    marking_id: int,
    source: str,
) -> dict | None:
    """A hit notice for one pair whose other side the reader may not see
    (batch xref calls this).  Returns the notice as the reader sees it, or
    None when no notice is due: the reader may see the record after all, or
    it is TLP:RED and its collection does not let RED records raise hits."""
    if kind not in KIND_LABELS:
        raise InvalidInput(f"kind: {kind!r} (allowed: {', '.join(KIND_LABELS)})")
    if node.scope(reader).allows(marking_id):
        return None
    with node.db.reader.connect() as conn:
        coll = match_sql.collection_info(conn, [holder_collection_id]).get(holder_collection_id)
        marking = markings_by_ids(conn, [marking_id]).get(marking_id)
    if coll is None or marking is None:
        return None
    holder_org, _name, red_hits = coll
    if marking.tlp is TLP.RED and not red_hits:
        return None
    notices = record_hits(
        node,
        reader,
        [Hit(kind, holder_org, [(holder_entity_id, holder_collection_id, marking_id)])],
        fingerprint=f"entity:{own_entity_id}",
        source=source,
        own_entity_id=own_entity_id,
    )
    return notices[0]


def list_notices(node: Node, reader: Reader, *, direction: str = "all", limit: int = 100) -> dict:
    """The notices the reader may list: ``out`` — hits on the reader's (or,
    for liaison officers and supervisors, its organisation's) queries and
    records, with the holder's contact point; ``in`` — mirror notices about
    the organisation's own records (liaison officers and supervisors only),
    each naming the records the reader may see, with the requester's contact
    point.  Audited when a mirror names records."""
    if direction not in DIRECTIONS:
        raise InvalidInput(f"direction: {direction!r} (allowed: {', '.join(DIRECTIONS)})")
    limit = max(1, min(int(limit), 1000))
    org_wide = notice_reach(reader).allowed
    scope = node.scope(reader)
    result: dict = {}
    with node.db.reader.connect() as conn:
        if direction in ("out", "all"):
            rows = match_sql.notices_for(
                conn,
                recipient_org=reader.org,
                recipient_user=None if org_wide else reader.username,
                limit=limit,
            )
            info = match_sql.contacts(conn, {r.holder_org for r in rows})
            result["out"] = [
                {
                    **render(r, info.get(r.holder_org)),
                    "count": r.count,
                    "last": r.last_at,
                    "recipient": r.recipient_user or r.recipient_org,
                    "source": r.source,
                    "own_entity_id": r.own_entity_id,
                }
                for r in rows
            ]
        if direction in ("in", "all"):
            rows = (
                match_sql.notices_for(conn, holder_org=reader.org, limit=limit) if org_wide else []
            )
            records = match_sql.visible_records(conn, scope, [r.id for r in rows])
            by_notice: dict[int, list] = {}
            for rec in records:
                by_notice.setdefault(rec.notice_id, []).append(rec)
            result["in"] = [
                render_mirror(r, [(x.entity_id, x.collection) for x in by_notice.get(r.id, [])])
                for r in rows
            ]
            asked = match_sql.contacts(conn, {n["requester"] for n in result["in"]})
            for n in result["in"]:  # whom to answer: the requester's contact point
                n["contact"] = _contact(n["requester"], asked.get(n["requester"]))
    shown = sorted({x["entity_id"] for n in result.get("in", []) for x in n["records"]})
    if shown:
        node.audit.append(
            AuditEvent(
                "notice.list",
                reader.username,
                reader.org,
                shown,
                None,
                reader.audit_detail({"direction": direction}),
                sorted({rec.marking_id for rec in records}),
            )
        )
    return result


def set_contact(node: Node, org: str, contact: str | None) -> None:
    """An organisation's contact point for hit notices (an operator action, audited)."""
    from gugus.admin import OPERATOR
    from gugus.store import directory

    text = (contact or "").strip() or None
    if text is not None and len(text) > 500:
        raise InvalidInput("--contact: at most 500 characters")
    with node.db.writer.begin() as conn:
        directory.require_organisation(conn, org)
        match_sql.set_contact(conn, org, text)
        node.audit.append(
            AuditEvent("org.contact", OPERATOR, org, [f"org:{org}"], detail={"contact": text})
        )


def set_red_hits(node: Node, collection: str, on: bool) -> None:
    """Whether TLP:RED records of a collection raise hit notices (the holder's
    choice; off by default).  An operator action, audited."""
    from gugus.admin import OPERATOR
    from gugus.store import directory

    with node.db.writer.begin() as conn:
        coll = directory.require_collection(conn, collection)
        match_sql.set_red_hits(conn, coll.id, on)
        node.audit.append(
            AuditEvent(
                "collection.red_hits",
                OPERATOR,
                coll.org,
                [f"collection:{collection}"],
                detail={"red_hits": on},
            )
        )


__all__ = [
    "Hit",
    "HitGroup",
    "list_notices",
    "raise_hit",
    "record_hit_groups",
    "record_hits",
    "reference",
    "render",
    "render_mirror",
    "set_contact",
    "set_red_hits",
]

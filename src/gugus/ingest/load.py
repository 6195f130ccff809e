"""The one load loop every importer feeds: records of cleaned entities → store.

An importer (FtM lines, mapped CSV/XLSX/JSONL rows, HTCDS case files,
documents) turns its input into :class:`~gugus.ingest.parsed.Record` objects —
one per line, row or file — each holding the cleaned entities that unit
produced, or the error that stopped it.  :func:`load_records` writes them in
one transaction: with ``on_error="abort"`` the first bad record rolls
everything back; with ``"skip"`` bad records are reported and the rest is
loaded.  Either way nothing half-loaded is ever visible, and the load is
audited.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from gugus.access import Reader, load_decision
from gugus.audit import AuditEvent
from gugus.errors import Forbidden, GugusError, InvalidInput, Msg, NotFound
from gugus.ingest.namespace import sign_record, signer_for
from gugus.ingest.parsed import ParsedEntity, Record, aborted
from gugus.ingest.writer import StatementWriter, Summary
from gugus.model.markings import Marking
from gugus.model.statements import ID_PROP
from gugus.node import Node
from gugus.store import directory
from gugus.store.db import load_wait, patient_writes
from gugus.store.markings import markings_by_ids

ON_ERROR = ("abort", "skip")


@dataclass(frozen=True, slots=True)
class Target:
    """The collection a load writes into, as importers see it: its default
    country (for phones written without +country) and its marking (victim rows are marked from it,
    never more loosely)."""

    id: int
    name: str
    org: str
    country: str | None
    marking_id: int
    marking: Marking


def check_on_error(on_error: str) -> None:
    if on_error not in ON_ERROR:
        raise InvalidInput(Msg("--on-error: %(given)r (allowed: abort, skip)", given=on_error))


def _audit_refusal(load: Callable[..., Summary]) -> Callable[..., Summary]:
    """A refused load (a bad line with ``abort``, a forbidden or invisible
    collection, a marking naming what it may not) rolls back everything,
    its own audit record included; record the refusal afterwards, so probing
    through load errors leaves a trace.  The record names the collection only
    when the actor may see it, the kind of error and the line — never a value."""
    signature = inspect.signature(load)

    @functools.wraps(load)
    def wrapper(*args, **kwargs) -> Summary:
        try:
            return load(*args, **kwargs)
        except GugusError as exc:
            given = signature.bind(*args, **kwargs)
            given.apply_defaults()
            _record_refusal(exc, **given.arguments)
            raise

    return wrapper


def _record_refusal(exc: GugusError, node: Node, collection_name: str, **given) -> None:
    actor: Reader | None = given["actor"]
    with node.db.reader.connect() as conn:
        collection = directory.get_collection(conn, collection_name)
    visible = collection is not None and (
        actor is None or node.scope(actor).allows(collection.marking_id)
    )
    detail: dict = {"reason": exc.code, "source": given["source"], "on_error": given["on_error"]}
    lines = [d["line"] for d in exc.details if isinstance(d.get("line"), int)]
    if lines:
        detail["line"] = lines[0]
    node.audit.append(
        AuditEvent(
            "load.refused",
            actor.username if actor else "local-operator",
            actor.org if actor else (collection.org if collection is not None else None),
            [f"collection:{collection_name}"] if visible else [],
            given["purpose"],
            detail=_acting(actor, detail),
            markings=[collection.marking_id] if visible else [],
        )
    )


@_audit_refusal
def load_records(
    node: Node,
    collection_name: str,
    records: Iterable[Record] | Callable[[Target], Iterable[Record]],
    *,
    source: str,
    actor: Reader | None = None,
    on_error: str = "abort",
    purpose: str | None = None,
    progress: Callable[[Record], None] | None = None,
) -> Summary:
    """Write records into a collection in one transaction and audit the load.

    ``records`` may be a callable taking the :class:`Target` collection (so an
    importer can use its default country or marking) and returning records.
    """
    check_on_error(on_error)
    summary = Summary(collection_name, source)
    # A load queues behind another load (GUGUS_LOAD_WAIT) instead of failing
    # after the busy timeout; reads never wait for either (their audit
    # records go to the audit store).
    with patient_writes(load_wait()), node.db.writer.begin() as conn:
        collection = directory.require_collection(conn, collection_name)
        if actor is not None:
            # A collection the actor may not see answers exactly like a missing one.
            if not node.scope(actor).allows(collection.marking_id):
                raise NotFound(
                    Msg(
                        "collection %(name)r does not exist (see `gugus collection list`)",
                        name=collection_name,
                    )
                )
            decision = load_decision(actor, collection_name, collection.org)
            if not decision:
                raise Forbidden(decision.reason)
        username = actor.username if actor else "local-operator"
        # On the record before anything is written; the summary follows the commit.
        node.audit.append(
            AuditEvent(
                "load.start",
                username,
                collection.org,
                [f"collection:{collection_name}"],
                purpose,
                detail=_acting(actor, {"source": source, "on_error": on_error}),
            )
        )
        # Looked up directly: this write transaction must not feed the shared
        # catalogue (what it sees is not committed yet).
        base = markings_by_ids(conn, [collection.marking_id])[collection.marking_id]
        writer = StatementWriter(conn, node.db.dialect, collection, base)
        # Every id is written in the collection organisation's namespace.
        signer = signer_for(conn, collection.org)
        summary.namespace = collection.org
        if callable(records):
            records = records(
                Target(
                    collection.id,
                    collection.name,
                    collection.org,
                    collection.country,
                    collection.marking_id,
                    base,
                )
            )
        for rec in records:
            summary.lines = rec.number
            try:
                if rec.error is not None:
                    raise rec.error
                # Every check of a record runs before any of its statements is
                # buffered, so a skipped record leaves nothing behind.
                sign_record(signer, rec)
                mids = [_check_markings(writer, p, rec.where) for p in rec.entities]
                for parsed, marks in zip(rec.entities, mids, strict=True):
                    _write_checked(writer, parsed, marks, rec.origin, summary)
                summary.entities += len({p.entity_id for p in rec.entities})
                summary.add_dropped(rec.dropped)
            except InvalidInput as exc:
                if on_error == "abort":
                    raise InvalidInput(
                        aborted(exc.message),
                        details=[{"line": rec.number, "where": rec.where, "source": source}],
                    ) from None
                summary.skipped += 1
                summary.errors.append(
                    {"line": rec.number, "where": rec.where, "error": exc.message}
                )
            if progress is not None:
                progress(rec)
        writer.flush()
        summary.kept_stricter = writer.kept_stricter
    _match_loaded(node, actor, collection, writer.keys.entities, summary, purpose)
    detail = {
        k: v
        for k, v in summary.to_dict().items()
        if k not in ("errors", "dropped_examples", "notices")  # notices are audited themselves
    }
    if summary.errors:
        # Which lines were refused (numbers only, never a value): a probe
        # through ``--on-error skip`` stays on the record line by line.
        detail["refused_lines"] = [e["line"] for e in summary.errors[:100]]
    node.audit.append(
        AuditEvent(
            "load",
            username,
            collection.org,
            [f"collection:{collection_name}"],
            purpose,
            detail=_acting(actor, detail),
        )
    )
    return summary


def _match_loaded(node: Node, actor, collection, entity_ids, summary: Summary, purpose) -> None:
    """Match what was loaded against everything already indexed, after the
    commit: the summary says which organisations possibly know the loaded
    records; hidden matches become hit notices."""
    if not entity_ids or os.environ.get("GUGUS_LOAD_MATCH", "on").strip().lower() == "off":
        return  # off: bulk loads of a node being built (gugus xref links them later)
    from gugus.xref.match import match_loaded  # the match service reads through gugus.reads

    found = match_loaded(node, actor, collection.id, collection.org, entity_ids, purpose=purpose)
    summary.possibly_known_to = found["possibly_known_to"]
    summary.notices = found["notices"]
    summary.notices_total = len(found["notices"])


def _acting(actor: Reader | None, detail: dict) -> dict:
    return actor.audit_detail(detail) if actor else detail


def _check_markings(writer: StatementWriter, parsed: ParsedEntity, where: str):
    line_mid = writer.base_id
    if parsed.marking is not None:
        line_mid = writer.marking_for(
            parsed.marking, Msg("%(where)s: field 'marking'", where=where)
        )
    prop_mids = {
        name: writer.marking_for(
            marking,
            Msg("%(where)s: field 'property_markings.%(prop)s'", where=where, prop=name),
            floor=line_mid,
        )
        for name, marking in parsed.property_markings.items()
    }
    return line_mid, prop_mids


def _write_checked(writer, parsed: ParsedEntity, marks, origin: str, summary: Summary) -> None:
    line_mid, prop_mids = marks
    summary.add_dropped(parsed.dropped)
    entity_id, schema = parsed.entity_id, parsed.schema
    origin = parsed.origin or origin
    writer.add(entity_id, schema, ID_PROP, "id", entity_id, line_mid, origin)
    for prop, prop_type, value in parsed.values:
        writer.add(entity_id, schema, prop, prop_type, value, prop_mids.get(prop, line_mid), origin)
    summary.statements += 1 + len(parsed.values)

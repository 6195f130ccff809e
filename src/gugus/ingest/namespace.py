"""Every id a load writes, in the loading organisation's namespace.

The one place where importers' ids (FtM lines, mapped rows, HTCDS case files,
documents) become stored ids: :func:`sign_record` runs in the load loop on
every record before anything of it is buffered.  See :mod:`gugus.model.ids`
for the rule and README ("Entity ids") for why.
"""

from __future__ import annotations

from sqlalchemy import Connection

from gugus.errors import InvalidInput, Msg
from gugus.ingest.parsed import Record
from gugus.model.ids import MAX_ID, MAX_PLAIN_ID, ForeignId, Signer
from gugus.store import directory

__all__ = ["PARTNER_EXPORT", "sign_record", "signer_for"]

PARTNER_EXPORT = Msg(
    "exported by another organisation; a partner's export cannot be loaded as your own"
)


def signer_for(conn: Connection, org: str) -> Signer:
    """The signer of a load into one of ``org``'s collections; it knows every
    organisation of the node, so another's signature is recognised."""
    return Signer(org, [row.code for row in directory.list_organisations(conn)])


def sign_record(signer: Signer, rec: Record) -> None:
    """Sign the ids of every entity of ``rec`` in place; InvalidInput naming
    the record and the field (never the value) when one is another
    organisation's or too long to sign."""
    for parsed in rec.entities:
        parsed.entity_id = _sign(signer, parsed.entity_id, rec.where, parsed.id_field)
        if any(t == "entity" for _, t, _ in parsed.values):
            parsed.values = [
                (
                    p,
                    t,
                    _sign(signer, v, rec.where, Msg("field 'properties.%(prop)s'", prop=p))
                    if t == "entity"
                    else v,
                )
                for p, t, v in parsed.values
            ]


def _sign(signer: Signer, entity_id: str, where: str, field: str) -> str:
    try:
        signed = signer.sign(entity_id)
    except ForeignId:
        raise InvalidInput(
            Msg(
                "%(where)s: %(field)s: %(problem)s",
                where=where,
                field=field,
                problem=PARTNER_EXPORT,
            )
        ) from None
    if len(signed) > MAX_ID:
        raise InvalidInput(
            Msg(
                "%(where)s: %(field)s is longer than %(max)s characters (the organisation's "
                "namespace signature takes %(signature)s of the %(total)s)",
                where=where,
                field=field,
                max=MAX_PLAIN_ID,
                signature=MAX_ID - MAX_PLAIN_ID,
                total=MAX_ID,
            )
        )
    return signed

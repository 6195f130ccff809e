"""The entity page's reads in one call: the entity with its statements
(:func:`gugus.reads.get_entity`), one page of its relationships
(:func:`gugus.relations.relationships`), what it is possibly the same as and
the hit notices that concern it (:func:`gugus.xref.same_as.same_as`).

Each part is what its service answers, audited as that service audits it;
together they share one connection (one snapshot) and one
:class:`gugus.reads.Subject`, so the entity id is resolved, its members found
and their visibility checked once instead of once per part, and the audit
records are committed together.  The API and the CLI offer the same parts
(``GET /api/v1/entities/{id}``, ``…/relationships``, ``…/same-as``;
``gugus entity ID --statements --relationships --same-as``).
"""

from __future__ import annotations

from gugus import reads, relations
from gugus.access import Reader
from gugus.node import Node
from gugus.xref import same_as


def read(
    node: Node,
    reader: Reader,
    entity_id: str,
    *,
    limit: int = 50,
    offset: int = 0,
    purpose: str | None = None,
) -> dict:
    """``entity`` (with its statements), ``relationships`` (``limit`` from
    ``offset``) and ``same_as`` of one entity as ``reader`` may see it;
    NotFound when the reader may see nothing of it."""
    with node.audit.deferred(), reads.reading(node, reader, entity_id) as subject:
        return {
            "entity": reads.entity_of(subject, purpose=purpose, with_statements=True),
            "relationships": relations.relationships_of(
                subject, limit=limit, offset=offset, purpose=purpose
            ),
            "same_as": same_as.same_as_of(subject, purpose=purpose),
        }


__all__ = ["read"]

"""The node's audit trail: the one way services append audit records.

``node.audit.append(*events)`` returns once the records are durable.  Call it
outside any write transaction of your own.  (Interim implementation: one write
transaction per call on the node's writer; issue #7 replaces it with a
separate, group-committing, keyed audit store.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gugus.audit.chain import AuditEvent, record

if TYPE_CHECKING:
    from gugus.node import Node


class AuditTrail:
    def __init__(self, node: Node) -> None:
        self.node = node

    def append(self, *events: AuditEvent) -> None:
        if not events:
            return
        with self.node.db.writer.begin() as conn:
            record(conn, *events)

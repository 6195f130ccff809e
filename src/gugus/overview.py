"""What a user sees first: the recent loads of their organisation into
collections they may see (when, by whom, into which collection — no counts:
a load's counts may include values the reader may not see)."""

from __future__ import annotations

import json

from gugus.access import Reader
from gugus.node import Node
from gugus.store import audit as audit_sql
from gugus.store import directory

MAX_LOADS = 50


def recent_loads(node: Node, reader: Reader, *, limit: int = 10) -> list[dict]:
    limit = max(1, min(int(limit), MAX_LOADS))
    scope = node.scope(reader)
    with node.db.audit_reader.connect() as aconn:
        rows = audit_sql.list_for_orgs(aconn, [reader.org], limit=limit * 4, action="load")
    loads = []
    with node.db.reader.connect() as conn:
        for r in rows:
            objects = json.loads(r.object_ids)
            name = objects[0].partition(":")[2] if objects else ""
            coll = directory.get_collection(conn, name) if name else None
            if coll is None or not scope.allows(coll.marking_id):
                continue
            loads.append(
                {
                    "time": r.ts,
                    "user": r.username,
                    "collection": name,
                    "marking": node.catalogue.get(conn, coll.marking_id).to_dict(),
                }
            )
            if len(loads) == limit:
                break
    return loads

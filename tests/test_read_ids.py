"""Reads resolve signed ids with the node's cached organisation list, and an
id signed by an organisation added since (by another process) still resolves."""

from __future__ import annotations

import json

import pytest
from nsids import nsid

from gugus import admin, reads
from gugus.ingest import ftm
from gugus.node import Node


def test_an_organisation_added_by_another_process_is_found(node):
    admin.add_organisation(node, "MX-FGR", "Fiscalía", "MX")
    admin.add_user(node, "ana", "MX-FGR", "analyst", password="long enough pass")
    admin.add_collection(node, "casos", "MX-FGR", "clear", None)
    assert reads.visible_collections(node, node.reader("ana"))
    with pytest.raises(Exception, match="not found"):
        reads.get_entity(node, node.reader("ana"), nsid("GT-MP", "g-1"))  # fills the cache
    other = Node(node.db.url)  # another process of the same node
    try:
        admin.add_organisation(other, "GT-MP", "Ministerio Público", "GT")
        admin.add_collection(other, "gt-abierto", "GT-MP", "clear", None)
        line = {"id": "g-1", "schema": "Person", "properties": {"name": ["Rosa Tzul"]}}
        ftm.load_lines(other, "gt-abierto", [json.dumps(line)], source="g.jsonl")
    finally:
        other.close()
    found = reads.get_entity(node, node.reader("ana"), nsid("GT-MP", "g-1"))
    assert found["id"] == nsid("GT-MP", "g-1")

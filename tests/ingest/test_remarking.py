"""Regression tests from the security review: re-loads and exports never
widen who sees a statement."""

from __future__ import annotations

import json

import pytest
from nsids import nsid

from gugus import admin, reads
from gugus.errors import InvalidInput, NotFound
from gugus.ingest import ftm
from gugus.store import directory

RED = {"tlp": "red", "handling": ["H1"], "release_to": ["US-HSI"], "recipients": ["b1"]}


@pytest.fixture
def world(node):
    with node.db.writer.begin() as conn:
        for code in ("MX-FGR", "US-HSI", "GT-MP"):
            directory.add_organisation(conn, code, code, code[:2])
        for name, org in (("a1", "MX-FGR"), ("b1", "US-HSI"), ("b2", "US-HSI"), ("c1", "GT-MP")):
            directory.add_user(conn, name, org, "analyst", "not-a-hash")
    admin.add_collection(node, "fgr", "MX-FGR", "amber", "H1", release_to="US-HSI")
    admin.add_collection(node, "hsi", "US-HSI", "green", "H0", release_to="GT-MP")
    return node


def line(entity_id: str, marking=None, **props) -> str:
    data = {"id": entity_id, "schema": "Person", "properties": props}
    if marking:
        data["marking"] = marking
    return json.dumps(data)


def test_adding_a_property_keeps_a_red_entity_id_red(world):
    w3 = nsid("MX-FGR", "w3")  # as US-HSI's users see it (search, exports)
    ftm.load_lines(world, "fgr", [line("w3", RED, name=["Testigo Protegido"])], source="a")
    with pytest.raises(NotFound):
        reads.get_entity(world, world.reader("b2"), w3)
    summary = ftm.load_lines(world, "fgr", [line("w3", name=["Testigo Protegido"])], source="b")
    assert summary.kept_stricter == 2  # the id statement and the name
    with pytest.raises(NotFound):
        reads.get_entity(world, world.reader("b2"), w3)
    assert reads.get_entity(world, world.reader("b1"), w3)["properties"]["name"]


def test_a_property_marking_may_not_undercut_its_line(world):
    data = json.loads(line("v1", RED, name=["Victima Uno"]))
    data["property_markings"] = {
        "name": {"tlp": "amber", "handling": ["H1"], "release_to": ["US-HSI"]}
    }
    with pytest.raises(InvalidInput, match="looser than the line's marking"):
        ftm.load_lines(world, "fgr", [json.dumps(data)], source="x")


def test_a_partner_cannot_launder_an_export_into_its_own_collection(world):
    ftm.load_lines(world, "fgr", [line("e1", name=["Ana Perez"])], source="a")
    exported = list(reads.export_collection(world, world.reader("b1"), "fgr"))
    assert all(json.loads(x)["marking"]["originator"] == "MX-FGR" for x in exported)
    with pytest.raises(InvalidInput, match="a partner's export cannot be loaded as your own"):
        ftm.load_lines(world, "hsi", exported, source="export.jsonl")
    with pytest.raises(NotFound):
        reads.get_entity(world, world.reader("c1"), nsid("MX-FGR", "e1"))


def test_an_export_read_in_part_is_audited(world):
    ftm.load_lines(world, "fgr", [line(f"e{i}", name=[f"N {i}"]) for i in range(5)], source="a")
    lines = reads.export_collection(world, world.reader("b1"), "fgr")
    next(iter(lines))  # the reader stops after one line
    with world.db.audit_reader.connect() as conn:
        from gugus.store import audit as audit_sql

        actions = [r["action"] for r in audit_sql.iter_all(conn) if r["username"] == "b1"]
    assert "export" in actions

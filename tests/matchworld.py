"""A small task-force node for the online-match tests: two agencies, records
the other may see, may not see, and a TLP:RED one."""

from __future__ import annotations

import json

from nsids import nsid

from gugus import admin
from gugus.ingest import ftm
from gugus.store import directory

VISIBLE = {
    "id": "hsi-1",
    "schema": "Person",
    "properties": {
        "name": ["María José García López"],
        "birthDate": ["1980-03-04"],
        "nationality": ["mx"],
        "phone": ["+525512345678"],
    },
}
HIDDEN = {
    "id": "hsi-2",
    "schema": "Person",
    "properties": {
        "name": ["Juan Carlos Pérez Hernández"],
        "birthDate": ["1975-06-07"],
        "passportNumber": ["G12345678"],
        "notes": ["informant Zacarias"],
    },
}
RED = {
    "id": "hsi-3",
    "schema": "Person",
    "properties": {"name": ["Rosa Elena Martínez Quiroga"], "birthDate": ["1990-01-15"]},
}
# Values of the hidden records that no answer to MX may contain.
HIDDEN_VALUES = ["Carlos", "Hern", "G12345678", "Zacarias", "Quiroga", "Elena", "hsi-2", "hsi-3"]

USERS = [
    ("us_a", "US", "analyst"),
    ("us_l", "US", "liaison"),
    ("us_s", "US", "supervisor"),
    ("mx_a", "MX", "analyst"),
    ("mx_b", "MX", "analyst"),
    ("mx_l", "MX", "liaison"),
]


def build(node) -> dict:
    with node.db.writer.begin() as conn:
        directory.add_organisation(conn, "US", "US HSI", "US")
        directory.add_organisation(conn, "MX", "MX INM", "MX")
        for name, org, role in USERS:
            directory.add_user(conn, name, org, role, "not-a-hash")
    admin.add_collection(node, "hsi", "US", "amber", [], release_to=["MX"])
    admin.add_collection(node, "hsi-closed", "US", "amber+strict", [])
    admin.add_collection(node, "hsi-red", "US", "red", [], release_to=["US"], recipients=["us_a"])
    admin.add_collection(node, "inm", "MX", "amber", [])
    for coll, entity in (("hsi", VISIBLE), ("hsi-closed", HIDDEN), ("hsi-red", RED)):
        ftm.load_lines(node, coll, [json.dumps(entity)], source="test")
    return {
        "visible": nsid("US", "hsi-1"),
        "hidden": nsid("US", "hsi-2"),
        "red": nsid("US", "hsi-3"),
    }


def person(**props) -> dict:
    return {"schema": "Person", "properties": props}


def holder(node, entity_id):
    """(collection id, marking id) of an entity's name statement, from the
    match index: what raise_hit needs to notify about it."""
    from sqlalchemy import select

    from gugus.store.tables import match_keys

    with node.db.reader.connect() as conn:
        row = conn.execute(
            select(match_keys.c.collection_id, match_keys.c.marking_id).where(
                match_keys.c.entity_id == entity_id, match_keys.c.kind == "name"
            )
        ).first()
    return row.collection_id, row.marking_id

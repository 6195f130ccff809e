"""A small world for judgement and resolver tests (xref, API, CLI; both backends).

MX  mx-shared  TLP:AMBER REL TO US   a1 (birthDate: MX only), a2
MX  mx-own     TLP:AMBER (MX only)   h1
US  us-open    TLP:CLEAR             u1, u2, u3
GT  gt-red     TLP:RED REL TO MX, named recipient mx   r1
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from nsids import nsid

from gugus import admin
from gugus.access import Reader
from gugus.ingest import ftm
from gugus.model.roles import Role
from gugus.node import Node
from gugus.store import directory

MX_ONLY = {"tlp": "amber", "handling": []}

DATA = {
    "mx-shared": [
        {
            "id": "a1",
            "schema": "Person",
            "properties": {"name": ["José Pérez López"], "birthDate": ["1980-02-03"]},
            "property_markings": {"birthDate": MX_ONLY},
        },
        {"id": "a2", "schema": "Person", "properties": {"name": ["Jose Perez"]}},
    ],
    "mx-own": [{"id": "h1", "schema": "Person", "properties": {"name": ["José Pérez Oculto"]}}],
    "us-open": [
        {"id": "u1", "schema": "Person", "properties": {"name": ["Joseph Perez"]}},
        {"id": "u2", "schema": "Person", "properties": {"name": ["Jose P. Lopez"]}},
        {"id": "u3", "schema": "Person", "properties": {"name": ["Joe Perez Lopez"]}},
    ],
    "gt-red": [{"id": "r1", "schema": "Person", "properties": {"name": ["José Rojo"]}}],
}
OWNER = {"mx-shared": "MX", "mx-own": "MX", "us-open": "US", "gt-red": "GT"}
USERS = [
    ("mx", "MX", "analyst"),
    ("mx2", "MX", "analyst"),
    ("mxsup", "MX", "supervisor"),
    ("us", "US", "analyst"),
    ("gt", "GT", "analyst"),
]


@dataclass
class JudgeWorld:
    node: Node
    readers: dict[str, Reader]

    def id(self, entity_id: str) -> str:
        owner = next(OWNER[c] for c, ls in DATA.items() for e in ls if e["id"] == entity_id)
        return nsid(owner, entity_id)

    def load(self, collection: str, *lines: dict) -> None:
        ftm.load_lines(self.node, collection, [json.dumps(x) for x in lines], source="t.jsonl")


def build(node: Node) -> JudgeWorld:
    for code in ("MX", "US", "GT"):
        admin.add_organisation(node, code, code, "MX")
    readers = {}
    for name, org, role in USERS:
        with node.db.writer.begin() as conn:
            uid = directory.add_user(conn, name, org, role, "not-a-hash")
        readers[name] = Reader(name, org, Role(role), uid)
    admin.add_collection(node, "mx-shared", "MX", "amber", None, release_to="US")
    admin.add_collection(node, "mx-own", "MX", "amber", None)
    admin.add_collection(node, "us-open", "US", "clear", None)
    admin.add_collection(node, "gt-red", "GT", "red", None, release_to="MX", recipients="mx")
    world = JudgeWorld(node, readers)
    for collection, lines in DATA.items():
        world.load(collection, *lines)
    return world


def line(entity_id: str) -> dict:
    return next(e for ls in DATA.values() for e in ls if e["id"] == entity_id)

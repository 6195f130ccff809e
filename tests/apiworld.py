"""Shared world for the API and page tests: three agencies, five users, four collections.

Users are created straight in the directory with one argon2 hash computed once
per session (hashing costs ~50 ms), so building a world is cheap.

    MXFGR  mx-cases     TLP:AMBER H0 REL TO USHSI (some properties: MXFGR only)
    MXFGR  mx-internal  TLP:AMBER H0 (MXFGR only)
    USHSI  us-public    TLP:CLEAR
    GTPNC  gt-red       TLP:RED REL TO MXFGR, named recipient mx_analyst
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field

from nsids import nsid

from gugus import admin, auth
from gugus.access import Reader
from gugus.ingest import ftm
from gugus.model.roles import Role
from gugus.node import Node
from gugus.store import directory

PASSWORD = "correct horse battery staple"
SOURCE = "fixture.jsonl"
MX_ONLY = {"tlp": "amber", "handling": ["H0"]}  # stricter than mx-cases: drops REL TO USHSI

ORGS = [
    ("MXFGR", "Fiscalía General de la República", "MX"),
    ("USHSI", "Homeland Security Investigations", "US"),
    ("GTPNC", "Policía Nacional Civil", "GT"),
]
USERS = [
    ("mx_analyst", "MXFGR", "analyst"),
    ("mx_super", "MXFGR", "supervisor"),
    ("us_analyst", "USHSI", "analyst"),
    ("us_super", "USHSI", "supervisor"),
    ("gt_analyst", "GTPNC", "analyst"),
]

OWNER = {"mx-cases": "MXFGR", "mx-internal": "MXFGR", "us-public": "USHSI", "gt-red": "GTPNC"}

# (collection, lines); the line number of each entity is its index + 1.
DATA = {
    "mx-cases": [
        {
            "id": "p-jose",
            "schema": "Person",
            "properties": {
                "name": ["José Pérez"],
                "nationality": ["mx"],
                "birthDate": ["1980-02-03"],
            },
            "property_markings": {"birthDate": MX_ONLY},
        },
        {
            "id": "p-lucia",
            "schema": "Person",
            "properties": {
                "name": ["Lucía Hernández"],
                "nationality": ["gt"],
                "birthDate": ["1975-05-06"],
                "idNumber": ["HELU750506"],
            },
            "property_markings": {
                "nationality": MX_ONLY,
                "birthDate": MX_ONLY,
                "idNumber": MX_ONLY,
            },
        },
        {
            "id": "p-ramon",
            "schema": "Person",
            "properties": {"name": ["Ramón Oculto"], "nationality": ["hn"]},
            "property_markings": {"name": MX_ONLY},
        },
    ],
    "mx-internal": [
        {"id": "p-secret", "schema": "Person", "properties": {"name": ["José Secreto"]}},
    ],
    "us-public": [
        {
            "id": "c-acme",
            "schema": "Company",
            "properties": {"name": ["Transportes Acme"], "jurisdiction": ["us"]},
        },
    ],
    "gt-red": [
        {"id": "p-red", "schema": "Person", "properties": {"name": ["Persona Roja"]}},
    ],
}


@functools.cache
def password_hash() -> str:
    return auth.hash_password(PASSWORD)


def add_user(node: Node, username: str, org: str, role: str) -> Reader:
    with node.db.writer.begin() as conn:
        user_id = directory.add_user(conn, username, org, role, password_hash())
    return Reader(username, org, Role(role), user_id)


def jsonl(*entities: dict) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entities)


@dataclass
class World:
    node: Node
    readers: dict[str, Reader] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    data: dict[str, list[dict]] = field(default_factory=lambda: DATA)
    source: str = SOURCE
    password: str = PASSWORD
    mx_only: dict = field(default_factory=lambda: dict(MX_ONLY))

    def add_user(self, username: str, org: str, role: str) -> Reader:
        reader = add_user(self.node, username, org, role)
        self.readers[username] = reader
        self.tokens[username] = auth.issue_token(self.node, reader, days=1, label="test")[0]
        return reader

    def id(self, entity_id: str, org: str = "MXFGR") -> str:
        """An entity's stored id, as search and exports show it: in the
        namespace of the organisation whose collection it was loaded into
        (``org`` for ids not in DATA, e.g. a test's own upload)."""
        owner = next(
            (OWNER[c] for c, ls in self.data.items() for e in ls if e["id"] == entity_id), org
        )
        return nsid(owner, entity_id)

    def headers(self, username: str, purpose: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.tokens[username]}"}
        if purpose is not None:
            headers["X-Gugus-Purpose"] = purpose
        return headers


def build_world(node: Node) -> World:
    world = World(node)
    for code, name, country in ORGS:
        admin.add_organisation(node, code, name, country)
    for username, org, role in USERS:
        world.add_user(username, org, role)
    admin.add_collection(node, "mx-cases", "MXFGR", "amber", "H0", release_to="USHSI")
    admin.add_collection(node, "mx-internal", "MXFGR", "amber", "H0")
    admin.add_collection(node, "us-public", "USHSI", "clear", None)
    admin.add_collection(
        node, "gt-red", "GTPNC", "red", None, release_to="MXFGR", recipients="mx_analyst"
    )
    for collection, lines in DATA.items():
        ftm.load_lines(node, collection, jsonl(*lines).splitlines(), source=SOURCE)
    return world

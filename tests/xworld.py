"""A small cross-agency world for the xref tests (both backends).

    MXFGR  mx-casos    TLP:AMBER H0 REL TO USHSI
    USHSI  us-cases    TLP:AMBER REL TO MXFGR
    MXFGR  mx-secreto  TLP:AMBER (MXFGR only)
    GTPNC  gt-casos    TLP:GREEN REL TO MXFGR, USHSI

The same man (José Luis Pérez García, born 1980-02-03) is in mx-casos, in
us-cases (maternal surname dropped, accents lost, day and month swapped) and
in mx-secreto; María Fernanda López is in mx-casos and gt-casos; a
switchboard phone is shared by three unrelated people.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from nsids import nsid

from gugus import admin
from gugus.access import Reader
from gugus.ingest import ftm
from gugus.model.roles import Role
from gugus.node import Node
from gugus.store import directory

SWITCHBOARD = "+525550000000"

DATA = {
    "mx-casos": [
        {
            "id": "p-jose",
            "schema": "Person",
            "properties": {
                "name": ["José Luis Pérez García"],
                "firstName": ["José Luis"],
                "fatherName": ["Pérez"],
                "motherName": ["García"],
                "birthDate": ["1980-02-03"],
                "nationality": ["mx"],
                "gender": ["male"],
                "phone": ["+52 55 1234 5678", SWITCHBOARD],
            },
        },
        {
            "id": "p-maria",
            "schema": "Person",
            "properties": {
                "name": ["María Fernanda López Hernández"],
                "firstName": ["María Fernanda"],
                "fatherName": ["López"],
                "motherName": ["Hernández"],
                "birthDate": ["1991-07-21"],
                "nationality": ["gt"],
                "gender": ["female"],
                "passportNumber": ["G1234567"],
            },
        },
        {
            "id": "p-ana",
            "schema": "Person",
            "properties": {
                "name": ["Ana Cruz Reyes"],
                "birthDate": ["1975-11-30"],
                "nationality": ["mx"],
                "phone": [SWITCHBOARD],
            },
        },
        {"id": "p-noname", "schema": "Person", "properties": {"phone": ["+52 55 9999 1111"]}},
        {
            "id": "c-norte",
            "schema": "Company",
            "properties": {
                "name": ["Transportes del Norte, S.A. de C.V."],
                "jurisdiction": ["mx"],
                "phone": ["+52 81 8000 1234"],
                "address": ["Av. Constitución 400, Monterrey, N.L., C.P. 64000"],
            },
        },
        {
            "id": "p-old",
            "schema": "Person",
            "properties": {"name": ["Pedro Antiguo"], "birthDate": ["1066-10-14"]},
        },
    ],
    "us-cases": [
        {
            "id": "s-1",
            "schema": "Person",
            "properties": {
                "name": ["Jose Perez"],
                "firstName": ["Jose"],
                "lastName": ["Perez"],
                "birthDate": ["1980-03-02"],
                "nationality": ["mx"],
                "gender": ["male"],
                "phone": ["+52 55 1234 5678"],
            },
        },
        {
            "id": "c-1",
            "schema": "Company",
            "properties": {
                "name": ["TRANSPORTES DEL NORTE SA"],
                "jurisdiction": ["mx"],
                "phone": ["+52 81 8000 1234"],
            },
        },
        {
            "id": "s-2",
            "schema": "Person",
            "properties": {
                "name": ["Robert Smith"],
                "birthDate": ["1969-04-01"],
                "nationality": ["us"],
                "phone": [SWITCHBOARD],
            },
        },
    ],
    "mx-secreto": [
        {
            "id": "x-jose",
            "schema": "Person",
            "properties": {
                "name": ["JOSE LUIS PEREZ GARCIA"],
                "birthDate": ["1980-02-03"],
                "nationality": ["mx"],
            },
        },
    ],
    "gt-casos": [
        {
            "id": "g-maria",
            "schema": "Person",
            "properties": {
                "name": ["Maria Lopez"],
                "firstName": ["Maria"],
                "lastName": ["Lopez-Hernandez"],
                "birthDate": ["1991-07-21"],
                "nationality": ["gt"],
                "gender": ["female"],
            },
        },
        {
            "id": "g-pass",
            "schema": "Passport",
            "properties": {"number": ["G 123 4567"], "holder": ["g-maria"]},
        },
    ],
}
COLLECTIONS = [
    ("mx-casos", "MXFGR", "amber", ["H0"], ["USHSI"]),
    ("us-cases", "USHSI", "amber", [], ["MXFGR"]),
    ("mx-secreto", "MXFGR", "amber", [], []),
    ("gt-casos", "GTPNC", "green", [], ["MXFGR", "USHSI"]),
]
ORG_OF = {c[0]: c[1] for c in COLLECTIONS}
USERS = [("mx", "MXFGR", "analyst"), ("us", "USHSI", "analyst"), ("gt", "GTPNC", "analyst")]


@dataclass
class XWorld:
    node: Node
    readers: dict[str, Reader] = field(default_factory=dict)

    def id(self, collection: str, entity_id: str) -> str:
        return nsid(ORG_OF[collection], entity_id)


def build_xworld(node: Node, data: dict | None = None) -> XWorld:
    world = XWorld(node)
    for code, country in (("MXFGR", "MX"), ("USHSI", "US"), ("GTPNC", "GT")):
        admin.add_organisation(node, code, code, country)
    with node.db.writer.begin() as conn:
        for name, org, role in USERS:
            uid = directory.add_user(conn, name, org, role, "not-a-hash")
            world.readers[name] = Reader(name, org, Role(role), uid)
    for name, org, tlp, handling, release in COLLECTIONS:
        admin.add_collection(node, name, org, tlp, handling, release_to=release)
    for name, lines in (data or DATA).items():
        summary = ftm.load_lines(
            node, name, [json.dumps(x, ensure_ascii=False) for x in lines], source="xref-test"
        )
        assert not summary.errors, summary.errors
    return world

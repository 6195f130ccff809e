"""A two-agency node for the PPRL tests (built on the ``node`` fixture, so
SQLite and PostgreSQL).

    MXFGR  users mx (analyst), mx_sup (supervisor)
    USHSI  users us (analyst), us_red (analyst, named on a RED name)
    mx-casos  TLP:AMBER REL TO USHSI, owned by MXFGR
    us-cases  TLP:AMBER REL TO MXFGR, owned by USHSI
"""

from __future__ import annotations

import json

from gugus import admin
from gugus.ingest import ftm
from gugus.store import directory

RED_NAME = {"tlp": "red", "release_to": ["USHSI"], "recipients": ["us_red"]}
MX_ONLY = {"tlp": "amber", "handling": []}

MX = [
    {
        "id": "p-jose",
        "schema": "Person",
        "properties": {
            "name": ["José Luis Pérez García"],
            "birthDate": ["1980-02-03"],
            "phone": ["+525512345678"],
        },
    },
    {
        "id": "p-maria",
        "schema": "Person",
        "properties": {
            "name": ["María Fernanda López Cruz"],
            "birthDate": ["1990-07-15"],
            "address": ["Calle Hidalgo 12, Tapachula, Chiapas"],
        },
    },
    {
        # Only us_red (named) and MXFGR may see this name; us sees the person's date alone.
        "id": "p-juan",
        "schema": "Person",
        "properties": {"name": ["Juan Carlos Ramírez Ortega"], "birthDate": ["1977-11-30"]},
        "property_markings": {"name": RED_NAME},
    },
    {
        # USHSI sees the name, not the date of birth.
        "id": "p-rosa",
        "schema": "Person",
        "properties": {"name": ["Rosa Elena Díaz"], "birthDate": ["1988-04-21"]},
        "property_markings": {"birthDate": MX_ONLY},
    },
    {"id": "c-hotel", "schema": "Company", "properties": {"name": ["Hotel Frontera SA"]}},
]
US = [
    {
        "id": "s-1",
        "schema": "Person",
        "properties": {
            "name": ["PEREZ, Jose Luis"],  # maternal surname dropped, accents lost, order swapped
            "birthDate": ["1980-02-03"],
            "phone": ["+5215512345678"],  # the old mobile prefix
        },
    },
    {
        "id": "s-2",
        "schema": "Person",
        "properties": {
            "firstName": ["Maria Fernanda"],
            "lastName": ["Lopez Cruz"],
            "birthDate": ["1990-07-15"],
        },
    },
    {
        "id": "s-3",
        "schema": "Person",
        "properties": {"name": ["Robert Smith"], "birthDate": ["1975-01-01"]},
    },
]


def build(node) -> None:
    with node.db.writer.begin() as conn:
        directory.add_organisation(conn, "MXFGR", "FGR", "MX")
        directory.add_organisation(conn, "USHSI", "HSI", "US")
        for name, org, role in (
            ("mx", "MXFGR", "analyst"),
            ("mx_sup", "MXFGR", "supervisor"),
            ("us", "USHSI", "analyst"),
            ("us_red", "USHSI", "analyst"),
        ):
            directory.add_user(conn, name, org, role, "not-a-hash")
    admin.add_collection(node, "mx-casos", "MXFGR", "amber", [], release_to=["USHSI"])
    admin.add_collection(node, "us-cases", "USHSI", "amber", [], release_to=["MXFGR"])
    for coll, lines in (("mx-casos", MX), ("us-cases", US)):
        summary = ftm.load_lines(node, coll, [json.dumps(x) for x in lines], source="test")
        assert not summary.errors, summary.errors

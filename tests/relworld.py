"""A small task-force world for the entity page (relationships, same-as,
notices): three organisations, an AMBER collection of MX-FGR released to
US-HSI, a collection only MX-FGR sees, a US-HSI collection released to
MX-FGR; a person with a payment, family, a RED passport, a mention in a
document, a vehicle, an event, and a TLP:RED payment for one MX-FGR user.
"""

from __future__ import annotations

import json

from nsids import nsid

from gugus import admin
from gugus.access import Reader
from gugus.ingest import ftm
from gugus.model.roles import Role
from gugus.store import directory

RED_PASSPORT = "G7654321"
HIDDEN_NAME = "Rosa Oculta"
RED_LINK_AMOUNT = "987654"

USERS = (
    ("luis", "MX-FGR", "analyst"),
    ("lia", "MX-FGR", "liaison"),
    ("ana", "US-HSI", "analyst"),
    ("bob", "US-HSI", "analyst"),
    ("gabi", "GT-MP", "analyst"),
)


def fgr(entity_id: str) -> str:
    return nsid("MX-FGR", entity_id)


def hsi(entity_id: str) -> str:
    return nsid("US-HSI", entity_id)


def line(eid: str, schema: str, marking: dict | None = None, **props) -> str:
    data = {
        "id": eid,
        "schema": schema,
        "properties": {k: [v] if isinstance(v, str) else v for k, v in props.items()},
    }
    if marking:
        data["marking"] = marking
    return json.dumps(data)


RED_FOR_BOB = {"tlp": "red", "release_to": ["US-HSI"], "recipients": ["bob"], "handling": ["H1"]}
RED_FOR_LUIS = {"tlp": "red", "recipients": ["luis"], "handling": ["H1"]}


def build(node) -> dict:
    """Load the world; answers the readers by name."""
    readers = {}
    with node.db.writer.begin() as conn:
        for code, country in (("MX-FGR", "MX"), ("US-HSI", "US"), ("GT-MP", "GT")):
            directory.add_organisation(conn, code, code, country)
        for name, org, role in USERS:
            uid = directory.add_user(conn, name, org, role, "not-a-hash")
            readers[name] = Reader(name, org, Role(role), uid)
    admin.add_collection(node, "fgr", "MX-FGR", "amber", ["H1"], release_to=["US-HSI"])
    admin.add_collection(node, "fgr-own", "MX-FGR", "amber", ["H1"])
    admin.add_collection(node, "hsi", "US-HSI", "amber", None, release_to=["MX-FGR"])
    load(
        node,
        "fgr",
        [
            line("p1", "Person", name="José Pérez", nationality="mx"),
            line("p2", "Person", name="María López"),
            line("pay1", "Payment", payer="p1", beneficiary="p2", amount="500", currency="USD"),
            line("fam1", "Family", person="p1", relative="p3", relationship="hermana"),
            line("pp1", "Passport", RED_FOR_BOB, holder="p1", number=RED_PASSPORT),
            line("d1", "Document", title="Informe de campo", bodyText="texto largo del informe"),
            line("m1", "Mention", document="d1", resolved="p1", name="José Pérez"),
            line("v1", "Vehicle", owner="p1", registrationNumber="ABC123"),
            line("ev1", "Event", name="Reunión en Tapachula", involved=["p1", "p2", "p3"]),
            line(
                "pay2",
                "Payment",
                RED_FOR_LUIS,
                payer="p1",
                beneficiary="p2",
                amount=RED_LINK_AMOUNT,
            ),
        ],
    )
    load(node, "fgr-own", [line("p3", "Person", name=HIDDEN_NAME)])
    load(node, "hsi", [line("q1", "Person", name="Jose Perez", nationality="mx")])
    node.users = readers
    return readers


def load(node, collection: str, lines: list[str]) -> None:
    summary = ftm.load_lines(node, collection, lines, source="relworld.jsonl")
    assert not summary.errors, summary.errors


def hit_on_hidden(node, readers) -> dict:
    """A hit notice for ana: her q1 matched MX-FGR's p3, which US-HSI may not
    see (its mirror goes to MX-FGR's liaison officers)."""
    from sqlalchemy import select

    from gugus.share import notices
    from gugus.store.tables import statements

    with node.db.reader.connect() as conn:
        row = conn.execute(
            select(statements.c.collection_id, statements.c.marking_id).where(
                statements.c.entity_id == fgr("p3"), statements.c.prop == "name"
            )
        ).one()
    notice = notices.raise_hit(
        node,
        readers["ana"],
        own_entity_id=hsi("q1"),
        kind="person",
        holder_collection_id=row.collection_id,
        holder_entity_id=fgr("p3"),
        marking_id=row.marking_id,
        source="xref",
    )
    assert notice is not None
    return notice

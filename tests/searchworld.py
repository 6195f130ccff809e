"""A small world for search, facets and filters (service, API, CLI, page tests).

Organisations MX-FGR (MX), US-HSI (US), GT-MP (GT); analysts ana (MX-FGR),
bob (US-HSI), gus (GT-MP).

* ``fgr-casos`` (MX-FGR, AMBER released to US-HSI, country MX): José Pérez
  (nationality hn, phone +52 222 185 9062), María Pérez (nationality gt,
  and a TLP:RED nationality sv and a RED note naming "Quintanilla" that
  only MX-FGR sees), Transportes Pérez (Company, jurisdiction mx), and a
  RED-only person "Zacarías Quintanilla" (MX-FGR only).
* ``hsi-leads`` (US-HSI, GREEN released to MX-FGR and GT-MP, country US): Jose Perez (nationality hn,
  phone +1 713 224 0142) and John Smith (nationality us).
* ``mp-gt`` (GT-MP, AMBER released to MX-FGR, country GT): Ana Pérez López
  (nationality gt).

bob sees fgr-casos without its RED values, and hsi-leads; not mp-gt.
"""

from __future__ import annotations

import json

from nsids import nsid

from gugus import admin
from gugus.ingest import ftm

PASSWORD = "long enough pass"
RED_WORD = "Quintanilla"
RED_ONLY_MX = {
    "tlp": "red",
    "handling": ["H1"],
    "release_to": [],
    "recipients": ["ana"],
}

P1 = nsid("MX-FGR", "p-1")
P2 = nsid("MX-FGR", "p-2")
P3 = nsid("MX-FGR", "p-3")
C1 = nsid("MX-FGR", "c-1")
H1 = nsid("US-HSI", "h-1")
H2 = nsid("US-HSI", "h-2")
G1 = nsid("GT-MP", "g-1")

USERS = [
    ("ana", "MX-FGR", "analyst"),
    ("bob", "US-HSI", "analyst"),
    ("gus", "GT-MP", "analyst"),
]


def _line(eid, schema, props, **extra) -> str:
    return json.dumps({"id": eid, "schema": schema, "properties": props, **extra})


def build(node) -> None:
    admin.add_organisation(node, "MX-FGR", "Fiscalía General de la República", "MX")
    admin.add_organisation(node, "US-HSI", "Homeland Security Investigations", "US")
    admin.add_organisation(node, "GT-MP", "Ministerio Público", "GT")
    for name, org, role in USERS:
        admin.add_user(node, name, org, role, password=PASSWORD)
    admin.add_collection(
        node,
        "fgr-casos",
        "MX-FGR",
        "amber",
        "H1",
        release_to="US-HSI",
        country="MX",
        label="Casos FGR",
    )
    admin.add_collection(
        node, "hsi-leads", "US-HSI", "green", "H0", release_to=["MX-FGR", "GT-MP"], country="US"
    )
    admin.add_collection(node, "mp-gt", "GT-MP", "amber", "H1", release_to="MX-FGR", country="GT")
    fgr = [
        _line(
            "p-1",
            "Person",
            {"name": ["José Pérez"], "nationality": ["hn"], "phone": ["+52 222 185 9062"]},
        ),
        _line("p-2", "Person", {"name": ["María Pérez"], "nationality": ["gt"]}),
        _line(
            "p-2",
            "Person",
            {"nationality": ["sv"], "notes": [f"alias {RED_WORD}"]},
            marking=RED_ONLY_MX,
        ),
        _line("c-1", "Company", {"name": ["Transportes Pérez SA de CV"], "jurisdiction": ["mx"]}),
        _line(
            "p-3",
            "Person",
            {"name": [f"Zacarías {RED_WORD}"], "nationality": ["sv"]},
            marking=RED_ONLY_MX,
        ),
    ]
    hsi = [
        _line(
            "h-1",
            "Person",
            {"name": ["Jose Perez"], "nationality": ["hn"], "phone": ["+1 713 224 0142"]},
        ),
        _line("h-2", "Person", {"name": ["John Smith"], "nationality": ["us"]}),
    ]
    mp = [_line("g-1", "Person", {"name": ["Ana Pérez López"], "nationality": ["gt"]})]
    for coll, lines in (("fgr-casos", fgr), ("hsi-leads", hsi), ("mp-gt", mp)):
        summary = ftm.load_lines(node, coll, lines, source="searchworld")
        assert not summary.errors, summary.errors

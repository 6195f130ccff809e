"""The partner agencies of the demo world: organisations, users, collections, markings.

Every collection carries a default marking; records of minors and of victims
carry a stricter per-line override (TLP at least as high, handling a superset,
release-to a subset — and for TLP:RED named recipients from those organisations).
"""

from __future__ import annotations

from datetime import date

REFERENCE_DATE = "2021-06-08"  # the day the Mexico–US task force was agreed
REF = date.fromisoformat(REFERENCE_DATE).toordinal()
START = date(2019, 1, 1).toordinal()  # recorded events happen between START and REF
TLP_ORDER = ("clear", "green", "amber", "amber+strict", "red")

ORGS = [
    ("MX-FGR", "Fiscalía General de la República (FEVIMTRA)", "MX"),
    ("MX-UIF", "Unidad de Inteligencia Financiera (SHCP)", "MX"),
    ("MX-INM", "Instituto Nacional de Migración", "MX"),
    (
        "MX-SNDIF",
        "Sistema Nacional DIF — Procuraduría Federal de Protección de Niñas, Niños y Adolescentes",
        "MX",
    ),
    ("US-HSI", "Homeland Security Investigations (ICE, DHS)", "US"),
    ("US-CBP", "U.S. Customs and Border Protection (DHS)", "US"),
    ("US-JTFA", "Joint Task Force Alpha (DOJ Criminal Division and DHS)", "US"),
]
# org -> (analyst, liaison, supervisor)
STAFF = {
    "MX-FGR": ("ana.fgr", "ricardo.fgr", "lucia.fgr"),
    "MX-UIF": ("diego.uif", "carmen.uif", "hector.uif"),
    "MX-INM": ("paola.inm", "jorge.inm", "elena.inm"),
    "MX-SNDIF": ("sofia.dif", "miguel.dif", "rosa.dif"),
    "US-HSI": ("emily.hsi", "carlos.hsi", "james.hsi"),
    "US-CBP": ("sarah.cbp", "luis.cbp", "mark.cbp"),
    "US-JTFA": ("rachel.jtfa", "daniel.jtfa", "laura.jtfa"),
}
ADMIN = ("admin", "MX-FGR")

OS = "jtfa-fuentes-abiertas"
FGR = "fgr-investigaciones"
UIF = "uif-reportes"
INM = "inm-registros-migratorios"
DIF = "sndif-proteccion-nna"
HSI = "hsi-investigations"
CBP = "cbp-encounters"
JTFA = "jtfa-targets"

_DIF_TEXT = (
    "Datos de niñas, niños y adolescentes: uso exclusivo para su protección y "
    "restitución de derechos; prohibida su difusión"
)
_VICTIM_ES = "Identidad de víctima protegida: no divulgar datos que permitan identificarla"
_VICTIM_EN = "Victim identity: no disclosure without the originator's victim-assistance approval"


def marking(tlp: str, handling=(), release_to=(), recipients=(), purpose=None, text=None) -> dict:
    return {
        "tlp": tlp,
        "handling": list(handling),
        "handling_text": text,
        "release_to": list(release_to),
        "recipients": list(recipients),
        "purpose": purpose,
    }


# name -> (org, label, default marking, minor override spec, victim override spec);
# a spec is (tlp, handling, release_to, recipients, handling_text); victims of any age
# get the victim override, which is never weaker than the minor one.
COLLECTIONS: dict[str, tuple] = {
    OS: (
        "US-JTFA",
        "Open-source press reporting on trafficking and smuggling arrests",
        marking(
            "clear",
            release_to=[o[0] for o in ORGS if o[0] != "US-JTFA"],
            purpose="Open-source situational awareness",
        ),
        None,
        None,
    ),
    FGR: (
        "MX-FGR",
        "Carpetas de investigación por trata de personas (FEVIMTRA)",
        marking(
            "amber",
            ["H1"],
            ["US-HSI", "US-JTFA"],
            purpose="Investigación de trata de personas, Ley General en Materia de Trata",
        ),
        ("amber+strict", ["H1", "H2"], ["US-HSI"], [], None),
        ("red", ["H1", "H2", "H3"], ["US-HSI"], ["carlos.hsi"], _VICTIM_ES),
    ),
    UIF: (
        "MX-UIF",
        "Reportes de operaciones inusuales y análisis financiero",
        marking(
            "amber",
            ["H0", "H2"],
            ["MX-FGR", "US-HSI"],
            purpose="Análisis de operaciones con recursos de procedencia ilícita (LFPIORPI)",
        ),
        ("amber+strict", ["H0", "H2"], ["MX-FGR"], [], None),
        None,
    ),
    INM: (
        "MX-INM",
        "Registros de ingreso, presentación y canalización de personas extranjeras",
        marking(
            "amber",
            ["H0"],
            ["MX-FGR", "MX-SNDIF", "US-CBP", "US-HSI"],
            purpose="Control migratorio y detección de posibles víctimas de trata",
        ),
        ("amber+strict", ["H0", "H2"], ["MX-SNDIF", "MX-FGR"], [], None),
        (
            "red",
            ["H0", "H2", "H3"],
            ["MX-SNDIF", "MX-FGR"],
            ["miguel.dif", "ricardo.fgr"],
            _VICTIM_ES,
        ),
    ),
    DIF: (
        "MX-SNDIF",
        "Expedientes de protección de niñas, niños y adolescentes migrantes",
        marking(
            "red",
            ["H2", "H3"],
            ["MX-FGR", "US-HSI"],
            ["ricardo.fgr", "carlos.hsi"],
            "Protección y restitución de derechos de NNA (LGDNNA)",
            _DIF_TEXT,
        ),
        ("red", ["H2", "H3"], ["MX-FGR"], ["ricardo.fgr"], _DIF_TEXT),
        ("red", ["H2", "H3"], ["MX-FGR"], ["ricardo.fgr"], _DIF_TEXT),
    ),
    HSI: (
        "US-HSI",
        "HSI human trafficking case files",
        marking(
            "amber",
            ["H1", "H2"],
            ["MX-FGR", "US-JTFA", "US-CBP"],
            purpose="Criminal investigation of human trafficking (18 U.S.C. 1581-1597)",
        ),
        ("amber+strict", ["H1", "H2"], ["US-JTFA"], [], None),
        ("red", ["H1", "H2", "H3"], ["MX-FGR"], ["ricardo.fgr"], _VICTIM_EN),
    ),
    CBP: (
        "US-CBP",
        "Border encounters and port-of-entry inspections",
        marking(
            "amber",
            ["H0"],
            ["US-HSI", "US-JTFA", "MX-INM"],
            purpose="Border security and identification of trafficking indicators",
        ),
        ("amber+strict", ["H0", "H2"], ["US-HSI"], [], None),
        ("red", ["H0", "H2", "H3"], ["US-HSI"], ["carlos.hsi"], _VICTIM_EN),
    ),
    JTFA: (
        "US-JTFA",
        "JTFA target organisations and persons",
        marking(
            "amber+strict",
            ["H1", "H2"],
            ["US-HSI", "MX-FGR"],
            purpose="Joint Task Force Alpha target development",
        ),
        None,
        None,
    ),
}


def _override(coll: str, which: int) -> dict | None:
    spec = COLLECTIONS[coll][which]
    if spec is None:
        return None
    tlp, handling, release_to, recipients, text = spec
    return marking(tlp, handling, release_to, recipients, COLLECTIONS[coll][2]["purpose"], text)


MINOR = {c: _override(c, 3) for c in COLLECTIONS}  # records of anyone under 18
VICTIM = {c: _override(c, 4) for c in COLLECTIONS}  # records of trafficking victims


def manifest_head(seed: int, people: int) -> dict:
    users = [
        {"username": u, "org": org, "role": role}
        for org, names in STAFF.items()
        for u, role in zip(names, ("analyst", "liaison", "supervisor"), strict=True)
    ]
    users.append({"username": ADMIN[0], "org": ADMIN[1], "role": "admin"})
    return {
        "seed": seed,
        "people": people,
        "reference_date": REFERENCE_DATE,
        "organisations": [{"code": c, "name": n, "country": k} for c, n, k in ORGS],
        "users": users,
    }


def collection_entries(count: dict[str, int], stmts: dict[str, int]) -> list[dict]:
    return [
        {
            "name": c,
            "org": org,
            "label": label,
            "country": org[:2],
            "marking": mark,
            "file": f"collections/{c}.jsonl",
            "entities": count[c],
            "statements": stmts[c],
        }
        for c, (org, label, mark, _, _) in COLLECTIONS.items()
    ]

"""How each agency of the demo keeps its files: which tables, in which words.

The column layout of every table is its mapping (``demo/mappings``); what a
mapping cannot say — how an agency writes a country or a sex, what its words
for "minors" and "victims" are — is here, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from gugus.demo.agencies import CBP, DIF, FGR, HSI, INM, JTFA, OS, UIF


@dataclass(frozen=True, slots=True)
class Layout:
    tables: tuple[str, ...]  # mapping names under demo/mappings/<collection>/, in load order
    lang: str  # "es" | "en": the words of file names
    country: str  # how countries are written: es, ES (upper case), en, alpha3
    gender: str  # "letter" (F/M) or "word" (Female/Male)
    htcds: bool = False  # also an HTCDS 2.0 case file of the collection's persons
    documents: str | None = None  # folder of the collection's reports / news


LAYOUTS: dict[str, Layout] = {
    INM: Layout(
        (
            "puntos-internacion",
            "personas",
            "identificaciones",
            "pasaportes",
            "ingresos",
            "familias",
        ),
        "es",
        "ES",
        "letter",
    ),
    FGR: Layout(
        ("personas", "identificaciones", "domicilios", "vinculos"),
        "es",
        "es",
        "letter",
        documents="informes",
    ),
    UIF: Layout(
        (
            "personas",
            "identificaciones",
            "personas-morales",
            "administradores",
            "cuentas",
            "titulares",
            "operaciones",
        ),
        "es",
        "ES",
        "letter",
        documents="informes",
    ),
    DIF: Layout(("padron-nna", "identificaciones"), "es", "es", "letter", htcds=True),
    HSI: Layout(
        (
            "subjects",
            "businesses",
            "business-officers",
            "employment",
            "accounts",
            "account-holders",
            "transactions",
            "premises",
            "associations",
        ),
        "en",
        "en",
        "word",
        documents="reports",
    ),
    CBP: Layout(
        (
            "ports",
            "subjects",
            "travel-documents",
            "identity-documents",
            "encounters",
            "family-units",
        ),
        "en",
        "alpha3",
        "letter",
    ),
    JTFA: Layout(("targets", "organizations", "memberships"), "en", "en", "word"),
    OS: Layout(("press-persons", "press-events"), "en", "en", "word", documents="news"),
}

# file-name words for rows carrying a stricter marking than their collection
GROUP_WORDS = {
    "es": {"minor": "menores", "victim": "victimas", "other": "restringido"},
    "en": {"minor": "minors", "victim": "victims", "other": "restricted"},
}

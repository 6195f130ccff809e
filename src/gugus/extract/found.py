"""What extraction returns: one ``Found`` per mention, one ``Extraction`` per text.

Every mention keeps its offsets and the text as written, so an importer can
cite it (provenance), and the backend that produced it, so an analyst can
weigh a value by how it was found (a checksum-validated CLABE is not a
capitalised span that looks like a name).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

KINDS = (
    "phone",
    "email",
    "curp",
    "rfc",
    "clabe",
    "iban",
    "ssn",
    "nik",
    "nit",
    "passport",
    "plate",
    "date",
    "country",
    "person",
    "organization",
    "location",
)


@dataclass(frozen=True, slots=True)
class Found:
    """One mention of one value in the text."""

    kind: str
    value: str
    text: str
    start: int
    end: int
    score: float
    backend: str
    inferred: bool = False
    detail: str | None = None


@dataclass
class Extraction:
    """Everything found in one text, in order of position."""

    language: str | None
    language_score: float
    published: datetime.date | None
    published_source: str | None
    published_inferred: bool
    items: list[Found] = field(default_factory=list)
    # The document's main country: the collection's country unless the text
    # says otherwise (see gugus.extract.country); None when nothing tells.
    country: str | None = None

    def values(self, kind: str) -> list[str]:
        """Distinct values of one kind, in order of first appearance."""
        seen: dict[str, None] = {}
        for item in self.items:
            if item.kind == kind:
                seen.setdefault(item.value, None)
        return list(seen)

    def of(self, kind: str) -> list[Found]:
        """The mentions of one kind, in order of position."""
        return [item for item in self.items if item.kind == kind]

"""What a demo document is about and how it is put together.

A :class:`Net` is one planted network as the documents see it: its members
(:class:`Who`, with each collection's record of them) and the neighbourhood
gathered from every collection.  A :class:`Built` is one document ready to be
written: where it goes, its format, its text and its mentions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from random import Random

from gugus.demo.agencies import REF
from gugus.demo.files.formats import Doc
from gugus.demo.files.wording import Text, first, name_variant

MX_TZ = dt.timezone(dt.timedelta(hours=-6), "CST")
US_TZ = dt.timezone(dt.timedelta(hours=-5), "CDT")
COUNTRY_ES = {
    "gt": "Guatemala",
    "hn": "Honduras",
    "sv": "El Salvador",
    "mx": "México",
    "us": "Estados Unidos",
}
COUNTRY_EN = {
    "gt": "Guatemala",
    "hn": "Honduras",
    "sv": "El Salvador",
    "mx": "Mexico",
    "us": "the United States",
}
NATIONALITY_ES = {
    "gt": "guatemalteca",
    "hn": "hondureña",
    "sv": "salvadoreña",
    "mx": "mexicana",
    "us": "estadounidense",
}
ROLE_ES = {  # "señalado como responsable …"
    "recruiter": "del reclutamiento en el país de origen",
    "transporter": "de los traslados",
    "harbourer": "de la casa de seguridad",
    "exploiter": "de la explotación en Estados Unidos",
    "money-launderer": "de las operaciones financieras de la red",
}
ROLE_EN = {
    "recruiter": "a recruiter in the country of origin",
    "transporter": "a transporter",
    "harbourer": "the stash-house operator",
    "exploiter": "an exploiter who runs the front business",
    "money-launderer": "the organization's money launderer",
}


@dataclass
class Who:
    """A person a document names: ground-truth id, entity ids, records by collection."""

    pid: str
    role: str | None
    entities: list[list[str]]
    records: dict[str, dict] = field(default_factory=dict)


@dataclass
class Net:
    nid: str
    origin: str
    members: list[Who]
    victims: list[dict]
    data: dict[str, dict[str, dict]] = field(default_factory=dict)

    def held(self, coll: str) -> list[Who]:
        return [w for w in self.members if coll in w.records]

    def victims_in(self, coll: str) -> tuple[int, int]:
        held = [v for v in self.victims if any(c == coll for c, _ in v["entities"])]
        return len(held), sum(v["minor"] for v in held)


@dataclass
class Built:
    collection: str
    name: str  # file name inside the collection's document folder
    fmt: str
    doc: Doc
    text: Text
    kind: str
    network: str | None


def doc_rng(seed: int, *parts: str) -> Random:
    return Random(hashlib.sha256(":".join((str(seed), *parts)).encode()).digest())


def written_on(rng: Random, facts: list[str], tz, lag=(15, 90)) -> dt.datetime:
    """A writing date some weeks after the last fact, never after the reference date."""
    last = max(facts) if facts else dt.date.fromordinal(REF - 200).isoformat()
    day = min(dt.date.fromisoformat(last).toordinal() + rng.randint(*lag), REF)
    return dt.datetime.combine(
        dt.date.fromordinal(day), dt.time(rng.randint(8, 18), rng.randint(0, 59)), tz
    )


def person(t: Text, who: Who, coll: str, formal: bool = True) -> str:
    props = who.records[coll]["properties"]
    return t.m("person", name_variant(props, t.rng, formal), first(props, "name"), who)

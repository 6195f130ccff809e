"""Feature records: one row per entity, built from the statements a reader
may see, in the shape the linkage model compares.

Names are split the way Spanish and English records write them: a given name
that may be compound ("María José", shortened to "Ma. José" or "María"), a
paternal and a maternal surname of which the maternal is often dropped or
hyphenated ("Pérez-García"), accents often lost, surname-first order in bank
forms.  Structured properties (firstName, fatherName, motherName, lastName)
are preferred; a bare ``name`` is split as a fallback.  Values arrive cleaned
by the ingest (FtM types: phones in E.164, dates ISO, countries ISO codes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from rigour.text.phonetics import metaphone

from gugus.extract.lexicon import fold

# The properties each kind of record reads (anything else is not fetched).
PERSON_PROPS = (
    "name",
    "alias",
    "weakAlias",
    "firstName",
    "middleName",
    "secondName",
    "lastName",
    "fatherName",
    "motherName",
    "birthDate",
    "nationality",
    "citizenship",
    "country",
    "gender",
    "phone",
    "email",
    "idNumber",
    "passportNumber",
    "taxNumber",
    "socialSecurityNumber",
    "address",
)
ORG_PROPS = (
    "name",
    "alias",
    "country",
    "jurisdiction",
    "registrationNumber",
    "taxNumber",
    "idNumber",
    "phone",
    "email",
    "address",
    "incorporationDate",
)
SCHEMATA = {
    "Person": ("Person",),
    "Organization": ("Organization", "Company", "LegalEntity", "PublicBody"),
}
PROPS = {"Person": PERSON_PROPS, "Organization": ORG_PROPS}
ID_PROPS = ("idNumber", "passportNumber", "taxNumber", "socialSecurityNumber", "registrationNumber")

# Particles of compound surnames ("de la Cruz", "del Río", "van Dyke").
PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "e", "van", "von", "da", "di", "le"})
# Abbreviated given names as forms write them.
ABBREVIATIONS = {
    "ma": "maria",
    "ma.": "maria",
    "fco": "francisco",
    "jse": "jose",
    "gpe": "guadalupe",
}
_WORD = re.compile(r"[a-z0-9]+")
_POSTCODE = re.compile(r"\b(\d{4,5})\b(?!.*\b\d{4,5}\b)")
_STREET_NO = re.compile(r"\b(\d{1,5})\b")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
MIN_YEAR = 1900


@lru_cache(maxsize=262_144)
def words(text: str) -> tuple[str, ...]:
    """Folded lower-case words: "María-José PÉREZ" → ("maria", "jose", "perez")."""
    return tuple(_WORD.findall(fold(text).lower()))


@lru_cache(maxsize=131_072)
def phonetic(word: str | None) -> str | None:
    return metaphone(word) or None if word else None


def given_words(text: str) -> list[str]:
    out = []
    for raw in fold(text).lower().replace(".", ". ").split():
        w = raw.strip(",;")
        w = ABBREVIATIONS.get(w, w).strip(".")
        out.extend(_WORD.findall(w))
    return out


def surname_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in PARTICLES]


def valid_date(value: str, max_year: int) -> str | None:
    """A full ISO date within [1900, max_year], else None (partial or absurd)."""
    m = _ISO_DATE.match(value)
    if m is None or not (MIN_YEAR <= int(m.group(1)) <= max_year):
        return None
    try:
        day_number(value)
    except ValueError:  # "1980-02-30"
        return None
    return value


@lru_cache(maxsize=65_536)
def day_number(iso: str) -> int:
    return date.fromisoformat(iso).toordinal()


@dataclass
class Built:
    """The records of one schema family, with what the run must report."""

    rows: list[dict] = field(default_factory=list)
    markings: dict[str, set[int]] = field(default_factory=dict)  # entity → marking ids used
    source: dict[str, int] = field(default_factory=dict)  # entity → collection id
    without_name: int = 0
    absurd_dates: int = 0


def _first(values: dict[str, list[str]], *props: str) -> str | None:
    for p in props:
        for v in values.get(p, ()):
            return v
    return None


def _all(values: dict[str, list[str]], *props: str) -> list[str]:
    out: list[str] = []
    for p in props:
        out.extend(values.get(p, ()))
    return out


def _ids(values: dict[str, list[str]]) -> list[str]:
    return sorted({re.sub(r"[\s.\-/]", "", v).upper() for v in _all(values, *ID_PROPS)} - {""})


def _address(values: dict[str, list[str]]) -> tuple[str | None, ...]:
    """(address, postcode, house number, street): the street is the first
    part of the address without its numbers ("calle hidalgo", "oak st")."""
    addr = _first(values, "address")
    if not addr:
        return None, None, None, None
    folded = " ".join(words(addr))
    street = " ".join(w for w in words(addr.split(",")[0]) if not w.isdigit()) or None
    post = _POSTCODE.search(folded)
    # The first number that is not the postcode: the house number in most forms.
    num = next(
        (m for m in _STREET_NO.finditer(folded) if not post or m.start() != post.start()), None
    )
    return folded, post.group(1) if post else None, num.group(1) if num else None, street


def person_row(entity_id: str, values: dict[str, list[str]], max_year: int) -> dict | None:
    """The features of one person (None without any name)."""
    given: list[str] = []
    for v in _all(values, "firstName", "middleName", "secondName"):
        given.extend(w for w in given_words(v) if w not in given)
    s1 = s2 = None
    father, mother = _first(values, "fatherName"), _first(values, "motherName")
    last = _first(values, "lastName")
    if father:
        fw = surname_words(father)
        s1 = fw[0] if fw else None
        s2 = (surname_words(mother) or [None])[0] if mother else (fw[1] if len(fw) > 1 else None)
    elif last:
        lw = surname_words(last)
        s1 = lw[0] if lw else None
        s2 = lw[1] if len(lw) > 1 else None
    names = _all(values, "name")
    if not (given or s1):
        full = next((n for n in names if words(n)), None)
        if full is None:
            return None
        toks = [w for w in given_words(full) if w not in PARTICLES]
        if len(toks) >= 3:
            given, s1, s2 = toks[:-2], toks[-2], toks[-1]
        elif len(toks) == 2:
            given, s1 = toks[:1], toks[1]
        else:
            s1 = toks[0] if toks else None
    dob = None
    raw_dob = _first(values, "birthDate")
    if raw_dob:
        dob = valid_date(raw_dob, max_year)
    address, postcode, street_no, street = _address(values)
    phones = sorted(set(_all(values, "phone")))
    emails = sorted({e.lower() for e in _all(values, "email")})
    ids = _ids(values)
    g = given[0] if given else None
    return {
        "unique_id": entity_id,
        "given": g,
        "given_all": " ".join(given) or None,
        "s1": s1,
        "s2": s2,
        "given_mp": phonetic(g),
        "s1_mp": phonetic(s1),
        "dob": dob,
        "dob_days": day_number(dob) if dob else None,
        "dob_raw": raw_dob if raw_dob and dob is None else None,
        "country": _first(values, "nationality", "citizenship", "country"),
        "gender": _first(values, "gender"),
        "phones": phones,
        "emails": emails,
        "ids": ids,
        "phone1": phones[0] if phones else None,
        "email1": emails[0] if emails else None,
        "id1": ids[0] if ids else None,
        "address": address,
        "postcode": postcode,
        "street_no": street_no,
        "street": street,
        "street_key": street.replace(" ", "") if street else None,
    }


# Legal forms and joining words dropped from organisation names
# ("Transportes del Norte, S.A. de C.V." and "TRANSPORTES DEL NORTE SA" agree).
LEGAL_FORMS = frozenset(
    [
        "sa",
        "de",
        "cv",
        "rl",
        "s",
        "a",
        "c",
        "v",
        "sapi",
        "sab",
        "srl",
        "sl",
        "llc",
        "inc",
        "ltd",
        "corp",
        "co",
        "corporation",
        "company",
        "limited",
        "the",
        "el",
        "la",
        "los",
        "las",
        "del",
        "y",
        "and",
    ]
)


def org_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in LEGAL_FORMS]


def org_row(entity_id: str, values: dict[str, list[str]], max_year: int) -> dict | None:
    names = _all(values, "name")
    name = next((" ".join(org_words(n)) for n in names if org_words(n)), None)
    if not name:
        return None
    tokens = sorted({w for n in names + _all(values, "alias") for w in org_words(n)})
    address, postcode, _, _ = _address(values)
    ids = _ids(values)
    phones = sorted(set(_all(values, "phone")))
    emails = sorted({e.lower() for e in _all(values, "email")})
    first = name.split()[0]
    return {
        "unique_id": entity_id,
        "name": name,
        "name_tokens": tokens,
        "name_mp": phonetic(first),
        "country": _first(values, "country", "jurisdiction"),
        "ids": ids,
        "phones": phones,
        "emails": emails,
        "id1": ids[0] if ids else None,
        "phone1": phones[0] if phones else None,
        "email1": emails[0] if emails else None,
        "address": address,
        "postcode": postcode,
    }


ROW_BUILDERS = {"Person": person_row, "Organization": org_row}


def build(rows, family: str, max_year: int) -> Built:
    """Records of one family from statement rows grouped by entity (as
    :func:`gugus.store.xref.feature_statements` yields them)."""
    out = Built()
    make = ROW_BUILDERS[family]
    current: str | None = None
    values: dict[str, list[str]] = {}
    marks: set[int] = set()
    coll = 0

    def flush() -> None:
        if current is None:
            return
        row = make(current, values, max_year)
        if row is None:
            out.without_name += 1
            return
        if row.get("dob_raw"):
            out.absurd_dates += 1
        out.rows.append(row)
        out.markings[current] = marks
        out.source[current] = coll

    # Unpacked by position (a row's attribute lookup cost more than the rest
    # of this loop): (entity_id, schema, prop, value, marking_id, collection_id).
    for entity_id, _schema, prop, value, marking_id, collection_id in rows:
        if entity_id != current:
            flush()
            current, values, marks, coll = entity_id, {}, set(), collection_id
        found = values.get(prop)
        if found is None:
            values[prop] = [value]
        else:
            found.append(value)
        marks.add(marking_id)
    flush()
    return out

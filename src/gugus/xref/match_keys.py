"""Blocking keys of the online match: what a statement is findable by.

Pure functions (no I/O).  A key is a short text — ``n2:HS|MR`` (two name
tokens, phonetically), ``n1:KRS`` (a one-token name), ``b:1974-01-21`` (a
birth date), ``s:phone:+5255…`` (a selector) — stored as a 64-bit hash with
the entity, collection and marking of the statement it came from
(``gugus.store.match``).  The store never sees the key text, so the index
holds no second copy of a value.

Name handling for Spanish and English names: accents folded, particles and
titles dropped ("de la", "Sr."), hyphens split ("RIOS-POP"); every *pair* of
name tokens is a key, so a dropped maternal surname ("María García" for
"María José García López"), a dropped or added compound given name and a
swapped order all share a key with the full name.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import jellyfish
from followthemoney import model
from rigour.text import ascii_text

# Schemata whose entities are indexed and matched (persons first; companies,
# organisations and public bodies share the name and identifier keys).
MATCHABLE = frozenset(s.name for s in model.schemata.values() if s.is_a("LegalEntity"))
NAME_PROPS = frozenset({"name", "alias", "previousName"})
DOB_PROPS = frozenset({"birthDate"})
# Selector kinds, and how a notice names them.
KIND_LABELS = {
    "person": "person",
    "phone": "phone number",
    "email": "e-mail address",
    "passport": "passport number",
    "id": "identity number",
    "account": "account number",
}
SELECTOR_KINDS = frozenset({"phone", "email", "passport", "id", "account"})
# Property types that may carry a selector (a quick test before the keys).
SELECTOR_TYPES = frozenset({"phone", "email", "iban", "identifier"})
_ID_KIND = {"passportNumber": "passport", "accountNumber": "account", "iban": "account"}
# Identifiers that name no person (database ids of other systems).
_NOT_SELECTORS = frozenset(
    {"wikidataId", "sayariId", "brightQueryId", "brightQueryOrgId", "bvdId", "programId"}
)
MAX_NAME_TOKENS = 5  # keys of at most 10 pairs per name

PARTICLES = frozenset(
    {"de", "del", "la", "las", "los", "el", "y", "e", "da", "das", "do", "dos", "van", "von", "der"}
)
TITLES = frozenset(
    {"sr", "sra", "srta", "don", "dona", "mr", "mrs", "ms", "miss", "dr", "dra", "lic", "ing"}
)
_TOKEN = re.compile(r"[a-z0-9]+")


def _fold(value: str) -> str:
    """Lower-case ASCII: accents dropped by decomposition (fast), other
    scripts transliterated by rigour (slow, so only when needed)."""
    text = value.casefold()
    if text.isascii():  # nothing to decompose (most names of a batch)
        return text
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text if text.isascii() else ascii_text(text).lower()


@lru_cache(maxsize=100_000)
def name_tokens(value: str) -> tuple[str, ...]:
    """Folded tokens of a name, particles and titles dropped:
    "Sr. José de la Cruz-Pérez" → ("jose", "cruz", "perez")."""
    words = _TOKEN.findall(_fold(value))
    kept = tuple(w for w in words if w not in PARTICLES and w not in TITLES)
    return kept or tuple(words)


@lru_cache(maxsize=100_000)
def phonetic(token: str) -> str:
    """Metaphone of a folded token ("garcia" → "KRS"); digits stay as they are."""
    if token.isdigit():
        return token
    return jellyfish.metaphone(token).upper() or token.upper()


def name_codes(value: str) -> list[str]:
    """Distinct phonetic codes of a name's tokens, sorted (at most MAX_NAME_TOKENS)."""
    codes = sorted({phonetic(t) for t in name_tokens(value)})
    return codes[:MAX_NAME_TOKENS]


@lru_cache(maxsize=100_000)
def name_keys(value: str) -> tuple[str, ...]:
    codes = name_codes(value)
    if len(codes) == 1:
        return (f"n1:{codes[0]}",)
    return tuple(f"n2:{a}|{b}" for a, b in itertools.combinations(codes, 2))


def selector_kind(prop: str, prop_type: str) -> str | None:
    if prop_type in ("phone", "email"):
        return prop_type
    if prop_type == "iban":
        return "account"
    if prop_type == "identifier" and prop not in _NOT_SELECTORS:
        return _ID_KIND.get(prop, "id")
    return None


def selector_value(kind: str, value: str) -> str:
    """A selector as compared: phones as stored (E.164), e-mails lower-cased,
    numbers upper-case letters and digits only ("b-711 589" → "B711589")."""
    if kind == "phone":
        return value.strip()
    if kind == "email":
        return value.strip().lower()
    return re.sub(r"[^0-9A-Z]", "", ascii_text(value).upper())


def statement_keys(schema: str, prop: str, prop_type: str, value: str) -> list[tuple[str, str]]:
    """(kind, key) pairs a statement is findable by; none for unmatched schemata."""
    if schema not in MATCHABLE:
        return []
    if prop in NAME_PROPS:
        return [("name", k) for k in name_keys(value)]
    if prop in DOB_PROPS:
        return [("dob", f"b:{value}")] if len(value) == 10 else []
    kind = selector_kind(prop, prop_type)
    if kind is not None:
        norm = selector_value(kind, value)
        if len(norm) >= 4:
            return [(kind, f"s:{kind}:{norm}")]
    return []


def dob_variants(value: str) -> list[str]:
    """Keys a queried birth date probes: itself and its day/month swap."""
    if len(value) != 10:
        return []
    keys = [f"b:{value}"]
    year, month, day = value[:4], value[5:7], value[8:10]
    if day != month and day.isdigit() and int(day) <= 12:
        keys.append(f"b:{year}-{day}-{month}")
    return keys


@lru_cache(maxsize=200_000)
def key_hash(key: str) -> int:
    """The stored form of a key: a signed 64-bit hash."""
    digest = hashlib.blake2b(key.encode(), digest_size=8, person=b"gugus-match").digest()
    return int.from_bytes(digest, "big", signed=True)


def query_keys(schema: str, props: dict[str, Iterable[str]]) -> list[tuple[str, str]]:
    """(kind, key) pairs a query entity probes (birth dates with their swap)."""
    out: dict[str, str] = {}
    for prop, values in props.items():
        ptype = _prop_type(schema, prop)
        for value in values:
            if prop in DOB_PROPS:
                out.update({k: "dob" for k in dob_variants(value)})
            else:
                out.update({k: kind for kind, k in statement_keys(schema, prop, ptype, value)})
    return [(kind, key) for key, kind in sorted(out.items())]


@lru_cache(maxsize=4096)
def _prop_type(schema: str, prop: str) -> str:
    found = model.get(schema)
    p = found.get(prop) if found is not None else None
    return p.type.name if p is not None else "string"

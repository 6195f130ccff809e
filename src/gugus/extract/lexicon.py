"""Word lists shipped in ``gugus/extract/data``, read once per process.

The lists are plain text so that an analyst can read and extend them without
touching code; each file says in its header what it is for.  Everything here is
cached: extraction runs over many documents and must not re-read a file per
document.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources


def fold(text: str) -> str:
    """Text without accents ("López" → "Lopez"); case is kept."""
    if text.isascii():
        return text
    return _fold(text)


@lru_cache(maxsize=65_536)
def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _lines(name: str) -> list[str]:
    raw = resources.files("gugus.extract").joinpath("data", name).read_text(encoding="utf-8")
    return [
        line.rstrip("\n") for line in raw.splitlines() if line.strip() and not line.startswith("#")
    ]


def _words(name: str) -> frozenset[str]:
    return frozenset(word for line in _lines(name) for word in line.split())


def _variants(words) -> frozenset[str]:
    return frozenset(words) | frozenset(fold(w) for w in words)


@cache
def given_names() -> frozenset[str]:
    return _variants(_words("given_names.txt"))


@cache
def surnames() -> frozenset[str]:
    return _variants(_words("surnames.txt"))


@cache
def titles() -> frozenset[str]:
    """Titles as lower-case, accent-free word tuples joined by one space."""
    return frozenset(fold(line.strip().lower()) for line in _lines("titles.txt"))


@cache
def org_cues() -> frozenset[str]:
    return _variants(line.strip() for line in _lines("org_cues.txt"))


@cache
def org_suffix_patterns() -> tuple[str, ...]:
    return tuple(line.strip() for line in _lines("org_suffixes.txt"))


@cache
def location_cues() -> frozenset[str]:
    return _variants(line.strip() for line in _lines("location_cues.txt"))


@cache
def document_acronyms() -> frozenset[str]:
    """Acronyms of identity documents and numbers: defined in brackets
    ("Clave Única de Registro de Población (CURP)") but no organisation."""
    return _words("document_acronyms.txt")


@cache
def agencies() -> frozenset[str]:
    return _variants(line.strip() for line in _lines("agencies.txt"))


@cache
def nationalities() -> dict[str, str]:
    """Lower-case, accent-free demonym → country code."""
    out: dict[str, str] = {}
    for line in _lines("nationalities.tsv"):
        words, country = line.split("\t")
        for word in words.split("|"):
            out[fold(word.strip().lower())] = country.strip()
    return out


@dataclass(frozen=True, slots=True)
class Place:
    name: str  # the first (canonical) variant
    country: str  # "" for regions that span countries
    kind: str  # city, state, region, river


@cache
def places() -> dict[str, Place]:
    """Every written variant of every place → the place."""
    out: dict[str, Place] = {}
    for line in _lines("places.tsv"):
        names, country, kind = line.split("\t")
        variants = [n.strip() for n in names.split("|")]
        place = Place(variants[0], country.strip().strip('"'), kind.strip())
        for variant in variants:
            out.setdefault(variant, place)
    return out


@dataclass(frozen=True, slots=True)
class Alias:
    alias: str
    country: str
    languages: frozenset[str] | None  # None: every language


@cache
def country_aliases() -> tuple[Alias, ...]:
    out = []
    for line in _lines("country_aliases.tsv"):
        alias, country, langs = (part.strip() for part in line.split("\t"))
        out.append(Alias(alias, country, None if langs == "*" else frozenset(langs.split(","))))
    return tuple(out)

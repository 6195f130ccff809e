"""Countries and places named in a text, in the text's language.

Country names come from CLDR through babel (the document's language plus
English, which wire copy quotes everywhere) and a curated alias table for what
CLDR lacks or gets wrong for us: Indonesian "AS" is the United States, not
American Samoa; "EE. UU.", "EUA", "U.S.".  Places come from the corridor
gazetteer shipped in ``data/places.tsv``.  Both sit in one longest-match
gazetteer so that "Mexico City" is a city and not the country Mexico.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError

from gugus.extract.found import Found
from gugus.extract.gazetteer import Gazetteer
from gugus.extract.lexicon import Place, country_aliases, places
from gugus.extract.tokens import Tokens

COUNTRIES_BACKEND = "gugus.countries/1"
PLACES_BACKEND = "gugus.places/1"

# CLDR names that are more often a person, a US state or a word than the country.
_GLOSS = re.compile(r"\s*\([^)]*\)")
# "Guadalupe" (Spanish, Portuguese for Guadeloupe) is far more often a given name.
_AMBIGUOUS = frozenset(
    {"Chad", "Jordan", "Georgia", "Jersey", "Guernsey", "Man", "Géorgie", "Guadalupe"}
)

# The country a language most likely writes from, when the text does not say.
# Spanish defaults to Mexico and English to the US: the corridor this serves.
LANGUAGE_COUNTRY = {
    "es": "mx",
    "en": "us",
    "pt": "br",
    "fr": "fr",
    "ht": "ht",
    "id": "id",
    "ms": "my",
    "de": "de",
    "it": "it",
    "nl": "nl",
}


@dataclass(frozen=True, slots=True)
class GeoRef:
    kind: str  # "country" | "place"
    code: str  # country code ("" for a region spanning countries)
    alias: bool = False
    place: Place | None = None


@lru_cache(maxsize=1)
def _ftm_countries() -> frozenset[str]:
    from rigour.territories import get_ftm_countries

    return frozenset(t.code for t in get_ftm_countries() if len(t.code) == 2)


def _cldr_names(lang: str) -> dict[str, str]:
    try:
        territories = Locale.parse(lang).territories
    except (UnknownLocaleError, ValueError):
        return {}
    valid = _ftm_countries()
    out = {}
    for code, name in territories.items():
        if code.lower() not in valid or name in _AMBIGUOUS:
            continue
        out[name] = code.lower()
        # "Myanmar (Burma)", "Congo (DRC)": texts write the name without the gloss.
        short = _GLOSS.sub("", name).strip()
        if short != name and short not in _AMBIGUOUS:
            out.setdefault(short, code.lower())
    return out


@lru_cache(maxsize=32)
def geo_gazetteer(lang: str | None) -> Gazetteer[GeoRef]:
    entries: list[tuple[str, GeoRef]] = []
    for alias in country_aliases():
        if alias.languages is None or (lang is not None and lang in alias.languages):
            entries.append((alias.alias, GeoRef("country", alias.country, alias=True)))
    for source in dict.fromkeys([lang or "en", "en"]):
        for name, code in _cldr_names(source).items():
            entries.append((name, GeoRef("country", code)))
    for name, place in places().items():
        entries.append((name, GeoRef("place", place.country, place=place)))
    return Gazetteer(entries)


# Initials of people ("tersangka berinisial AS dan RH", "los detenidos de
# iniciales AS y RH") are not the short aliases of a country ("AS" = US).
_INITIALS_BEFORE = re.compile(
    r"(?:\b(?:ber)?inisial|\binitials?|\biniciales?|\b[A-Z]{1,3}\s*(?:,|dan|y|and|&|/))\s*$",
    re.I,
)
_INITIALS_AFTER = re.compile(r"^\s*(?:,|dan|y|and|&|/)\s*[A-Z]{1,3}\b(?!\.?\s*[A-Z][a-z])")


def _initials(text: str, start: int, end: int) -> bool:
    """A short capitals alias written among people's initials."""
    before = text[max(0, start - 20) : start]
    after = text[end : end + 12]
    if _INITIALS_BEFORE.search(before):
        return True
    return _INITIALS_AFTER.match(after) is not None


def find_geo(toks: Tokens, lang: str | None) -> list[Found]:
    """Country and place mentions, in order."""
    out = []
    text = toks.text
    for hit in geo_gazetteer(lang).scan(toks):
        ref = hit.payload
        written = text[hit.start : hit.end]
        short = ref.alias and len(written) <= 3 and written.isupper()
        if short and _initials(text, hit.start, hit.end):
            continue
        if ref.kind == "country":
            out.append(
                Found(
                    "country",
                    ref.code,
                    written,
                    hit.start,
                    hit.end,
                    0.8 if ref.alias else 0.9,
                    COUNTRIES_BACKEND,
                    detail="alias" if ref.alias else None,
                )
            )
        else:
            assert ref.place is not None
            detail = f"{ref.place.kind}:{ref.code}" if ref.code else ref.place.kind
            out.append(
                Found(
                    "location",
                    " ".join(written.split()),
                    written,
                    hit.start,
                    hit.end,
                    0.8,
                    PLACES_BACKEND,
                    detail=detail,
                )
            )
    return out


def main_country(found: list[Found], lang: str | None) -> str | None:
    """The most-mentioned country, a place counting for its country ("El Paso,
    Texas" for the US); on a tie, the language's country, else the first named."""
    counts: Counter[str] = Counter()
    for f in found:
        if f.kind == "country":
            counts[f.value] += 1
        elif f.detail and ":" in f.detail:
            counts[f.detail.rsplit(":", 1)[1]] += 1
    if not counts:
        return LANGUAGE_COUNTRY.get(lang or "")
    top = max(counts.values())
    tied = [code for code, n in counts.items() if n == top]  # in order of first mention
    preferred = LANGUAGE_COUNTRY.get(lang or "")
    return preferred if preferred in tied else tied[0]

"""The words a statement is found by, and the words a query looks for.

Pure functions (no I/O) shared by the writer, the store's search and
``gugus check``:

* a value is indexed as its folded words (lower case, accents removed);
* a phone (stored E.164 by FtM: ``+522221859062``) is also indexed by its
  national number (``2221859062``), so ``2221859062``, ``222 185 9062`` and
  ``+52 222 185 9062`` all find it: a query that looks like a phone number
  is also looked for as its digits alone;
* a country value (``hn``; nationality, citizenship, country, jurisdiction,
  birth country … — every FtM country-typed property) is indexed as one
  word ``country`` + its code (``countryhn``), so that it never matches an
  ordinary word; a query that names a country — its ISO code or its name in
  Spanish, English or any language FtM knows ("Honduras", "hn",
  "Estados Unidos") — also looks for that word.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from followthemoney.types import registry

# Value types folded into ``search_text`` for full-text search.
SEARCH_TYPES = frozenset(
    {"name", "text", "string", "address", "email", "phone", "identifier", "country"}
)
# Letters and digits, as SQLite's unicode61 tokenizer splits ("_" separates).
WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY_WORDS = 16
COUNTRY_WORD = "country"
# A query made only of digits and the usual phone punctuation, with a
# plausible number of digits (E.164 allows 15; the shortest national numbers
# of the region have 7 or 8).
_PHONE_QUERY = re.compile(r"\+?[\d\s().\-/]+")
_PHONE_DIGITS = (7, 15)


def fold(value: str) -> str:
    """Lower-case, accents removed: "José PÉREZ" → "jose perez"."""
    value = value.casefold()
    if value.isascii():
        return value
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def country_word(code: str) -> str:
    """The indexed word of a country code: ``hn`` → ``countryhn``."""
    return COUNTRY_WORD + "".join(WORD.findall(code.lower()))


def _national_number(value: str) -> str | None:
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    return str(parsed.national_number) if parsed.national_number else None


def index_text(prop_type: str | None, value: str) -> str | None:
    """The folded text a statement's value is indexed by (None: not
    searchable); the store prefixes each word with the statement's audience."""
    if prop_type not in SEARCH_TYPES:
        return None
    if prop_type == "country":
        return country_word(value)
    text = fold(value)
    if prop_type == "phone" and value.startswith("+"):
        national = _national_number(value)
        if national and national not in WORD.findall(text):
            text = f"{text} {national}"
    return text


def query_words(query: str) -> list[str]:
    return WORD.findall(fold(query))[:MAX_QUERY_WORDS]


def phone_digits(query: str) -> str | None:
    """The digits of a query that looks like a phone number, else None."""
    text = query.strip()
    if not _PHONE_QUERY.fullmatch(text):
        return None
    digits = re.sub(r"\D", "", text)
    low, high = _PHONE_DIGITS
    return digits if low <= len(digits) <= high else None


def country_code(text: str) -> str | None:
    """The ISO code of a country named by ``text`` (a code, or a name in
    Spanish, English or another language FtM knows), else None."""
    text = " ".join(text.split())
    if not text or len(text) > 60:
        return None
    code = registry.country.clean(text)
    return code.lower() if code else None


def warm() -> None:
    """Build what :func:`country_code` builds on first use: the territory
    names FtM looks country names up in (~1.6 s, transliterating ~20,000
    names), which the first search of each process would otherwise wait
    for."""
    country_code("mexico")


def query_alternatives(query: str) -> list[list[str]]:
    """The word groups a query matches a statement by: a statement matches
    when it holds every word of one group.  The query's own words first,
    then its digits alone when it looks like a phone, then the country word
    when it names a country."""
    words = query_words(query)
    groups = [words] if words else []
    digits = phone_digits(query)
    if digits and [digits] not in groups:
        groups.append([digits])
    code = country_code(query)
    if code:
        groups.append([country_word(code)])
    return groups


__all__ = [
    "SEARCH_TYPES",
    "country_code",
    "country_word",
    "fold",
    "index_text",
    "phone_digits",
    "query_alternatives",
    "query_words",
]

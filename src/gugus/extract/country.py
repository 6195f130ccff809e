"""The document's main country: the collection's country is a default, not an override.

A collection belongs to one country (the FGR's to Mexico), but its documents
do not all come from there: an English sentencing memo from Houston filed in a
Mexican carpeta is a US document, and its ``(713) 224-0142`` is a US number
and its ``03/05/2023`` is 5 March.  Reading it with the collection's country
turns US phones into valid-looking Mexican ones (false cross-border links).

The evidence weighed here is what the text says about itself:

* countries and gazetteer places it names (each counts for its country);
* US phone layouts, which other countries of the corridor do not use:
  ``(713) 224-0142``, ``713.224.0142``, ``1-800-843-5678``;
* US postal addresses: a state code before a ZIP code (``Houston, TX 77401``);
* the language: English in a collection whose country does not write it (a
  US partner's memo in a Mexican carpeta) is one vote for the US.

The hint gives way only to the language's usual country, and only when the
evidence for it outweighs the evidence for the hint: a Spanish report from
Guatemala filed by the FGR keeps Mexico (its Mexican numbers must still be
read), an English memo from Texas in the same collection becomes a US
document, an English wire about Tapachula stays Mexican.
"""

from __future__ import annotations

import re
from collections import Counter

from gugus.extract.found import Found
from gugus.extract.geo import LANGUAGE_COUNTRY

# "(713) 224-0142", "713.224.0142", "1-800-843-5678": layouts of the NANP only
# (after "+1" the number says its country itself and is no evidence for the
# text's).
_NANP = re.compile(
    r"(?<![\w(])(?<!\+1 )(?<!\+1)\(\d{3}\)\s?\d{3}-\d{4}(?!\d)"
    r"|(?<![\w.])\d{3}\.\d{3}\.\d{4}(?!\w|\.\d)"
    r"|(?<![\w+-])1-\d{3}-\d{3}-\d{4}(?!\d)"
)
_US_STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "DC",
]
# Countries where a language is commonly written (a Spanish text from the US
# or Guatemala is not, for that alone, Mexican).
_SPOKEN = {
    "es": frozenset(
        [
            "mx",
            "gt",
            "hn",
            "sv",
            "ni",
            "cr",
            "pa",
            "co",
            "ve",
            "ec",
            "pe",
            "bo",
            "cl",
            "ar",
            "uy",
            "py",
            "cu",
            "do",
            "pr",
            "es",
            "bz",
            "us",
        ]
    ),
    "en": frozenset(
        [
            "us",
            "gb",
            "ca",
            "au",
            "nz",
            "ie",
            "bz",
            "jm",
            "tt",
            "bs",
            "bb",
            "gy",
            "ph",
            "sg",
            "my",
            "in",
            "ng",
            "gh",
            "ke",
            "za",
        ]
    ),
    "pt": frozenset(["br", "pt", "ao", "mz", "cv"]),
    "fr": frozenset(
        ["fr", "ht", "ca", "be", "ch", "lu", "sn", "ci", "cm", "cd", "ml", "bf", "ne", "mg"]
    ),
    "id": frozenset(["id"]),
    "ms": frozenset(["my", "bn", "sg", "id"]),
}
_ZIP = re.compile(rf",\s(?:{'|'.join(_US_STATES)})\s\d{{5}}(?:-\d{{4}})?(?!\d)")


def evidence(text: str, geo: list[Found]) -> tuple[Counter[str], int]:
    """Votes per country (ISO alpha-2, lower case) from the text itself, and
    how many of the US votes are phone or address layouts."""
    votes: Counter[str] = Counter()
    for f in geo:
        if f.kind == "country":
            votes[f.value] += 1
        elif f.detail and ":" in f.detail:
            votes[f.detail.rsplit(":", 1)[1]] += 1
    # A phone or address layout says where the text was written; a place
    # named says what it is about: the layout weighs twice.
    us = len(_NANP.findall(text)) + len(_ZIP.findall(text))
    if us:
        votes["us"] += 2 * us
    return votes, us


def main_country(
    hint: str | None, text: str, geo: list[Found], lang: str | None
) -> tuple[str | None, bool]:
    """``(country, overridden)``: the document's main country, and whether the
    text's evidence overrode the ``hint``."""
    votes, layouts = evidence(text, geo)
    own = LANGUAGE_COUNTRY.get(lang or "")
    if hint is None:
        if not votes:
            return own, False
        if own:
            votes[own] += 0.5  # the language breaks ties
        top = max(votes.values())
        return next(code for code, n in votes.items() if n == top), False  # first named
    # The text may be the language's country's document (or a US one, by its
    # phone and address layouts): it is when it names that country (or uses
    # its layouts) more than the hint's.  English counts as one vote for the
    # US where the hint's country does not write it (the partner agencies'
    # reports, memos and press releases); where the hint's country commonly
    # writes the language (Spanish in Guatemala or the US), only a clear
    # majority moves the document.
    if own == hint:  # Spanish in Mexico: Mexicans write "(999) 123-4567" too
        return hint, False
    foreign = hint not in _SPOKEN.get(lang or "", ())
    for other in dict.fromkeys([own, "us" if layouts else None]):
        if other is None or other == hint:
            continue
        if other == own and foreign:
            vote = 1 if lang == "en" else 0
            moved = votes[other] + vote > votes[hint] and votes[other] + vote >= 1
        else:
            moved = votes[other] >= 2 and votes[other] > 2 * votes[hint]
        if moved:
            return other, True
    return hint, False

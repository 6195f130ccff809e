"""Phone numbers, validated strictly by libphonenumber (``is_valid_number``).

A number written with ``+`` or ``00`` carries its country.  A number without
one is read only as a number of the document's main country: trying several
regions in turn accepts almost any digit run somewhere (a US number misread as
Mexican, a date as a Salvadoran landline).  The main country is decided from
the collection's country *and* the text (``gugus.extract.country``); when the
text overrode the collection's country and a number is valid in both, the
text's country wins and ``detail`` says the number is ambiguous.

Two national forms carry their country anyway: ``1-800-843-5678`` (the NANP's
long-distance prefix) is a US/Canadian number, and Mexico's dialling prefixes
before 2019 (``044``/``045`` before a mobile, ``01`` before a long-distance or
``01 800`` number) are dropped when the main country is Mexico.  Candidates come from one compiled
regular expression; amounts, dates and longer identifiers are rejected before
libphonenumber is asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from gugus.extract.claims import Claims
from gugus.extract.found import Found
from gugus.extract.selectors.common import BACKEND

_CANDIDATE = re.compile(
    r"(?<![\w@/.,+\-])(?:\+\s?|00)?(?:\(\+?\d{1,4}\)\s?)?\d(?:[\d]|[ .\-](?=[\d(])|\((?=\d)|\)(?=[ .\-]?\d)){5,22}(?![\w/]|[.,]\d)"
)
_THOUSANDS = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$|^\d{1,3}(?: \d{3}){2,}$")
_DATE_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$|^\d{1,2}[.-]\d{1,2}[.-]\d{2,4}$")
_MONEY_BEFORE = re.compile(
    r"(?:[$€£¥]|\b(?:USD|MXN|US\$|Rp|Q|L|EUR|pesos?|d[oó]lares)\.?)\s*$", re.I
)
_MONEY_AFTER = re.compile(
    r"\s*(?:%|USD|MXN|EUR|pesos|d[oó]lares|dollars|quetzales|lempiras|rupiah|juta|ribu|miliar"
    r"|millones|mil\b|million|billion|km|kg|m\b|metros|meters|personas|people|orang)",
    re.I,
)


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


_NANP_TRUNK = re.compile(r"1[-. ]\d{3}[-. ]\d{3}[-. ]\d{4}")


def _national(candidate: str, region: str) -> str:
    """The number without an old Mexican dialling prefix (044/045/01)."""
    if region == "mx":
        digits = _digits(candidate)
        if len(digits) == 13 and digits.startswith(("044", "045")):
            return digits[3:]
        if len(digits) == 12 and digits.startswith("01"):
            return digits[2:]
    return candidate


def _parse(candidate: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    elif _NANP_TRUNK.fullmatch(candidate):
        candidate = "+" + candidate
    elif region is not None and not candidate.startswith("+"):
        candidate = _national(candidate, region)
    international = candidate.startswith("+")
    if not international and region is None:
        return None
    try:
        number = phonenumbers.parse(candidate, None if international else region.upper())
    except NumberParseException:
        return None
    if phonenumbers.is_valid_number(number):
        return number
    # Mexican mobiles written the pre-2019 way, "+52 1 55 …": drop the 1.
    national = str(number.national_number)
    if number.country_code == 52 and len(national) == 11 and national.startswith("1"):
        number.national_number = int(national[1:])
        if phonenumbers.is_valid_number(number):
            return number
    return None


def _candidates(text: str) -> Iterator[re.Match[str]]:
    for m in _CANDIDATE.finditer(text):
        written = m.group().rstrip(" .-")
        n = len(_digits(written))
        if n < 7 or n > 15:
            continue
        if _THOUSANDS.match(written) or _DATE_LIKE.match(written):
            continue
        if _MONEY_BEFORE.search(text, max(0, m.start() - 6), m.start()):
            continue
        if _MONEY_AFTER.match(text, m.start() + len(written)):
            continue
        yield m


def find_phones(
    text: str, main_country: str | None, claims: Claims, hint: str | None = None
) -> list[Found]:
    """Phone numbers; without ``+`` only those of ``main_country``.  ``hint`` is
    the collection's country when the text overrode it: a number valid there
    too is kept for ``main_country``, with a lower score and ``detail``
    ``"us; also valid in mx"``."""
    out = []
    for m in _candidates(text):
        written = m.group().rstrip(" .-")
        start, end = m.start(), m.start() + len(written)
        if not claims.free(start, end):
            continue
        number = _parse(written, main_country)
        if number is None:
            continue
        region = phonenumbers.region_code_for_number(number) or ""
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        international = written.startswith(("+", "00", "(+")) or bool(
            _NANP_TRUNK.fullmatch(written)
        )
        score, detail = (0.95 if international else 0.8), region.lower() or None
        if not international and hint and hint != main_country and _parse(written, hint):
            score, detail = 0.7, f"{detail}; also valid in {hint}"
        claims.take(start, end)
        out.append(Found("phone", e164, written, start, end, score, BACKEND, detail=detail))
    return out

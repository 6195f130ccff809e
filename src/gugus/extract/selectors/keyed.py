"""Passport numbers and vehicle plates: accepted only right after a keyword.

Neither has a check digit nor a single format across the corridor's
countries, and any run of capitals and digits would otherwise look like one,
so a number counts only when a keyword in one of our languages introduces it
("pasaporte No. G12345678", "paspor nomor B1234567", "placas JKL-123-A",
"nomor polisi B 1234 XYZ").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from gugus.extract.claims import Claims
from gugus.extract.found import Found
from gugus.extract.selectors.common import BACKEND, compact

_PASSPORT_KEYWORD = re.compile(
    r"(?i)\b(?:passports?|pasaportes?|paspor|passeports?|passaportes?)\b"
)
_PLATE_KEYWORD = re.compile(
    r"(?i)\b(?:placas?|license plates?|licence plates?|plates?|plate numbers?|matr[íi]culas?"
    r"|pelat(?: nomor)?|plat nomor|nomor polisi|nopol|tablillas?|plaques?(?: d'immatriculation)?)\b"
)
# A passport number: capitals and digits, 6 to 10 characters, a digit among the
# first four; a letter prefix may stand apart ("C 1234567").
_PASSPORT = re.compile(
    r"(?<![\w/.-])(?:[A-Z]{1,2} \d[A-Z0-9]{5,8}|(?=[A-Z]{0,3}\d)[A-Z0-9]{6,10})(?![\w/-])"
)
# A plate: up to four groups of capitals/digits joined by a hyphen or a space.
_PLATE = re.compile(r"(?<![\w-])[A-Z0-9]{1,8}(?:[- ][A-Z0-9]{1,4}){0,3}(?![\w-])")
_WINDOW = 50


def _window(text: str, start: int) -> str:
    piece = text[start : start + _WINDOW]
    return piece.split("\n\n", 1)[0]


def _plate_value(candidate: str) -> tuple[str, str] | None:
    """The longest leading part of ``candidate`` that looks like a plate."""
    while candidate:
        value = compact(candidate)
        has_letter = any(c.isalpha() for c in value)
        has_digit = any(c.isdigit() for c in value)
        if 5 <= len(value) <= 9 and has_letter and has_digit:
            return candidate, value
        cut = max(candidate.rfind(" "), candidate.rfind("-"))
        if cut <= 0:
            return None
        candidate = candidate[:cut]
    return None


def _passports(text: str) -> Iterator[Found]:
    for kw in _PASSPORT_KEYWORD.finditer(text):
        base = kw.end()
        m = _PASSPORT.search(_window(text, base))
        if m:
            start, end = base + m.start(), base + m.end()
            yield Found("passport", compact(m.group()), text[start:end], start, end, 0.75, BACKEND)


def _plates(text: str) -> Iterator[Found]:
    for kw in _PLATE_KEYWORD.finditer(text):
        base = kw.end()
        for m in _PLATE.finditer(_window(text, base)):
            plate = _plate_value(m.group())
            if plate is None:
                continue
            written, value = plate
            start = base + m.start()
            end = start + len(written)
            yield Found("plate", value, text[start:end], start, end, 0.7, BACKEND)
            break


# Substrings every keyword contains: a text without any is not scanned.
_PASSPORT_STEMS = ("passp", "pasap", "paspor", "passep", "passap")
_PLATE_STEMS = ("plac", "plat", "matr", "pelat", "polisi", "nopol", "tablilla", "plaq")


def find_keyed(text: str, claims: Claims) -> list[Found]:
    low = text.lower()
    found = []
    if any(stem in low for stem in _PASSPORT_STEMS):
        found += _passports(text)
    if any(stem in low for stem in _PLATE_STEMS):
        found += _plates(text)
    out = []
    for item in found:
        if claims.take(item.start, item.end):
            out.append(item)
    return out

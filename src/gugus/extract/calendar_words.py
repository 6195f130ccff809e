"""Month and weekday names per language, taken from dateparser's locale data.

The date finder needs the names to build its candidate expressions; dateparser
already ships them (from CLDR, with common abbreviations), so they are not
typed in here.  Abbreviations ("jun", "mar", "des") are words in other
languages, so the finder accepts them only with a dot or before a year.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class CalendarWords:
    language: str
    months: dict[str, int]  # lower-case full name → 1..12
    month_abbreviations: dict[str, int]
    weekdays: dict[str, int]  # lower-case full name → 0 (Monday) .. 6
    days_ago: tuple[str, ...]  # "yesterday", "ayer", "kemarin", "2 day ago" forms
    days_ago_patterns: tuple[str, ...]  # "hace (?P<n>…) días", with a named group n


def _split(names: list[str]) -> tuple[list[str], list[str]]:
    """(full names, abbreviations) of one month or weekday.

    An abbreviation is a prefix of a longer name ("jun" of "juni"), or a
    three-letter form beside a longer name ("mrt" beside "maret").
    """
    lowered = sorted({n.lower().rstrip(".") for n in names if len(n.rstrip(".")) >= 3})
    longest = max((len(n) for n in lowered), default=0)
    full, abbr = [], []
    for name in lowered:
        prefix = any(other != name and other.startswith(name) for other in lowered)
        if prefix or (len(name) <= 3 < longest):
            abbr.append(name)
        else:
            full.append(name)
    return full, abbr


# Languages dateparser has no data for, written with another's calendar words.
_FALLBACK = {"ht": "fr"}  # Haitian Creole: French month and weekday names


@lru_cache(maxsize=32)
def calendar_words(lang: str) -> CalendarWords | None:
    lang = _FALLBACK.get(lang, lang)
    if not lang.isalpha():
        return None
    try:
        info = importlib.import_module(f"dateparser.data.date_translation_data.{lang}").info
    except ImportError:
        return None
    months: dict[str, int] = {}
    abbreviations: dict[str, int] = {}
    for number, key in enumerate(_MONTHS, 1):
        full, abbr = _split(info.get(key, []))
        months.update((n, number) for n in full)
        abbreviations.update((n, number) for n in abbr)
    weekdays: dict[str, int] = {}
    for number, key in enumerate(_WEEKDAYS):
        full, _ = _split(info.get(key, []))
        weekdays.update((n, number) for n in full if len(n) >= 4)
    relative = info.get("relative-type", {})
    days_ago = tuple(
        phrase.lower() for key in ("1 day ago", "2 day ago") for phrase in relative.get(key, [])
    )
    patterns = []
    for pattern in info.get("relative-type-regex", {}).get("\\1 day ago", []):
        # dateparser writes the number as a possessive group; keep whole words only
        # ("hace 3 días", not the abbreviation "hace 3 d").
        body = pattern.replace("(\\d++[.,]?\\d*+)", "(?P<n>\\d{1,2})")
        if "(?P<n>" in body and not body.endswith(("d", "j", "h")) and "d ago" not in body:
            patterns.append(body)
    return CalendarWords(lang, months, abbreviations, weekdays, days_ago, tuple(patterns))

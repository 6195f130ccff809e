"""Candidate dates: compiled expressions built from dateparser's locale data.

One set of expressions per language, compiled once: the language's month
and weekday names (case-insensitive; abbreviations only with a dot or before
a year, because "mar", "des" and "jun" are words too) plus English month
names, which wire copy uses everywhere, capitalised as English writes them
(so the verb "may" is not May).  The expressions capture day, month, year and
weekday; ``Candidate`` holds them as numbers, read with dateparser's
conventions (the date order given, two-digit years pivoting at 69, a day and
month swapped when the month cannot be one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gugus.extract.calendar_words import calendar_words
from gugus.extract.claims import Claims

_REL_AFTER = re.compile(
    r"\s+(?P<r>yang lalu|lalu|pasado|passado|dernier|mendatang|yang akan datang|próximo|prochain"
    r"|que viene)(?!\w)",
    re.I,
)
_REL_BEFORE = re.compile(
    r"(?<!\w)(?P<r>pasado|passado|último|last|this past|próximo|proximo|next|prochain|dernier)"
    r"\s+(?:(?:el|le|o|on)\s+)?$",
    re.I,
)
_PAST = frozenset(
    {"yang lalu", "lalu", "pasado", "passado", "dernier", "último", "last", "this past"}
)


@dataclass(slots=True)
class Candidate:
    start: int
    end: int
    day: int
    month: int
    year: int  # 0 when the text gives none
    weekday: int | None  # 0 = Monday, when the text names one
    rel: str | None = None  # "past" ("20 Januari lalu"), "future", or None

    @property
    def has_year(self) -> bool:
        return self.year > 0


@dataclass(frozen=True, slots=True)
class _Patterns:
    months: dict[str, int]
    weekdays: dict[str, int]
    regexes: tuple[tuple[str, re.Pattern[str]], ...]


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _cased(words) -> list[str]:
    """English names as English writes them: capitalised or in capitals."""
    return [f(w) for w in words for f in (str.capitalize, str.upper)]


@lru_cache(maxsize=32)
def _patterns(lang: str | None) -> _Patterns:
    en = calendar_words("en")
    assert en is not None
    own = calendar_words(lang) if lang else None
    months = dict(en.months) | dict(en.month_abbreviations)
    weekdays = dict(en.weekdays)
    month_parts, weekday_parts = [], []
    if own and own.language != "en":
        months |= own.months | own.month_abbreviations
        weekdays |= own.weekdays
        month_parts.append(f"(?i:{_alt(own.months)})")
        month_parts.append(rf"(?i:{_alt(own.month_abbreviations)})(?=\.|\s+(?:de\s+)?\d{{4}})")
        weekday_parts.append(f"(?i:{_alt(own.weekdays)})")
    en_months = _alt(_cased(en.months))
    en_abbr = _alt(_cased(en.month_abbreviations))
    month_parts += [en_months, rf"(?:{en_abbr})(?=\.|\s+\d{{4}})"]
    weekday_parts.append(_alt(_cased(en.weekdays)))
    mon = "(?P<mon>" + "|".join(month_parts) + ")"
    # "Oct. 4", "Feb 14th 2023", "Feb 14, 2023": an abbreviation with a dot,
    # or before a day with an ordinal suffix or a year ("Mar 3" stays a word).
    en_mon = (
        rf"(?P<mon>{en_months}|(?:{en_abbr})"
        r"(?=\.|\s+\d{1,2}(?:st|nd|rd|th)\b|\s+\d{1,2},?\s+(?:1[89]|20)\d{2}\b))"
    )
    # "12-OCT-2022", "03-ene-2023" (forms and memos): any case, dashes or
    # slashes, always with a year.
    dash_mon = "(?P<mon>(?i:" + _alt(list(months)) + "))"
    wd = "(?P<wd>" + "|".join(weekday_parts) + ")"
    day = r"(?P<d>[12]\d|3[01]|0?[1-9])"
    year = r"(?P<y>(?:1[89]|20)\d{2})"
    article = r"(?:(?i:el|le|o|the|on|tanggal|tgl\.?)\s+)?"
    wd_prefix = rf"(?:{wd},?\s+{article})?"
    regexes = (
        (  # "8 de junio de 2021", "8 Juni 2021", "martes 8 de junio", "1er juin"
            "dmy-name",
            rf"(?<![\w.,/-]){wd_prefix}{day}(?:º|°|er|st|nd|rd|th)?(?:\s+(?i:de|of))?\s+{mon}\.?"
            rf"(?:,?\s+(?:(?i:de|del|of)\s+)?{year})?(?!\w)",
        ),
        (  # "June 8, 2021", "Tuesday, June 8"
            "mdy-name",
            rf"(?<![\w.,/-]){wd_prefix}{en_mon}\.?\s+{day}(?:st|nd|rd|th)?(?:,?\s+{year})?(?![\w:])",
        ),
        (  # "12-OCT-2022", "3/ene/2023"
            "dmy-dash",
            rf"(?<![\w/.-]){day}(?P<sep>[-/]){dash_mon}(?P=sep){year}(?![\w/-])",
        ),
        (  # "2021-06-08", "2021/06/08"
            "iso",
            r"(?<![\w/.-])(?P<y>(?:19|20)\d{2})(?P<sep>[-/])(?P<m>0?[1-9]|1[0-2])(?P=sep)"
            r"(?P<d>[12]\d|3[01]|0?[1-9])(?!\d)",
        ),
        (  # "08/06/2021", "8.6.21" — never without a year: "3/4" is a fraction
            "numeric",
            rf"(?<![\w/.-]){wd_prefix}(?P<a>\d{{1,2}})(?P<sep>[/.-])(?P<b>\d{{1,2}})(?P=sep)"
            r"(?P<y>\d{4}|\d{2})(?![\d]|[/.-]\d)",
        ),
        (  # "Selasa (8/6)", "martes 8/6": the weekday makes a year-less d/m a date
            "weekday-numeric",
            rf"(?<!\w){wd},?\s*{article}(?P<open>\()?\s*(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})"
            r"(?:/(?P<y>\d{4}|\d{2}))?(?![\d/])(?(open)\s*\))",
        ),
    )
    return _Patterns(months, weekdays, tuple((n, re.compile(rx)) for n, rx in regexes))


def written_year(text: str) -> int:
    """A written year; two digits pivot at 69 like strptime (and dateparser)."""
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 69 else 1900
    return year


def candidates(text: str, lang: str | None, month_first: bool) -> list[Candidate]:
    """Non-overlapping date candidates (longest first), in order of position.

    ``month_first`` reads numeric dates as month/day (US English), else day/month.
    """
    pats = _patterns(lang)
    raw: list[Candidate] = []
    for name, rx in pats.regexes:
        for m in rx.finditer(text):
            groups = m.groupdict()
            weekday = pats.weekdays.get(groups["wd"].lower()) if groups.get("wd") else None
            year = written_year(groups["y"]) if groups.get("y") else 0
            if name in ("dmy-name", "mdy-name", "dmy-dash"):
                day, month = int(groups["d"]), pats.months[groups["mon"].lower()]
            elif name == "iso":
                day, month = int(groups["d"]), int(groups["m"])
            else:
                if (
                    groups.get("sep") == "."
                    and len(groups["y"] or "") == 2
                    and (len(groups["a"]) == 1 or len(groups["b"]) == 1)
                ):
                    continue  # "1.2.21" is a version number more often than a date
                a, b = int(groups["a"]), int(groups["b"])
                day, month = (b, a) if month_first else (a, b)
                if month > 12 >= day:  # "15/07" read month-first: dateparser swaps too
                    day, month = month, day
            raw.append(Candidate(m.start(), m.end(), day, month, year, weekday))
    raw.sort(key=lambda c: (c.start - c.end, c.start))
    taken = Claims()
    kept = [c for c in raw if taken.take(c.start, c.end)]
    kept.sort(key=lambda c: c.start)
    for c in kept:
        after = _REL_AFTER.match(text, c.end)
        before = _REL_BEFORE.search(text, max(0, c.start - 24), c.start)
        marker = after or before
        if marker:
            c.rel = "past" if marker.group("r").lower() in _PAST else "future"
            if after:
                c.end = after.end()
    return kept

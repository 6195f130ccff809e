"""Dates in a text, with the year settled from the document's own date.

Candidates come from ``date_patterns`` (expressions built from dateparser's
month and weekday names); their day, month and year are read from the match
and checked against dateparser in the tests.  Calling dateparser on every
candidate cost about a millisecond each, more than all other extraction
together, so dateparser parses only what only it can read: relative
expressions ("ayer", "kemarin", "hace 3 días", "il y a 2 jours") against the
document's date.

A date written without a year takes it from the document's date: the
``published`` argument, else a dated dateline in the first sentence.  When
neither is known, a weekday written beside a day and month pins the year:
"Selasa (8/6)" is Tuesday 8 June, and the latest year not after the load date
in which 8 June fell on a Tuesday is 2021.  The latest such date becomes the
inferred document date, and every date resolved from it is marked
``inferred``.  "20 Januari lalu" (last 20 January) is the latest 20 January
not after the document date; other year-less dates take the nearest year.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import dateparser

from gugus.extract.calendar_words import calendar_words
from gugus.extract.claims import Claims
from gugus.extract.date_patterns import Candidate, candidates
from gugus.extract.found import Found

BACKEND = "gugus.dates/1"

_DATELINE_CHARS = 200
# The end of the first sentence: a full stop, "!" or "?" before a space, or a
# line break; not the full stop after an initial or a short abbreviation
# ("Cd.", "St.").
_SENTENCE_END = re.compile(r"(?<![A-Z])(?<!\b[A-Z][a-z])(?<!\b[A-Z][a-z][a-z])[.!?](?=\s)|\n")
_WEEKDAY_YEARS = 60
# Header lines before the first sentence: up to this many, each shorter than
# this ("FOR IMMEDIATE RELEASE", "NOTA INFORMATIVA", "To: Case Agent").
_HEADER_LINES = 8
_HEADER_LINE = 60
# A labelled date in a memo's header ("Date: 03/05/2023", "FECHA DEL REPORTE:
# 12-OCT-2022", "Tanggal: …") dates the document.
_LABELLED_CHARS = 1_000
_DATE_LABEL = re.compile(
    r"(?im)^[ \t]*(?:date|dated|fecha(?: del? [a-záéíóú]+)?|data|tanggal|tarikh)[ \t]*:[ \t]*"
)


@dataclass(frozen=True, slots=True)
class DocumentDate:
    """The date a text was written: given, read from a dateline, or inferred."""

    date: datetime.date | None
    source: str | None  # "given" | "dateline" | "weekday" | None
    inferred: bool


def _valid(year: int, month: int, day: int) -> datetime.date | None:
    if not 1900 <= year <= 2100:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def settle_year(c: Candidate, ref: datetime.date) -> datetime.date | None:
    """The date of a year-less day and month relative to ``ref``: the latest not
    after it for "last …", the earliest not before it for "next …", else the
    nearest."""
    options = [
        d for y in (ref.year - 1, ref.year, ref.year + 1) if (d := _valid(y, c.month, c.day))
    ]
    if c.rel == "past":
        return max((d for d in options if d <= ref), default=None)
    if c.rel == "future":
        return min((d for d in options if d >= ref), default=None)
    return min(options, key=lambda d: (abs((d - ref).days), d), default=None)


def weekday_date(cands: list[Candidate], today: datetime.date) -> datetime.date | None:
    """The latest year, not after ``today``, in which most weekday-named year-less
    dates fall on their weekday; the latest of those dates in that year."""
    pinned = [c for c in cands if c.weekday is not None and not c.has_year]

    def fits(c: Candidate, year: int) -> datetime.date | None:
        d = _valid(year, c.month, c.day)
        return d if d is not None and d <= today and d.weekday() == c.weekday else None

    votes = Counter(
        year
        for year in range(today.year, today.year - _WEEKDAY_YEARS, -1)
        for c in pinned
        if fits(c, year)
    )
    if not votes:
        return None
    best = max(votes.values())
    year = max(y for y, n in votes.items() if n == best)
    return max(d for c in pinned if (d := fits(c, year)))


def _opening(text: str) -> int:
    """Where the dateline zone ends: the first sentence, or, when the text
    opens with short header lines ("FOR IMMEDIATE RELEASE", "MEMORANDUM",
    "To: …"), the first sentence after them; at most ``_DATELINE_CHARS`` past
    the headers."""
    pos = len(text) - len(text.lstrip())
    for _ in range(_HEADER_LINES):
        line_end = text.find("\n", pos)
        if line_end < 0 or line_end - pos >= _HEADER_LINE:
            break
        pos = line_end + 1
    first = _SENTENCE_END.search(text, pos)
    end = first.start() if first else len(text)
    if first and first.group() == "\n" and end - pos < _HEADER_LINE:
        end = text.find("\n", end + 1)  # a short dated line: "Tuesday, September 12, 2023"
        end = len(text) if end < 0 else end
    return min(_DATELINE_CHARS + pos, end)


def document_date(
    text: str, cands: list[Candidate], published: datetime.date | None, today: datetime.date
) -> DocumentDate:
    if published is not None:
        return DocumentDate(published, "given", False)
    opening = _opening(text)
    for c in cands:
        if c.start >= opening:
            break
        if c.has_year and (d := _valid(c.year, c.month, c.day)) and d <= today:
            return DocumentDate(d, "dateline", False)
    head = text[:_LABELLED_CHARS]
    for m in _DATE_LABEL.finditer(head):
        for c in cands:
            if c.start >= m.end() + 3:
                break
            d = _valid(c.year, c.month, c.day) if c.has_year and c.start >= m.end() else None
            if d is not None and d <= today:
                return DocumentDate(d, "dateline", False)
    pinned = weekday_date(cands, today)
    if pinned is not None:
        return DocumentDate(pinned, "weekday", True)
    return DocumentDate(None, None, False)


@lru_cache(maxsize=32)
def _days_ago(lang: str) -> re.Pattern[str] | None:
    words = calendar_words(lang)
    if words is None or not (words.days_ago or words.days_ago_patterns):
        return None
    numbered = [p.replace("(?P<n>", "(?:") for p in words.days_ago_patterns]
    phrases = [re.escape(p) for p in words.days_ago]
    alternatives = "|".join(sorted(numbered + phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?i:{alternatives})(?![\w-])")


@lru_cache(maxsize=4096)
def _relative(text: str, lang: str, reference: datetime.date) -> datetime.date | None:
    """dateparser's reading of a relative expression against the document date."""
    base = datetime.datetime.combine(reference, datetime.time(12))
    settings = {"RELATIVE_BASE": base, "PARSERS": ["relative-time"]}
    parsed = dateparser.parse(text, languages=[lang], settings=settings)
    return parsed.date() if parsed else None


def _relative_dates(text: str, lang: str | None, doc: DocumentDate, claims: Claims) -> list[Found]:
    """ "ayer", "kemarin", "hace 3 días": only against a known document date (the
    load date is not the day the text was written)."""
    rx = _days_ago(lang) if lang else None
    if rx is None or doc.date is None:
        return []
    out = []
    for m in rx.finditer(text):
        if not claims.free(m.start(), m.end()):
            continue
        value = _relative(m.group().lower(), lang, doc.date)
        if value is None:
            continue
        claims.take(m.start(), m.end())
        detail = "relative to document date"
        out.append(
            Found(
                "date", value.isoformat(), m.group(), m.start(), m.end(), 0.6, BACKEND, True, detail
            )
        )
    return out


def find_dates(
    text: str,
    lang: str | None,
    *,
    published: datetime.date | None,
    today: datetime.date,
    month_first: bool,
    claims: Claims,
) -> tuple[list[Found], DocumentDate]:
    """Dates in ``text`` and the document date they were settled against."""
    cands = [c for c in candidates(text, lang, month_first) if claims.free(c.start, c.end)]
    doc = document_date(text, cands, published, today)
    out = []
    for c in cands:
        inferred, detail, score = False, None, 0.9
        if c.has_year:
            value = _valid(c.year, c.month, c.day)
        elif doc.date is not None:
            value = settle_year(c, doc.date)
            score = 0.8
            if doc.source == "weekday":
                inferred = True
                pinned = value is not None and value.weekday() == c.weekday
                detail = "year from weekday" if pinned else "year from inferred document date"
            else:
                detail = "year from document date"
        else:
            # Nothing dates the text: the latest such day not after the load
            # date (a text does not report what has not happened yet).
            c.rel = c.rel or "past"
            value = settle_year(c, today)
            inferred, detail, score = True, "year from load date", 0.4
        if value is None:
            continue
        if c.weekday is not None and value.weekday() != c.weekday:
            score, detail = min(score, 0.5), "weekday does not match"
        claims.take(c.start, c.end)
        written = text[c.start : c.end]
        out.append(
            Found(
                "date", value.isoformat(), written, c.start, c.end, score, BACKEND, inferred, detail
            )
        )
    out += _relative_dates(text, lang, doc, claims)
    out.sort(key=lambda f: f.start)
    return out, doc

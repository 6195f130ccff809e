"""Dates: candidates read as dateparser reads them, years settled from the
document's date, from a dateline, or pinned by a weekday."""

from __future__ import annotations

import datetime as dt

import dateparser
import pytest
from babel.dates import format_date
from hypothesis import given
from hypothesis import strategies as st

from gugus.extract import extract
from gugus.extract.date_patterns import candidates

TODAY = dt.date(2026, 11, 30)


def dates(text: str, lang: str, **kw) -> list[str]:
    kw.setdefault("today", TODAY)
    return extract(text, language=lang, **kw).values("date")


# -- the direct reading agrees with dateparser (the reference implementation) ------------

FORMATS = {
    # language: babel patterns of dates as the language writes them
    "es": ["d 'de' MMMM 'de' y", "EEEE d 'de' MMMM 'de' y", "dd/MM/y", "d/M/yy"],
    "pt": ["d 'de' MMMM 'de' y", "dd/MM/y"],
    "fr": ["d MMMM y", "EEEE d MMMM y", "dd/MM/y"],
    "id": ["d MMMM y", "EEEE, d MMMM y", "dd/MM/y"],
    "en": ["MMMM d, y", "EEEE, MMMM d, y", "d MMMM y", "MM/dd/y", "y-MM-dd"],
}


@given(
    st.dates(dt.date(1950, 1, 1), dt.date(2060, 12, 31)),
    st.sampled_from([(lang, fmt) for lang, fmts in FORMATS.items() for fmt in fmts]),
)
def test_candidates_read_as_dateparser_reads_them(day, lang_fmt):
    lang, fmt = lang_fmt
    written = format_date(day, fmt, locale=lang)
    month_first = lang == "en"
    found = candidates(f"Texto: {written}.", lang, month_first)
    assert len(found) == 1, written
    c = found[0]
    reference = dateparser.parse(
        written,
        languages=[lang],
        settings={"DATE_ORDER": "MDY" if month_first else "DMY", "PREFER_LOCALE_DATE_ORDER": False},
    )
    assert reference is not None, written
    assert (c.year, c.month, c.day) == (reference.year, reference.month, reference.day), written
    assert (c.year, c.month, c.day) == (day.year, day.month, day.day) or "yy" in fmt


# -- year settling ----------------------------------------------------------------------


def latest_year_on_weekday(month: int, day: int, weekday: int, today: dt.date) -> int:
    year = today.year
    while True:
        try:
            d = dt.date(year, month, day)
        except ValueError:
            d = None
        if d is not None and d <= today and d.weekday() == weekday:
            return year
        year -= 1


def test_weekday_pins_the_year_to_the_latest_before_the_load_date():
    text = "Polisi menangkap tersangka pada Selasa (8/6)."
    assert dates(text, "id") == ["2021-06-08"]
    early = dt.date(2021, 6, 7)  # before that Tuesday: an earlier year
    year = latest_year_on_weekday(6, 8, 1, early)
    assert dates(text, "id", today=early) == [f"{year}-06-08"]
    assert year < 2021


@given(st.dates(dt.date(1990, 1, 1), dt.date(2026, 11, 30)))
def test_weekday_inference_property(day):
    weekday = format_date(day, "EEEE", locale="es")
    found = extract(
        f"El {weekday} {day.day}/{day.month} hubo una detención.", language="es", today=TODAY
    )
    (item,) = found.of("date")
    settled = dt.date.fromisoformat(item.value)
    assert (settled.month, settled.day, settled.weekday()) == (day.month, day.day, day.weekday())
    assert day.year <= settled.year <= TODAY.year
    assert settled.year == latest_year_on_weekday(day.month, day.day, day.weekday(), TODAY)
    assert item.inferred and found.published == settled and found.published_source == "weekday"


def test_most_weekdays_agree_on_one_year():
    # Three weekday dates of June 2021 and one typo (Friday 8 June): 2021 wins.
    text = "Lunes 7/6, martes 8/6, miércoles 9/6 y viernes 8/6."
    found = extract(text, language="es", today=TODAY)
    assert found.published == dt.date(2021, 6, 9)
    last = found.of("date")[-1]
    assert last.value == "2021-06-08" and last.detail == "weekday does not match"


@pytest.mark.parametrize(
    ("text", "lang", "published", "expected"),
    [
        ("el 20 de enero pasado", "es", "2021-06-08", ["2021-01-20"]),
        ("pada 20 Juli lalu", "id", "2021-06-08", ["2020-07-20"]),  # last July: the year before
        ("el próximo 3 de julio", "es", "2021-06-08", ["2021-07-03"]),
        ("le 20 janvier dernier", "fr", "2021-06-08", ["2021-01-20"]),
        ("on 8 December", "en", "2021-01-05", ["2020-12-08"]),  # the nearest 8 December
        ("el 8 de junio", "es", "2021-06-10", ["2021-06-08"]),
        ("ayer y hace 3 días", "es", "2021-06-10", ["2021-06-09", "2021-06-07"]),
        ("kemarin", "id", "2021-06-10", ["2021-06-09"]),
        ("il y a 2 jours", "fr", "2021-06-10", ["2021-06-08"]),
        ("Lundi 7 juin li te rele", "ht", "2021-06-10", ["2021-06-07"]),  # French calendar words
    ],
)
def test_relative_to_the_document_date(text, lang, published, expected):
    found = extract(text, language=lang, published=dt.date.fromisoformat(published), today=TODAY)
    assert found.values("date") == expected
    assert found.published_source == "given"


def test_relative_words_need_a_document_date():
    assert dates("Ayer detuvieron a dos personas.", "es") == []


def test_dateline_is_the_document_date():
    text = "Ciudad de Guatemala, 14 de marzo de 2023. La denuncia del 2 de marzo."
    found = extract(text, language="es", today=TODAY)
    assert (found.published, found.published_source, found.published_inferred) == (
        dt.date(2023, 3, 14),
        "dateline",
        False,
    )
    assert found.values("date") == ["2023-03-14", "2023-03-02"]
    assert found.of("date")[1].detail == "year from document date"


def test_a_dated_second_sentence_is_no_dateline():
    found = extract(
        "San Salvador. El informe 2021-06-08 registra el 9 de junio.", language="es", today=TODAY
    )
    assert found.published is None and found.published_source is None
    loose = found.of("date")[1]
    assert loose.inferred and loose.detail == "year from load date" and loose.score < 0.5


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("el 31 de febrero de 2021", "es", []),
        ("el 30/02/2021", "es", []),
        ("el 8 mar fue tranquilo", "es", []),  # "mar" is the sea, not March
        ("el 8 mar. 2021", "es", ["2021-03-08"]),
        ("8 may be enough", "en", []),
        ("On May 8, 2021", "en", ["2021-05-08"]),
        ("3/4 de las víctimas", "es", []),  # a fraction, not a date
        ("a las 10:30 del 2021-06-08", "es", ["2021-06-08"]),
        ("6/8/2021", "en", ["2021-06-08"]),  # US order in US English
        ("6/8/2021", "es", ["2021-08-06"]),
        ("15/07/2021", "en", ["2021-07-15"]),  # no 15th month: read day-first
        ("1er juin 2021", "fr", ["2021-06-01"]),
        ("terça-feira, 8 de junho de 2021", "pt", ["2021-06-08"]),
        ("version 1.2.21", "en", []),
    ],
)
def test_candidates_and_decoys(text, lang, expected):
    assert dates(text, lang, country="us" if lang == "en" else None) == expected

"""The Indonesian Xinhua wire report this project started from
(../shared/samples/news-id-task-force.txt): no year anywhere in it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gugus.extract import extract

_SHARED = Path(__file__).resolve().parents[3] / "shared" / "samples" / "news-id-task-force.txt"
# A copy travels with the tests, for checkouts without ../shared.
_COPY = Path(__file__).resolve().parents[1] / "ingest" / "fixtures" / "news-id-task-force.txt"
SAMPLE = _SHARED if _SHARED.exists() else _COPY
TODAY = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def found():
    return extract(SAMPLE.read_text(encoding="utf-8"), today=TODAY)


def test_language_is_indonesian(found):
    assert found.language == "id"


def test_people_and_no_junk(found):
    people = found.values("person")
    assert people == ["Andres Manuel Lopez Obrador", "Kamala Harris", "Joe Biden"]
    for junk in ("Mexico City", "Istana Nasional", "Segitiga Utara", "Harris", "Lopez Obrador"):
        assert junk not in people


def test_surnames_resolve_to_the_full_name(found):
    mentions = {(f.text, f.value) for f in found.of("person")}
    assert ("Harris", "Kamala Harris") in mentions
    assert ("Lopez Obrador", "Andres Manuel Lopez Obrador") in mentions


def test_countries_with_indonesian_as(found):
    countries = found.values("country")
    assert {"mx", "us", "gt", "hn", "sv"} <= set(countries)
    assert "as" not in countries  # "AS" is Amerika Serikat, not American Samoa
    assert countries[0] == "mx"


def test_dates_and_publication_from_weekdays(found):
    dates = {f.value: f for f in found.of("date")}
    assert dates["2021-06-08"].text == "Selasa (8/6)"
    assert dates["2021-06-07"].text == "Senin (7/6)"
    assert dates["2021-06-08"].inferred and dates["2021-06-07"].inferred
    assert dates["2021-06-08"].detail == "year from weekday"
    assert dates["2021-01-20"].text == "20 Januari lalu"  # last 20 January
    assert (found.published, found.published_source, found.published_inferred) == (
        dt.date(2021, 6, 8),
        "weekday",
        True,
    )


def test_places_are_locations_not_people(found):
    locations = found.values("location")
    assert {"Mexico City", "Istana Nasional", "Segitiga Utara"} <= set(locations)
    assert "Xinhua" in found.values("organization")

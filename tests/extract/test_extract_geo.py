"""Countries (CLDR names + aliases, language- and case-aware) and corridor places."""

from __future__ import annotations

import pytest

from gugus.extract import extract
from gugus.extract.found import Found
from gugus.extract.geo import main_country


def countries(text: str, lang: str) -> list[str]:
    return extract(text, language=lang).values("country")


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Wakil Presiden AS tiba di Meksiko.", "id", ["us", "mx"]),
        ("As a result, the AS team met.", "en", []),  # "AS" is Indonesian for the US only
        ("Pejabat As itu", "id", []),  # and only in capitals
        ("The US and the U.S.A. and the U.S. and USA.", "en", ["us"]),
        ("Let us go.", "en", []),
        ("EE. UU., EE.UU. y EEUU", "es", ["us"]),
        ("Os EUA e o Brasil", "pt", ["us", "br"]),
        ("Mexico y Mexique y México", "es", ["mx"]),  # accents dropped, English name
        ("les États-Unis et le Salvador", "fr", ["us", "sv"]),
        ("Estados Unidos Mexicanos", "es", ["mx"]),
        ("Amerika Serikat dan Tiongkok", "id", ["us", "cn"]),
        ("Georgia, Jordan and Chad were there.", "en", []),  # a state and two first names
        ("Samoa Amerika", "id", ["as"]),  # the real American Samoa still works
    ],
)
def test_country_names_and_aliases(text, lang, expected):
    assert countries(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang", "location", "not_country"),
    [
        ("Llegaron a Mexico City ayer.", "es", "Mexico City", "mx"),
        ("MEXICO CITY – Meksiko dan AS", "id", "MEXICO CITY", None),
        ("cruzaron hacia Nuevo México", "es", "Nuevo México", "mx"),
        ("drove to New Mexico", "en", "New Mexico", "mx"),
        ("en Ciudad de Guatemala", "es", "Ciudad de Guatemala", "gt"),
        ("desde Tecun Uman", "es", "Tecun Uman", None),  # without accents
        ("en San Salvador", "es", "San Salvador", "sv"),
    ],
)
def test_places_win_over_the_country_inside_them(text, lang, location, not_country):
    found = extract(text, language=lang)
    assert location in found.values("location")
    if not_country:
        assert not_country not in found.values("country")


def test_place_detail_names_kind_and_country():
    (item,) = extract("en Tapachula", language="es").of("location")
    assert (item.value, item.detail, item.backend) == ("Tapachula", "city:mx", "gugus.places/1")


def _country(code: str) -> Found:
    return Found("country", code, code, 0, 1, 0.9, "gugus.countries/1")


def _place(code: str) -> Found:
    return Found("location", "x", "x", 0, 1, 0.8, "gugus.places/1", detail=f"city:{code}")


def test_main_country():
    assert main_country([_country("gt"), _country("mx"), _country("mx")], "es") == "mx"
    assert main_country([_country("gt"), _country("mx")], "es") == "mx"  # tie: the language's
    assert main_country([_country("gt"), _country("hn")], "es") == "gt"  # tie: first named
    assert main_country([_country("mx"), _place("us"), _place("us")], "en") == "us"
    assert main_country([], "id") == "id"
    assert main_country([], None) is None

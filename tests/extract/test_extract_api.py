"""The public surface of gugus.extract: exports, data types, bad input, docs."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import gugus.extract as api
from gugus.errors import InvalidInput
from gugus.extract import KINDS, Extraction, Found, detect_language, extract

DOCS = Path(__file__).resolve().parents[2] / "docs" / "extraction.md"


def test_exports_are_complete():
    public = {name for name in vars(api) if not name.startswith("_")}
    modules = {name for name in public if isinstance(getattr(api, name), type(api))}
    assert set(api.__all__) == public - modules - {"annotations"}
    for name in api.__all__:
        assert hasattr(api, name)


def test_found_is_frozen_and_extraction_values_are_distinct_in_order():
    a = Found("country", "mx", "México", 0, 6, 0.9, "gugus.countries/1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.value = "us"  # type: ignore[misc]
    b = Found("country", "us", "EE. UU.", 8, 15, 0.8, "gugus.countries/1", detail="alias")
    c = Found("country", "mx", "Mexico", 20, 26, 0.9, "gugus.countries/1")
    ex = Extraction("es", 0.9, None, None, False, [a, b, c])
    assert ex.values("country") == ["mx", "us"]
    assert ex.values("phone") == []
    assert ex.of("country") == [a, b, c]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"country": "mex"}, "country"),
        ({"country": "m1"}, "country"),
        ({"language": "e"}, "language"),
        ({"published": "2021-06-08"}, "published"),
        ({"today": 20210608}, "today"),
        ({"names": "no-such-backend"}, "names"),
    ],
)
def test_bad_arguments_name_the_field(kwargs, field):
    with pytest.raises(InvalidInput) as info:
        extract("texto", **kwargs)
    assert field in info.value.message or info.value.details[0]["field"] == field


def test_text_must_be_a_string():
    with pytest.raises(InvalidInput, match="text"):
        extract(None)  # type: ignore[arg-type]


def test_country_hint_in_either_case_and_datetimes_accepted():
    found = extract(
        "Tel. 55 1234 5678, el martes 8/6",
        language="es",
        country="MX",
        published=dt.datetime(2021, 6, 10, 9, 30),
        today=dt.datetime(2026, 11, 30, 1, 0),
    )
    assert found.values("phone") == ["+525512345678"]
    assert found.values("date") == ["2021-06-08"]
    assert found.published == dt.date(2021, 6, 10)


def test_empty_and_short_texts():
    empty = extract("")
    assert (empty.language, empty.language_score, empty.items) == (None, 0.0, [])
    assert detect_language("ok") == (None, 0.0)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("La fiscalía recibió la denuncia de la víctima en la frontera.", "es"),
        ("The prosecutor received the victim's complaint at the border.", "en"),
        ("A polícia recebeu a denúncia da vítima na fronteira ontem.", "pt"),
        ("La police a reçu la plainte de la victime à la frontière.", "fr"),
        ("Polisi menerima laporan korban di perbatasan kemarin.", "id"),
    ],
)
def test_detect_language(text, lang):
    code, score = detect_language(text)
    assert code == lang and 0 < score <= 1


@given(st.text(max_size=300))
def test_any_text_gives_consistent_offsets(text):
    found = extract(text, language="es", today=dt.date(2026, 11, 30))
    for item in found.items:
        assert item.kind in KINDS
        assert text[item.start : item.end] == item.text
        assert 0 <= item.score <= 1


def test_same_text_same_result():
    text = "El martes 8/6 llamaron al +52 55 1234 5678 desde Tapachula; Sra. Ana López."
    assert extract(text, today=dt.date(2026, 11, 30)) == extract(text, today=dt.date(2026, 11, 30))


def test_docs_describe_every_kind_and_the_backend_interface():
    doc = DOCS.read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"`{kind}`" in doc, kind
    for term in (
        "gugus.names",
        "GUGUS_SPACY_MODEL",
        "NameSpan",
        "benchmarks/extract.py",
        "inferred",
    ):
        assert term in doc, term

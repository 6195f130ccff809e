"""The fixture documents (tests/extract/fixtures/documents.yaml): planted
identifiers with valid and invalid check digits, tricky phones, dates without a
year, names, in Spanish, English, Portuguese, French and Indonesian.

``expect`` lists are complete (exact sets), ``present`` must be found,
``absent`` must not.  benchmarks/extract.py scores the same file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gugus.extract import KINDS, Extraction, extract

FIXTURES = Path(__file__).parent / "fixtures" / "documents.yaml"
DOCS = yaml.safe_load(FIXTURES.read_text(encoding="utf-8"))


def run(doc: dict) -> Extraction:
    return extract(
        doc["text"],
        country=doc.get("country"),
        published=doc.get("published"),
        today=doc["today"],
    )


@pytest.fixture(scope="module")
def results() -> dict[str, Extraction]:
    return {doc["id"]: run(doc) for doc in DOCS}


def test_fixture_file_is_well_formed():
    ids = [doc["id"] for doc in DOCS]
    assert len(ids) == len(set(ids))
    languages = {doc["language"] for doc in DOCS}
    assert {"es", "en", "pt", "fr", "id"} <= languages
    for doc in DOCS:
        for section in ("expect", "present", "absent"):
            assert set(doc.get(section) or {}) <= set(KINDS), (doc["id"], section)


@pytest.mark.parametrize("doc", DOCS, ids=[d["id"] for d in DOCS])
def test_expected_values_exactly(doc, results):
    found = results[doc["id"]]
    for kind, values in (doc.get("expect") or {}).items():
        assert sorted(found.values(kind)) == sorted(str(v) for v in values), kind


@pytest.mark.parametrize("doc", DOCS, ids=[d["id"] for d in DOCS])
def test_present_and_absent(doc, results):
    found = results[doc["id"]]
    for kind, values in (doc.get("present") or {}).items():
        missing = [v for v in values if str(v) not in found.values(kind)]
        assert not missing, (kind, missing, found.values(kind))
    for kind, values in (doc.get("absent") or {}).items():
        wrong = [v for v in values if str(v) in found.values(kind)]
        assert not wrong, (kind, wrong)


@pytest.mark.parametrize("doc", DOCS, ids=[d["id"] for d in DOCS])
def test_language_and_document_date(doc, results):
    found = results[doc["id"]]
    assert found.language == doc["language"]
    assert 0 < found.language_score <= 1
    assert found.published_source == doc.get("published_source")
    if "published_expect" in doc:
        assert found.published == doc["published_expect"]
    assert found.published_inferred == (doc.get("published_source") == "weekday")


@pytest.mark.parametrize("doc", DOCS, ids=[d["id"] for d in DOCS])
def test_offsets_cite_the_text(doc, results):
    text = doc["text"]
    items = results[doc["id"]].items
    assert items == sorted(items, key=lambda f: (f.start, f.end))
    for item in items:
        assert text[item.start : item.end] == item.text
        assert 0 <= item.score <= 1
        assert "/" in item.backend
    # no two items claim overlapping text
    for a, b in zip(items, items[1:], strict=False):
        assert a.end <= b.start, (a, b)

"""A pair's explanation in words: every level label the models use has a
code (no model label falls through to "other"), weights map to strengths."""

from __future__ import annotations

import pytest

from gugus.xref import engine
from gugus.xref.explain import explain, level_code, strength


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("Exact match on dob", "exact"),
        ("Jaro-Winkler distance of s1 >= 0.92", "very_similar"),
        ("Jaro-Winkler distance of s1 >= 0.8", "similar"),
        ("Levenshtein distance of postcode <= 1", "one_character"),
        ("All other comparisons", "different"),
        ("shared phone", "shared"),
        ("day and month swapped", "day_month_swapped"),
        ("given name in the surname's place", "name_in_surname_place"),
        ("Jaro-Winkler distance of street_key >= 0.9", "very_similar"),
        ("same street number, similar address", "street_number_similar"),
        ("something new", "other"),
    ],
)
def test_level_codes(label, code):
    assert level_code(label)[0] == code


@pytest.mark.parametrize("family", ["Person", "Organization"])
def test_every_level_of_the_models_has_words(family):
    b = engine.backend("duckdb")
    labels = {
        level.label_for_charts
        for comp in engine.MODELS[family].comparisons(b)
        for level in comp.get_comparison("duckdb").comparison_levels
        if not level.is_null_level
    }
    assert labels
    assert {lbl for lbl in labels if level_code(lbl)[0] == "other"} == set()


@pytest.mark.parametrize(
    ("weight", "code"),
    [(9.0, "strong_for"), (5.0, "strong_for"), (1.0, "for"), (0.0, "neutral"),
     (-1.0, "against"), (-4.99, "against"), (-5.0, "strong_against")],
)  # fmt: skip
def test_strengths(weight, code):
    assert strength(weight)[0] == code


def test_explain_orders_by_weight_and_skips_the_judgement_note():
    items = explain(
        {
            "gender": {"level": "Exact match on gender", "weight": 0.99},
            "birth_date": {"level": "All other comparisons", "weight": -6.0},
            "phones": {"level": "shared phone", "weight": 8.7},
            "judgement": "unsure",
        }
    )
    assert [i["field"] for i in items] == ["phones", "gender", "birth_date"]
    assert items[0]["props"] == ["phone"] and items[0]["field_words"] == "phones"
    assert items[2]["words"] == "birth date: different (strong evidence against, weight -6.00)"
    [sel] = explain({"selector": {"kind": "passport", "shared": 2, "entities": 3}})
    assert (sel["code"], sel["kind"], sel["shared"], sel["weight"]) == (
        "shared",
        "passport",
        2,
        None,
    )

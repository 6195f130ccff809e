"""A pair's explanation in words: per compared field, what was found (the
comparison level), its match weight and what that weight means.

A run stores each model pair's explanation as Splink left it — per field the
label of the level that fired ("Exact match on dob", "Jaro-Winkler distance
of s1 >= 0.92", "day and month swapped") and the match weight (log2 of the
Bayes factor, term-frequency adjustment included); a selector pair names the
identifier, phone or e-mail shared.  This module turns that into items a
person reads, with stable codes (``field``, ``code``, ``strength``) that a
page translates and an English ``words`` for the CLI and API.  It reads
nothing: the explanation is already part of a pair the reader may see.
"""

from __future__ import annotations

import re

from gugus.xref.records import ID_PROPS

# The fields a model compares, in words, and the FtM properties each reads.
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "given": ("given name", ("name", "firstName", "secondName", "middleName")),
    "surname": ("surname", ("name", "lastName", "fatherName")),
    "maternal_surname": ("maternal surname", ("name", "motherName")),
    "name": ("name", ("name", "alias")),
    "birth_date": ("birth date", ("birthDate",)),
    "country": ("country", ("nationality", "citizenship", "country", "jurisdiction")),
    "gender": ("gender", ("gender",)),
    "identifiers": ("identifiers", ID_PROPS),
    "phones": ("phones", ("phone",)),
    "emails": ("e-mails", ("email",)),
    "postcode": ("postcode", ("address", "postalCode")),
    "address": ("address", ("address",)),
    "selector": ("shared selector", ()),
}

# Level labels → (code, words).  Splink's generated labels are matched by
# pattern, the model's own labels (gugus.xref.engine) by text.
_PATTERNS = [
    (re.compile(r"^Exact match on "), "exact", "the same"),
    (re.compile(r"^Jaro-Winkler distance of .+ >= 0\.9"), "very_similar", "spelled almost alike"),
    (re.compile(r"^Jaro-Winkler distance of "), "similar", "spelled alike in part"),
    (re.compile(r"^Levenshtein distance of .+ <= 1$"), "one_character", "one character apart"),
    (re.compile(r"^All other comparisons$"), "different", "different"),
    (re.compile(r"^shared "), "shared", "a value in common"),
]
_LABELS = {
    "one of a compound given name": ("compound", "one of a compound given name"),
    "given name and surname swapped": ("swapped", "given name and surname swapped"),
    "given name in the surname's place": (
        "name_in_surname_place",
        "given name in the surname's place",
    ),
    "sounds alike": ("sounds_alike", "sounds alike"),
    "first word sounds alike": ("first_word_sounds_alike", "first word sounds alike"),
    "paternal and maternal surname crossed": (
        "surnames_crossed",
        "paternal and maternal surname crossed",
    ),
    "day and month swapped": ("day_month_swapped", "day and month swapped"),
    "one digit off": ("one_digit_off", "one digit off"),
    "within a year": ("within_a_year", "within a year"),
    "same street number, similar address": (
        "street_number_similar",
        "same street number, similar address",
    ),
    "same street number": ("street_number", "same street number"),
    "same postcode": ("same_postcode", "same postcode"),
    "two words in common": ("two_words", "two words in common"),
}
# Match weight → how strong the evidence is (a weight of 5 is a Bayes factor
# of 32): at least 5, at least 1, strictly between -1 and 1, above -5, the rest.
STRENGTHS = {
    "strong_for": "strong evidence for",
    "for": "evidence for",
    "neutral": "little evidence either way",
    "against": "evidence against",
    "strong_against": "strong evidence against",
}


def level_code(label: str) -> tuple[str, str]:
    """(code, words) of a comparison level's label; ("other", label) when unknown."""
    if label in _LABELS:
        return _LABELS[label]
    for pattern, code, words in _PATTERNS:
        if pattern.search(label):
            return code, words
    return "other", label


def strength(weight: float) -> tuple[str, str]:
    """(code, words) of a match weight."""
    if weight >= 5.0:
        code = "strong_for"
    elif weight >= 1.0:
        code = "for"
    elif weight > -1.0:
        code = "neutral"
    elif weight > -5.0:
        code = "against"
    else:
        code = "strong_against"
    return code, STRENGTHS[code]


def explain(explanation: dict) -> list[dict]:
    """The explanation of one pair as items, strongest evidence first:
    ``field``, ``field_words``, ``props`` (the FtM properties compared),
    ``level`` (as stored), ``code``, ``weight`` (None for a selector),
    ``strength``, ``words``.  The run's note of an earlier judgement
    (``judgement``) is not a field and is left out."""
    items = []
    for field, value in explanation.items():
        field_words, props = FIELDS.get(field, (field, ()))
        if field == "selector" and isinstance(value, dict):
            kind = str(value.get("kind", ""))
            shared = int(value.get("shared", 0))
            items.append(
                {
                    "field": field,
                    "field_words": field_words,
                    "props": list(props),
                    "level": f"shared {kind}",
                    "code": "shared",
                    "kind": kind,
                    "shared": shared,
                    "entities": int(value.get("entities", 2)),
                    "weight": None,
                    "strength": "strong_for",
                    "words": f"shared {kind}: {shared} value(s) in common (strong evidence for)",
                }
            )
            continue
        if not isinstance(value, dict) or "level" not in value:
            continue
        code, level_words = level_code(str(value["level"]))
        weight = float(value.get("weight", 0.0))
        strength_code, strength_words = strength(weight)
        items.append(
            {
                "field": field,
                "field_words": field_words,
                "props": list(props),
                "level": value["level"],
                "code": code,
                "weight": weight,
                "strength": strength_code,
                "words": f"{field_words}: {level_words} ({strength_words}, weight {weight:+.2f})",
            }
        )
    items.sort(key=lambda i: (-(i["weight"] if i["weight"] is not None else 99.0), i["field"]))
    return items


__all__ = ["FIELDS", "STRENGTHS", "explain", "level_code", "strength"]

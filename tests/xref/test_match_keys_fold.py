"""Folding names for blocking keys: the ASCII shortcut folds as the full path."""

from __future__ import annotations

import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st
from rigour.text import ascii_text

from gugus.xref.match_keys import _fold


def _full(value: str) -> str:
    text = unicodedata.normalize("NFKD", value.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text if text.isascii() else ascii_text(text).lower()


@given(st.text(max_size=30))
@example("María José PÉREZ")
@example("GARCIA lopez")
@example("Straße")
def test_folding_takes_the_ascii_shortcut_without_changing_a_key(value):
    assert _fold(value) == _full(value)

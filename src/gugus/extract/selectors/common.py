"""Small helpers shared by the selector modules."""

from __future__ import annotations

import re

BACKEND = "gugus.selectors/1"


def keyword_before(text: str, start: int, pattern: re.Pattern[str], window: int = 40) -> bool:
    """True when ``pattern`` occurs in the ``window`` characters before ``start``
    on the same line."""
    before = text[max(0, start - window) : start]
    before = before[before.rfind("\n") + 1 :]
    return pattern.search(before) is not None


def compact(value: str) -> str:
    return re.sub(r"[\s.\-/]", "", value).upper()

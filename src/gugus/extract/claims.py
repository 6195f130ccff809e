"""Which stretches of the text an earlier, stronger extractor already took.

Identifiers run first, then dates, then phones: an 18-digit CLABE is not a
phone, "2021-06-08" is not a Salvadoran phone number, and a phone number
inside an e-mail address is not a phone.
"""

from __future__ import annotations

from bisect import bisect_right


class Claims:
    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def free(self, start: int, end: int) -> bool:
        """True when no claimed span overlaps ``[start, end)``."""
        k = bisect_right(self._starts, start)
        if k and self._ends[k - 1] > start:
            return False
        return not (k < len(self._starts) and self._starts[k] < end)

    def take(self, start: int, end: int) -> bool:
        """Claim ``[start, end)`` if free; say whether it was."""
        if not self.free(start, end):
            return False
        k = bisect_right(self._starts, start)
        self._starts.insert(k, start)
        self._ends.insert(k, end)
        return True

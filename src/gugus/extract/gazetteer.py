"""Longest-match lookup of known phrases over word tokens.

A phrase matches as written, without accents ("Mexico" for "México"), or in
capitals when the text shouts ("MEXICO CITY") and the phrase is long enough
not to collide with an acronym.  The gaps inside a phrase must match too, so
"Mexico. City" is not "Mexico City".  Lookups start only at tokens that can
begin a phrase, which keeps a pass over a long text to a few dictionary
probes per capitalised word.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from gugus.extract.lexicon import fold
from gugus.extract.tokens import TOKEN_RE, Tokens

T = TypeVar("T")

# Capitals-only variants need this many letters ("AS" must not match "As").
_MIN_UPPER = 4


def _norm(phrase: str) -> str:
    return " ".join(phrase.split())


@dataclass(frozen=True, slots=True)
class Hit(Generic[T]):
    """Tokens ``i`` to ``j`` inclusive; ``start``/``end`` are text offsets (the end
    takes a trailing full stop when the phrase has one, as in "U.S.")."""

    i: int
    j: int
    start: int
    end: int
    payload: T


class Gazetteer(Generic[T]):
    """Phrases → payloads; the first phrase given for a key wins."""

    def __init__(self, entries: Iterable[tuple[str, T]], *, ignore_case: bool = False) -> None:
        self.ignore_case = ignore_case
        self._exact: dict[str, T] = {}
        self._upper: dict[str, T] = {}
        self._first: set[str] = set()
        self.max_tokens = 1
        for phrase, payload in entries:
            key = _norm(phrase)
            words = TOKEN_RE.findall(key)
            if not words:
                continue
            self.max_tokens = max(self.max_tokens, len(words))
            self._first.add(fold(words[0]).lower())
            if ignore_case:
                self._exact.setdefault(fold(key).lower(), payload)
                continue
            self._exact.setdefault(key, payload)
            self._exact.setdefault(fold(key), payload)
            if sum(ch.isalpha() for ch in key) >= _MIN_UPPER:
                self._upper.setdefault(fold(key).upper(), payload)

    def __contains__(self, phrase: str) -> bool:
        return self.lookup(phrase) is not None

    def lookup(self, phrase: str) -> T | None:
        phrase = _norm(phrase)
        if self.ignore_case:
            return self._exact.get(fold(phrase).lower())
        found = self._exact.get(phrase)
        if found is None:
            folded = fold(phrase)
            found = self._exact.get(folded)
            if found is None and phrase.isupper():
                found = self._upper.get(folded)
        return found

    def can_start(self, key: str) -> bool:
        """Whether a phrase may begin with a word whose ``Tokens.keys`` entry is ``key``."""
        return key in self._first

    def match_at(self, toks: Tokens, i: int) -> Hit[T] | None:
        """The longest phrase starting at token ``i``."""
        if toks.keys[i] not in self._first:
            return None
        text = toks.text
        last = min(len(toks) - 1, i + self.max_tokens - 1)
        for j in range(last, i - 1, -1):
            phrase = text[toks.starts[i] : toks.ends[j]]
            end = toks.ends[j]
            if end < len(text) and text[end] == ".":
                found = self.lookup(phrase + ".")
                if found is not None:
                    return Hit(i, j, toks.starts[i], end + 1, found)
            found = self.lookup(phrase)
            if found is not None:
                return Hit(i, j, toks.starts[i], end, found)
        return None

    def scan(self, toks: Tokens) -> list[Hit[T]]:
        """Non-overlapping matches, leftmost-longest first."""
        out = []
        i, n = 0, len(toks)
        while i < n:
            hit = self.match_at(toks, i)
            if hit is None:
                i += 1
            else:
                out.append(hit)
                i = hit.j + 1
        return out

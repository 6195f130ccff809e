"""Short mentions of a person resolve to the full name written earlier.

News and reports name a person once in full ("Wakil Presiden AS Kamala
Harris", "Andrés Manuel López Obrador") and then by surname ("Harris",
"López Obrador").  A later mention whose words are a contiguous part of an
earlier full name, not starting with its first word, takes that name as its
value; the given name alone ("Kamala") is not enough.  Accents and case are
ignored.
"""

from __future__ import annotations

from gugus.extract.lexicon import fold
from gugus.extract.tokens import TOKEN_RE

NAME_PARTICLES = frozenset(
    [
        "de",
        "del",
        "la",
        "las",
        "los",
        "da",
        "das",
        "do",
        "dos",
        "di",
        "du",
        "van",
        "von",
        "der",
        "den",
        "ter",
        "bin",
        "binti",
        "ibn",
        "al",
        "y",
        "e",
    ]
)


def _key(name: str) -> tuple[str, ...]:
    return tuple(fold(w).lower() for w in TOKEN_RE.findall(name))


def _contains(whole: tuple[str, ...], part: tuple[str, ...]) -> bool:
    n = len(part)
    return any(whole[k : k + n] == part for k in range(len(whole) - n + 1))


class PersonIndex:
    """Full person names seen so far in one text, most recent last."""

    def __init__(self) -> None:
        self._names: list[tuple[tuple[str, ...], str]] = []

    def add(self, name: str) -> None:
        key = _key(name)
        if len(key) >= 2 and all(k != key for k, _ in self._names):
            self._names.append((key, name))

    def resolve(self, mention: str) -> str | None:
        """The full name ``mention`` is short for, or None.  Ambiguous mentions
        take the most recently named person."""
        part = _key(mention)
        if not part or all(k in NAME_PARTICLES for k in part):
            return None  # "De", "de la": a particle is nobody's short name
        for whole, name in reversed(self._names):
            if whole == part:
                return name
            if len(part) < len(whole) and _contains(whole, part) and part[0] != whole[0]:
                return name
        return None

"""The names backend interface: what a named-entity recogniser must provide.

A backend is any class with a ``name``, a ``version``, the ``languages`` it
handles (``None`` for any) and ``extract(text, lang)`` returning
``NameSpan``s.  Backends register under the entry-point group
``gugus.names``; the built-in heuristic registers the same way a third-party
model would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

LABELS = ("person", "organization", "location")


@dataclass(frozen=True, slots=True)
class NameSpan:
    start: int
    end: int
    label: str  # one of LABELS
    score: float
    detail: str | None = None  # why the backend thinks so ("title", "given name", …)
    # The name in natural order when the text inverts it ("DOE, JOHN" → "JOHN
    # DOE"); None: the text as written.
    value: str | None = None


@runtime_checkable
class NamesBackend(Protocol):
    name: str
    version: str
    languages: frozenset[str] | None

    def extract(self, text: str, lang: str | None) -> list[NameSpan]: ...

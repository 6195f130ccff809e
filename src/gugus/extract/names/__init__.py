"""Names of people, organisations and places, through a pluggable backend.

Backends are found through the entry-point group ``gugus.names`` (see
``base.NamesBackend``); ``names_backend()`` loads one by name, ``heuristic``
by default.  ``find_names`` runs a backend and turns its spans into ``Found``
items: names as written (whitespace normalised), a later short mention of a
person valued as the full name written earlier, and the backend's name and
version on every item.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points

from gugus.errors import InvalidInput, Msg
from gugus.extract.found import Found
from gugus.extract.names.base import LABELS, NamesBackend, NameSpan
from gugus.extract.names.mentions import PersonIndex

GROUP = "gugus.names"
DEFAULT = "heuristic"

__all__ = [
    "DEFAULT",
    "GROUP",
    "NameSpan",
    "NamesBackend",
    "find_names",
    "installed",
    "names_backend",
]


def installed() -> list[str]:
    """Names of the registered backends."""
    return sorted({ep.name for ep in entry_points(group=GROUP)})


def names_backend(name: str | None = None) -> NamesBackend:
    """The backend registered as ``name`` (default ``heuristic``), created once."""
    return _load(name or DEFAULT)


@lru_cache(maxsize=8)
def _load(name: str) -> NamesBackend:
    found = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not found:
        raise InvalidInput(
            Msg(
                "unknown names backend %(name)r; installed: %(installed)s",
                name=name,
                installed=", ".join(installed()) or Msg("none"),
            ),
            details=[{"field": "names", "value": name, "installed": installed()}],
        )
    backend = found[0].load()()
    if not isinstance(backend, NamesBackend):
        raise InvalidInput(
            Msg(
                "names backend %(name)r (%(entry)s) lacks name, version, languages or extract()",
                name=name,
                entry=found[0].value,
            ),
            details=[{"field": "names", "value": name}],
        )
    return backend


def backend_label(backend: NamesBackend) -> str:
    return f"{backend.name}/{backend.version}"


def find_names(text: str, lang: str | None, backend: NamesBackend) -> list[Found]:
    label = backend_label(backend)
    people = PersonIndex()
    out = []
    for span in sorted(backend.extract(text, lang), key=lambda s: (s.start, -s.end)):
        if span.label not in LABELS or not 0 <= span.start < span.end <= len(text):
            continue
        written = text[span.start : span.end]
        value = " ".join((span.value or written).split())
        if span.label == "person":
            full = people.resolve(value)
            if full is None:
                people.add(value)
            else:
                value = full
        out.append(
            Found(
                span.label,
                value,
                written,
                span.start,
                span.end,
                round(min(max(span.score, 0.0), 1.0), 3),
                label,
                detail=span.detail,
            )
        )
    return out

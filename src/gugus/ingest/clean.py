"""Value cleaning through FollowTheMoney's types, memoised.

FtM's ``clean`` is a pure function of (type, raw value, format hint) for the
types used here, and task-force data repeats values a great deal (dates,
countries, given names), so results are cached in a bounded LRU.
"""

from __future__ import annotations

from functools import lru_cache

from followthemoney.property import Property
from followthemoney.types import registry

# Long free text is rarely repeated: not worth a cache slot.
_UNCACHED = frozenset({"text", "html", "json"})


@lru_cache(maxsize=262_144)
def _clean_cached(type_name: str, raw: str, format: str | None) -> str | None:
    return registry.get(type_name).clean(raw, format=format)


def clean_value(prop: Property, raw: str | int | float, format: str | None = None) -> str | None:
    """The cleaned value, or None when FtM rejects it (the caller counts drops)."""
    if prop.type.name in _UNCACHED:
        return prop.type.clean(raw, format=format)
    return _clean_cached(prop.type.name, str(raw), format)

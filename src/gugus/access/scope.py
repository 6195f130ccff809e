"""Read scopes: the stored markings one reader may see.

The store keeps each distinct marking once and filters statements by marking
id.  A ``ReadScope`` can only be made here, from :func:`decide`, so a read path
of the store cannot be called without the policy having been applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gugus.access.policy import Reader, decide
from gugus.model.markings import Marking

_TOKEN = object()


@dataclass(frozen=True)
class ReadScope:
    reader: Reader
    marking_ids: frozenset[int]
    _token: object = None

    def __post_init__(self) -> None:
        if self._token is not _TOKEN:
            raise TypeError("ReadScope is made by gugus.access.scope_for only")

    def allows(self, marking_id: int) -> bool:
        return marking_id in self.marking_ids


def scope_for(reader: Reader, markings: Iterable[tuple[int, Marking]]) -> ReadScope:
    """Apply the policy to every stored marking; keep the visible ones."""
    visible = frozenset(mid for mid, marking in markings if decide(reader, marking).allowed)
    return ReadScope(reader, visible, _TOKEN)

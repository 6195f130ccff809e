"""Search results kept for their reader while the data stands.

What a search costs is its exact total and facets over every visible match
(a word matched 37,000 times: ~40 ms; the country word of 144,000 nationals:
~300 ms).  A reader who pages, adds and removes a filter, goes back, or
repeats a search asks for the same total again.  So the part of a search
that depends only on (reader, query, filters, data) — total, order, facets —
is kept, per process, under:

* the reader's scope key (the reader and its grantee keys): one reader's
  results are never served to another, so a reader cannot time whether
  someone else searched a word;
* the query and the normalised filters;
* the store's data version (:mod:`gugus.store.generation`), read inside the
  same snapshot as the search: any committed write that can change the
  answer (statements, markings, grants, collections, judgements) raises it,
  so an entry is exact for the snapshot it was computed in and never used
  for another.

Entries also expire after :data:`TTL` seconds, and at most :data:`SIZE` are
kept (oldest dropped).  Where the store keeps no data version (PostgreSQL),
nothing is cached.  The page of results itself (the statements shown) is
always read afresh, through the reader's grants.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

SIZE = 256  # entries of up to ~500 ids each: tens of MB at most per process
TTL = 300.0


class ResultCache:
    def __init__(self, size: int = SIZE, ttl: float = TTL) -> None:
        self.size = size
        self.ttl = ttl
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            stored, value = found
            if time.monotonic() - stored > self.ttl:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


__all__ = ["SIZE", "TTL", "ResultCache"]

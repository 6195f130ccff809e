"""A gugus node: the store plus the caches every service shares."""

from __future__ import annotations

from gugus import shared_results
from gugus.access import Reader, ReadScope, scope_for
from gugus.audit.trail import AuditTrail
from gugus.errors import AuthError
from gugus.model.markings import Marking
from gugus.model.roles import Role
from gugus.search_cache import ResultCache
from gugus.store import directory
from gugus.store.db import Database, busy_timeout
from gugus.store.markings import MarkingCatalogue
from gugus.work_gate import Gate, slots_for


class Node:
    def __init__(self, db: Database | str | None = None, key: str | None = None) -> None:
        self.db = db if isinstance(db, Database) else Database(db, key)
        self.catalogue = MarkingCatalogue()
        self.audit = AuditTrail(self)
        self._org_codes: list[str] | None = None
        self._collection_names: dict[int, str] = {}
        self.search_results = ResultCache()
        self.search_gate = Gate(slots_for(self.db.dialect.is_sqlite), busy_timeout())
        self.shared_results: shared_results.SharedResults | None = None

    def share_results(self) -> None:
        """Keep search results also in the file the worker processes of this
        server share (:mod:`gugus.shared_results`; SQLite nodes)."""
        if self.db.path is not None:
            self.shared_results = shared_results.SharedResults(
                shared_results.path_for(self.db.path),
                lambda: self.audit.key.derived_secret(b"shared search results"),
            )

    @classmethod
    def open(cls, url: str | None = None, key: str | None = None) -> Node:
        node = cls(url, key)
        node.db.ensure_ready()
        node.audit.key  # noqa: B018 - fails early, with the usual message, without the key
        return node

    def close(self) -> None:
        if self.shared_results is not None:
            self.shared_results.close()
        self.audit.close()
        self.db.dispose()

    def org_codes(self, *, refresh: bool = False) -> list[str]:
        """The node's organisation codes, cached (organisations are only ever
        added: ``refresh`` when one may have been added since)."""
        if refresh or self._org_codes is None:
            with self.db.reader.connect() as conn:
                self._org_codes = [row.code for row in directory.list_organisations(conn)]
        return self._org_codes

    def collection_name(self, conn, collection_id: int) -> str:
        """A collection's name by id, cached (collections are never renamed
        or removed; one added since is found by reading them all again)."""
        name = self._collection_names.get(collection_id)
        if name is None:
            names = {row.id: row.name for row in directory.list_collections(conn)}
            self._collection_names = names
            name = names[collection_id]
        return name

    # -- who is reading -------------------------------------------------------
    def reader(self, username: str) -> Reader:
        with self.db.reader.connect() as conn:
            row = directory.get_user(conn, username)
        if row is None or row.disabled:
            raise AuthError(f"unknown user {username!r}")
        return Reader(row.username, row.org, Role(row.role), row.id)

    def scope(self, reader: Reader) -> ReadScope:
        """What this reader may see, decided by gugus.access: reads join the
        grants of the reader's keys; ``allows`` asks the policy per marking."""
        return scope_for(reader, self._stored_marking)

    def _stored_marking(self, mid: int) -> Marking | None:
        with self.db.reader.connect() as conn:
            return self.catalogue.find(conn, mid)

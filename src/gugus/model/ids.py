"""Entity ids namespaced per organisation — pure, no I/O.

Every entity id a load writes, and every entity-typed value (a reference such
as ``Payment.payer`` or ``Mention.document``), carries the loading
organisation's namespace signature: FollowTheMoney's
:class:`~followthemoney.namespace.Namespace`, ``<id>.<hmac-sha1(org, id)>``
(OpenAleph signs ids per collection the same way).  So an organisation's ids
can only ever name its own entities: no one can add statements to, change the
schema of, or learn the existence of another organisation's entity by choosing
its id, and the same id loaded by two organisations makes two entities.

FtM's ``Namespace.sign`` strips any last ``.part`` of an id before signing, so
``p.21`` and ``p.22`` would both become ``p.<sig>``.  :meth:`Signer.sign`
keeps a last part only when it *is* the loading organisation's signature (an
id it exported and loads back: idempotent), refuses an id carrying another
organisation's signature (a partner's export, :class:`ForeignId`), and signs
every other id whole.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable

from followthemoney.namespace import Namespace
from followthemoney.util import key_bytes

__all__ = [
    "MAX_ID",
    "MAX_PLAIN_ID",
    "ForeignId",
    "Signer",
    "looks_signed",
    "namespaced",
    "plain_id",
    "read_id",
]

MAX_ID = 255  # the store's entity id column
_SIG_LEN = 40  # hex digits of an HMAC-SHA1
SEP = Namespace.SEP  # "."
MAX_PLAIN_ID = MAX_ID - _SIG_LEN - len(SEP)  # 214: room for the signature
_SIGNATURE = re.compile(r"[0-9a-f]{40}")


class ForeignId(ValueError):
    """The id carries another organisation's namespace signature."""


def _parts(entity_id: str) -> tuple[str, str] | None:
    """``(plain id, signature)`` when the id ends in something shaped like a
    signature, else None (cheap: most ids are not signed)."""
    plain, sep, last = entity_id.rpartition(SEP)
    if sep and plain and len(last) == _SIG_LEN and _SIGNATURE.fullmatch(last):
        return plain, last
    return None


def looks_signed(entity_id: str) -> bool:
    """Whether an id ends in something shaped like a namespace signature."""
    return _parts(entity_id) is not None


def _key(org: str) -> bytes:
    return key_bytes(org)  # FtM's Namespace key: the namespace's name


def _signature(key: bytes, entity_id: str) -> str:
    """``Namespace(org).signature(entity_id)``, computed in one call (a load
    signs every id; FtM's copies an HMAC object per id, several times slower)."""
    return hmac.digest(key, key_bytes(entity_id), "sha1").hex()


def _signs(key: bytes, plain: str, signature: str) -> bool:
    """``Namespace.verify`` of ``plain.signature``, on an id already split."""
    return hmac.compare_digest(_signature(key, plain), signature)


def _signed(key: bytes, entity_id: str) -> str:
    return f"{entity_id}{SEP}{_signature(key, entity_id)}"


def namespaced(org: str, entity_id: str) -> str:
    """``entity_id`` in ``org``'s namespace: kept when it already carries
    ``org``'s signature, else signed whole (another organisation's signature
    is not checked here; :class:`Signer` does that for loads)."""
    key = _key(org)
    parts = _parts(entity_id)
    if parts is not None and _signs(key, *parts):
        return entity_id
    return _signed(key, entity_id)


def plain_id(org: str, entity_id: str) -> str:
    """``entity_id`` without ``org``'s signature (as given when it has none):
    what an importer derives further ids from, so a re-import of an export
    derives the same ones."""
    parts = _parts(entity_id)
    if parts is not None and _signs(_key(org), *parts):
        return parts[0]
    return entity_id


class Signer:
    """Signs the ids one load writes with the loading organisation's namespace.

    ``orgs`` are every organisation of the node: an id carrying the signature
    of any other of them is refused (:class:`ForeignId`), whatever the line's
    marking says — a partner's export cannot be loaded as one's own.
    """

    def __init__(self, org: str, orgs: Iterable[str]) -> None:
        self.org = org
        self.own = _key(org)
        self.others = [_key(o) for o in sorted(set(orgs) - {org})]
        self._cache: dict[str, str] = {}

    def sign(self, entity_id: str) -> str:
        signed = self._cache.get(entity_id)
        if signed is not None:
            return signed
        parts = _parts(entity_id)
        if parts is not None:
            if _signs(self.own, *parts):
                signed = entity_id
            elif any(_signs(key, *parts) for key in self.others):
                raise ForeignId(entity_id)
        if signed is None:
            signed = _signed(self.own, entity_id)
        if len(self._cache) > 100_000:  # bounded: ids repeat within a load's rows
            self._cache.clear()
        self._cache[entity_id] = signed
        return signed


def read_id(entity_id: str, reader_org: str, orgs: Iterable[str]) -> str:
    """The stored id a reader means: an id carrying the signature of an
    organisation of the node as given; any other id (a bare ``p-21``, as in
    the reader's own files) in the reader's own organisation's namespace.

    A bare id never reaches another organisation's namespace, so it can reveal
    nothing of another organisation: only the reader's organisation writes
    there, and visibility is still decided on every statement."""
    parts = _parts(entity_id)
    if parts is not None:
        for org in orgs:
            if _signs(_key(org), *parts):
                return entity_id
    return namespaced(reader_org, entity_id)

"""Namespaced entity ids, computed independently of gugus: what a test that
loads ``p-1`` into an organisation's collection reads back.

A load signs every id with the loading organisation's namespace —
FollowTheMoney's ``Namespace``: ``<id>.<hmac-sha1(key=org, msg=id)>`` — and
keeps an id that already carries that organisation's signature.
"""

from __future__ import annotations

import hashlib
import hmac


def sig(org: str, entity_id: str) -> str:
    return hmac.new(org.encode("utf-8"), entity_id.encode("utf-8"), hashlib.sha1).hexdigest()


def nsid(org: str, entity_id: str) -> str:
    """``entity_id`` as stored when ``org`` loads it."""
    plain, _, last = entity_id.rpartition(".")
    if plain and last == sig(org, plain):
        return entity_id
    return f"{entity_id}.{sig(org, entity_id)}"

"""raise_hit (the batch xref's way to notify), contact points and the RED
option, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from matchworld import build, holder
from sqlalchemy import select

from gugus.errors import InvalidInput, NotFound
from gugus.share.notices import list_notices, raise_hit, set_contact, set_red_hits
from gugus.store import directory
from gugus.store.tables import audit_log, collections


@pytest.fixture
def world(node):
    return build(node)


def test_raise_hit_notifies_and_mirrors(node, world):
    cid, mid = holder(node, world["hidden"])
    reader = node.reader("mx_a")
    args = dict(own_entity_id="mx-own-1", kind="person", holder_collection_id=cid,
                holder_entity_id=world["hidden"], marking_id=mid, source="xref")  # fmt: skip
    first = raise_hit(node, reader, **args)
    assert first["holder"] == "US" and first["kind"] == "person"
    assert raise_hit(node, reader, **args) == first  # same pair, same notice
    [out] = list_notices(node, reader, direction="out")["out"]
    assert out["count"] == 2 and out["source"] == "xref" and out["own_entity_id"] == "mx-own-1"
    [mirror] = list_notices(node, node.reader("us_s"), direction="in")["in"]
    assert mirror["records"] == [{"entity_id": world["hidden"], "collection": "hsi-closed"}]
    with node.db.audit_reader.connect() as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.org)).all()
    assert ("notice.hit", "MX") in rows and ("notice.mirror", "US") in rows


def test_no_notice_for_what_the_reader_sees_or_red(node, world):
    cid, mid = holder(node, world["visible"])
    reader = node.reader("mx_a")
    kw = dict(own_entity_id=None, kind="phone", source="xref")
    assert raise_hit(node, reader, holder_collection_id=cid, holder_entity_id=world["visible"],
                     marking_id=mid, **kw) is None  # fmt: skip
    rcid, rmid = holder(node, world["red"])
    red = dict(holder_collection_id=rcid, holder_entity_id=world["red"], marking_id=rmid)
    assert raise_hit(node, reader, **red, **kw) is None
    set_red_hits(node, "hsi-red", True)
    assert raise_hit(node, reader, **red, **kw)["kind"] == "phone"
    with pytest.raises(InvalidInput):
        raise_hit(node, reader, **red, own_entity_id=None, kind="shoe", source="xref")


def test_contact_point_and_options(node, world):
    set_contact(node, "US", "HSI liaison desk")
    cid, mid = holder(node, world["hidden"])
    notice = raise_hit(node, node.reader("mx_a"), own_entity_id=None, kind="passport",
                       holder_collection_id=cid, holder_entity_id=world["hidden"],
                       marking_id=mid, source="xref")  # fmt: skip
    assert notice["contact"] == "HSI liaison desk"
    # the holder's mirror names the requester's contact point (its default, then as set)
    [mirror] = list_notices(node, node.reader("us_s"), direction="in")["in"]
    assert mirror["requester"] == "MX" and mirror["contact"] == "the liaison officers of MX"
    set_contact(node, "MX", "FGR enlace internacional")
    [mirror] = list_notices(node, node.reader("us_s"), direction="in")["in"]
    assert mirror["contact"] == "FGR enlace internacional"
    with pytest.raises(NotFound):
        set_contact(node, "XX", "nobody")
    with pytest.raises(InvalidInput):
        set_contact(node, "US", "x" * 501)
    with pytest.raises(NotFound):
        set_red_hits(node, "no-such", True)
    with node.db.reader.connect() as conn:
        assert directory.get_collection(conn, "hsi").red_hits is False
        assert conn.execute(select(collections.c.red_hits)).scalars().all().count(True) == 0

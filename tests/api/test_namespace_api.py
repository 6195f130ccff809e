"""Namespaced entity ids over HTTP (issue #7, findings 6 and 7), both backends.

An upload is signed with the uploading organisation's namespace, so GTPNC's
``p-jose`` never lands on MXFGR's; ``GET /entities/{id}`` takes the full id
as search shows it, and a bare id means the reader's own organisation's.
"""

from __future__ import annotations

import json

from nsids import nsid
from test_api import API, error_of, post_lines, result_ids

from gugus import reads

PARTNER = "exported by another organisation; a partner's export cannot be loaded as your own"


def test_an_upload_cannot_make_a_partners_person_a_perpetrator(world, client):
    # gt-red is GTPNC's, RED for mx_analyst: on the code before namespacing
    # mx_analyst read MXFGR's p-jose with GTPNC's classification.
    line = {"id": "p-jose", "schema": "Person", "properties": {"classification": ["perpetrator"]}}
    r = post_lines(client, world, json.dumps(line) + "\n", user="gt_analyst", collection="gt-red")
    assert r.status_code == 200, r.text
    mine = client.get(f"{API}/entities/p-jose", headers=world.headers("mx_analyst")).json()
    assert mine["id"] == nsid("MXFGR", "p-jose")
    assert "classification" not in mine["properties"]
    assert mine["collections"] == ["mx-cases"]
    theirs = client.get(
        f"{API}/entities/{nsid('GTPNC', 'p-jose')}", headers=world.headers("mx_analyst")
    ).json()
    assert theirs["properties"] == {"classification": ["perpetrator"]}
    assert theirs["collections"] == ["gt-red"]


def test_reads_take_the_full_id_and_a_bare_id_is_the_readers_own(world, client):
    us = world.headers("us_analyst")
    [hit] = result_ids(client.get(f"{API}/search", params={"q": "jose perez"}, headers=us))
    assert hit == nsid("MXFGR", "p-jose")
    assert client.get(f"{API}/entities/{hit}", headers=us).json()["caption"] == "José Pérez"
    # A bare id is USHSI's own namespace: it never reaches MXFGR's entity.
    bare = client.get(f"{API}/entities/p-jose", headers=us)
    missing = client.get(f"{API}/entities/p-nothing", headers=us)
    assert error_of(bare, 404, "not_found").replace("p-jose", "ID") == error_of(
        missing, 404, "not_found"
    ).replace("p-nothing", "ID")


def test_a_partners_export_without_originator_is_refused(world, client):
    exported = []
    for text in reads.export_collection(world.node, world.readers["us_analyst"], "mx-cases"):
        data = json.loads(text)
        del data["marking"]["originator"]
        exported.append(json.dumps(data, ensure_ascii=False) + "\n")
    r = post_lines(client, world, "".join(exported), user="us_analyst", collection="us-public")
    message = error_of(r, 400, "invalid_input")
    assert message.startswith(f"upload: line 1: field 'id': {PARTNER}")
    assert "p-jose" not in message and "José" not in message
    r = post_lines(
        client, world, "".join(exported), user="us_analyst", collection="us-public", on_error="skip"
    )
    summary = r.json()
    assert summary["statements"] == 0 and summary["skipped_lines"] == len(exported)
    us = world.headers("us_analyst")
    assert result_ids(client.get(f"{API}/search", params={"q": "jose"}, headers=us)) == [
        nsid("MXFGR", "p-jose")
    ]

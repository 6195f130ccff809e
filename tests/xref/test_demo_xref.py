"""`gugus demo` cross-references its world: the same people held by several
agencies (truth/identities.jsonl) are linked, with explanations."""

from __future__ import annotations

import itertools
import json

from gugus.demo.node import build_demo
from gugus.node import Node
from gugus.store import directory
from gugus.store import xref as xref_sql
from gugus.xref import runs


def test_demo_links_its_cross_agency_people(tmp_path):
    info = build_demo(tmp_path / "demo", people=250, via="ftm")
    linked = info["xref"]
    assert linked["status"] == "done"
    # the analyst who reads the most: HSI's reads HSI, INM, UIF and FGR
    assert {"hsi-investigations", "inm-registros-migratorios", "uif-reportes"} <= set(
        linked["collections"]
    )
    node = Node.open(info["db"])
    try:
        reader = node.reader(linked["user"])
        pairs, offset = [], 0
        while True:
            page = runs.status(node, reader, linked["run"], limit=500, offset=offset)
            pairs += page["pairs"]
            offset += 500
            if offset >= page["total"]:
                break
        scope = node.scope(reader)
        with node.db.reader.connect() as conn:
            ids = [
                c.id for c in directory.list_collections(conn) if c.name in linked["collections"]
            ]
            rows = xref_sql.feature_statements(conn, scope, ids, ["Person"], ["name"])
            visible = {r.entity_id.rpartition(".")[0] for r in rows}
    finally:
        node.close()
    truth = set()
    with open(info["world"] + "/truth/identities.jsonl") as handle:
        for line in handle:
            ents = [e for _, e in json.loads(line)["entities"] if e in visible]
            truth.update(itertools.combinations(sorted(ents), 2))
    model = [p for p in pairs if p["kind"] == "model" and p["probability"] >= 0.5]
    found = {tuple(sorted(x.rpartition(".")[0] for x in (p["left"], p["right"]))) for p in model}
    tp = len(found & truth)
    f1 = 2 * tp / (len(found) + len(truth))
    assert f1 >= 0.9, (tp, len(found), len(truth))
    # every model pair says why, field by field
    assert all(
        p["explanation"] and all("level" in v for v in p["explanation"].values()) for p in model
    )

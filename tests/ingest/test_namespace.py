"""Entity ids are namespaced per organisation (issue #7, findings 6 and 7).

Every importer's ids (FtM lines, mapped ``id_column``, HTCDS, documents) are
signed in the load loop with the loading organisation's namespace, so no
organisation can write onto, re-type or probe another's entity by choosing its
id, and a partner's export is recognised by its ids — not by a field of the
file that can be deleted.  Both backends.

The scenarios of the issue fail on the code before namespacing: GT-MP's
``p-21`` perpetrator line and ``p-50`` Vessel landed on MX-FGR's entities, and
an export with its ``originator`` deleted loaded as the partner's own data.
"""

from __future__ import annotations

import json
import textwrap

import pytest
from nsids import nsid
from sqlalchemy import select
from test_ftm_load import count, task_force

from gugus import admin, reads
from gugus.errors import InvalidInput, NotFound
from gugus.ingest import dispatch, ftm
from gugus.ingest.documents import document_id
from gugus.ingest.mapped import load_mapped
from gugus.ingest.textract import read_document
from gugus.model.ids import MAX_PLAIN_ID, Signer, namespaced, plain_id, read_id
from gugus.store.tables import audit_log, statements

MX, US, GT = "MX-FGR", "US-HSI", "GT-MP"
PARTNER = "exported by another organisation; a partner's export cannot be loaded as your own"


def world(node):
    """task_force (MX 'fgr' AMBER H1 REL US-HSI, MX 'open' CLEAR) plus MX's
    hidden 'fgr-hidden', GT-MP's 'mp' (released to MX-FGR, as in the issue)
    and US-HSI's 'hsi'."""
    task_force(node)
    admin.add_collection(node, "fgr-hidden", MX, "amber", ["H1"])
    admin.add_collection(node, "mp", GT, "amber", None, release_to=[MX])
    admin.add_collection(node, "hsi", US, "amber", None, release_to=[MX])
    return node


@pytest.fixture
def tf(node):
    return world(node)


def line(entity_id, schema="Person", **props) -> str:
    return json.dumps({"id": entity_id, "schema": schema, "properties": props})


def load(node, collection, lines, **kwargs):
    return ftm.load_lines(node, collection, lines, source="in.jsonl", **kwargs)


def stored_ids(node) -> set[str]:
    with node.db.reader.connect() as conn:
        return set(conn.execute(select(statements.c.entity_id)).scalars())


def export(node, reader, collection) -> list[dict]:
    return [json.loads(t) for t in reads.export_collection(node, reader, collection)]


# -- the rule, pure -------------------------------------------------------------------------
def test_signing_agrees_with_followthemoney_and_the_independent_oracle():
    from followthemoney.namespace import Namespace

    assert namespaced(MX, "p-21") == Namespace(MX).sign("p-21") == nsid(MX, "p-21")
    assert namespaced(MX, nsid(MX, "p-21")) == nsid(MX, "p-21")  # idempotent
    assert namespaced(MX, "p-21") != namespaced(GT, "p-21")
    # FtM's sign() strips a last ".part": p.21 and p.22 would collapse.
    assert Namespace(MX).sign("p.21") == Namespace(MX).sign("p.22")
    assert namespaced(MX, "p.21") != namespaced(MX, "p.22")
    assert namespaced(MX, "p.21") == f"p.21.{nsid(MX, 'p.21').rsplit('.', 1)[1]}"
    # A last part shaped like a signature that is nobody's is signed whole.
    fake = "p-21." + "a" * 40
    assert namespaced(MX, fake) == nsid(MX, fake) == f"{fake}.{nsid(MX, fake)[-40:]}"
    assert plain_id(MX, nsid(MX, "p.21")) == "p.21"
    assert plain_id(MX, nsid(GT, "p.21")) == nsid(GT, "p.21")


def test_signer_refuses_every_other_organisation_of_the_node():
    signer = Signer(US, [MX, US, GT])
    assert signer.sign("p-1") == nsid(US, "p-1")
    assert signer.sign(nsid(US, "p-1")) == nsid(US, "p-1")
    for other in (MX, GT):
        with pytest.raises(ValueError):
            signer.sign(nsid(other, "p-1"))
    # An organisation that is not on the node signs nothing here: signed whole.
    assert signer.sign(nsid("XX-NONE", "p-1")) == nsid(US, nsid("XX-NONE", "p-1"))


def test_read_id_resolves_bare_ids_to_the_readers_own_namespace():
    orgs = [MX, US, GT]
    assert read_id("p-21", MX, orgs) == nsid(MX, "p-21")
    assert read_id("p-21", GT, orgs) == nsid(GT, "p-21")
    assert read_id(nsid(MX, "p-21"), GT, orgs) == nsid(MX, "p-21")  # a full id as given
    assert read_id("p.21", MX, orgs) == nsid(MX, "p.21")


# -- finding 6: the scenarios ------------------------------------------------------------
def test_another_organisation_cannot_make_a_hidden_person_a_perpetrator(tf):
    luis, gabi = tf.users["luis"], tf.users["gabi"]
    load(tf, "fgr-hidden", [line("p-21", name=["María López"], nationality=["gt"])])
    load(tf, "mp", [line("p-21", name=["X"], classification=["perpetrator"])], actor=gabi)
    mine = reads.get_entity(tf, luis, "p-21")
    assert mine["id"] == nsid(MX, "p-21")
    assert mine["collections"] == ["fgr-hidden"]
    assert "classification" not in mine["properties"]
    assert mine["properties"]["name"] == ["María López"]
    # GT-MP's line made its own entity (MX sees it: 'mp' is released to MX-FGR).
    theirs = reads.get_entity(tf, luis, nsid(GT, "p-21"))
    assert theirs["collections"] == ["mp"]
    assert theirs["properties"]["classification"] == ["perpetrator"]
    assert reads.get_entity(tf, gabi, "p-21")["id"] == nsid(GT, "p-21")


def test_another_organisation_cannot_change_the_schema_of_a_later_entity(tf):
    luis, gabi = tf.users["luis"], tf.users["gabi"]
    load(tf, "mp", [line("p-50", "Vessel", name=["Estrella del Mar"])], actor=gabi)
    load(tf, "fgr", [line("p-50", name=["Juan Ruiz"], birthDate=["1990-05-01"])], actor=luis)
    got = reads.get_entity(tf, luis, "p-50")
    assert got["schema"] == "Person"
    assert got["properties"]["birthDate"] == ["1990-05-01"]
    assert got["collections"] == ["fgr"]
    assert reads.get_entity(tf, luis, nsid(GT, "p-50"))["schema"] == "Vessel"


def test_choosing_ids_reveals_nothing_of_another_organisation(tf):
    """GT-MP gets the same answers whether MX-FGR holds an id or not: its
    bare ids land in its own namespace, MX's signed ids are refused alike,
    and MX's hidden entity reads like a missing one."""
    gabi = tf.users["gabi"]
    load(tf, "fgr-hidden", [line("p-21", name=["María López"])])
    held = load(tf, "mp", [line("p-21", name=["Probe"])], actor=gabi).to_dict()
    free = load(tf, "mp", [line("p-99", name=["Probe"])], actor=gabi).to_dict()
    assert held == free
    assert held["namespace"] == GT  # the summary names whose namespace signed the ids
    assert reads.get_entity(tf, gabi, "p-21")["properties"] == {"name": ["Probe"]}
    answers = []
    for probe in ("p-21", "p-22"):  # MX holds p-21, nobody p-22
        with pytest.raises(InvalidInput) as info:
            load(tf, "mp", [line(nsid(MX, probe), name=["Probe"])], actor=gabi)
        answers.append(info.value.message)
        with pytest.raises(NotFound) as missing:
            reads.get_entity(tf, gabi, nsid(MX, probe))
        answers.append(missing.value.message.replace(nsid(MX, probe), "ID"))
    assert answers[0] == answers[2]
    assert answers[1] == answers[3] == "entity 'ID' not found"
    assert PARTNER in answers[0] and "María" not in answers[0]


def test_the_same_id_of_three_organisations_is_three_entities(tf):
    for org, coll, user in ((MX, "fgr", "luis"), (US, "hsi", "ana"), (GT, "mp", "gabi")):
        load(tf, coll, [line("p-1", name=[f"Person of {org}"])], actor=tf.users[user])
    assert stored_ids(tf) == {nsid(MX, "p-1"), nsid(US, "p-1"), nsid(GT, "p-1")}
    luis = tf.users["luis"]
    for org in (MX, US, GT):
        got = reads.get_entity(tf, luis, nsid(org, "p-1"))
        assert got["properties"]["name"] == [f"Person of {org}"]


# -- references and ids with dots ----------------------------------------------------------------
def test_references_between_an_organisations_own_entities_keep_working(tf):
    luis = tf.users["luis"]
    load(tf, "fgr", [line("p-1", name=["Ana"]), line("p-2", name=["Bea"])])
    # In a later load, and from another collection of the same organisation.
    load(
        tf,
        "fgr-hidden",
        [line("pay-1", "Payment", payer=["p-1"], beneficiary=["p-2"], amount=["100"])],
    )
    payment = reads.get_entity(tf, luis, "pay-1")
    assert payment["properties"]["payer"] == [nsid(MX, "p-1")]
    assert payment["properties"]["beneficiary"] == [nsid(MX, "p-2")]
    assert reads.get_entity(tf, luis, payment["properties"]["payer"][0])["caption"] == "Ana"
    # The same id in two collections of one organisation is one entity.
    load(tf, "fgr-hidden", [line("p-1", birthDate=["1990"])])
    both = reads.get_entity(tf, luis, "p-1")
    assert both["collections"] == ["fgr", "fgr-hidden"]
    assert both["properties"]["birthDate"] == ["1990"]


def test_a_reference_to_another_organisations_entity_is_refused(tf):
    line_ = line("pay-1", "Payment", payer=[nsid(GT, "p-1")])
    with pytest.raises(InvalidInput) as info:
        load(tf, "fgr", [line("p-2", name=["Bea"]), line_])
    assert info.value.message.startswith(f"in.jsonl: line 2: field 'properties.payer': {PARTNER}")
    assert count(tf) == 0


def test_ids_with_dots_stay_apart_and_round_trip(tf):
    luis = tf.users["luis"]
    load(tf, "fgr", [line("p.21", name=["Ana"]), line("p.22", name=["Bea"]), line("a.b.c")])
    assert stored_ids(tf) == {nsid(MX, "p.21"), nsid(MX, "p.22"), nsid(MX, "a.b.c")}
    assert reads.get_entity(tf, luis, "p.21")["caption"] == "Ana"
    assert reads.get_entity(tf, luis, "p.22")["caption"] == "Bea"
    before = count(tf)
    lines = [json.dumps(d) for d in export(tf, luis, "fgr")]
    load(tf, "fgr", lines)
    assert stored_ids(tf) == {nsid(MX, "p.21"), nsid(MX, "p.22"), nsid(MX, "a.b.c")}
    assert count(tf) == before


def test_an_id_too_long_to_sign_names_the_line_and_field(tf):
    with pytest.raises(InvalidInput) as info:
        load(tf, "fgr", [line("e" * (MAX_PLAIN_ID + 1))])
    assert info.value.message.startswith(
        "in.jsonl: line 1: field 'id' is longer than 214 characters"
    )
    with pytest.raises(InvalidInput, match="field 'properties.payer' is longer than 214"):
        load(tf, "fgr", [line("pay", "Payment", payer=["e" * (MAX_PLAIN_ID + 1)])])


# -- round trip ------------------------------------------------------------------------------
def test_own_export_loads_back_as_the_same_entities_and_markings(tf):
    luis = tf.users["luis"]
    red = {"tlp": "red", "release_to": [US], "recipients": ["ana", "luis"], "handling": ["H1"]}
    load(
        tf,
        "fgr",
        [
            line("p-1", name=["Ana"], birthDate=["1990"]),
            json.dumps(
                {
                    "id": "p-2",
                    "schema": "Person",
                    "properties": {"name": ["Bea"], "passportNumber": ["G1234567"]},
                    "property_markings": {"passportNumber": red},
                }
            ),
            line("own-1", "Ownership", owner=["p-1"], asset=["c.1"]),
            line("c.1", "Company", name=["Hotel"]),
        ],
    )
    first = export(tf, luis, "fgr")
    before = property_statements(tf)
    summary = load(tf, "fgr", [json.dumps(d) for d in first], actor=luis)
    assert (summary.skipped, summary.kept_stricter) == (0, 0)
    assert export(tf, luis, "fgr") == first
    assert property_statements(tf) == before
    # Into another collection of the same organisation: the same entities.
    load(tf, "open", [json.dumps(d) for d in first], actor=luis)
    assert {d["id"] for d in export(tf, luis, "open")} == {d["id"] for d in first}


def property_statements(node) -> set:
    """(statement id, entity id, marking id) of every property value.  (The
    "id" statement is left out: an export has one line per entity and marking,
    and loading the RED line of p-2 back tightens its existence statement to
    RED — behaviour of exports that predates namespacing.)"""
    s = statements.c
    with node.db.reader.connect() as conn:
        rows = conn.execute(select(s.id, s.entity_id, s.marking_id).where(s.prop != "id"))
        return set(rows)


# -- finding 7: a partner's export, with or without its marking ---------------------------------
@pytest.mark.parametrize("strip", ["originator", "marking", "nothing"])
def test_a_partners_export_cannot_be_loaded_as_ones_own(tf, strip):
    """MX-FGR's AMBER H1 data exported by US-HSI's analyst, its originator (or
    whole marking) deleted, does not become US data."""
    ana = tf.users["ana"]
    load(tf, "fgr", [line("p-1", name=["Ana"]), line("p-2", name=["Bea"])])
    lines = []
    for data in export(tf, ana, "fgr"):
        if strip == "originator":
            del data["marking"]["originator"]
        elif strip == "marking":
            del data["marking"]
        lines.append(json.dumps(data))
    before = count(tf)
    with pytest.raises(InvalidInput) as info:
        load(tf, "hsi", lines, actor=ana)
    assert info.value.message.startswith(f"in.jsonl: line 1: field 'id': {PARTNER}")
    assert "p-1" not in info.value.message and "Ana" not in info.value.message
    assert count(tf) == before
    # With --on-error skip every such line is skipped and reported.
    summary = load(tf, "hsi", lines, actor=ana, on_error="skip")
    assert (summary.skipped, summary.statements) == (2, 0)
    assert [e["line"] for e in summary.errors] == [1, 2]
    assert count(tf) == before
    # The operator cannot do it either (no actor: the collection's organisation).
    with pytest.raises(InvalidInput, match="a partner's export"):
        load(tf, "mp", lines)


def test_a_stripped_export_is_a_separate_record_of_the_loader(tf):
    """What signed ids cannot stop (docs/security.md, re-keying): US-HSI's
    analyst strips MX-FGR's signatures from an export and loads it.  The copy
    is US-HSI's own record — MX-FGR's entities are untouched, the copy's
    originator and marking are the loader's — and the audit log holds the
    export and the load by the same user for oversight to match."""
    ana, luis = tf.users["ana"], tf.users["luis"]
    load(tf, "fgr", [line("p-1", name=["Ana"]), line("pay-1", "Payment", payer=["p-1"])])
    mx_before = reads.get_entity(tf, luis, "p-1")
    lines = []
    for data in export(tf, ana, "fgr"):
        del data["marking"]
        data["id"] = data["id"].rsplit(".", 1)[0]
        for prop, values in data["properties"].items():
            if prop == "payer":
                data["properties"][prop] = [v.rsplit(".", 1)[0] for v in values]
        lines.append(json.dumps(data))
    summary = load(tf, "hsi", lines, actor=ana)
    assert (summary.skipped, summary.namespace) == (0, US)
    copy = reads.get_entity(tf, ana, nsid(US, "p-1"))
    assert copy["id"] == nsid(US, "p-1") != mx_before["id"]
    assert copy["marking"]["originator"] == US
    assert reads.get_entity(tf, luis, "p-1") == mx_before
    payment = reads.get_entity(tf, ana, nsid(US, "pay-1"))
    assert payment["properties"]["payer"] == [nsid(US, "p-1")]
    with tf.db.audit_reader.connect() as conn:
        actions = conn.execute(
            select(audit_log.c.action)
            .where(audit_log.c.username == "ana")
            .order_by(audit_log.c.seq)
        ).scalars()
        assert [a for a in actions if a in ("export", "load")] == ["export", "load"]


# -- other importers: mapped id_column, documents, HTCDS ----------------------------------------
MAPPING = """
entities:
  person:
    schema: Person
    id_column: id
    properties:
      name: name
"""


def test_mapped_id_column_is_namespaced(tf, tmp_path):
    luis, gabi = tf.users["luis"], tf.users["gabi"]
    mapping = tmp_path / "m.yml"
    mapping.write_text(textwrap.dedent(MAPPING), encoding="utf-8")
    load(tf, "fgr-hidden", [line("p-21", name=["María López"])])
    poison = tmp_path / "poison.csv"
    poison.write_text("id,name\np-21,Perpetrator\n", encoding="utf-8")
    load_mapped(tf, "mp", poison, mapping, actor=gabi)
    assert reads.get_entity(tf, luis, "p-21")["properties"]["name"] == ["María López"]
    assert reads.get_entity(tf, gabi, "p-21")["properties"]["name"] == ["Perpetrator"]
    # MX's own table with id_column links to MX's FtM entity.
    mine = tmp_path / "mine.csv"
    mine.write_text("id,name\np-21,María L.\n", encoding="utf-8")
    load_mapped(tf, "fgr", mine, mapping, actor=luis)
    assert set(reads.get_entity(tf, luis, "p-21")["properties"]["name"]) == {
        "María López",
        "María L.",
    }
    # A partner's signed id in the column is refused, naming row and column.
    stolen = tmp_path / "stolen.csv"
    stolen.write_text(f"id,name\n{nsid(MX, 'p-21')},X\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_mapped(tf, "mp", stolen, mapping, actor=gabi)
    assert f"column 'id': {PARTNER}" in info.value.message
    assert "p-21" not in info.value.message


def test_the_same_document_loaded_by_two_organisations_stays_two_documents(tf, tmp_path):
    admin.add_collection(tf, "hsi-open", US, "clear", None)
    path = tmp_path / "note.txt"
    path.write_text(
        "Informe. El reclutador usaba el correo enganchador@example.com.\n", encoding="utf-8"
    )
    dispatch.load_paths(tf, "open", [path])
    dispatch.load_paths(tf, "hsi-open", [path])
    doc = read_document(path)
    mx_doc, us_doc = nsid(MX, document_id("open", doc)), nsid(US, document_id("hsi-open", doc))
    luis = tf.users["luis"]
    assert reads.get_entity(tf, luis, mx_doc)["collections"] == ["open"]
    assert reads.get_entity(tf, luis, us_doc)["collections"] == ["hsi-open"]
    mentions = {
        m["id"]: m
        for m in export(tf, luis, "open") + export(tf, luis, "hsi-open")
        if m["schema"] == "Mention"
    }
    assert mentions
    for m in mentions.values():
        assert m["properties"]["document"][0] in (mx_doc, us_doc)
        org = MX if m["properties"]["document"][0] == mx_doc else US
        assert m["id"] == nsid(org, m["id"].rsplit(".", 1)[0])

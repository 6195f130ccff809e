"""FtM JSON-lines import: counts, drops, idempotence, markings, errors, permissions."""

from __future__ import annotations

import json

import pytest
from nsids import nsid
from sqlalchemy import select

from gugus import admin
from gugus.access import Reader
from gugus.errors import Forbidden, InvalidInput, NotFound
from gugus.ingest import ftm
from gugus.model.roles import Role
from gugus.model.statements import statement_id
from gugus.store import directory
from gugus.store import statements as stmt_sql
from gugus.store.tables import audit_log, markings, statements


def task_force(node):
    """Three organisations, a few users, an AMBER and a CLEAR collection of MX-FGR."""
    with node.db.writer.begin() as conn:
        for code, country in (("MX-FGR", "MX"), ("US-HSI", "US"), ("GT-MP", "GT")):
            directory.add_organisation(conn, code, code, country)
        users = {}
        for name, org, role in (
            ("luis", "MX-FGR", "analyst"),
            ("lia", "MX-FGR", "liaison"),
            ("sup", "MX-FGR", "supervisor"),
            ("ana", "US-HSI", "analyst"),
            ("gabi", "GT-MP", "analyst"),
        ):
            uid = directory.add_user(conn, name, org, role, "not-a-hash")
            users[name] = Reader(name, org, Role(role), uid)
    admin.add_collection(node, "fgr", "MX-FGR", "amber", ["H1"], release_to=["US-HSI"])
    admin.add_collection(node, "open", "MX-FGR", "clear", None)
    node.users = users
    return node


@pytest.fixture
def tf(node):
    return task_force(node)


@pytest.fixture
def tf_sqlite(sqlite_node):
    """For checks made before anything is written (same on both backends)."""
    return task_force(sqlite_node)


def person(eid="p1", **props) -> str:
    props = props or {"name": ["José Pérez"], "nationality": ["mx"]}
    return json.dumps({"id": eid, "schema": "Person", "properties": props})


def count(node) -> int:
    with node.db.reader.connect() as conn:
        return stmt_sql.count(conn)


def load(node, lines, collection="fgr", **kwargs):
    return ftm.load_lines(node, collection, lines, source="in.jsonl", **kwargs)


def marking_of(node, collection, entity_id, prop, value) -> dict:
    # Both collections belong to MX-FGR: ids are stored in its namespace.
    entity_id = nsid("MX-FGR", entity_id)
    sid = statement_id(collection, entity_id, prop, entity_id if prop == "id" else value)
    with node.db.reader.connect() as conn:
        row = conn.execute(
            select(markings)
            .join(statements, statements.c.marking_id == markings.c.id)
            .where(statements.c.id == sid)
        ).one()
    return dict(row._mapping)


def load_records(node) -> list:
    with node.db.audit_reader.connect() as conn:
        return conn.execute(select(audit_log).where(audit_log.c.action == "load")).all()


# -- counts ---------------------------------------------------------------------------
def test_load_counts(tf):
    lines = [
        person("p1"),
        person("p2", name=["Ana", "La Güera"], birthDate=["1990-05-01"]),
        json.dumps({"id": "c1", "schema": "Company", "properties": {"name": ["Transportes X"]}}),
    ]
    summary = load(tf, lines)
    assert summary.lines == 3
    assert summary.entities == 3
    # one "id" statement per entity + each value
    assert summary.statements == (1 + 2) + (1 + 3) + (1 + 1)
    assert (summary.skipped, summary.dropped, summary.errors) == (0, 0, [])
    assert count(tf) == summary.statements
    [rec] = load_records(tf)
    assert rec.org == "MX-FGR"
    assert json.loads(rec.detail)["statements"] == 9


def test_dropped_values_are_counted_and_reported(tf):
    lines = [
        person("p1", name=["Ana"], birthDate=["not a date", "1990-05-01"]),
        person("p2", name=["Bea"], email=["no-at-sign"]),
    ]
    summary = load(tf, lines)
    assert summary.errors == []
    assert summary.skipped == 0
    assert summary.dropped == 2
    assert summary.statements == (1 + 2) + (1 + 1)
    assert summary.dropped_values[0] == {
        "where": "in.jsonl: line 1",
        "property": "birthDate",
        "value": "not a date",
        "type": "date",
    }
    assert summary.dropped_values[1]["where"] == "in.jsonl: line 2"
    assert summary.to_dict()["dropped_values"] == 2
    assert count(tf) == 5


def test_reload_is_idempotent(tf):
    lines = [person(f"p{i}") for i in range(5)]
    first = load(tf, lines)
    before = count(tf)
    seen = seen_times(tf)
    second = load(tf, lines)
    assert count(tf) == before == first.statements == second.statements
    again = seen_times(tf)
    assert again.keys() == seen.keys()
    for sid, (first_seen, last_seen) in again.items():
        assert first_seen == seen[sid][0]
        assert last_seen > seen[sid][1]


def seen_times(node) -> dict:
    with node.db.reader.connect() as conn:
        rows = conn.execute(
            select(statements.c.id, statements.c.first_seen, statements.c.last_seen)
        ).all()
    return {r.id: (r.first_seen, r.last_seen) for r in rows}


def test_reload_with_changed_marking_remarks_the_statement(tf):
    load(tf, [person("p1", name=["Ana"])])
    assert marking_of(tf, "fgr", "p1", "name", "Ana")["tlp"] == "amber"
    line = json.loads(person("p1", name=["Ana"]))
    line["property_markings"] = {
        "name": {"tlp": "red", "release_to": ["US-HSI"], "recipients": ["ana"], "handling": "H1"}
    }
    load(tf, [json.dumps(line)])
    assert count(tf) == 2
    got = marking_of(tf, "fgr", "p1", "name", "Ana")
    assert (got["tlp"], got["recipients"]) == ("red", "ana")
    assert marking_of(tf, "fgr", "p1", "id", "p1")["tlp"] == "amber"
    line["marking"] = {"tlp": "amber+strict", "handling": ["H1", "H2"]}
    del line["property_markings"]
    summary = load(tf, [json.dumps(line)])
    assert summary.kept_stricter == 1
    # The id statement is tightened; the RED name is not loosened by a load
    # that marks it AMBER+STRICT: it keeps the most restrictive of both.
    got = marking_of(tf, "fgr", "p1", "id", "p1")
    assert (got["tlp"], got["handling"]) == ("amber+strict", "H1,H2")
    got = marking_of(tf, "fgr", "p1", "name", "Ana")
    assert (got["tlp"], got["handling"], got["recipients"]) == ("red", "H1,H2", "ana")
    assert got["release_to"] == ""


# -- error handling ---------------------------------------------------------------------
def test_abort_on_last_line_loads_nothing(tf):
    lines = [person(f"p{i}") for i in range(199)] + ['{"id": "bad", "schema": "Nope"}']
    with pytest.raises(InvalidInput) as info:
        load(tf, lines)
    assert "in.jsonl: line 200" in info.value.message
    assert "nothing was loaded" in info.value.message
    assert info.value.details == [
        {"line": 200, "where": "in.jsonl: line 200", "source": "in.jsonl"}
    ]
    assert count(tf) == 0
    assert load_records(tf) == []
    # The chain (users here are made beside the services, without records).
    assert tf.audit.verify(creations=False).ok


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "line 2: invalid JSON"),
        ("[1, 2]", "line 2: expected a JSON object, got list"),
        ('{"id": "x"}', "line 2: field 'schema' is missing"),
        ('{"id": "x", "schema": "Nope"}', "line 2: field 'schema': unknown schema 'Nope'"),
        ('{"id": "x", "schema": "Thing"}', "line 2: field 'schema': 'Thing' is abstract"),
        ('{"id": "x", "schema": "LegalEntity"}', None),  # concrete: accepted
        ('{"schema": "Person"}', "line 2: field 'id' is missing"),
        ('{"id": "  ", "schema": "Person"}', "line 2: field 'id' is missing"),
        ('{"id": 5, "schema": "Person"}', "line 2: field 'id' is missing"),
        ('{"id": "x", "schema": "Person", "properties": []}', "field 'properties' must be"),
        (
            '{"id": "x", "schema": "Person", "properties": {"colour": ["red"]}}',
            "line 2: field 'properties.colour': unknown property of Person",
        ),
        (
            '{"id": "x", "schema": "Person", "properties": {"name": {"a": 1}}}',
            "field 'properties.name' must be a list",
        ),
        (
            '{"id": "x", "schema": "Person", "properties": {"name": [["a"]]}}',
            "field 'properties.name': a value is not text (list)",
        ),
        (
            '{"id": "x", "schema": "Person", "marking": {"tlp": "green"}}',
            "field 'marking': looser than collection 'fgr'",
        ),
        (
            '{"id": "x", "schema": "Person", "marking": {"tlp": "amber"}}',
            "handling code(s) H1 dropped",
        ),
        (
            '{"id": "x", "schema": "Person", "marking": {"tlp": "amber", "handling": "H1", '
            '"release_to": ["GT-MP", "US-HSI"]}}',
            "release_to adds GT-MP",
        ),
        (
            '{"id": "x", "schema": "Person", "property_markings": {"colour": {"tlp": "red"}}}',
            "field 'property_markings.colour': unknown property of Person",
        ),
        (
            '{"id": "x", "schema": "Person", "marking": {"tlp": "amber", "handling": "H1", '
            '"originator": "US-HSI"}}',
            "originator: 'US-HSI' is not the collection's organisation",
        ),
    ],
)
def test_bad_line_aborts_naming_line_and_field(tf_sqlite, bad, message):
    tf = tf_sqlite
    lines = [person("p1"), bad, person("p3")]
    if message is None:
        assert load(tf, lines).entities == 3
        return
    with pytest.raises(InvalidInput) as info:
        load(tf, lines)
    assert message in info.value.message
    assert info.value.message.startswith("in.jsonl: line 2: ")
    assert count(tf) == 0


def test_skip_mode_loads_the_rest(tf):
    lines = [
        person("p1"),
        "{broken",
        person("p3"),
        '{"id": "p4", "schema": "Thing"}',
        person("p5"),
    ]
    summary = load(tf, lines, on_error="skip")
    assert summary.skipped == 2
    assert [e["line"] for e in summary.errors] == [2, 4]
    assert "abstract" in summary.errors[1]["error"]
    assert summary.entities == 3
    assert count(tf) == 9
    with tf.db.reader.connect() as conn:
        ids = set(conn.execute(select(statements.c.entity_id)).scalars())
    assert ids == {nsid("MX-FGR", i) for i in ("p1", "p3", "p5")}
    assert json.loads(load_records(tf)[0].detail)["skipped_lines"] == 2


def test_unknown_error_mode(tf):
    with pytest.raises(InvalidInput, match="--on-error"):
        load(tf, [person()], on_error="ignore")


def test_empty_lines_are_ignored(tf):
    summary = load(tf, ["", "\n", person("p1") + "\n", "   \t\n", "\r\n", person("p2")])
    assert summary.entities == 2
    assert summary.skipped == 0
    assert summary.errors == []
    assert summary.lines == 6


def test_property_value_as_bare_string(tf):
    line = json.dumps(
        {"id": "p1", "schema": "Person", "properties": {"name": "Ana", "birthDate": 1990}}
    )
    summary = load(tf, [line])
    assert summary.statements == 3
    assert marking_of(tf, "fgr", "p1", "name", "Ana")["tlp"] == "amber"
    assert marking_of(tf, "fgr", "p1", "birthDate", "1990")["tlp"] == "amber"


@pytest.mark.parametrize(
    ("entity_id", "message"),
    [
        ("e" * 214, None),
        (nsid("MX-FGR", "e" * 214), None),  # 255 with the organisation's own signature
        ("e" * 215, "field 'id' is longer than 214 characters"),  # no room for the signature
        ("e" * 256, "field 'id' is longer than 255"),
    ],
)
def test_entity_id_length(tf, entity_id, message):
    line = person(entity_id)
    if message is None:
        assert load(tf, [line]).entities == 1
        with tf.db.reader.connect() as conn:
            ids = set(conn.execute(select(statements.c.entity_id)).scalars())
        assert ids == {nsid("MX-FGR", "e" * 214)}
        return
    with pytest.raises(InvalidInput, match=message):
        load(tf, [line])
    assert count(tf) == 0


# -- files -------------------------------------------------------------------------------
def test_load_file(tf, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(person("p1") + "\r\n" + person("p2") + "\r\n", encoding="utf-8")
    summary = ftm.load_file(tf, "fgr", path)
    assert summary.entities == 2
    assert summary.source.endswith("in.jsonl")


def test_non_utf8_file(tf, tmp_path):
    path = tmp_path / "latin1.jsonl"
    text = (
        person("p1") + "\n" + '{"id": "p2", "schema": "Person", "properties": {"name": ["José"]}}\n'
    )
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(InvalidInput) as info:
        ftm.load_file(tf, "fgr", path)
    assert path.name in info.value.message
    assert "not UTF-8" in info.value.message
    assert count(tf) == 0


def test_utf8_file_with_bom(tf, tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes("\ufeff".encode() + (person("p1") + "\n").encode("utf-8"))
    assert ftm.load_file(tf, "fgr", path).entities == 1


def test_missing_file(tf, tmp_path):
    with pytest.raises(NotFound) as info:
        ftm.load_file(tf, "fgr", tmp_path / "nope.jsonl")
    assert "nope.jsonl" in info.value.message


def test_directory_is_not_a_file(tf, tmp_path):
    with pytest.raises(InvalidInput, match="is a directory"):
        ftm.load_file(tf, "fgr", tmp_path)


def test_unknown_collection(tf):
    with pytest.raises(NotFound, match="collection 'nope'"):
        load(tf, [person()], collection="nope")


# -- override markings ---------------------------------------------------------------
def with_marking(marking: dict) -> str:
    line = json.loads(person("p1"))
    line["marking"] = marking
    return json.dumps(line)


def test_override_naming_unknown_organisation(tf):
    # From a CLEAR collection any organisation may be named; it must exist.
    line = with_marking({"tlp": "amber", "release_to": ["US-HSI", "XX-NOPE"]})
    with pytest.raises(InvalidInput) as info:
        load(tf, [line], collection="open")
    assert "release_to: unknown organisation 'XX-NOPE'" in info.value.message
    assert "line 1" in info.value.message
    assert count(tf) == 0


def test_override_red_recipient_outside_release_list(tf):
    # Names are not looked up (finding 2): the line loads; gabi (GT-MP, not
    # released to) is granted nothing (tests/ingest/test_recipient_names.py).
    line = with_marking({"tlp": "red", "release_to": ["US-HSI"], "recipients": ["gabi"]})
    assert load(tf, [line], collection="open").entities == 1


def test_override_red_malformed_recipient(tf):
    line = with_marking({"tlp": "red", "recipients": ["no body"]})
    with pytest.raises(InvalidInput, match="'no body' is not a user name"):
        load(tf, [line], collection="open")


def test_override_valid_red(tf):
    line = with_marking(
        {"tlp": "red", "release_to": ["US-HSI"], "recipients": ["ana", "luis"], "handling": "H1"}
    )
    load(tf, [line])
    got = marking_of(tf, "fgr", "p1", "name", "José Pérez")
    assert (got["tlp"], got["recipients"], got["originator"]) == ("red", "ana,luis", "MX-FGR")


# -- who may load -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("user", "allowed", "message"),
    [
        ("luis", True, None),
        ("lia", True, None),
        ("ana", False, "ana (US-HSI) may not load into 'fgr' of MX-FGR"),
        ("sup", False, "role supervisor may not load data"),
    ],
)
def test_actor_permissions(tf, user, allowed, message):
    actor = tf.users[user]
    if allowed:
        assert load(tf, [person()], actor=actor).entities == 1
        assert load_records(tf)[0].username == user
        return
    with pytest.raises(Forbidden) as info:
        load(tf, [person()], actor=actor)
    assert message in info.value.message
    assert count(tf) == 0
    assert load_records(tf) == []


def test_actor_who_cannot_see_the_collection_gets_not_found(tf):
    # gabi (GT-MP) may not see 'fgr' (released to US-HSI only): it answers like a missing one.
    with pytest.raises(NotFound, match="collection 'fgr' does not exist"):
        load(tf, [person()], actor=tf.users["gabi"])
    assert count(tf) == 0


def test_admin_actor_may_not_load(tf):
    with tf.db.writer.begin() as conn:
        uid = directory.add_user(conn, "root", "MX-FGR", "admin", "not-a-hash")
    with pytest.raises(Forbidden, match="role admin"):
        load(tf, [person()], actor=Reader("root", "MX-FGR", Role.ADMIN, uid))


# Regression: a NUL in an id was stored by SQLite and crashed PostgreSQL with a
# raw DataError (not InvalidInput, so not even skippable).
@pytest.mark.parametrize("on_error", ["abort", "skip"])
@pytest.mark.parametrize("bad_id", ["p\u00001", "p 1", "p\n1"])
def test_invalid_entity_id_is_invalid_input(tf, on_error, bad_id):
    line = json.dumps({"id": bad_id, "schema": "Person", "properties": {"name": ["A"]}})
    if on_error == "abort":
        with pytest.raises(InvalidInput, match="field 'id'"):
            load(tf, [person("p0"), line])
        assert count(tf) == 0
    else:
        summary = load(tf, [person("p0"), line], on_error="skip")
        assert summary.skipped == 1
        assert count(tf) == 3

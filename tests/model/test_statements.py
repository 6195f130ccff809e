"""Statements and assembling entities from them."""

from __future__ import annotations

import hashlib

import pytest

from gugus.model.markings import TLP, Marking
from gugus.model.statements import ID_PROP, Statement, assemble, statement_id

AMBER = Marking.build("amber", "MX-FGR", ["H1"], release_to=["US-HSI"])
GREEN = Marking.build("green", "MX-FGR", release_to=["US-HSI", "US-FBI"])
RED = Marking.build("red", "MX-FGR", recipients=["ana"])


def st_(entity_id, schema, prop, value, marking=GREEN, collection="fgr-cases") -> Statement:
    prop_type = {"id": "id", "name": "name", "birthDate": "date", "nationality": "country"}.get(
        prop, "string"
    )
    return Statement(entity_id, schema, prop, prop_type, value, collection, marking)


PERSON = [
    st_("p1", "Person", ID_PROP, "p1"),
    st_("p1", "Person", "name", "José Pérez"),
    st_("p1", "Person", "name", "Pepe", AMBER),
    st_("p1", "Person", "birthDate", "1980-02-03", RED),
    st_("p1", "Person", "nationality", "mx"),
]


# -- statement ids ---------------------------------------------------------------
def test_statement_id_is_stable():
    key = b"fgr-cases\x1fp1\x1fname\x1fJos\xc3\xa9 P\xc3\xa9rez"
    expected = hashlib.sha1(key).hexdigest()  # noqa: S324 - an id, not a secret
    assert statement_id("fgr-cases", "p1", "name", "José Pérez") == expected
    # Pinned: statement ids are stored; changing the scheme breaks every store.
    assert statement_id("c", "e", "name", "v") == "59b9765b2052ac0eb567fa437be2944f07020735"
    assert PERSON[1].id == expected


@pytest.mark.parametrize(
    "other",
    [
        ("other-coll", "p1", "name", "José Pérez"),
        ("fgr-cases", "p2", "name", "José Pérez"),
        ("fgr-cases", "p1", "alias", "José Pérez"),
        ("fgr-cases", "p1", "name", "Jose Perez"),
        # the separator keeps fields apart
        ("fgr-casesp1", "", "name", "José Pérez"),
    ],
)
def test_statement_id_depends_on_every_part(other):
    assert statement_id(*other) != statement_id("fgr-cases", "p1", "name", "José Pérez")


def test_statement_id_ignores_marking_and_schema():
    a = st_("p1", "Person", "name", "Ana", GREEN)
    b = st_("p1", "LegalEntity", "name", "Ana", RED)
    assert a.id == b.id


def test_to_dict():
    d = PERSON[2].to_dict()
    assert d["id"] == PERSON[2].id
    assert d["marking"]["tlp"] == "amber"
    assert (d["entity_id"], d["prop"], d["value"]) == ("p1", "name", "Pepe")


# -- assemble ------------------------------------------------------------------------
def one(statements):
    out = list(assemble(statements))
    assert len(out) == 1
    return out[0]


def test_assemble_all():
    proxy, marking, used = one(PERSON)
    assert proxy.id == "p1"
    assert proxy.schema.name == "Person"
    assert sorted(proxy.get("name")) == ["José Pérez", "Pepe"]
    assert proxy.get("birthDate") == ["1980-02-03"]
    assert proxy.get("nationality") == ["mx"]
    assert len(used) == 5
    assert marking.tlp is TLP.RED


@pytest.mark.parametrize(
    ("indexes", "props", "tlp"),
    [
        ([0], {}, TLP.GREEN),
        ([0, 1], {"name": ["José Pérez"]}, TLP.GREEN),
        ([1, 4], {"name": ["José Pérez"], "nationality": ["mx"]}, TLP.GREEN),
        ([3], {"birthDate": ["1980-02-03"]}, TLP.RED),
        ([2, 0], {"name": ["Pepe"]}, TLP.AMBER),
    ],
)
def test_assemble_subset_has_only_those_properties(indexes, props, tlp):
    subset = [PERSON[i] for i in indexes]
    proxy, marking, used = one(subset)
    assert {k: sorted(v) for k, v in proxy.properties.items()} == props
    assert used == subset
    # The marking reflects only the statements used, not the whole entity.
    assert marking.tlp is tlp


@pytest.mark.parametrize(
    ("schemas", "expected"),
    [
        (["LegalEntity", "Person"], "Person"),
        (["Person", "LegalEntity"], "Person"),
        (["LegalEntity", "LegalEntity"], "LegalEntity"),
        (["LegalEntity", "Company"], "Company"),
        (["Thing", "LegalEntity", "Person"], "Person"),
        (["Organization", "Company"], "Company"),
    ],
)
def test_assemble_uses_the_common_schema(schemas, expected):
    stmts = [st_("e1", schema, "name", f"n{i}") for i, schema in enumerate(schemas)]
    proxy, _, used = one(stmts)
    assert proxy.schema.name == expected
    assert sorted(proxy.get("name")) == [f"n{i}" for i in range(len(schemas))]
    assert len(used) == len(schemas)


def test_assemble_incompatible_schemas_keeps_first_and_drops_unfit_properties():
    stmts = [
        st_("e1", "Person", "name", "Ana"),
        st_("e1", "Person", "birthDate", "1980", GREEN),
        st_("e1", "Company", "name", "Ana SA"),
        st_("e1", "Company", "capital", "1000", RED),
    ]
    proxy, marking, used = one(stmts)
    assert proxy.schema.name == "Person"
    assert sorted(proxy.get("name")) == ["Ana", "Ana SA"]
    # "capital" does not fit a Person: not shown, not used, does not raise the marking.
    assert stmts[3] not in used
    assert marking.tlp is TLP.GREEN


def test_assemble_groups_by_entity_in_any_order():
    stmts = [
        st_("b", "Person", "name", "Bea"),
        st_("a", "Company", "name", "Acme"),
        st_("b", "Person", "nationality", "us"),
        st_("a", "Company", ID_PROP, "a"),
    ]
    got = {proxy.id: proxy for proxy, _, _ in assemble(stmts)}
    assert set(got) == {"a", "b"}
    assert got["a"].schema.name == "Company"
    assert got["a"].get("name") == ["Acme"]
    assert got["b"].get("nationality") == ["us"]
    assert got["b"].get("name") == ["Bea"]


def test_assemble_nothing():
    assert list(assemble([])) == []

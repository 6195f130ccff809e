"""The visibility policy: decide(), audit_orgs(), ReadScope."""

from __future__ import annotations

import dataclasses

import pytest

from gugus.access import (
    Reader,
    ReadScope,
    audience,
    audit_orgs,
    decide,
    grantees,
    grants,
    may_see,
    scope_for,
)
from gugus.model.markings import Marking
from gugus.model.roles import Role

FGR = "MX-FGR"


def reader(name="ana", org="US-HSI", role=Role.ANALYST) -> Reader:
    return Reader(name, org, role, 7)


def m(tlp, release_to=(), recipients=(), originator=FGR) -> Marking:
    return Marking.build(tlp, originator, release_to=release_to, recipients=recipients)


# (reader, marking, allowed, rule named in the reason)
CASES = [
    # the originator sees its own statements, whatever the marking
    (reader("luis", FGR), m("red", recipients=["ana"]), True, "originator MX-FGR"),
    (reader("luis", FGR), m("amber+strict"), True, "originator MX-FGR"),
    (reader("sup", FGR, Role.SUPERVISOR), m("amber"), True, "originator MX-FGR"),
    # CLEAR: every organisation
    (reader("ana", "US-HSI"), m("clear"), True, "TLP:CLEAR: every organisation"),
    (reader("x", "GT-MP"), m("clear", release_to=["US-HSI"]), True, "TLP:CLEAR: every"),
    # GREEN / AMBER / AMBER+STRICT: the release-to list
    (reader("ana", "US-HSI"), m("green", ["US-HSI"]), True, "TLP:GREEN: released to US-HSI"),
    (reader("ana", "US-HSI"), m("green"), False, "TLP:GREEN: not released to US-HSI"),
    (reader("ana", "US-HSI"), m("amber", ["US-HSI"]), True, "TLP:AMBER: released to US-HSI"),
    (reader("bo", "US-FBI"), m("amber", ["US-HSI"]), False, "TLP:AMBER: not released to US-FBI"),
    (
        reader("ana", "US-HSI"),
        m("amber+strict", ["US-HSI", "US-FBI"]),
        True,
        "TLP:AMBER+STRICT: released to US-HSI",
    ),
    (
        reader("x", "GT-MP"),
        m("amber+strict", ["US-HSI"]),
        False,
        "TLP:AMBER+STRICT: not released to GT-MP",
    ),
    # RED: only named users; a release-to list alone does not open it
    (
        reader("ana", "US-HSI"),
        m("red", ["US-HSI"], ["ana"]),
        True,
        "TLP:RED: ana is a named recipient",
    ),
    (
        reader("bob", "US-HSI"),
        m("red", ["US-HSI"], ["ana"]),
        False,
        "TLP:RED: bob is not a named recipient",
    ),
    (
        reader("luisa", FGR),
        m("red", recipients=["ana"], originator="US-HSI"),
        False,
        "TLP:RED: luisa is not a named recipient",
    ),
    # a named user whose organisation is not (or no longer) on the release-to list
    (
        reader("ana", "US-HSI"),
        m("red", ["US-FBI"], ["ana", "bo"]),
        False,
        "TLP:RED: ana is named but US-HSI is not released to",
    ),
    # role does not widen visibility
    (reader("boss", "US-FBI", Role.ADMIN), m("amber", ["US-HSI"]), False, "not released"),
    (reader("sup", "US-FBI", Role.SUPERVISOR), m("green"), False, "not released to US-FBI"),
]


@pytest.mark.parametrize(("who", "marking", "allowed", "rule"), CASES)
def test_grants_say_what_decide_says(who, marking, allowed, rule):
    """The audience (purpose and handling dropped) decides alike, and the
    grants of the reader's organisation and name hold exactly when decide
    allows (the reader exists in the directory given to grants)."""
    with_purpose = Marking.build(
        marking.tlp, marking.originator, ["H1"], None, marking.release_to, marking.recipients, "p"
    )
    assert decide(who, audience(with_purpose)).allowed is allowed
    granted = grants(audience(marking), [who.org], [(who.username, who.org, who.role.value)])
    assert bool(granted & set(grantees(who))) is allowed


@pytest.mark.parametrize(("who", "marking", "allowed", "rule"), CASES)
def test_decide(who, marking, allowed, rule):
    decision = decide(who, marking)
    assert decision.allowed is allowed
    assert bool(decision) is allowed
    assert may_see(who, marking) is allowed
    assert rule in decision.reason


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.SUPERVISOR, True),
        (Role.ANALYST, False),
        (Role.LIAISON, False),
        (Role.ADMIN, False),
    ],
)
def test_audit_orgs(role, allowed):
    decision, orgs = audit_orgs(reader("u", "US-HSI", role))
    assert decision.allowed is allowed
    if allowed:
        assert orgs == {"US-HSI"}
        assert "supervisor of US-HSI" in decision.reason
    else:
        assert orgs == frozenset()
        assert role.value in decision.reason


def test_scope_for_keeps_exactly_the_visible_markings():
    stored = [
        (1, m("clear")),
        (2, m("amber", ["US-HSI"])),
        (3, m("amber", ["US-FBI"])),
        (4, m("red", ["US-HSI"], ["ana"])),
        (5, m("red", ["US-HSI"], ["bob"])),
        (6, m("amber", originator="US-HSI")),
    ]
    scope = scope_for(reader("ana", "US-HSI"), dict(stored).get)
    assert {mid for mid, _ in stored if scope.allows(mid)} == {1, 2, 4, 6}
    assert not scope.allows(99)  # not stored
    assert scope.grantees == ("org:US-HSI", "user:US-HSI:ana")


@pytest.mark.parametrize(
    "make",
    [
        lambda r: ReadScope(r, ("org:MX-FGR",)),
        lambda r: ReadScope(r, ("org:MX-FGR",), {}.get),
        lambda r: ReadScope(r, ("org:MX-FGR",), {}.get, object()),
        lambda r: ReadScope(reader=r, grantees=("org:MX-FGR",), _token="token"),
    ],
)
def test_read_scope_only_from_scope_for(make):
    with pytest.raises(TypeError, match="scope_for"):
        make(reader())


def test_read_scope_is_frozen():
    scope = scope_for(reader(), {1: m("clear")}.get)
    with pytest.raises(dataclasses.FrozenInstanceError):
        scope.grantees = ("org:MX-FGR",)

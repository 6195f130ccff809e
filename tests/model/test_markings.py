"""Markings: parsing, validation, the "looser than" relation and ``combine``."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gugus.access import Reader, may_see
from gugus.errors import InvalidInput
from gugus.model.markings import TLP, Marking, combine
from gugus.model.roles import Role


def mk(tlp="amber", originator="MX-FGR", **kwargs) -> Marking:
    return Marking.build(tlp, originator, **kwargs)


# -- TLP.parse -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("clear", TLP.CLEAR),
        ("CLEAR", TLP.CLEAR),
        ("white", TLP.CLEAR),
        ("TLP:WHITE", TLP.CLEAR),
        ("green", TLP.GREEN),
        ("Green", TLP.GREEN),
        ("TLP:AMBER", TLP.AMBER),
        ("tlp:amber", TLP.AMBER),
        ("  amber  ", TLP.AMBER),
        ("AMBER+STRICT", TLP.AMBER_STRICT),
        ("TLP:AMBER+STRICT", TLP.AMBER_STRICT),
        ("amber_strict", TLP.AMBER_STRICT),
        ("red", TLP.RED),
        ("TLP:RED", TLP.RED),
        (TLP.RED, TLP.RED),
    ],
)
def test_tlp_parse(text, expected):
    assert TLP.parse(text) is expected


@pytest.mark.parametrize("text", ["", "purple", "amber strict", "TLP:", "tlp:blue", "3", "none"])
def test_tlp_parse_rejects_unknown_levels_naming_the_field(text):
    with pytest.raises(InvalidInput) as info:
        TLP.parse(text, field_name="collections[2].tlp")
    assert info.value.message.startswith("collections[2].tlp: unknown TLP level")
    assert repr(text) in info.value.message


def test_tlp_parse_default_field_name():
    with pytest.raises(InvalidInput, match=r"^tlp: unknown TLP level 'orange'"):
        TLP.parse("orange")


def test_tlp_order():
    order = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]
    assert [t.rank for t in order] == [0, 1, 2, 3, 4]


# -- Marking.build / from_dict validation ----------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tlp": "amber", "handling": ["H3"]}, "marking.handling_text"),
        ({"tlp": "amber", "handling": ["H3"], "handling_text": "   "}, "marking.handling_text"),
        ({"tlp": "red"}, "marking.recipients"),
        ({"tlp": "red", "recipients": " , "}, "marking.recipients"),
        ({"tlp": "amber", "recipients": ["ana"]}, "marking.recipients"),
        ({"tlp": "clear", "recipients": "ana"}, "marking.recipients"),
        ({"tlp": "amber", "handling": ["H9"]}, "marking.handling"),
        ({"tlp": "amber", "handling": "H0;X1"}, "marking.handling"),
        ({"tlp": "mauve"}, "marking.tlp"),
    ],
)
def test_build_rejects(kwargs, field):
    kwargs = dict(kwargs)
    tlp = kwargs.pop("tlp")
    with pytest.raises(InvalidInput) as info:
        Marking.build(tlp, "MX-FGR", **kwargs)
    assert info.value.message.startswith(field + ":"), info.value.message


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tlp": "red"}, "lines.jsonl: line 4: marking.recipients"),
        ({"tlp": "amber", "handling": ["H3"]}, "lines.jsonl: line 4: marking.handling_text"),
        ({"tlp": "nope"}, "lines.jsonl: line 4: marking.tlp"),
    ],
)
def test_build_names_the_callers_field(kwargs, field):
    kwargs = dict(kwargs)
    tlp = kwargs.pop("tlp")
    with pytest.raises(InvalidInput) as info:
        Marking.build(tlp, "MX-FGR", where="lines.jsonl: line 4: marking", **kwargs)
    assert info.value.message.startswith(field + ":"), info.value.message


def test_build_handling_error_names_the_ingest_field():
    with pytest.raises(InvalidInput) as info:
        Marking.build("amber", "MX-FGR", ["H9"], where="f.jsonl: line 2: field 'marking'")
    assert info.value.message.startswith("f.jsonl: line 2: field 'marking'.handling:")


# Regression: build() used to re-prefix these ("----marking.handling").
@pytest.mark.parametrize("where", ["--marking", "lines.jsonl: line 4: marking"])
def test_build_handling_error_is_prefixed_once(where):
    with pytest.raises(InvalidInput) as info:
        Marking.build("amber", "MX-FGR", ["H9"], where=where)
    assert info.value.message.startswith(f"{where}.handling:"), info.value.message


def test_build_normalises():
    m = Marking.build(
        "TLP:AMBER",
        "MX-FGR",
        "h1; H0 ,",
        release_to="US-HSI, ,MX-FGR,US-FBI",
        purpose="  case 7 ",
    )
    assert m.tlp is TLP.AMBER
    assert m.handling == {"H0", "H1"}
    # The originator always sees its data; it is not kept on its own release list.
    assert m.release_to == {"US-HSI", "US-FBI"}
    assert m.purpose == "case 7"
    assert m.label() == "TLP:AMBER H0 H1 REL TO US-FBI,US-HSI"


def test_valid_red_and_h3():
    m = Marking.build(
        "red", "MX-FGR", ["H3"], "ask first", release_to=["US-HSI"], recipients=["ana", "bob"]
    )
    assert m.recipients == {"ana", "bob"}
    assert m.handling_text == "ask first"


def test_key_is_canonical():
    a = Marking.build("amber", "MX-FGR", ["H1", "H0"], release_to=["B", "A"])
    b = Marking.build("amber", "MX-FGR", "H0,H1", release_to="A,B")
    c = Marking.build("amber", "MX-FGR", "H0", release_to="A,B")
    assert a == b and a.key == b.key
    assert a.key != c.key


def test_from_dict_roundtrip():
    m = Marking.build("red", "MX-FGR", ["H3", "H1"], "ask", ["US-HSI"], ["ana"], purpose="op lince")
    assert Marking.from_dict(m.to_dict(), "MX-FGR") == m


@pytest.mark.parametrize(
    ("data", "originator", "message"),
    [
        ({"tlp": "amber", "colour": "x"}, "MX-FGR", "where: unknown field(s) colour"),
        ({"tlp": "amber", "b": 1, "a": 2}, "MX-FGR", "where: unknown field(s) a, b"),
        ({"handling": ["H1"]}, "MX-FGR", "where.tlp: missing"),
        ({"tlp": "amber", "originator": "US-HSI"}, "MX-FGR", "where.originator: 'US-HSI'"),
        ({"tlp": "red"}, "MX-FGR", "where.recipients:"),
        ({"tlp": "amber", "recipients": ["ana"]}, "MX-FGR", "where.recipients:"),
        ({"tlp": "amber", "handling": ["H3"]}, "MX-FGR", "where.handling_text:"),
        ({"tlp": "amber", "handling": ["H4"]}, "MX-FGR", "where.handling:"),
        ({"tlp": "fuchsia"}, "MX-FGR", "where.tlp:"),
        (["amber"], "MX-FGR", "where: expected an object, got list"),
        ("amber", "MX-FGR", "where: expected an object, got str"),
    ],
)
def test_from_dict_rejects(data, originator, message):
    with pytest.raises(InvalidInput) as info:
        Marking.from_dict(data, originator, where="where")
    assert info.value.message.startswith(message), info.value.message


@pytest.mark.parametrize(
    ("data", "originator", "expected"),
    [
        ({"tlp": "amber"}, "MX-FGR", "MX-FGR"),
        ({"tlp": "amber", "originator": "MX-FGR"}, "MX-FGR", "MX-FGR"),
        ({"tlp": "amber", "originator": "US-HSI"}, None, "US-HSI"),
        ({"tlp": "amber", "originator": None}, "MX-FGR", "MX-FGR"),
    ],
)
def test_from_dict_originator(data, originator, expected):
    assert Marking.from_dict(data, originator).originator == expected


# -- loosening_against ---------------------------------------------------------------
BASE = mk("amber", handling=["H1", "H3"], handling_text="ask first", release_to=["US-HSI"])
RED_BASE = mk("red", release_to=["US-HSI"], recipients=["ana"])


@pytest.mark.parametrize(
    ("candidate", "base", "named"),
    [
        (
            mk("green", handling=["H1", "H3"], handling_text="ask first", release_to=["US-HSI"]),
            BASE,
            "TLP:GREEN is looser than TLP:AMBER",
        ),
        (
            mk("clear", handling=["H1", "H3"], handling_text="ask first", release_to=["US-HSI"]),
            BASE,
            "TLP:CLEAR is looser than TLP:AMBER",
        ),
        (
            mk("amber", handling=["H3"], handling_text="ask first", release_to=["US-HSI"]),
            BASE,
            "handling code(s) H1 dropped",
        ),
        (
            mk(
                "amber",
                handling=["H1", "H3"],
                handling_text="ask first",
                release_to=["US-HSI", "US-FBI"],
            ),
            BASE,
            "release_to adds US-FBI",
        ),
        (
            mk("amber", handling=["H1", "H3"], handling_text="other", release_to=["US-HSI"]),
            BASE,
            "H3 handling text dropped",
        ),
        (
            mk(
                "amber",
                originator="US-HSI",
                handling=["H1", "H3"],
                handling_text="ask first",
                release_to=["US-HSI"],
            ),
            BASE,
            "originator 'US-HSI' differs from 'MX-FGR'",
        ),
        (
            mk("red", release_to=["US-HSI"], recipients=["ana", "bob"]),
            RED_BASE,
            "recipients add bob",
        ),
        (
            mk("amber", release_to=["US-HSI"]),
            mk("green", release_to=["US-HSI"], handling=["H0"]),
            "handling code(s) H0 dropped",
        ),
    ],
)
def test_loosening_is_named(candidate, base, named):
    problems = candidate.loosening_against(base)
    assert problems == [named]
    assert not candidate.is_at_least_as_restrictive_as(base)


def test_loosening_names_every_problem():
    candidate = mk("green", release_to=["US-HSI", "US-FBI"])
    problems = candidate.loosening_against(BASE)
    assert len(problems) == 4
    text = "; ".join(problems)
    for part in ("TLP:GREEN", "H1, H3 dropped", "H3 handling text", "release_to adds US-FBI"):
        assert part in text


@pytest.mark.parametrize(
    ("candidate", "base"),
    [
        (BASE, BASE),
        (
            mk(
                "amber+strict",
                handling=["H1", "H3"],
                handling_text="ask first",
                release_to=["US-HSI"],
            ),
            BASE,
        ),
        (mk("amber", handling=["H1", "H3"], handling_text="ask first"), BASE),
        (
            mk("amber", handling=["H0", "H1", "H2", "H3"], handling_text="ask first; court too"),
            BASE,
        ),
        (
            mk(
                "red",
                handling=["H1", "H3"],
                handling_text="ask first",
                release_to=["US-HSI"],
                recipients=["ana"],
            ),
            BASE,
        ),
        (mk("red", release_to=["US-HSI"], recipients=["ana"]), RED_BASE),
        (mk("red", recipients=["ana"]), RED_BASE),
        # From TLP:CLEAR, naming organisations narrows the audience.
        (mk("green", release_to=["US-HSI", "US-FBI"]), mk("clear")),
        (mk("clear", release_to=["US-HSI"]), mk("clear")),
    ],
)
def test_tighter_or_equal_is_not_loosening(candidate, base):
    assert candidate.loosening_against(base) == []
    assert candidate.is_at_least_as_restrictive_as(base)


# -- combine -------------------------------------------------------------------------
def test_combine_trivial():
    m = mk("green", release_to=["US-HSI"])
    assert combine([]) is None
    assert combine([m]) is m
    assert combine([m, mk("green", release_to=["US-HSI"])]) == m


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        (["clear", "green"], TLP.GREEN),
        (["green", "clear"], TLP.GREEN),
        (["amber", "green", "clear"], TLP.AMBER),
        (["amber+strict", "amber"], TLP.AMBER_STRICT),
        (["green", "amber+strict", "amber"], TLP.AMBER_STRICT),
    ],
)
def test_combine_takes_the_most_restrictive_tlp(levels, expected):
    assert combine(mk(level) for level in levels).tlp is expected


def test_combine_red_wins_and_intersects_recipients():
    a = mk("red", release_to=["US-HSI"], recipients=["ana", "bob"])
    b = mk("red", release_to=["US-HSI"], recipients=["bob", "cid"])
    c = combine([a, b, mk("clear")])
    assert c.tlp is TLP.RED
    assert c.recipients == {"bob"}


def test_combine_red_with_disjoint_recipients_names_nobody():
    a = mk("red", recipients=["ana"])
    b = mk("red", recipients=["bob"])
    c = combine([a, b])
    assert c.tlp is TLP.RED
    for name in ("ana", "bob"):
        assert not may_see(Reader(name, "US-HSI", Role.ANALYST), c)
    assert may_see(Reader("ana", "MX-FGR", Role.ANALYST), c)  # the originator still does


def test_combine_unions_handling_and_texts():
    a = mk("amber", handling=["H1", "H3"], handling_text="ask first")
    b = mk("amber", handling=["H0", "H3"], handling_text="no court", purpose="op lince")
    c = combine([a, b])
    assert c.handling == {"H0", "H1", "H3"}
    assert c.handling_text == "ask first; no court"
    assert c.purpose == "op lince"


@pytest.mark.parametrize(
    ("inputs", "originator", "release_to"),
    [
        # One originator: the organisations on every release list.
        (
            [
                mk("green", release_to=["A", "B", "C"]),
                mk("amber", release_to=["B", "C", "D"]),
            ],
            "MX-FGR",
            {"B", "C"},
        ),
        ([mk("green", release_to=["A"]), mk("amber", release_to=["B"])], "MX-FGR", set()),
        # CLEAR inputs do not narrow the audience.
        ([mk("clear"), mk("amber", release_to=["A"])], "MX-FGR", {"A"}),
        # Several originators: no originator; each input's originator counts as its audience.
        (
            [
                mk("amber", originator="O1", release_to=["O2", "X"]),
                mk("amber", originator="O2", release_to=["O1", "Y"]),
            ],
            None,
            {"O1", "O2"},
        ),
        (
            [mk("amber", originator="O1"), mk("amber", originator="O2", release_to=["O1"])],
            None,
            {"O1"},
        ),
        ([mk("clear", originator="O1"), mk("green", originator="O2")], None, {"O2"}),
    ],
)
def test_combine_intersects_audiences(inputs, originator, release_to):
    c = combine(inputs)
    assert c.originator == originator
    assert c.release_to == release_to


# -- combine is never looser: property ------------------------------------------------
ORGS = ["O1", "O2", "O3"]
USERS = {"a1": "O1", "a2": "O1", "b1": "O2", "b2": "O2", "c1": "O3"}
READERS = [Reader(name, org, Role.ANALYST) for name, org in USERS.items()]


@st.composite
def markings(draw, levels=tuple(TLP)):
    """Markings as the store accepts them: RED recipients are users of the
    originator or of an organisation on the release-to list (admin.check_marking)."""
    originator = draw(st.sampled_from(ORGS))
    tlp = draw(st.sampled_from(levels))
    others = [o for o in ORGS if o != originator]
    release_to = draw(st.lists(st.sampled_from(others), unique=True))
    handling = draw(st.lists(st.sampled_from(["H0", "H1", "H2", "H3"]), unique=True))
    text = draw(st.sampled_from(["ask first", "no court"])) if "H3" in handling else None
    recipients = []
    if tlp is TLP.RED:
        pool = [u for u, org in USERS.items() if org == originator or org in release_to]
        recipients = draw(st.lists(st.sampled_from(pool), unique=True, min_size=1))
    return Marking.build(tlp, originator, handling, text, release_to, recipients)


def _combine_is_never_looser(a: Marking, b: Marking) -> None:
    combined = combine([a, b])
    for reader in READERS:
        if may_see(reader, combined):
            assert may_see(reader, a), (reader, combined)
            assert may_see(reader, b), (reader, combined)
    assert combined.tlp.rank == max(a.tlp.rank, b.tlp.rank)
    assert combined.handling == a.handling | b.handling


NOT_RED = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT)


@given(markings(NOT_RED), markings(NOT_RED))
def test_combine_is_never_looser_without_red(a, b):
    _combine_is_never_looser(a, b)


# Regression: a RED input naming a user of an organisation that a non-RED input
# excluded made the combined marking visible to that user.
@given(markings(), markings())
@example(
    a=Marking.build("amber", "O1"),
    b=Marking.build("red", "O1", release_to=["O2"], recipients=["b1"]),
)
def test_combine_is_never_looser(a, b):
    _combine_is_never_looser(a, b)

"""A loaded entity's match query reads only QUERY_PROPS: its keys and its
scores against any candidate are those of every property it has."""

from __future__ import annotations

from followthemoney import model
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gugus.xref import match_score
from gugus.xref.match import QUERY_PROPS, _types
from gugus.xref.match_keys import query_keys

SCHEMATA = ["Person", "Company", "Organization", "LegalEntity"]
MATCHED = [
    "name",
    "alias",
    "birthDate",
    "gender",
    "nationality",
    "country",
    "phone",
    "email",
    "idNumber",
    "passportNumber",
    "registrationNumber",
    "innCode",
]
# Values by property type (any other property draws from all of them).
POOL = {
    "name": ["María José García", "Garcia Lopez", "Juan Pérez"],
    "date": ["1980-03-04", "1980-04-03", "1980-03-05"],
    "country": ["mx", "us"],
    "gender": ["female", "male"],
    "phone": ["+525512345678", "+12025550123"],
    "email": ["maria@example.org", "MARIA@example.org"],
    "identifier": ["G12345678", "b-711 589", "B711589"],
}
ANY = sorted({v for values in POOL.values() for v in values})


@st.composite
def entity(draw, schema: str):
    found = model.get(schema)
    names = sorted(found.properties)
    # Half the properties from those a match is known to read, half from any.
    read = [p for p in MATCHED if p in names]
    props = {}
    for prop in draw(
        st.lists(st.one_of(st.sampled_from(read), st.sampled_from(names)), min_size=2)
    ):
        pool = POOL.get(found.properties[prop].type.name, ANY)
        props[prop] = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2))
    return props


@st.composite
def pair(draw):
    """A query and a candidate of one schema (Person most often)."""
    schema = draw(st.sampled_from(["Person", "Person", *SCHEMATA]))
    return schema, draw(entity(schema)), draw(entity(schema))


@settings(max_examples=300)
@given(pair())
@example(("Person", {"name": ["Juan Pérez"], "gender": ["female"]}, {"gender": ["male"]}))
@example(("Person", {"nationality": ["mx"], "phone": ["+12025550123"]}, {"country": ["us"]}))
def test_query_props_decide_keys_and_scores(drawn):
    schema, props, cprops = drawn
    kept = {p: v for p, v in props.items() if p in QUERY_PROPS}
    assert query_keys(schema, kept) == query_keys(schema, props)
    types = _types(schema)
    full = match_score.score(match_score.prepare(props, types), cprops, types)
    lean = match_score.score(match_score.prepare(kept, types), cprops, types)
    assert (lean.score, lean.features, lean.selectors, lean.explanation) == (
        full.score,
        full.features,
        full.selectors,
        full.explanation,
    )


@settings(max_examples=200)
@given(pair())
def test_a_prepared_candidate_scores_as_its_properties(drawn):
    """The hit check prepares a hidden candidate once for all the queries of
    a batch: the score, features and explanation stay those of its props."""
    schema, props, cprops = drawn
    types = _types(schema)
    plain = match_score.score(props, cprops, types)
    prepared = match_score.score(props, match_score.prepare(cprops, types), types)
    assert (prepared.score, prepared.features, prepared.selectors, prepared.explanation) == (
        plain.score,
        plain.features,
        plain.selectors,
        plain.explanation,
    )

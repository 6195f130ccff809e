"""The online match's scorer: a few named features, each a readable reason.

A score is the sum of feature contributions, clipped to 0–1; ``features``
gives each contribution (yente's field of that name) and ``explanation`` says
per field which values were compared and what was found.  Names are compared
token by token (folded, particles dropped: ``gugus.xref.match_keys``) with
Jaro–Winkler (jellyfish), one-to-one, over the shorter name: a dropped
maternal surname or compound given name costs a little, a swapped order
nothing.  Birth dates: exact, near (day/month swapped, one digit off) or
different.  Identifiers, phones and e-mails count when equal after
normalisation.  Countries and gender only subtract when both sides have them
and they differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import jellyfish

from gugus.xref.match_keys import name_tokens, selector_kind, selector_value

THRESHOLD = 0.7  # score at which a result is a match (yente's default)
CUTOFF = 0.5  # lowest score returned as a result

# Feature → (coefficient, what it means): the matcher's documentation.
FEATURES = {
    "name_match": (0.65, "similarity of the closest pair of names (0–1), token by token"),
    "dob_match": (0.2, "a birth date is equal"),
    "dob_near": (0.12, "birth dates differ by a day/month swap or one digit"),
    "dob_mismatch": (-0.15, "both have full birth dates and none is equal or near"),
    "identifier_match": (0.5, "an identity, passport, tax or account number is equal"),
    "phone_match": (0.5, "a phone number is equal"),
    "email_match": (0.5, "an e-mail address is equal"),
    "country_mismatch": (-0.1, "both name countries and they share none"),
    "gender_mismatch": (-0.1, "both give a gender and they differ"),
}
_TOKEN_MIN = 0.8  # Jaro–Winkler below this is no token match
COUNTRY_PROPS = ("nationality", "citizenship", "country", "birthCountry")
NAME_PROPS = ("name", "alias", "previousName")


@dataclass
class Score:
    score: float = 0.0
    features: dict[str, float] = field(default_factory=dict)
    explanation: list[dict] = field(default_factory=list)
    selectors: set[str] = field(default_factory=set)  # selector kinds found equal

    @property
    def match(self) -> bool:
        return self.score >= THRESHOLD


def name_similarity(a: str, b: str) -> tuple[float, str]:
    """Similarity of two names (0–1) and how it came about."""
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return 0.0, "no name tokens"
    pairs = sorted(
        (
            (jellyfish.jaro_winkler_similarity(x, y), i, j)
            for i, x in enumerate(ta)
            for j, y in enumerate(tb)
        ),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    total = 0.0
    matched = 0
    for sim, i, j in pairs:
        if sim < _TOKEN_MIN:
            break
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        total += sim
        matched += 1
    short, long_ = sorted((len(ta), len(tb)))
    sim = total / short
    sim *= 1 - 0.05 * (long_ - short)  # a dropped surname or given name costs a little
    if short == 1:
        sim *= 0.75  # one word is weak evidence
    return round(max(0.0, sim), 3), f"{matched} of {short} tokens of the shorter name matched"


def _date_near(a: str, b: str) -> bool:
    if len(a) != 10 or len(b) != 10:
        return False
    if a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]:
        return True
    return sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _selectors(
    schema_props: dict[str, list[str]], types: dict[str, str]
) -> dict[tuple[str, str], str]:
    out = {}
    for prop, values in schema_props.items():
        kind = selector_kind(prop, types.get(prop, ""))
        if kind is None:
            continue
        for v in values:
            out[(kind, selector_value(kind, v))] = v
    return out


_FEATURE_OF = {
    "phone": "phone_match",
    "email": "email_match",
    "id": "identifier_match",
    "passport": "identifier_match",
    "account": "identifier_match",
}


@dataclass
class Prepared:
    """A query's properties with what every comparison needs computed once."""

    props: dict[str, list[str]]
    selectors: dict[tuple[str, str], str]


def prepare(query: dict[str, list[str]], types: dict[str, str]) -> Prepared:
    return Prepared(query, _selectors(query, types))


def score(
    query: dict[str, list[str]] | Prepared,
    candidate: dict[str, list[str]] | Prepared,
    types: dict[str, str],
) -> Score:
    """Score a candidate's properties against a query's (both prop → values,
    or :func:`prepare`-d: a candidate scored against many queries is prepared
    once; ``types`` maps a property to its FtM type)."""
    prepared = query if isinstance(query, Prepared) else prepare(query, types)
    query = prepared.props
    if not isinstance(candidate, Prepared):
        candidate = prepare(candidate, types)
    cs = candidate.selectors
    candidate = candidate.props
    out = Score()
    qnames = [v for p in NAME_PROPS for v in query.get(p, [])]
    cnames = [v for p in NAME_PROPS for v in candidate.get(p, [])]
    best = (0.0, "", "", "")
    for a in qnames:
        for b in cnames:
            sim, how = name_similarity(a, b)
            if sim > best[0]:
                best = (sim, a, b, how)
    if best[0] > 0:
        _add(
            out,
            "name_match",
            best[0],
            "name",
            best[1],
            best[2],
            f"similarity {best[0]:.2f}: {best[3]}",
        )
    qd, cd = query.get("birthDate", []), candidate.get("birthDate", [])
    if qd and cd:
        exact = sorted(set(qd) & set(cd))
        near = [(a, b) for a in qd for b in cd if _date_near(a, b)]
        if exact:
            _add(out, "dob_match", 1.0, "birthDate", exact[0], exact[0], "equal")
        elif near:
            _add(
                out,
                "dob_near",
                1.0,
                "birthDate",
                near[0][0],
                near[0][1],
                "day/month swap or one digit off",
            )
        elif all(len(d) == 10 for d in qd + cd):
            _add(out, "dob_mismatch", 1.0, "birthDate", qd[0], cd[0], "different")
    qs = prepared.selectors
    for (kind, norm), value in sorted(qs.items()):
        if (kind, norm) in cs and _FEATURE_OF[kind] not in out.features:
            out.selectors.add(kind)
            _add(out, _FEATURE_OF[kind], 1.0, kind, value, cs[(kind, norm)], "equal")
        elif (kind, norm) in cs:
            out.selectors.add(kind)
    qc = {c for p in COUNTRY_PROPS for c in query.get(p, [])}
    cc = {c for p in COUNTRY_PROPS for c in candidate.get(p, [])}
    if qc and cc and not qc & cc:
        _add(
            out,
            "country_mismatch",
            1.0,
            "country",
            ", ".join(sorted(qc)),
            ", ".join(sorted(cc)),
            "none shared",
        )
    qg, cg = set(query.get("gender", [])), set(candidate.get("gender", []))
    if qg and cg and not qg & cg:
        _add(
            out,
            "gender_mismatch",
            1.0,
            "gender",
            ", ".join(sorted(qg)),
            ", ".join(sorted(cg)),
            "different",
        )
    out.score = round(min(1.0, max(0.0, sum(out.features.values()))), 3)
    return out


def _add(out: Score, feature: str, value: float, fld: str, q: str, c: str, detail: str) -> None:
    weight = round(FEATURES[feature][0] * value, 3)
    out.features[feature] = weight
    out.explanation.append(
        {
            "field": fld,
            "feature": feature,
            "query": q,
            "candidate": c,
            "weight": weight,
            "detail": detail,
        }
    )


def matcher_docs() -> dict:
    """The features and their coefficients (yente's ``matcher`` field)."""
    return {
        name: {"coefficient": coef, "description": text} for name, (coef, text) in FEATURES.items()
    }

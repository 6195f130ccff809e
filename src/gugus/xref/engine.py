"""The linkage model: Splink 5 behind a small seam.

What differs per backend (Splink's database API, its SQL dialect, date
formats) lives in :mod:`gugus.xref.backends` ("duckdb" by default, "spark");
everything else (comparisons, blocking, training, explanations) is written
once here.

Training (:mod:`gugus.xref.training`): u by random sampling (seeded), m by
expectation maximisation on two blocking rules, the prior from deterministic
rules.  The trained model is
returned as Splink's settings JSON; the run service stores it per node and
schema, so the next run scores with the same parameters.  Inputs too small or
one-sided to train on fall back to stored or default parameters (a note,
never a crash).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import pyarrow as pa

from gugus.xref import backends
from gugus.xref.training import train

log = logging.getLogger(__name__)
# Splink warns about every level EM did not observe; runs report what matters as notes.
logging.getLogger("splink").setLevel(logging.ERROR)

# Below these an input is not trained on (parameters from the store or defaults).
MIN_TRAIN_RECORDS = 200
MIN_TRAIN_PER_SIDE = 50
BROAD_BUDGET = 2_000_000  # comparisons one broad blocking rule may add


def _own_random() -> None:
    """Splink names its tables with ``random.choices`` from the process's
    global generator; give it a generator of its own, so a run in a
    background thread never moves the random state the rest of the process
    (a request handler, a property test) relies on."""
    import splink.internals.misc as splink_misc

    if splink_misc.random is random:
        splink_misc.random = random.Random()


def backend(name: str) -> backends.Dialect:
    """The engine's dialect (InvalidInput naming the known engines otherwise)."""
    return backends.dialect(name)


# -- the person model --------------------------------------------------------------


def _lv(level, m: float, u: float, label: str | None = None):
    opts = {"m_probability": m, "u_probability": u}
    if label:
        opts["label_for_charts"] = label
    return level.configure(**opts)


def _shared_selectors() -> list:
    """Identifiers, phones and e-mails: any value in common."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return [
        cl.CustomComparison(
            output_column_name=name,
            comparison_levels=[
                cll.NullLevel(col),
                _lv(cll.ArrayIntersectLevel(col, 1), 0.7, 0.0001, f"shared {label}"),
                _lv(cll.ElseLevel(), 0.3, 0.9999),
            ],
        )
        for name, col, label in (
            ("identifiers", "ids", "identifier"),
            ("phones", "phones", "phone"),
            ("emails", "emails", "e-mail"),
        )
    ]


def _exact_or_not(col: str, m: float, u: float):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name=col,
        comparison_levels=[
            cll.NullLevel(col),
            _lv(cll.ExactMatchLevel(col), m, u),
            _lv(cll.ElseLevel(), round(1 - m, 4), round(1 - u, 4)),
        ],
    )


def _person_comparisons(b: backends.Dialect) -> list:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    compound = (
        "(' ' || given_all_l || ' ') LIKE ('% ' || given_r || ' %') OR "
        "(' ' || given_all_r || ' ') LIKE ('% ' || given_l || ' %')"
    )
    cross = "s1_l = s2_r OR s2_l = s1_r"
    swapped = "given_l = s1_r AND s1_l = given_r"
    # Surname-first forms and name fields filled in the wrong order: one
    # side's given name is the other's surname (the other name mistyped,
    # dropped or replaced).
    crossed = "given_l = s1_r OR s1_l = given_r"
    dm_swap = (
        "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2)"
        " AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)"
    )
    street = "street_no_l = street_no_r"
    return [
        cl.CustomComparison(
            output_column_name="given",
            comparison_levels=[
                cll.NullLevel("given"),
                _lv(
                    cll.ExactMatchLevel("given").configure(tf_adjustment_column="given"), 0.8, 0.01
                ),
                _lv(cll.CustomLevel(compound), 0.06, 0.002, "one of a compound given name"),
                _lv(cll.JaroWinklerLevel("given", 0.92), 0.05, 0.01),
                _lv(cll.CustomLevel(swapped), 0.02, 0.0002, "given name and surname swapped"),
                _lv(cll.CustomLevel(crossed), 0.01, 0.0005, "given name in the surname's place"),
                _lv(cll.ExactMatchLevel("given_mp"), 0.03, 0.02, "sounds alike"),
                _lv(cll.JaroWinklerLevel("given", 0.8), 0.01, 0.02),
                _lv(cll.ElseLevel(), 0.03, 0.9375),
            ],
        ),
        cl.CustomComparison(
            output_column_name="surname",
            comparison_levels=[
                cll.NullLevel("s1"),
                _lv(cll.ExactMatchLevel("s1").configure(tf_adjustment_column="s1"), 0.85, 0.005),
                _lv(cll.CustomLevel(cross), 0.03, 0.002, "paternal and maternal surname crossed"),
                _lv(cll.JaroWinklerLevel("s1", 0.92), 0.06, 0.005),
                _lv(cll.ExactMatchLevel("s1_mp"), 0.02, 0.01, "sounds alike"),
                _lv(cll.JaroWinklerLevel("s1", 0.8), 0.01, 0.03),
                _lv(cll.ElseLevel(), 0.03, 0.948),
            ],
        ),
        cl.CustomComparison(
            output_column_name="maternal_surname",
            comparison_levels=[
                cll.NullLevel("s2"),
                _lv(cll.ExactMatchLevel("s2"), 0.85, 0.01),
                _lv(cll.JaroWinklerLevel("s2", 0.9), 0.08, 0.01),
                _lv(cll.ElseLevel(), 0.07, 0.98),
            ],
        ),
        cl.CustomComparison(
            output_column_name="birth_date",
            comparison_levels=[
                cll.NullLevel("dob"),
                _lv(cll.ExactMatchLevel("dob"), 0.88, 0.0001),
                _lv(cll.CustomLevel(dm_swap), 0.02, 0.00001, "day and month swapped"),
                # A digit mistyped or two neighbouring digits swapped ("1937"/"1973").
                _lv(cll.DamerauLevenshteinLevel("dob", 1), 0.05, 0.002, "one digit off"),
                # Day numbers computed once per record (records.py): no date
                # parsing per pair, which cost more than all other fields together.
                _lv(
                    cll.CustomLevel("abs(dob_days_l - dob_days_r) <= 366"),
                    0.02,
                    0.03,
                    "within a year",
                ),
                _lv(cll.ElseLevel(), 0.03, 0.9679),
            ],
        ),
        _exact_or_not("country", 0.95, 0.3),
        _exact_or_not("gender", 0.98, 0.5),
        *_shared_selectors(),
        cl.CustomComparison(
            output_column_name="postcode",
            comparison_levels=[
                cll.NullLevel("postcode"),
                _lv(cll.ExactMatchLevel("postcode"), 0.8, 0.01),
                _lv(cll.DamerauLevenshteinLevel("postcode", 1), 0.1, 0.05, "one digit off"),
                _lv(cll.ElseLevel(), 0.1, 0.94),
            ],
        ),
        cl.CustomComparison(
            output_column_name="address",
            comparison_levels=[
                cll.NullLevel("address"),
                _lv(cll.ExactMatchLevel("address"), 0.6, 0.0005),
                _lv(
                    cll.And(cll.CustomLevel(street), cll.JaroWinklerLevel("street_key", 0.9)),
                    0.25,
                    0.003,
                    "same street number, similar address",
                ),
                _lv(cll.JaroWinklerLevel("address", 0.9), 0.05, 0.005),
                # The street's name alike, spaces ignored ("torrensstreet").  A
                # street name repeats from town to town ("Calle Hidalgo"): weak
                # by default, until training measures it.
                _lv(cll.JaroWinklerLevel("street_key", 0.9), 0.04, 0.02),
                _lv(cll.CustomLevel(street), 0.03, 0.02, "same street number"),
                _lv(cll.ElseLevel(), 0.03, 0.952),
            ],
        ),
    ]


def _person_blocking() -> list:
    """Blocking rules: column tuples (equal values) or SQL."""
    return [
        ("given", "s1"),
        ("s1", "dob"),
        ("given", "dob"),
        ("given_mp", "s1_mp", "s2"),
        ("given", "s1_mp"),
        "l.given = r.s1 AND l.s1 = r.given",
        ("dob", "postcode"),
        ("postcode", "street_no"),
        ("street", "street_no"),
    ]


# Broad rules, used only when they stay within the comparison budget
# (:func:`_affordable`): on a small input they find the records whose names are
# all mistyped; on a million records they would compare tens of millions of pairs.
PERSON_BROAD = (
    ("dob",),
    ("postcode",),
    ("street", "postcode"),
    # A name mistyped and the birth date or postcode too: the other name and
    # where the person lives.
    ("given", "street_key"),
    ("s1", "street_key"),
    ("given", "street_no"),
    ("s1", "street_no"),
)


def _person_training() -> tuple[list, list]:
    """(deterministic rules for the prior, EM blocking rules as column tuples)."""
    from splink import block_on

    return ([block_on("given", "s1", "dob"), block_on("id1")], [("dob",), ("given", "s1")])


PERSON_SCHEMA = pa.schema(
    [
        ("unique_id", pa.string()),
        ("given", pa.string()),
        ("given_all", pa.string()),
        ("s1", pa.string()),
        ("s2", pa.string()),
        ("given_mp", pa.string()),
        ("s1_mp", pa.string()),
        ("dob", pa.string()),
        ("dob_days", pa.int32()),
        ("country", pa.string()),
        ("gender", pa.string()),
        ("ids", pa.list_(pa.string())),
        ("phones", pa.list_(pa.string())),
        ("emails", pa.list_(pa.string())),
        ("id1", pa.string()),
        ("phone1", pa.string()),
        ("email1", pa.string()),
        ("postcode", pa.string()),
        ("street_no", pa.string()),
        ("street", pa.string()),
        ("street_key", pa.string()),
        ("address", pa.string()),
    ]
)


@dataclass(frozen=True)
class Model:
    family: str
    comparisons: Callable[[backends.Dialect], list]
    blocking: Callable[[], list]
    training: Callable[[], tuple[list, list]]
    schema: pa.Schema
    prior: float  # default probability that two random records match
    broad: tuple = ()  # columns of rules used within the comparison budget
    # Comparison → the column it reads: left out of a run where a side has no
    # value in it (it could only ever fire its null level, weight 0).
    optional: tuple = ()


# Fields many inputs never fill (FEBRL has no phones, e-mails, identifiers or
# gender): each comparison kept costs a pass over the u sample, EM and scoring.
_OPTIONAL_SELECTORS = (("identifiers", "ids"), ("phones", "phones"), ("emails", "emails"))
PERSON_OPTIONAL = (
    *_OPTIONAL_SELECTORS,
    ("maternal_surname", "s2"),
    ("birth_date", "dob"),
    ("country", "country"),
    ("gender", "gender"),
    ("postcode", "postcode"),
    ("address", "address"),
)
ORG_OPTIONAL = (*_OPTIONAL_SELECTORS, ("country", "country"), ("address", "address"))


def _org_comparisons(b: backends.Dialect) -> list:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return [
        cl.CustomComparison(
            output_column_name="name",
            comparison_levels=[
                cll.NullLevel("name"),
                _lv(cll.ExactMatchLevel("name").configure(tf_adjustment_column="name"), 0.7, 0.001),
                _lv(cll.JaroWinklerLevel("name", 0.92), 0.15, 0.005),
                _lv(cll.ArrayIntersectLevel("name_tokens", 2), 0.08, 0.01, "two words in common"),
                _lv(cll.ExactMatchLevel("name_mp"), 0.03, 0.02, "first word sounds alike"),
                _lv(cll.ElseLevel(), 0.04, 0.964),
            ],
        ),
        _exact_or_not("country", 0.9, 0.3),
        *_shared_selectors(),
        cl.CustomComparison(
            output_column_name="address",
            comparison_levels=[
                cll.NullLevel("address"),
                _lv(cll.ExactMatchLevel("address"), 0.6, 0.0005),
                _lv(cll.JaroWinklerLevel("address", 0.9), 0.15, 0.005),
                _lv(cll.ExactMatchLevel("postcode"), 0.1, 0.01, "same postcode"),
                _lv(cll.ElseLevel(), 0.15, 0.9845),
            ],
        ),
    ]


def _org_blocking() -> list:
    return [("name",), ("name_mp", "country"), ("name_mp", "postcode")]


def _org_training() -> tuple[list, list]:
    from splink import block_on

    return ([block_on("name", "country"), block_on("id1")], [("name_mp",), ("name",)])


ORG_SCHEMA = pa.schema(
    [
        ("unique_id", pa.string()),
        ("name", pa.string()),
        ("name_tokens", pa.list_(pa.string())),
        ("name_mp", pa.string()),
        ("country", pa.string()),
        ("ids", pa.list_(pa.string())),
        ("phones", pa.list_(pa.string())),
        ("emails", pa.list_(pa.string())),
        ("id1", pa.string()),
        ("phone1", pa.string()),
        ("email1", pa.string()),
        ("address", pa.string()),
        ("postcode", pa.string()),
    ]
)

MODELS = {
    "Organization": Model(
        "Organization",
        _org_comparisons,
        _org_blocking,
        _org_training,
        ORG_SCHEMA,
        1e-4,
        optional=ORG_OPTIONAL,
    ),
    "Person": Model(
        "Person",
        _person_comparisons,
        _person_blocking,
        _person_training,
        PERSON_SCHEMA,
        1e-4,
        PERSON_BROAD,
        PERSON_OPTIONAL,
    ),
}


# -- running ------------------------------------------------------------------------


@dataclass
class Scored:
    pairs: list[dict] = field(default_factory=list)  # left, right, probability, explanation
    notes: list[str] = field(default_factory=list)
    trained: dict | None = None  # the settings JSON of a newly trained model
    parameters: str = "default"  # "trained", "stored" or "default"


def _pairs_under(cols: tuple[str, ...], sides: list[list[dict]]) -> int:
    """Comparisons a rule blocking on equal ``cols`` generates: pairs across
    different sides when there are several, within the one side otherwise."""
    counts = [
        Counter(k for k in zip(*([r.get(c) for r in rows] for c in cols), strict=True) if all(k))
        if len(cols) > 1
        else Counter(v for r in rows if (v := r.get(cols[0])))
        for rows in sides
    ]
    if len(counts) == 1:
        return sum(n * (n - 1) // 2 for n in counts[0].values())
    if len(counts) == 2:  # a link of two collections: the cross products
        a, b = counts
        return sum(n * b[k] for k, n in a.items() if k in b)
    total: Counter = Counter()
    for c in counts:
        total.update(c)
    return sum((n * n - sum(c.get(k, 0) ** 2 for c in counts)) // 2 for k, n in total.items())


# Blocking on a shared selector, where both sides have some (FEBRL has none:
# a rule that can find no pair still costs a join).
SELECTOR_RULES = ("id1", "phone1", "email1")


def _filled(col: str, sides: list[list[dict]]) -> bool:
    """Whether a pair of this input can share a value of ``col``."""
    if len(sides) > 1:  # pairs are across collections: two of them need values
        return sum(1 for rows in sides if any(r.get(col) for r in rows)) >= 2
    return sum(1 for r in sides[0] if r.get(col)) > 1


def _rules(model: Model, sides: list[list[dict]], notes: list[str]) -> list:
    rules = model.blocking()
    rules.extend((col,) for col in SELECTOR_RULES if _filled(col, sides))
    for cols in model.broad:
        if _pairs_under(cols, sides) <= BROAD_BUDGET:
            rules.append(cols)
        else:
            notes.append(f"{model.family}: blocking on {'+'.join(cols)} alone skipped (too broad)")
    # A rule on a superset of an admitted rule's columns finds no pair of its
    # own (given+dob once dob alone is in); each kept rule costs a join.
    return _as_rules(
        r
        for r in rules
        if isinstance(r, str)
        or not any(not isinstance(o, str) and o != r and set(o) <= set(r) for o in rules)
    )


def _as_rules(rules) -> list:
    """Splink's blocking rules of column tuples (equal values) and SQL strings."""
    from splink import block_on

    return [r if isinstance(r, str) else block_on(*r) for r in rules]


def _unused(model: Model, sides: list[list[dict]]) -> frozenset[str]:
    """The optional comparisons no pair of this input can fill: a column
    filled in fewer than two of the collections linked (in fewer than two
    records of a dedupe)."""
    return frozenset(name for name, col in model.optional if not _filled(col, sides))


def _constant(model: Model, sides: list[list[dict]]) -> frozenset[str]:
    """The optional comparisons of one text column holding at most one value
    across the whole input."""
    out = set()
    for name, col in model.optional:
        if model.schema.field(col).type != pa.string():
            continue
        values = {r.get(col) for rows in sides for r in rows}
        values -= {None, ""}
        if len(values) <= 1:
            out.add(name)
    return frozenset(out)


def _settings(
    model: Model,
    b: backends.Dialect,
    link_type: str,
    rules: list | None = None,
    unused: frozenset[str] = frozenset(),
):
    from splink import SettingsCreator

    comparisons = model.comparisons(b)
    if unused:
        comparisons = [c for c in comparisons if c.create_output_column_name() not in unused]
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=_as_rules(model.blocking())
        if rules is None
        else rules,
        probability_two_random_records_match=model.prior,
        # mw_* columns (each level's weight; the level that fired is read back
        # from it) without the compared values (retain_matching_columns).
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
    )


@lru_cache(maxsize=16)
def model_key(family: str, engine: str) -> str:
    """Fingerprint of the model's structure (levels and their SQL): stored
    parameters of another structure are not reused."""
    b = backend(engine)
    settings = _settings(MODELS[family], b, "link_only").get_settings(b.sql_dialect)
    d = settings.as_dict()
    for comp in d["comparisons"]:
        for level in comp["comparison_levels"]:
            level.pop("m_probability", None)
            level.pop("u_probability", None)
    d.pop("probability_two_random_records_match", None)
    d.pop("linker_uid", None)
    text = json.dumps(d["comparisons"], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _table(model: Model, rows: list[dict]) -> pa.Table:
    names = model.schema.names
    cols = {n: [r.get(n) or None for r in rows] for n in names}
    return pa.table(cols, schema=model.schema)


def _levels(linker) -> dict[str, list[tuple[float, str]]]:
    """Per comparison: (match weight, label) of each non-null level."""
    out: dict[str, list[tuple[float, str]]] = {}
    for comp in linker._settings_obj.comparisons:
        out[comp.output_column_name] = [
            (level._match_weight, level.label_for_charts)
            for level in comp.comparison_levels
            if not level.is_null_level
        ]
    return out


def _explain(row: dict, levels: dict[str, list[tuple[float, str]]]) -> dict:
    """Per field: the level that fired (the one with this weight) and its
    match weight, term-frequency adjustment included.  Fields missing on
    either side (weight 0, no evidence) are left out."""
    out = {}
    for name, choices in levels.items():
        weight = row.get(f"mw_{name}")
        if weight is None or weight == 0:
            continue
        label = min(choices, key=lambda c: abs(c[0] - weight))[1] if choices else "?"
        tf = row.get(f"mw_tf_adj_{name}") or 0.0
        out[name] = {"level": label, "weight": round(float(weight + tf), 2)}
    return out


def score(
    family: str,
    sides: dict[str, list[dict]],
    engine: str = "duckdb",
    *,
    stored: dict | None = None,
    retrain: bool = False,
    threshold: float = 0.3,
) -> Scored:
    """Candidate pairs among the records of ``sides`` (source name → rows):
    linked across sources when there are several, deduplicated within the
    one source otherwise.  ``stored``: a trained model's settings JSON."""
    _own_random()
    model = MODELS[family]
    b = backend(engine)
    out = Scored()
    sides = {k: v for k, v in sides.items() if v}
    n = sum(map(len, sides.values()))
    if n < 2:
        out.notes.append(f"{family}: fewer than two records to compare")
        return out
    link_type = "link_only" if len(sides) > 1 else "dedupe_only"
    with backends.opened(engine) as db_api:
        _score(out, model, b, db_api, sides, link_type, n, stored, retrain, threshold)
    return out


def _score(out, model, b, db_api, sides, link_type, n, stored, retrain, threshold) -> None:
    from splink import Linker

    sdfs = [
        db_api.register(_table(model, rows), dataset_display_name=f"s{i}")
        for i, rows in enumerate(sides.values())
    ]
    inputs = sdfs if len(sdfs) > 1 else sdfs[0]
    rules = _rules(model, list(sides.values()), out.notes)
    big = [len(v) for v in sides.values() if len(v) >= MIN_TRAIN_PER_SIDE]
    trainable = n >= MIN_TRAIN_RECORDS and (len(big) >= 2 or link_type == "dedupe_only")
    # Left out, not scored as missing: the stored model keeps their parameters
    # for the runs that have them (port_parameters matches by name).
    unused = _unused(model, list(sides.values()))
    # A field with one value throughout (every record "au") says nothing: a
    # model trained here would give it weight 0 anyway.  Stored or default
    # parameters keep it, as they would score it.
    training = trainable and (stored is None or retrain)
    settings = _settings(
        model,
        b,
        link_type,
        rules,
        unused | _constant(model, list(sides.values())) if training else unused,
    )
    if not trainable and (retrain or stored is None):
        why = "small" if n < MIN_TRAIN_RECORDS else "one-sided"
        out.notes.append(
            f"{model.family}: input too {why} to train on ({n} records, {len(big)} "
            f"collection(s) with {MIN_TRAIN_PER_SIDE} or more); scored with "
            f"{'stored' if stored else 'default'} parameters"
        )
    if stored is not None and (not retrain or not trainable):
        # The current structure (this engine's SQL, this run's blocking and
        # link type) with the stored prior and m/u of each level.
        ported = backends.port_parameters(stored, settings, b.engine)
        linker = Linker(inputs, ported, log_level=None, validate_settings=False)
        out.parameters = "stored"
    else:
        linker = Linker(inputs, settings, log_level=None, validate_settings=False)
        if trainable:
            if train(linker, model.family, model.training(), n, out.notes):
                out.parameters = "trained"
                out.trained = _with_left_out(linker.misc.save_model_to_json(), stored)
            else:  # no training rule worked: nothing was estimated
                settings = _settings(model, b, link_type, rules, unused)
                fallback = (
                    backends.port_parameters(stored, settings, b.engine) if stored else settings
                )
                linker = Linker(inputs, fallback, log_level=None, validate_settings=False)
                out.parameters = "stored" if stored else "default"
                out.notes.append(
                    f"{model.family}: training failed; scored with {out.parameters} parameters"
                )
    levels = _levels(linker)
    predictions = linker.inference.predict(
        threshold_match_probability=threshold, warning_mode="never"
    )
    try:
        table = predictions.as_duckdbpyrelation().arrow()
    except AttributeError:  # not a DuckDB backend
        table = pa.Table.from_pandas(predictions.as_pandas_dataframe())
    if hasattr(table, "read_all"):
        table = table.read_all()
    # Only what the pairs keep (Splink's intermediate columns: bf_*, gamma_*).
    wanted = {"unique_id_l", "unique_id_r", "match_probability"}
    wanted |= {f"mw_{n}" for n in levels} | {f"mw_tf_adj_{n}" for n in levels}
    table = table.select([c for c in table.column_names if c in wanted])
    for row in table.to_pylist():
        out.pairs.append(
            {
                "left": row["unique_id_l"],
                "right": row["unique_id_r"],
                "probability": float(row["match_probability"]),
                "explanation": _explain(row, levels),
            }
        )


def _with_left_out(trained: dict, stored: dict | None) -> dict:
    """The trained model plus the stored parameters of the comparisons this
    run left out (an input without phones does not forget what phones weigh)."""
    if not stored:
        return trained
    have = {c.get("output_column_name") for c in trained.get("comparisons", [])}
    kept = [c for c in stored.get("comparisons", []) if c.get("output_column_name") not in have]
    return {**trained, "comparisons": [*trained.get("comparisons", []), *kept]}

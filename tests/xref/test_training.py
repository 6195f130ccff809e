"""Training a linkage model: an m probability expectation maximisation drives
below what a float holds does not fail the training, and a training rule
that fails for another reason is left out while the others still train."""

from __future__ import annotations

import pyarrow as pa
import pytest

from gugus.xref import backends, training

TOWNS = "abcdefgh"  # any two one letter apart: most random pairs


def _records() -> pa.Table:
    """Forty people, each four times (same name, same town), and two
    strangers who share a name with one of them but live in another town."""
    people = [(f"p{i}", TOWNS[i % len(TOWNS)]) for i in range(40)]
    people += [(f"p{i}", TOWNS[(i + 1) % len(TOWNS)]) for i in range(2)]
    rows = [
        {"unique_id": f"{i}-{copy}", "name": name, "town": town}
        for i, (name, town) in enumerate(people)
        for copy in range(4)
    ]
    return pa.Table.from_pylist(rows)


def _linker(db_api):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on

    town = cl.CustomComparison(
        output_column_name="town",
        comparison_levels=[
            cll.NullLevel("town"),
            cll.ExactMatchLevel("town").configure(m_probability=0.9, u_probability=0.1),
            # Never seen among matches, common among strangers: a starting m
            # at the floor goes below it in the first iteration.
            cll.LevenshteinLevel("town", 1).configure(m_probability=1e-300, u_probability=0.8),
            cll.ElseLevel().configure(m_probability=0.1, u_probability=0.85),
        ],
    )
    name = cl.ExactMatch("name").configure(m_probabilities=[0.9, 0.1], u_probabilities=[0.05, 0.95])
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[name, town],
        blocking_rules_to_generate_predictions=[block_on("name")],
        probability_two_random_records_match=0.01,
    )
    sdf = db_api.register(_records(), dataset_display_name="people")
    return Linker(sdf, settings, log_level=None, validate_settings=False)


def _train(db_api) -> tuple[bool, list[str]]:
    from splink import block_on

    notes: list[str] = []
    rules = ([block_on("name", "town")], [("name",)])
    return training.train(_linker(db_api), "Person", rules, 168, notes), notes


def test_an_m_probability_below_the_float_floor_is_not_an_error():
    with backends.opened("duckdb") as db_api:
        ok, notes = _train(db_api)
    assert (ok, notes) == (True, [])


def test_without_the_floor_splink_refuses_that_m_probability(monkeypatch):
    """The case above is the real one: Splink's own M step fails on it."""
    import splink.internals.expectation_maximisation as em

    training.install_em_floor()
    monkeypatch.setattr(
        em,
        "compute_proportions_for_new_parameters",
        em.compute_proportions_for_new_parameters.unfloored,
    )
    monkeypatch.setattr(training, "install_em_floor", lambda: None)
    with backends.opened("duckdb") as db_api:
        ok, notes = _train(db_api)
    assert not ok
    assert notes == [
        "Person: expectation maximisation failed when blocking on name (ValueError); "
        "trained without that rule"
    ]


def test_the_floor_drops_only_m_probabilities_below_it():
    from splink.internals.comparison_level import M_U_CLAMP_MIN

    records = [
        {"output_column_name": "town", "comparison_vector_value": 1, "m_probability": 5e-313},
        {"output_column_name": "town", "comparison_vector_value": 2, "m_probability": 0.0},
        {
            "output_column_name": "town",
            "comparison_vector_value": 0,
            "m_probability": M_U_CLAMP_MIN,
        },
        {"output_column_name": "_probability_two_random_records_match", "m_probability": 0.0},
    ]
    floored = training._without_underflow(lambda _df: records)
    assert floored(None) == records[2:]
    assert floored.unfloored(None) == records


@pytest.mark.parametrize("installs", [1, 3])
def test_the_floor_is_installed_once(installs):
    import splink.internals.expectation_maximisation as em

    for _ in range(installs):
        training.install_em_floor()
    found = em.compute_proportions_for_new_parameters
    assert hasattr(found, "unfloored")
    assert not hasattr(found.unfloored, "unfloored")

"""Estimating a linkage model's parameters (Splink 5): the prior from
deterministic rules, u by random sampling (seeded), m by expectation
maximisation (EM) on blocking rules, one rule at a time.

Two things keep a large input from losing its training:

- An m probability that EM drives below what a float holds (Splink's floor,
  ``M_U_CLAMP_MIN``): a level never seen among the matches of a rule's pairs
  but common among non-matches (a postcode one digit off, where the data
  never mistypes postcodes) shrinks geometrically with every iteration until
  Splink's setter refuses it and the whole session fails.  Such a level is
  treated the way Splink treats a level absent from the pairs: not
  estimated by that rule (:func:`install_em_floor`).
- A rule that fails for any other reason (no pair under it) is left out
  with a note; the other rules still train, and the comparisons only the
  failed rule could estimate keep their default m probabilities.
"""

from __future__ import annotations

U_MAX_PAIRS = 1e5
EM_MAX_PAIRS = 2e6
EM_RECORDS = 400_000  # records sampled for EM (all of a smaller input)
SEED = 1


def _without_underflow(proportions):
    """Splink's M-step proportions minus the m probabilities below its
    floor: a missing level is one "not observed" (m 1e-6 for the next
    iteration, no estimate from this rule), never an error."""
    from splink.internals.comparison_level import M_U_CLAMP_MIN

    def floored(df_params):
        return [
            r
            for r in proportions(df_params)
            if r["output_column_name"] == "_probability_two_random_records_match"
            or not isinstance(r["m_probability"], float)
            or r["m_probability"] >= M_U_CLAMP_MIN
        ]

    floored.unfloored = proportions
    return floored


def install_em_floor() -> None:
    """Wrap Splink's M step once per process (:func:`_without_underflow`).
    A Splink without that function is left alone: a failing rule is then
    still only left out (:func:`train`)."""
    import splink.internals.expectation_maximisation as em

    found = getattr(em, "compute_proportions_for_new_parameters", None)
    if found is not None and not hasattr(found, "unfloored"):
        em.compute_proportions_for_new_parameters = _without_underflow(found)


def train(linker, family: str, rules: tuple[list, list], n: int, notes: list[str]) -> bool:
    """Estimate the parameters of ``linker`` from ``rules`` (deterministic
    rules for the prior, EM rules as column tuples); False when EM failed on
    every rule (the caller then scores with stored or default parameters)."""
    from splink import block_on

    install_em_floor()
    deterministic, em_rules = rules
    try:
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    except Exception as exc:  # noqa: BLE001 - Splink raises bare exceptions on odd inputs
        notes.append(f"{family}: prior not estimated ({type(exc).__name__}); default kept")
    # One pass over the sample: rare levels (a swapped name) never reach
    # Splink's early-stopping count, which made it read every chunk.
    linker.training.estimate_u_using_random_sampling(
        max_pairs=U_MAX_PAIRS, seed=SEED, num_chunks=1, min_count_per_level=None
    )
    proportion = min(1.0, EM_RECORDS / n)
    trained = 0
    for cols in em_rules:
        try:
            session = linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*cols),
                estimate_without_term_frequencies=True,
                max_pairs=EM_MAX_PAIRS,
                record_sample_proportion=proportion,
            )
        except Exception as exc:  # noqa: BLE001 - e.g. no pairs under a rule
            notes.append(
                f"{family}: expectation maximisation failed when blocking on "
                f"{'+'.join(cols)} ({type(exc).__name__}); trained without that rule"
            )
            continue
        trained += 1
        history = getattr(session, "_core_model_settings_history", [])
        settings = getattr(linker._settings_obj, "training_settings", None)
        if len(history) >= getattr(settings, "max_iterations", 25):
            notes.append(f"{family}: the model did not converge on one training rule")
    if 0 < trained < len(em_rules) and (kept := untrained(linker)):
        notes.append(f"{family}: default m probabilities kept for {', '.join(kept)}")
    return trained > 0


def untrained(linker) -> list[str]:
    """The comparisons for which no training rule estimated an m probability."""
    return [
        comp.output_column_name
        for comp in linker._settings_obj.comparisons
        if not any(
            level._has_estimated_m_values for level in comp._comparison_levels_excluding_null
        )
    ]

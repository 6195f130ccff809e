"""The person model's levels for keying errors FEBRL4 showed and real forms
share (a name in the other's place, neighbouring digits swapped), and the
run-shaping rules that keep a run small without losing evidence."""

from __future__ import annotations

from gugus.xref import engine, records

PERSON = engine.MODELS["Person"]


def person(uid: str, given: str, surname: str, dob: str, address: str) -> dict:
    values = {
        "firstName": [given],
        "lastName": [surname],
        "birthDate": [dob],
        "address": [address],
    }
    row = records.person_row(uid, values, 2026)
    assert row is not None
    return row


def pair_of(scored: engine.Scored, left: str, right: str) -> dict:
    for p in scored.pairs:
        if {p["left"], p["right"]} == {left, right}:
            return p
    raise AssertionError(f"{left}/{right} not proposed")


def test_a_given_name_in_the_surname_place_and_swapped_digits_are_evidence_for():
    # Surname-first form with the other name mistyped; a birth year keyed "73" for "37".
    a = [
        person("a1", "Rosa", "Jiménez", "1937-04-16", "Calle Hidalgo 12, 06000"),
        person("a2", "Pedro", "Salas", "1950-01-02", "Calle Juárez 3, 06100"),
    ]
    b = [
        person("b1", "Jimenes", "Rosa", "1973-04-16", "Calle Hidalgo 12, 06000"),
        person("b2", "Luisa", "Ortega", "1990-05-06", "Avenida Reforma 99, 11000"),
    ]
    scored = engine.score("Person", {"A": a, "B": b}, threshold=0.001)
    why = pair_of(scored, "a1", "b1")["explanation"]
    assert why["given"]["level"] == "given name in the surname's place"
    assert why["given"]["weight"] > 0
    assert why["birth_date"]["level"] == "one digit off"
    assert why["birth_date"]["weight"] > 0


def test_a_field_filled_in_two_of_three_collections_is_still_compared():
    with_dob, without = [{"dob": "1980-01-01"}], [{"dob": None}]
    assert "birth_date" not in engine._unused(PERSON, [with_dob, with_dob, without])
    assert "birth_date" in engine._unused(PERSON, [with_dob, without])
    assert "phones" in engine._unused(PERSON, [with_dob, with_dob])


def test_a_rule_implied_by_an_admitted_broader_rule_is_not_run():
    rows = [{"given": "ana", "s1": "cruz", "dob": "1980-01-01", "postcode": "06000"}]
    rules = engine._rules(PERSON, [rows, rows], [])
    sqls = [
        r.get_blocking_rule("duckdb").blocking_rule_sql for r in rules if not isinstance(r, str)
    ]
    on_dob = [s for s in sqls if '"dob"' in s]
    assert on_dob == ['l."dob" = r."dob"'], sqls
    assert not any('"phone1"' in s for s in sqls)  # no phones on either side

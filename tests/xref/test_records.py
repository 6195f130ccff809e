"""Feature records: names split the way Spanish and English records write them."""

from __future__ import annotations

import pytest

from gugus.xref.records import person_row


def row(**props):
    return person_row("e", {k: v if isinstance(v, list) else [v] for k, v in props.items()}, 2026)


@pytest.mark.parametrize(
    ("props", "given", "given_all", "s1", "s2"),
    [
        # Mexican form: compound given name, both surnames, accents
        (
            {"firstName": "José Luis", "fatherName": "Pérez", "motherName": "García"},
            "jose",
            "jose luis",
            "perez",
            "garcia",
        ),
        # US form: accents lost, maternal surname hyphenated
        (
            {"firstName": "Maria", "lastName": "Lopez-Hernandez"},
            "maria",
            "maria",
            "lopez",
            "hernandez",
        ),
        # maternal surname dropped
        ({"firstName": "Jose", "lastName": "Perez"}, "jose", "jose", "perez", None),
        # abbreviated compound given name
        (
            {"firstName": "Ma. Guadalupe", "fatherName": "Cruz"},
            "maria",
            "maria guadalupe",
            "cruz",
            None,
        ),
        # compound surname with particles
        ({"firstName": "Ana", "lastName": "de la Cruz"}, "ana", "ana", "cruz", None),
        # only a full name: given, paternal, maternal
        ({"name": "JUAN CARLOS REYES LÓPEZ"}, "juan", "juan carlos", "reyes", "lopez"),
        ({"name": "Robert Smith"}, "robert", "robert", "smith", None),
    ],
)
def test_names_are_split(props, given, given_all, s1, s2):
    r = row(**props)
    assert (r["given"], r["given_all"], r["s1"], r["s2"]) == (given, given_all, s1, s2)
    assert r["given_mp"] and r["s1_mp"]


def test_without_any_name_there_is_no_record():
    assert row(phone="+525512345678") is None
    assert row(name="  ") is None


@pytest.mark.parametrize(
    ("value", "kept"),
    [("1980-02-03", "1980-02-03"), ("1066-10-14", None), ("2199-01-01", None), ("1980", None)],
)
def test_partial_and_absurd_birth_dates_are_not_compared(value, kept):
    r = row(name="Ana Cruz", birthDate=value)
    assert r["dob"] == kept
    assert r["dob_raw"] == (None if kept else value)


def test_selectors_and_address_features():
    r = row(
        name="Ana Cruz",
        phone=["+525512345678", "+525512345678"],
        email="Ana.Cruz@Example.org",
        idNumber="cuaa-750101 mdfrrn09",
        passportNumber="G 123 4567",
        address="Calle Hidalgo 123, Col. Centro, C.P. 06000, Ciudad de México",
    )
    assert r["phones"] == ["+525512345678"]
    assert r["emails"] == ["ana.cruz@example.org"]
    assert r["ids"] == ["CUAA750101MDFRRN09", "G1234567"]
    assert (r["postcode"], r["street_no"]) == ("06000", "123")

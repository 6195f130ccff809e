"""Selectors: valid check digits are extracted, invalid ones never; phones are
read strictly and only for the document's main country without "+"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iban as std_iban
from stdnum.mx import curp as mx_curp

from gugus.extract import extract
from gugus.extract.claims import Claims
from gugus.extract.selectors import find_phones
from gugus.extract.selectors.ids import clabe_is_valid

digits = st.text("0123456789", min_size=17, max_size=17)


def clabe_with_check(body: str) -> str:
    total = sum(int(d) * w % 10 for d, w in zip(body, (3, 7, 1) * 6, strict=False))
    return body + str((10 - total % 10) % 10)


def values(text: str, kind: str, **kw) -> list[str]:
    kw.setdefault("language", "es")
    return extract(text, **kw).values(kind)


@given(digits)
def test_clabe_valid_check_digit_extracted_wrong_one_never(body):
    good = clabe_with_check(body)
    bad = good[:17] + str((int(good[17]) + 1) % 10)
    assert values(f"Depositar a la CLABE {good}.", "clabe", country="mx") == [good]
    found = extract(f"Depositar a la CLABE {bad}.", language="es", country="mx")
    assert found.values("clabe") == []
    assert found.values("phone") == []  # 18 digits are no phone either


def test_clabe_check_digit_by_hand():
    # Weights 3-7-1 over the first 17 digits, modulo 10.
    assert clabe_is_valid("032180000118359719")
    assert not clabe_is_valid("032180000118359718")
    assert not clabe_is_valid("03218000011835971")


def test_clabe_written_in_groups():
    assert values("CLABE: 032 180 00011835971 9", "clabe") == ["032180000118359719"]


@given(
    st.sampled_from(["PEHJ900101HCSRRN0", "GOMA850312MDFRRR0", "LOSA700215HGTPNN0"]),
    st.integers(0, 9),
)
def test_curp_only_with_its_check_digit(body, digit):
    curp = body + str(digit)
    expected = [curp] if mx_curp.is_valid(curp) else []
    assert values(f"con CURP {curp} y domicilio conocido", "curp") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RFC PEHJ900101K27 (persona física)", ["PEHJ900101K27"]),
        ("RFC VME050101T18 de la empresa", ["VME050101T18"]),
        ("RFC: VME-050101-T18", ["VME050101T18"]),
        ("RFC PEHJ900101K28 (dígito erróneo)", []),
        ("RFC PEHJ900101 sin homoclave", []),  # no check digits to validate
    ],
)
def test_rfc_needs_valid_check_digits(text, expected):
    assert values(text, "rfc") == expected


def test_iban_with_and_without_spaces_and_a_following_capital_word():
    text = (
        "Cuentas: GT82 TRAJ 0102 0000 0012 1002 9690 EN QUETZALES, SV62CENR00000000000000700025, "
        "GT83TRAJ01020000001210029690."
    )
    assert values(text, "iban") == ["GT82TRAJ01020000001210029690", "SV62CENR00000000000000700025"]
    assert std_iban.is_valid("GT82TRAJ01020000001210029690")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSN 219-09-9998", ["219099998"]),
        ("Social Security number: 219 09 9998", ["219099998"]),
        ("número de seguro social 219099998", ["219099998"]),
        ("file 219-09-9998", ["219099998"]),  # the dashed 3-2-4 form needs no keyword
        ("SSN 666-45-6789", []),
        ("SSN 000-12-3456", []),
        ("SSN 912-45-6789", []),
        ("file 219099998", []),  # nine bare digits without a keyword
    ],
)
def test_ssn(text, expected):
    assert values(text, "ssn", language="en") == expected


def test_nik_needs_keyword_or_indonesian():
    assert values("NIK 3171011708450001", "nik") == ["3171011708450001"]
    assert values("KTP: 3171011708450001", "nik") == ["3171011708450001"]
    assert values("Dia tinggal di sana, nomornya 3171011708450001.", "nik", language="id") == [
        "3171011708450001"
    ]
    assert values("referencia 3171011708450001", "nik") == []  # Spanish, no keyword
    assert values("NIK 9971011708450001", "nik") == []  # no such province
    assert values("NIK 3171013202001234", "nik") == []  # no 32 February


@pytest.mark.parametrize(
    ("text", "expected", "detail"),
    [
        ("NIT 576937-K", ["576937K"], "nit:gt"),
        ("NIT: 3952550-3", ["39525503"], "nit:gt"),
        ("NIT 576937-5", [], None),
        ("NIT del socio 0614-050707-104-8", ["06140507071048"], "nit:sv"),
        ("registro 0614-050707-104-8", ["06140507071048"], "nit:sv"),
        ("registro 0614-050707-104-0", [], None),
    ],
)
def test_nit(text, expected, detail):
    found = extract(text, language="es", country="gt").of("nit")
    assert [f.value for f in found] == expected
    if detail:
        assert found[0].detail == detail


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("pasaporte mexicano número G12345678", "es", ["G12345678"]),
        ("passport no. 561234567 issued in 2019", "en", ["561234567"]),
        ("paspor nomor B1234567", "id", ["B1234567"]),
        ("passeport n° 18AV12345", "fr", ["18AV12345"]),
        ("passaporte FN123456", "pt", ["FN123456"]),
        ("Paspor: C 1234567", "id", ["C1234567"]),
        ("número G12345678 registrado", "es", []),  # no keyword: any code would do
        ("pasaporte vigente hasta 2030", "es", []),
    ],
)
def test_passport_only_after_keyword(text, lang, expected):
    assert values(text, "passport", language=lang) == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("camioneta con placas JKL-123-A del estado", "es", ["JKL123A"]),
        ("license plate 7ABC123 (California)", "en", ["7ABC123"]),
        ("nomor polisi B 1234 XYZ disita", "id", ["B1234XYZ"]),
        ("matrícula 1234 BCD", "es", ["1234BCD"]),
        ("una camioneta JKL-123-A", "es", []),
        ("placas de Sonora", "es", []),
    ],
)
def test_plate_only_after_keyword(text, lang, expected):
    assert values(text, "plate", language=lang) == expected


def test_emails_lower_case_and_trailing_full_stop():
    text = "Escribir a Jefatura.Inteligencia@FGR.gob.mx. O a mal..punto@x.com, o a 5512345678@example.com."
    found = extract(text, language="es", country="mx")
    assert found.values("email") == ["jefatura.inteligencia@fgr.gob.mx", "5512345678@example.com"]
    assert found.values("phone") == []  # digits inside an address are not a phone


PHONES = [
    # (text, main country, expected E.164 numbers)
    ("Llamar al +1 (956) 724-1234 en Texas.", "mx", ["+19567241234"]),
    ("Tel. 55 1234 5678 o (81) 8123 4567.", "mx", ["+525512345678", "+528181234567"]),
    ("Tel. (81) 8123 4567.", "us", []),  # no "+": read as the main country only
    ("Marcar 0052 55 1234 5678.", "us", ["+525512345678"]),
    ("Viejo formato +52 1 55 1234 5678.", "gt", ["+525512345678"]),
    ("Números 2222-3333 y +504 9999 8888.", "sv", ["+50322223333", "+50499998888"]),
    ("Expediente 2021-06-08, audiencia 08-06-2021.", "sv", []),
    ("Monto USD 25000000 y $ 1,500,000 y 1.500.000 y Q 25,000.", "sv", []),
    ("Hay 2 500 000 personas y 25000000 pesos.", "sv", []),
    ("CLABE 032180000118359719 y cuenta 032180000118359718.", "mx", []),
    ("Contact (915) 532-7788.", "us", ["+19155327788"]),
    ("Hubungi 0812-3456-7890.", "id", ["+6281234567890"]),
]


@pytest.mark.parametrize(("text", "country", "expected"), PHONES)
def test_phones(text, country, expected):
    assert values(text, "phone", country=country) == expected


def test_phone_without_plus_needs_a_main_country():
    assert find_phones("Tel. 55 1234 5678", None, Claims()) == []
    assert [f.value for f in find_phones("Tel. +52 55 1234 5678", None, Claims())] == [
        "+525512345678"
    ]


def test_main_country_inferred_from_mentions_reads_local_numbers():
    # An English text set on the border: El Paso and Texas outnumber Mexico.
    text = "EL PASO, Texas — agents reached the driver at (915) 532-7788 after he left Mexico."
    assert values(text, "phone", language="en") == ["+19155327788"]
    # The same number in a Mexican text is not a valid Mexican number.
    text = "En Ciudad Juárez, México, el chofer contestó al (915) 532-7788."
    assert values(text, "phone", language="es") == []

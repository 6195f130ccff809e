"""Identifiers with check digits or a fixed structure: e-mail, CURP, RFC,
CLABE, IBAN, US SSN, Indonesian NIK, Guatemalan and Salvadoran NIT.

Validation is python-stdnum's where it has one (CURP, RFC with
``validate_check_digits=True``, IBAN, SSN, NIK, NIT); the CLABE check digit
(weights 3-7-1, modulo 10) is computed here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from stdnum import iban as std_iban
from stdnum.exceptions import ValidationError
from stdnum.gt import nit as gt_nit
from stdnum.id import nik as id_nik
from stdnum.mx import curp as mx_curp
from stdnum.mx import rfc as mx_rfc
from stdnum.sv import nit as sv_nit
from stdnum.us import ssn as us_ssn

from gugus.extract.claims import Claims
from gugus.extract.found import Found
from gugus.extract.selectors.common import BACKEND, compact, keyword_before

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}(?![\w-])")
_CURP = re.compile(r"(?<![A-Z0-9])[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d(?![A-Z0-9])")
_RFC = re.compile(r"(?<![A-Z0-9&Ñ])[A-Z&Ñ]{3,4}[- ]?\d{6}[- ]?[A-Z0-9]{3}(?![A-Z0-9])")
_CLABE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){17}(?![\d])")
_IBAN = re.compile(r"(?<![A-Z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Z0-9])")
_SSN = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
_SSN_KEYED = re.compile(
    r"(?i:\bSSN\b|social security(?: number| no\.?| #)?|seguro social(?: de (?:EE\.? ?UU\.?|Estados Unidos))?)"
    r"[^\d\n]{0,20}(?P<n>(?<!\d)\d{3} ?\d{2} ?\d{4})(?!\d)"
)
_NIK = re.compile(r"(?<![\d])\d{16}(?![\d])")
_NIK_KEYWORD = re.compile(r"(?i:\bNIK\b|\bKTP\b|nomor induk kependudukan)")
_NIT_KEYED = re.compile(
    r"\bNIT\b[^\w\n]{0,3}(?:(?i:No|número|num|n°)\.?:?\s*)?(?P<n>\d[\d -]{0,20}[\dkK])(?![\w-])"
)
_SV_NIT = re.compile(r"(?<![\d-])\d{4}-\d{6}-\d{3}-\d(?![\d-])")
_CLABE_KEYWORD = re.compile(r"(?i:\bCLABE\b|cuenta|account|interbancaria)")

_CLABE_WEIGHTS = (3, 7, 1) * 6


def clabe_is_valid(number: str) -> bool:
    """The Mexican CLABE check digit: 17 digits weighted 3-7-1, modulo 10."""
    if len(number) != 18 or not number.isdigit():
        return False
    total = sum(int(d) * w % 10 for d, w in zip(number[:17], _CLABE_WEIGHTS, strict=False))
    return (10 - total % 10) % 10 == int(number[17])


def _ok(check: Callable[[str], object], value: str) -> bool:
    try:
        check(value)
    except ValidationError:
        return False
    return True


def _found(kind, value, text, start, end, score, detail=None) -> Found:
    return Found(kind, value, text[start:end], start, end, score, BACKEND, detail=detail)


def _emails(text: str) -> Iterator[Found]:
    for m in _EMAIL.finditer(text):
        written = m.group().rstrip(".")
        local = written.split("@", 1)[0]
        if local.startswith(".") or ".." in written:
            continue
        yield _found("email", written.lower(), text, m.start(), m.start() + len(written), 0.95)


def _curps(text: str) -> Iterator[Found]:
    for m in _CURP.finditer(text):
        if _ok(mx_curp.validate, m.group()):
            yield _found("curp", m.group(), text, m.start(), m.end(), 0.95)


def _rfcs(text: str) -> Iterator[Found]:
    for m in _RFC.finditer(text):
        value = mx_rfc.compact(m.group())
        if len(value) in (12, 13) and _ok(
            lambda v: mx_rfc.validate(v, validate_check_digits=True), value
        ):
            yield _found("rfc", value, text, m.start(), m.end(), 0.9)


def _clabes(text: str) -> Iterator[Found]:
    for m in _CLABE.finditer(text):
        value = compact(m.group())
        if clabe_is_valid(value):
            keyed = keyword_before(text, m.start(), _CLABE_KEYWORD)
            yield _found("clabe", value, text, m.start(), m.end(), 0.95 if keyed else 0.8)


def _ibans(text: str) -> Iterator[Found]:
    for m in _IBAN.finditer(text):
        written = m.group()
        # A greedy match may run into an upper-case word after the IBAN: shorten
        # it one group at a time until it validates.
        while len(compact(written)) >= 15:
            if _ok(std_iban.validate, written):
                value = std_iban.compact(written)
                yield _found("iban", value, text, m.start(), m.start() + len(written), 0.95)
                break
            cut = written.rfind(" ")
            if cut < 0:
                break
            written = written[:cut]


def _ssns(text: str, claims: Claims) -> Iterator[Found]:
    keyed = "SSN" in text or "ocial" in text or "OCIAL" in text
    for m in _SSN_KEYED.finditer(text) if keyed else ():
        value = compact(m.group("n"))
        if _ok(us_ssn.validate, value):
            yield _found("ssn", value, text, m.start("n"), m.end("n"), 0.9)
    for m in _SSN.finditer(text):
        if claims.free(m.start(), m.end()) and _ok(us_ssn.validate, m.group()):
            yield _found("ssn", compact(m.group()), text, m.start(), m.end(), 0.8)


def _niks(text: str, lang: str | None) -> Iterator[Found]:
    for m in _NIK.finditer(text):
        keyed = keyword_before(text, m.start(), _NIK_KEYWORD)
        if (keyed or lang in ("id", "ms")) and _ok(id_nik.validate, m.group()):
            yield _found("nik", m.group(), text, m.start(), m.end(), 0.9 if keyed else 0.75)


def _nits(text: str) -> Iterator[Found]:
    for m in _SV_NIT.finditer(text):
        if _ok(sv_nit.validate, m.group()):
            yield _found("nit", sv_nit.compact(m.group()), text, m.start(), m.end(), 0.9, "nit:sv")
    for m in _NIT_KEYED.finditer(text) if "NIT" in text else ():
        written = m.group("n").rstrip(" -")
        start = m.start("n")
        digits = re.sub(r"[ -]", "", written)
        if len(digits) == 14 and _ok(sv_nit.validate, digits):
            yield _found("nit", digits, text, start, start + len(written), 0.9, "nit:sv")
        elif _ok(gt_nit.validate, written):
            value = gt_nit.compact(written)
            yield _found("nit", value, text, start, start + len(written), 0.85, "nit:gt")


def find_ids(text: str, lang: str | None, claims: Claims) -> list[Found]:
    """Validated identifiers, each claiming its span (first finder wins)."""
    out: list[Found] = []

    def keep(items: Iterator[Found]) -> None:
        for item in items:
            if claims.take(item.start, item.end):
                out.append(item)

    # Cheap substring tests spare whole-text scans for what cannot be there.
    if "@" in text:
        keep(_emails(text))
    keep(_curps(text))
    keep(_rfcs(text))
    keep(_ibans(text))
    keep(_clabes(text))
    keep(_nits(text))
    keep(_ssns(text, claims))
    keep(_niks(text, lang))
    return out

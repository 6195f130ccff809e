"""How documents write people, numbers and dates — and what they mention.

A :class:`Text` collects a document's paragraphs and, for every name,
selector, date and place written into them, a *mention*: the text as
written, the value it stands for (E.164 phone, ISO date, the record's name)
and the ground-truth person and entity ids behind it.  Extraction from the
documents is scored against these.  Planted invalid identifiers (a CURP or
CLABE with a wrong check digit, a phone number missing digits, an IBAN with
wrong check digits, a number that looks like a passport far from the word
"passport") are recorded apart, as things an extractor must *not* report.
"""

from __future__ import annotations

import datetime as dt
import re
from random import Random

import phonenumbers
from babel.dates import format_date
from stdnum import iban as stdnum_iban
from stdnum.mx import curp as stdnum_curp

CURP_RE = re.compile(r"^[A-Z]{4}\d{6}[HM][A-Z]{5}[0-9A-Z]\d$")
_CLABE_WEIGHTS = (3, 7, 1) * 6


class Text:
    """Paragraphs being written, with the mentions they contain."""

    def __init__(self, language: str, rng: Random) -> None:
        self.language, self.rng = language, rng
        self.paragraphs: list[str] = []
        self.mentions: list[dict] = []
        self.invalid: list[dict] = []

    def para(self, *parts: str | None) -> None:
        self.paragraphs.append(" ".join(p for p in parts if p))

    def m(
        self,
        kind: str,
        text: str,
        value: str | None = None,
        who=None,
        entities: list | None = None,
    ) -> str:
        """Record a mention and return its text, to be written in a sentence."""
        item = {"kind": kind, "text": text, "value": value if value is not None else text}
        if who is not None:
            item["person"], item["entities"] = who.pid, who.entities
        elif entities:
            item["entities"] = entities
        if item not in self.mentions:
            self.mentions.append(item)
        return text

    def bad(self, kind: str, text: str, reason: str) -> str:
        item = {"kind": kind, "text": text, "reason": reason}
        if item not in self.invalid:
            self.invalid.append(item)
        return text

    def date(self, iso: str, numeric: bool | None = None) -> str:
        """A date as this language writes it (long form, or the local numeric form)."""
        day = dt.date.fromisoformat(iso)
        if numeric is None:
            numeric = self.rng.random() < 0.3
        if numeric and self.language in ("es", "en"):
            text = day.strftime("%m/%d/%Y" if self.language == "en" else "%d/%m/%Y")
        else:
            text = format_date(day, "long", locale=self.language)
        return self.m("date", text, iso)

    def phone(self, e164: str, home: str, who=None) -> str:
        """A phone number as written in a document of country ``home`` (MX, US)."""
        num = phonenumbers.parse(e164)
        fmt = phonenumbers.PhoneNumberFormat
        region = phonenumbers.region_code_for_number(num)
        national = phonenumbers.format_number(num, fmt.NATIONAL)
        international = phonenumbers.format_number(num, fmt.INTERNATIONAL)
        x = self.rng.random()
        if region != home or x < 0.15:
            text = international
        elif region == "MX" and x < 0.35:
            text = re.sub(r"\D", "", national)  # "9621234567"
        elif region == "US" and x < 0.35:
            text = national.replace("(", "").replace(") ", "-")  # "713-555-0123"
        else:
            text = national
        return self.m("phone", text, e164, who)


# -- names -----------------------------------------------------------------------------
def first(props: dict, prop: str) -> str | None:
    return (props.get(prop) or [None])[0]


def name_variant(props: dict, rng: Random, formal: bool) -> str:
    """One way a report writes the person of record ``props``."""
    given = first(props, "firstName") or first(props, "name") or ""
    last = first(props, "lastName")
    if last is None:
        last = " ".join(x for x in (first(props, "fatherName"), first(props, "motherName")) if x)
    middle = first(props, "middleName")
    x = rng.random()
    if formal and x < 0.4:
        return f"{given} {last}".upper()
    if formal and x < 0.6:
        return f"{last.upper()}, {given}"
    if middle and x < 0.8:
        return f"{given} {middle} {last}"
    return f"{given} {last}" if last else given


# -- invalid identifiers ------------------------------------------------------------------
def clabe_valid(number: str) -> bool:
    if len(number) != 18 or not number.isdigit():
        return False
    total = sum(int(d) * w % 10 for d, w in zip(number[:17], _CLABE_WEIGHTS, strict=False))
    return (10 - total % 10) % 10 == int(number[17])


def broken_curp(curp: str) -> str:
    out = curp[:-1] + str((int(curp[-1]) + 3) % 10)
    assert not stdnum_curp.is_valid(out)
    return out


def broken_clabe(clabe: str) -> str:
    out = clabe[:-1] + str((int(clabe[-1]) + 1) % 10)
    assert not clabe_valid(out)
    return out


def broken_iban(iban: str) -> str:
    check = (int(iban[2:4]) + 11) % 97 or 1
    out = f"{iban[:2]}{check:02d}{iban[4:]}"
    assert not stdnum_iban.is_valid(out)
    return out


def broken_phone(e164: str) -> str:
    """The national number with its last three digits lost (as a hurried note)."""
    num = phonenumbers.parse(e164)
    national = str(num.national_number)[:-3]
    region = phonenumbers.region_code_for_number(num)
    assert not phonenumbers.is_valid_number(phonenumbers.parse(national, region))
    return f"{national[:3]} {national[3:6]} {national[6:]}".strip()


def grouped(number: str, size: int = 4) -> str:
    return " ".join(number[i : i + size] for i in range(0, len(number), size))


def clabe_text(clabe: str, rng: Random) -> str:
    """A CLABE as printed: most often whole, sometimes in bank/branch/account/check groups."""
    if rng.random() < 0.3:
        return f"{clabe[:3]} {clabe[3:6]} {clabe[6:17]} {clabe[17]}"
    return clabe

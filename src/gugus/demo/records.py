"""How people and agencies' records of them look in the demo world.

:class:`RecordsMixin` (mixed into :class:`gugus.demo.world.World`) creates true
persons and renders each agency's own record of them — with that agency's
habits and errors — plus the documents, border crossings, bank accounts and
payments an agency holds.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from gugus.demo import names as N
from gugus.demo.agencies import CBP, INM, MINOR, REF, START

ADULT_BIRTH_BEFORE = "2003-06-09"  # born before this day: 18 or older on REFERENCE_DATE
_BASE = date(1940, 1, 1).toordinal()
_ISO = [date.fromordinal(o).isoformat() for o in range(_BASE, REF + 1)]


def iso(ordinal: int) -> str:
    return _ISO[ordinal - _BASE]


def props(**kw) -> dict:
    """FtM properties from keyword arguments, dropping empty values."""
    return {k: (v if v.__class__ is list else [v]) for k, v in kw.items() if v}


def typo(rnd, s: str) -> str:
    """One keying error: two letters swapped, one dropped or one doubled."""
    if len(s) < 4:
        return s
    i = 1 + int(rnd() * (len(s) - 3))
    op = rnd()
    if op < 0.34:
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    return s[:i] + s[i + 1 :] if op < 0.67 else s[:i] + s[i] + s[i:]


class Person:
    """A true person: the attributes every agency's record is drawn from."""

    __slots__ = (
        "pid",
        "female",
        "given",
        "s1",
        "s2",
        "birth",
        "nat",
        "res",
        "place",
        "addr",
        "phones",
        "email",
        "curp",
        "nid",
        "passport",
        "anum",
        "alias",
        "ids",
    )

    @property
    def minor(self) -> bool:
        return self.birth >= ADULT_BIRTH_BEFORE


class RecordsMixin:
    rng: Any
    rnd: Any
    n: int
    first: int
    ports: dict[tuple[str, str], str]
    emit: Any

    # -- small random helpers (faster than Random.choice/randrange) -------------
    def pick(self, seq):
        return seq[int(self.rnd() * len(seq))]

    def between(self, lo: int, hi: int) -> int:
        return lo + int(self.rnd() * (hi - lo))

    def date(self, lo: int = START, hi: int = REF) -> str:
        return _ISO[lo + int(self.rnd() * (hi - lo)) - _BASE]

    # -- people -------------------------------------------------------------------
    def person(
        self,
        nat: str,
        res: str | None = None,
        age=(18.2, 62),
        female=None,
        s1: str | None = None,
        place=None,
    ) -> Person:
        rnd, pick = self.rnd, self.pick
        self.n += 1
        p = Person()
        p.pid, p.ids, p.alias = f"P{self.first + self.n:07d}", {}, None
        p.female = f = rnd() < 0.5 if female is None else female
        p.nat, p.res = nat, res or nat
        if nat != "us" or rnd() < 0.45:
            p.given = pick(N.ES_FEMALE if f else N.ES_MALE)
            p.s1, p.s2 = s1 or pick(N.ES_SURNAMES), pick(N.ES_SURNAMES)
        else:
            p.given = pick(N.EN_FEMALE if f else N.EN_MALE)
            if rnd() < 0.4:
                p.given += " " + pick(N.EN_FEMALE if f else N.EN_MALE)
            p.s1, p.s2 = s1 or pick(N.EN_SURNAMES), None
        p.birth = _ISO[REF - _BASE - int((age[0] + rnd() * (age[1] - age[0])) * 365.25)]
        p.place = place or pick(N.PLACES[p.res])
        p.addr = self.address(p.res, p.place)
        area = p.place[3]
        p.phones = [] if p.minor and rnd() < 0.6 else [N.phone(self.rng, p.res, area)]
        if rnd() < 0.15:
            p.phones.append(N.phone(self.rng, p.res, area))
        p.email = p.curp = p.nid = p.anum = None
        if not p.minor and rnd() < 0.3:
            user = N.ascii_fold(p.given.split()[0] + "." + p.s1.replace(" ", "")).lower()
            domain = pick(("gmail.com", "hotmail.com", "yahoo.com", "outlook.com"))
            p.email = f"{user}{int(rnd() * 100)}@{domain}"
        if nat == "mx":
            p.curp = N.curp(p.given, p.s1, p.s2, p.birth, f, p.place[1], self.rng)
        elif nat != "us":
            p.nid = N.national_id(self.rng, nat, p.birth)
        p.passport = N.passport_no(self.rng, nat) if rnd() < 0.55 else None
        return p

    def address(self, country: str, place: tuple) -> str:
        rnd, pick = self.rnd, self.pick
        city, state, cp = place[0], place[1], place[2]
        if country == "mx":
            kind = pick(("Calle", "Avenida", "Privada"))
            return (
                f"{kind} {pick(N.MX_STREETS)} {1 + int(rnd() * 900)}, "
                f"Col. {pick(N.MX_COLONIAS)}, C.P. {cp}{int(rnd() * 100):02d}, {city}, {state}"
            )
        if country == "us":
            return (
                f"{100 + int(rnd() * 9800)} {pick(N.US_STREETS)} {pick(N.US_SUFFIX)}, "
                f"{city}, {state} {cp}{int(rnd() * 100):02d}"
            )
        if country == "gt":
            return (
                f"{1 + int(rnd() * 14)}a. Avenida {1 + int(rnd() * 30)}-"
                f"{1 + int(rnd() * 98)}, Zona {1 + int(rnd() * 11)}, {city}, {state}"
            )
        return (
            f"Colonia {pick(N.CA_COLONIAS)}, {'bloque' if country == 'hn' else 'Pasaje'} "
            f"{1 + int(rnd() * 30)}, casa {1 + int(rnd() * 98)}, {city}, {state}"
        )

    def render(self, p: Person, style: str) -> dict:
        """One agency's record of a person, with that agency's habits and errors.

        Styles: ``mx`` (Mexican forms: accents, paternal/maternal surnames),
        ``uif`` (bank KYC: upper case, often surname first), ``us`` (English
        forms: accents lost, maternal surname dropped or hyphenated, middle
        names, nicknames, swapped day/month) and ``cbp`` (travel documents:
        upper case, no accents).
        """
        rnd = self.rnd
        given, s1, s2 = p.given, p.s1, p.s2
        mx = style == "mx" or style == "uif"
        if rnd() < (0.02 if mx else 0.06):
            s1 = typo(rnd, s1)
        if s2 and rnd() < (0.12 if mx else 0.5):
            s2 = None
        gender = "female" if p.female else "male"
        if mx:
            if style == "uif" or rnd() < 0.15:
                given, s1, s2 = N.fold_name(given), N.fold_name(s1), s2 and N.fold_name(s2)
            if " " in given and rnd() < 0.15:  # compound given name shortened
                given = (
                    "Ma. " + given[6:] if given.startswith("María ") else given.partition(" ")[0]
                )
            if style == "mx" and rnd() < 0.25:  # forms typed in capitals
                given, s1, s2 = given.upper(), s1.upper(), s2 and s2.upper()
            full = f"{given} {s1} {s2}" if s2 else f"{given} {s1}"
            if style == "uif":
                given, s1, s2 = given.upper(), s1.upper(), s2 and s2.upper()
                full = f"{s1} {s2} {given}" if s2 and rnd() < 0.5 else full.upper()
            out = {"name": [full], "firstName": [given], "fatherName": [s1]}
            if s2:
                out["motherName"] = [s2]
            out["gender"] = [gender]
            ident = p.curp or (p.nid and p.nid[1])
        else:
            upper = style == "cbp"
            if upper or rnd() < 0.7:
                given, s1, s2 = N.fold_name(given), N.fold_name(s1), s2 and N.fold_name(s2)
            first, _, middle = given.partition(" ")
            if middle and rnd() < 0.3:
                first, middle = given, ""
            out = {}
            if not upper and first in N.NICKNAMES and rnd() < 0.2:
                out["weakAlias"] = [f"{first} {s1}"]
                first = self.pick(N.NICKNAMES[first])
            last = s1 if not s2 else (f"{s1} {s2}" if rnd() < 0.5 else f"{s1}-{s2}")
            full = f"{first} {middle} {last}" if middle else f"{first} {last}"
            if upper:
                full, first, middle, last = (
                    full.upper(),
                    first.upper(),
                    middle.upper(),
                    last.upper(),
                )
            out["name"], out["firstName"], out["lastName"] = [full], [first], [last]
            if middle:
                out["middleName"] = [middle]
            out["gender"] = [gender]
            ident = p.anum
        if ident:
            out["idNumber"] = [ident]
        if rnd() < 0.92:
            bday = p.birth
            if not mx and bday < "2001-06-08" and rnd() < 0.05 and bday[8:] <= "12":
                bday = f"{bday[:4]}-{bday[8:]}-{bday[5:7]}"  # day and month swapped
            out["birthDate"] = [bday]
        out["nationality"] = [p.nat]
        if p.phones and rnd() < 0.6:
            out["phone"] = list(p.phones)
        if p.email and (style == "uif" or style == "us") and rnd() < 0.7:
            out["email"] = [p.email]
        if rnd() < 0.6:
            addr = p.addr if style == "mx" else N.ascii_fold(p.addr)
            out["address"] = [addr.upper() if style == "uif" or style == "cbp" else addr]
        if p.passport and not mx and rnd() < 0.7:
            out["passportNumber"] = [p.passport]
        if p.alias and (style == "mx" or style == "us"):
            out["alias"] = [p.alias]
        return out

    def record(self, c: str, p: Person, style: str, marking=None, **extra) -> str:
        """Write collection ``c``'s own Person entity for ``p``."""
        out = self.render(p, style)
        for k, v in props(**extra).items():
            out[k] = out[k] + [x for x in v if x not in out[k]] if k in out else v
        if marking is None and p.minor:
            marking = MINOR[c]
        p.ids[c] = eid = self.emit(c, "Person", out, marking)
        return eid

    # -- documents, travel, money ---------------------------------------------------
    def document(self, c: str, p: Person, marking=None) -> None:
        """An identity document entity held by collection ``c`` for person ``p``."""
        holder = p.ids[c]
        if c in (INM, CBP) and p.passport:
            surname = f"{p.s1} {p.s2}" if p.s2 else p.s1
            self.emit(
                c,
                "Passport",
                {
                    "holder": [holder],
                    "number": [p.passport],
                    "country": [p.nat],
                    "type": ["P"],
                    "givenName": [N.fold_name(p.given).upper()],
                    "surname": [N.ascii_fold(surname).upper()],
                    "birthDate": [p.birth],
                    "gender": ["female" if p.female else "male"],
                    "startDate": [self.date(REF - 3000, REF - 400)],
                },
                marking,
            )
        elif p.curp:
            self.emit(
                c,
                "Identification",
                {
                    "holder": [holder],
                    "number": [p.curp],
                    "type": ["CURP"],
                    "country": ["mx"],
                    "authority": ["RENAPO"],
                },
                marking,
            )
        elif p.nid or p.anum:
            kind, number, auth = p.nid or ("A-Number", p.anum, "USCIS")
            self.emit(
                c,
                "Identification",
                {
                    "holder": [holder],
                    "number": [number],
                    "type": [kind],
                    "country": [p.nat if p.nid else "us"],
                    "authority": [auth],
                },
                marking,
            )

    def trip(
        self,
        c: str,
        persons: list[Person],
        start: str,
        end: str,
        when: str,
        marking=None,
        note: str | None = None,
        by: Person | None = None,
    ) -> str:
        """A border crossing (FtM ``Trip``) of one or more people, maybe with a driver."""
        involved = [p.ids[c] for p in persons if c in p.ids]
        if by is not None and c in by.ids:
            involved.append(by.ids[c])
        s, e = N.PORTS[start][2], N.PORTS[end][2]
        out = {
            "name": [
                f"Ingreso a México por {N.PORTS[end][0]}"
                if c == INM
                else f"Border crossing at {N.PORTS[end][0]}"
            ],
            "startDate": [when],
            "startLocation": [self.ports[c, start]],
            "endLocation": [self.ports[c, end]],
            "country": [s] if s == e else [s, e],
            "involved": involved,
        }
        if note:
            out["description"] = [note]
        return self.emit(c, "Trip", out, marking)

    def account(
        self,
        c: str,
        country: str,
        owner: str | None = None,
        marking=None,
        number: str | None = None,
    ) -> tuple[str, str]:
        """A BankAccount (and the Ownership of it, if ``owner``); returns (id, number)."""
        if country == "mx":
            number = number or N.clabe(self.rng, self.pick(N.MX_BANK_CODES))
            out = {
                "accountNumber": [number],
                "bankName": [N.MX_BANKS[number[:3]]],
                "country": ["mx"],
                "currency": ["MXN"],
            }
        elif country == "us":
            number = number or N.digits(self.rng, 10)
            out = {
                "accountNumber": [number],
                "bankName": [self.pick(N.US_BANKS)],
                "country": ["us"],
                "currency": ["USD"],
            }
        else:
            code, bank = self.pick(N.CA_BANKS[country])
            if country == "hn":
                number = number or N.digits(self.rng, 12)
                out = {
                    "accountNumber": [number],
                    "bankName": [bank],
                    "country": ["hn"],
                    "currency": ["HNL"],
                }
            else:
                number = number or N.iban(self.rng, country, code)
                out = {
                    "iban": [number],
                    "accountNumber": [number[8:]],
                    "bankName": [bank],
                    "country": [country],
                    "currency": ["GTQ" if country == "gt" else "USD"],
                }
        aid = self.emit(c, "BankAccount", out, marking)
        if owner:
            self.emit(
                c, "Ownership", {"owner": [owner], "asset": [aid], "role": ["Titular"]}, marking
            )
        return aid, number

    def pay(
        self,
        c: str,
        payer,
        beneficiary,
        amount: float,
        currency: str,
        when: str,
        purpose: str,
        payer_acct=None,
        beneficiary_acct=None,
        marking=None,
    ) -> str:
        return self.emit(
            c,
            "Payment",
            props(
                payer=payer,
                payerAccount=payer_acct,
                beneficiary=beneficiary,
                beneficiaryAccount=beneficiary_acct,
                amount=f"{amount:.2f}",
                currency=currency,
                date=when,
                purpose=purpose,
            ),
            marking,
        )

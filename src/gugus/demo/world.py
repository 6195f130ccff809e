"""A seeded, believable task-force world with ground truth, written as files.

``generate(out_dir, seed=1, people=300)`` writes

* ``world.json`` — organisations, users, collections (with default markings);
* ``collections/<name>.jsonl`` — FollowTheMoney entities, one per line, some
  carrying a stricter per-line ``marking`` (victims, minors);
* ``truth/identities.jsonl`` — which entities are the same real person;
* ``truth/networks.jsonl`` — the planted trafficking networks.

Generation streams: people are produced in small units (one background person,
a travelling family, or one network with its victims and the unrelated payers of
its funnel account), written out and forgotten, so memory stays bounded at any
size. Output is a pure function of ``seed`` and ``people``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from datetime import date
from pathlib import Path
from random import Random

import orjson

from gugus.demo import names as N

REFERENCE_DATE = "2021-06-08"  # the day the Mexico–US task force was agreed
_REF = date(2021, 6, 8).toordinal()
_START = date(2019, 1, 1).toordinal()
ADULT_BIRTH_BEFORE = "2003-06-09"  # born on or before 2003-06-08: 18 or older at REFERENCE_DATE

ORGS = [
    ("MX-FGR", "Fiscalía General de la República (FEVIMTRA)", "MX"),
    ("MX-UIF", "Unidad de Inteligencia Financiera (SHCP)", "MX"),
    ("MX-INM", "Instituto Nacional de Migración", "MX"),
    (
        "MX-SNDIF",
        "Sistema Nacional DIF — Procuraduría Federal de Protección de Niñas, Niños y Adolescentes",
        "MX",
    ),
    ("US-HSI", "Homeland Security Investigations (ICE, DHS)", "US"),
    ("US-CBP", "U.S. Customs and Border Protection (DHS)", "US"),
    ("US-JTFA", "Joint Task Force Alpha (DOJ Criminal Division and DHS)", "US"),
]
# org -> (analyst, liaison, supervisor)
STAFF = {
    "MX-FGR": ("ana.fgr", "ricardo.fgr", "lucia.fgr"),
    "MX-UIF": ("diego.uif", "carmen.uif", "hector.uif"),
    "MX-INM": ("paola.inm", "jorge.inm", "elena.inm"),
    "MX-SNDIF": ("sofia.dif", "miguel.dif", "rosa.dif"),
    "US-HSI": ("emily.hsi", "carlos.hsi", "james.hsi"),
    "US-CBP": ("sarah.cbp", "luis.cbp", "mark.cbp"),
    "US-JTFA": ("rachel.jtfa", "daniel.jtfa", "laura.jtfa"),
}
ADMIN = ("admin", "MX-FGR")
TLP_ORDER = ("clear", "green", "amber", "amber+strict", "red")

OS, FGR, UIF, INM, DIF = (
    "jtfa-fuentes-abiertas",
    "fgr-investigaciones",
    "uif-reportes",
    "inm-registros-migratorios",
    "sndif-proteccion-nna",
)
HSI, CBP, JTFA = "hsi-investigations", "cbp-encounters", "jtfa-targets"
_DIF_TEXT = (
    "Datos de niñas, niños y adolescentes: uso exclusivo para su protección y "
    "restitución de derechos; prohibida su difusión"
)
_VICTIM_ES = "Identidad de víctima protegida: no divulgar datos que permitan identificarla"
_VICTIM_EN = "Victim identity: no disclosure without the originator's victim-assistance approval"


def _mk(tlp, handling=(), release_to=(), recipients=(), purpose=None, text=None) -> dict:
    return {
        "tlp": tlp,
        "handling": list(handling),
        "handling_text": text,
        "release_to": list(release_to),
        "recipients": list(recipients),
        "purpose": purpose,
    }


# name -> (org, label, default marking, minor override, victim override)
COLLECTIONS = {
    OS: (
        "US-JTFA",
        "Open-source press reporting on trafficking and smuggling arrests",
        _mk(
            "clear",
            release_to=[o[0] for o in ORGS if o[0] != "US-JTFA"],
            purpose="Open-source situational awareness",
        ),
        None,
        None,
    ),
    FGR: (
        "MX-FGR",
        "Carpetas de investigación por trata de personas (FEVIMTRA)",
        _mk(
            "amber",
            ["H1"],
            ["US-HSI", "US-JTFA"],
            purpose="Investigación de trata de personas, Ley General en Materia de Trata",
        ),
        ("red", ["H1", "H2", "H3"], ["US-HSI"], ["carlos.hsi"], _VICTIM_ES),
        ("amber+strict", ["H1", "H2"], ["US-HSI"], [], None),
    ),
    UIF: (
        "MX-UIF",
        "Reportes de operaciones inusuales y análisis financiero",
        _mk(
            "amber",
            ["H0", "H2"],
            ["MX-FGR", "US-HSI"],
            purpose="Análisis de operaciones con recursos de procedencia ilícita (LFPIORPI)",
        ),
        ("amber+strict", ["H0", "H2"], ["MX-FGR"], [], None),
        None,
    ),
    INM: (
        "MX-INM",
        "Registros de ingreso, presentación y canalización de personas extranjeras",
        _mk(
            "amber",
            ["H0"],
            ["MX-FGR", "MX-SNDIF", "US-CBP", "US-HSI"],
            purpose="Control migratorio y detección de posibles víctimas de trata",
        ),
        ("amber+strict", ["H0", "H2"], ["MX-SNDIF", "MX-FGR"], [], None),
        (
            "red",
            ["H0", "H2", "H3"],
            ["MX-SNDIF", "MX-FGR"],
            ["miguel.dif", "ricardo.fgr"],
            _VICTIM_ES,
        ),
    ),
    DIF: (
        "MX-SNDIF",
        "Expedientes de protección de niñas, niños y adolescentes migrantes",
        _mk(
            "red",
            ["H2", "H3"],
            ["MX-FGR", "US-HSI"],
            ["ricardo.fgr", "carlos.hsi"],
            "Protección y restitución de derechos de NNA (LGDNNA)",
            _DIF_TEXT,
        ),
        ("red", ["H2", "H3"], ["MX-FGR"], ["ricardo.fgr"], _DIF_TEXT),
        None,
    ),
    HSI: (
        "US-HSI",
        "HSI human trafficking case files",
        _mk(
            "amber",
            ["H1", "H2"],
            ["MX-FGR", "US-JTFA", "US-CBP"],
            purpose="Criminal investigation of human trafficking (18 U.S.C. 1581-1597)",
        ),
        ("red", ["H1", "H2", "H3"], ["MX-FGR"], ["ricardo.fgr"], _VICTIM_EN),
        None,
    ),
    CBP: (
        "US-CBP",
        "Border encounters and port-of-entry inspections",
        _mk(
            "amber",
            ["H0"],
            ["US-HSI", "US-JTFA", "MX-INM"],
            purpose="Border security and identification of trafficking indicators",
        ),
        ("amber+strict", ["H0", "H2"], ["US-HSI"], [], None),
        ("red", ["H0", "H2", "H3"], ["US-HSI"], ["carlos.hsi"], _VICTIM_EN),
    ),
    JTFA: (
        "US-JTFA",
        "JTFA target organisations and persons",
        _mk(
            "amber+strict",
            ["H1", "H2"],
            ["US-HSI", "MX-FGR"],
            purpose="Joint Task Force Alpha target development",
        ),
        None,
        None,
    ),
}


def _overrides(coll: str) -> tuple[dict | None, dict | None]:
    org, _, base, minor, victim = COLLECTIONS[coll]
    out = []
    for spec in (minor, victim or minor):
        out.append(
            None
            if spec is None
            else _mk(spec[0], spec[1], spec[2], spec[3], base["purpose"], spec[4])
        )
    return out[0], out[1]


_MINOR = {c: _overrides(c)[0] for c in COLLECTIONS}
_VICTIM = {c: _overrides(c)[1] for c in COLLECTIONS}


def manifest_head(seed: int, people: int) -> dict:
    users = [
        {"username": u, "org": org, "role": role}
        for org, names in STAFF.items()
        for u, role in zip(names, ("analyst", "liaison", "supervisor"), strict=True)
    ]
    users.append({"username": ADMIN[0], "org": ADMIN[1], "role": "admin"})
    return {
        "seed": seed,
        "people": people,
        "reference_date": REFERENCE_DATE,
        "organisations": [{"code": c, "name": n, "country": k} for c, n, k in ORGS],
        "users": users,
    }


def _p(**kw) -> dict:
    """FtM properties from keyword arguments, dropping empty values."""
    return {k: (v if isinstance(v, list) else [v]) for k, v in kw.items() if v}


def _typo(r: Random, s: str) -> str:
    if len(s) < 4:
        return s
    i = r.randrange(1, len(s) - 2)
    op = r.randrange(3)
    if op == 0:
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    return s[:i] + s[i + 1 :] if op == 1 else s[:i] + s[i] + s[i:]


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


class World:
    def __init__(self, out_dir: Path, seed: int, people: int):
        self.rng = Random(seed)
        self.seed, self.people, self.out = seed, people, out_dir
        self.n = 0  # persons created
        self.nets = 0
        (out_dir / "collections").mkdir(parents=True, exist_ok=True)
        (out_dir / "truth").mkdir(parents=True, exist_ok=True)
        self.files = {c: open(out_dir / "collections" / f"{c}.jsonl", "wb") for c in COLLECTIONS}
        self.idf = open(out_dir / "truth" / "identities.jsonl", "wb")
        self.netf = open(out_dir / "truth" / "networks.jsonl", "wb")
        self.count = dict.fromkeys(COLLECTIONS, 0)  # entities written
        self.seq = dict.fromkeys(COLLECTIONS, 0)  # ids handed out
        self.stmts = dict.fromkeys(COLLECTIONS, 0)
        self.ports: dict[tuple[str, str], str] = {}

    # -- output ---------------------------------------------------------------
    def _id(self, c: str) -> str:
        self.seq[c] += 1
        return hashlib.sha1(f"{self.seed}:{c}:{self.seq[c]}".encode()).hexdigest()

    def emit(self, c: str, schema: str, props: dict, marking=None, eid=None) -> str:
        eid = eid or self._id(c)
        obj = {"id": eid, "schema": schema, "properties": props}
        if marking:
            obj["marking"] = marking
        self.files[c].write(orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE))
        self.count[c] += 1
        self.stmts[c] += sum(map(len, props.values()))
        return eid

    def close(self) -> None:
        for f in (*self.files.values(), self.idf, self.netf):
            f.close()

    def done(self, *persons: Person) -> None:
        for p in persons:
            ents = [[c, i] for c, i in p.ids.items()]
            self.idf.write(
                orjson.dumps({"person": p.pid, "entities": ents}, option=orjson.OPT_APPEND_NEWLINE)
            )

    # -- people ---------------------------------------------------------------
    def date(self, lo: int = _START, hi: int = _REF) -> str:
        return date.fromordinal(self.rng.randrange(lo, hi)).isoformat()

    def person(
        self,
        nat: str,
        res: str | None = None,
        age=(18.2, 62),
        female=None,
        s1: str | None = None,
        place=None,
    ) -> Person:
        r = self.rng
        self.n += 1
        p = Person()
        p.pid, p.ids, p.alias = f"P{self.n:07d}", {}, None
        p.female = r.random() < 0.5 if female is None else female
        p.nat, p.res = nat, res or nat
        if nat != "us" or r.random() < 0.45:
            p.given = r.choice(N.ES_FEMALE if p.female else N.ES_MALE)
            p.s1, p.s2 = s1 or r.choice(N.ES_SURNAMES), r.choice(N.ES_SURNAMES)
        else:
            p.given = r.choice(N.EN_FEMALE if p.female else N.EN_MALE)
            if r.random() < 0.4:
                p.given += " " + r.choice(N.EN_MALE + N.EN_FEMALE)
            p.s1, p.s2 = s1 or r.choice(N.EN_SURNAMES), None
        p.birth = date.fromordinal(
            _REF - r.randrange(int(age[0] * 365.25), int(age[1] * 365.25))
        ).isoformat()
        p.place = place or r.choice(N.PLACES[p.res])
        p.addr = self.address(p.res, p.place)
        p.phones = [] if p.minor and r.random() < 0.6 else [N.phone(r, p.res, p.place[3])]
        if r.random() < 0.15:
            p.phones.append(N.phone(r, p.res, p.place[3]))
        p.email = None
        if not p.minor and r.random() < 0.3:
            user = N.ascii_fold(p.given.split()[0] + "." + p.s1.replace(" ", "")).lower()
            p.email = f"{user}{r.randrange(100)}@" + r.choice(
                ("gmail.com", "hotmail.com", "yahoo.com", "outlook.com")
            )
        p.curp = p.nid = p.anum = None
        if nat == "mx":
            p.curp = N.curp(p.given, p.s1, p.s2, p.birth, p.female, p.place[1], r)
        elif nat != "us":
            p.nid = N.national_id(r, nat, p.birth)
        p.passport = N.passport_no(r, nat) if r.random() < 0.55 else None
        return p

    def address(self, country: str, place: tuple) -> str:
        r = self.rng
        city, state, cp = place[0], place[1], place[2]
        if country == "mx":
            return (
                f"{r.choice(('Calle', 'Avenida', 'Privada'))} {r.choice(N.MX_STREETS)} "
                f"{r.randrange(1, 900)}, Col. {r.choice(N.MX_COLONIAS)}, "
                f"C.P. {cp}{r.randrange(100):02d}, {city}, {state}"
            )
        if country == "us":
            suffix = r.choice(N.US_SUFFIX)[0]
            return (
                f"{r.randrange(100, 9900)} {r.choice(N.US_STREETS)} {suffix}, {city}, "
                f"{state} {cp}{r.randrange(100):02d}"
            )
        if country == "gt":
            head = f"{r.randrange(1, 15)}a. Avenida {r.randrange(1, 30)}-{r.randrange(1, 99)}"
            return f"{head}, Zona {r.randrange(1, 12)}, {city}, {state}"
        return (
            f"Colonia {r.choice(N.CA_COLONIAS)}, "
            f"{'bloque' if country == 'hn' else 'Pasaje'} {r.randrange(1, 30)}, "
            f"casa {r.randrange(1, 99)}, {city}, {state}"
        )

    def render(self, p: Person, style: str) -> dict:
        """One agency's record of a person, with that agency's habits and errors."""
        r = self.rng
        given, s1, s2 = p.given, p.s1, p.s2
        if r.random() < (0.02 if style in ("mx", "uif") else 0.06):
            s1 = _typo(r, s1)
        if s2 and r.random() < (0.12 if style in ("mx", "uif") else 0.5):
            s2 = None
        bday = p.birth
        if style == "mx" or style == "uif":
            if style == "uif" or r.random() < 0.15:
                given, s1, s2 = N.ascii_fold(given), N.ascii_fold(s1), s2 and N.ascii_fold(s2)
            if given.startswith("María ") and r.random() < 0.15:
                given = "Ma. " + given[6:]
            full = " ".join(x for x in (given, s1, s2) if x)
            if style == "uif":
                given, s1, s2 = given.upper(), s1.upper(), s2 and s2.upper()
                full = (f"{s1} {s2 or ''} {given}" if r.random() < 0.5 else full).upper()
            props = _p(
                name=" ".join(full.split()),
                firstName=given,
                fatherName=s1,
                motherName=s2,
                gender="female" if p.female else "male",
            )
            props.update(_p(idNumber=p.curp or (p.nid and p.nid[1])))
        else:
            upper = style == "cbp"
            if upper or r.random() < 0.7:
                given, s1, s2 = N.ascii_fold(given), N.ascii_fold(s1), s2 and N.ascii_fold(s2)
            first, _, middle = given.partition(" ")
            if middle and r.random() < 0.3:
                first, middle = given, ""
            if style == "us" and first in N.NICKNAMES and r.random() < 0.2:
                props = _p(weakAlias=f"{first} {s1}")
                first = r.choice(N.NICKNAMES[first])
            else:
                props = {}
            last = s1 if not s2 else r.choice((f"{s1} {s2}", f"{s1}-{s2}"))
            full = " ".join(x for x in (first, middle, last) if x)
            if upper:
                full, first, middle, last = (
                    full.upper(),
                    first.upper(),
                    middle.upper(),
                    last.upper(),
                )
            props.update(_p(name=full, firstName=first, middleName=middle, lastName=last))
            if bday < "2001-06-08" and r.random() < 0.05 and int(bday[8:]) <= 12:
                bday = f"{bday[:4]}-{bday[8:]}-{bday[5:7]}"  # day and month swapped
            props.update(_p(idNumber=p.anum, gender="female" if p.female else "male"))
        if r.random() < 0.92:
            props["birthDate"] = [bday]
        props["nationality"] = [p.nat]
        if p.phones and r.random() < 0.6:
            props["phone"] = list(p.phones)
        if p.email and style in ("uif", "us") and r.random() < 0.7:
            props["email"] = [p.email]
        if r.random() < 0.6:
            addr = p.addr if style == "mx" else N.ascii_fold(p.addr)
            props["address"] = [addr.upper() if style in ("uif", "cbp") else addr]
        if p.passport and style in ("cbp", "us") and r.random() < 0.7:
            props["passportNumber"] = [p.passport]
        if p.alias and style in ("mx", "us"):
            props["alias"] = [p.alias]
        return props

    def record(self, c: str, p: Person, style: str, marking=None, **extra) -> str:
        props = self.render(p, style)
        for k, v in _p(**extra).items():
            props[k] = props[k] + [x for x in v if x not in props[k]] if k in props else v
        if marking is None and p.minor:
            marking = _MINOR[c]
        p.ids[c] = self.emit(c, "Person", props, marking)
        return p.ids[c]

    def mark(self, c: str, *persons: Person, victim: bool = False) -> dict | None:
        if victim:
            return _VICTIM[c]
        return _MINOR[c] if any(p.minor for p in persons) else None

    # -- documents, places, travel, money ---------------------------------------
    def document(self, c: str, p: Person, marking=None) -> None:
        """An identity document entity held by collection ``c`` for person ``p``."""
        r = self.rng
        holder = p.ids[c]
        if c in (INM, CBP) and p.passport:
            self.emit(
                c,
                "Passport",
                _p(
                    holder=holder,
                    number=p.passport,
                    country=p.nat,
                    type="P",
                    givenName=N.ascii_fold(p.given).upper(),
                    surname=N.ascii_fold(" ".join(x for x in (p.s1, p.s2) if x)).upper(),
                    birthDate=p.birth,
                    gender="female" if p.female else "male",
                    startDate=self.date(_REF - 3000, _REF - 400),
                ),
                marking,
            )
        elif p.curp:
            self.emit(
                c,
                "Identification",
                _p(holder=holder, number=p.curp, type="CURP", country="mx", authority="RENAPO"),
                marking,
            )
        elif p.nid or p.anum:
            kind, number, auth = p.nid or ("A-Number", p.anum, "USCIS")
            self.emit(
                c,
                "Identification",
                _p(
                    holder=holder,
                    number=number,
                    type=kind,
                    country=p.nat if p.nid else "us",
                    authority=auth,
                ),
                marking,
            )
        elif r.random() < 0.5 and p.passport:
            self.emit(c, "Passport", _p(holder=holder, number=p.passport, country=p.nat), marking)

    def port(self, c: str, key: str) -> str:
        if (c, key) not in self.ports:
            label, city, country = N.PORTS[key]
            self.ports[(c, key)] = self.emit(
                c,
                "Address",
                _p(name=label, full=f"{label}, {city}", city=city.split(",")[0], country=country),
            )
        return self.ports[(c, key)]

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
        s, e = N.PORTS[start][2], N.PORTS[end][2]
        involved = [p.ids[c] for p in persons if c in p.ids]
        if by and c in by.ids:
            involved.append(by.ids[c])
        title = (
            f"Ingreso a México por {N.PORTS[end][0]}"
            if c == INM
            else f"Border crossing at {N.PORTS[end][0]}"
        )
        return self.emit(
            c,
            "Trip",
            _p(
                name=title,
                startDate=when,
                startLocation=self.port(c, start),
                endLocation=self.port(c, end),
                country=[s] if s == e else [s, e],
                involved=involved,
                description=note,
            ),
            marking,
        )

    def account(
        self,
        c: str,
        country: str,
        owner: str | None = None,
        marking=None,
        number: str | None = None,
    ) -> tuple[str, str]:
        r = self.rng
        if country == "mx":
            code, bank = r.choice(N.MX_BANKS)
            if number:
                bank = next(b for k, b in N.MX_BANKS if k == number[:3])
            number = number or N.clabe(r, code)
            props = _p(accountNumber=number, bankName=bank, country="mx", currency="MXN")
        elif country == "us":
            number = number or N.digits(r, 10)
            props = _p(
                accountNumber=number, bankName=r.choice(N.US_BANKS), country="us", currency="USD"
            )
        else:
            code, bank = r.choice(N.CA_BANKS[country])
            if country == "hn":
                number = number or N.digits(r, 12)
                props = _p(accountNumber=number, bankName=bank, country="hn", currency="HNL")
            else:
                number = number or N.iban(r, country, code)
                props = _p(
                    iban=number,
                    accountNumber=number[8:],
                    bankName=bank,
                    country=country,
                    currency="GTQ" if country == "gt" else "USD",
                )
        aid = self.emit(c, "BankAccount", props, marking)
        if owner:
            self.emit(c, "Ownership", _p(owner=owner, asset=aid, role="Titular"), marking)
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
            _p(
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

    # -- background -------------------------------------------------------------
    def background(self, funnel: dict | None = None) -> None:
        r = self.rng
        if funnel:
            nat = "us" if r.random() < 0.5 else "mx"
        else:
            nat = r.choices(("gt", "hn", "sv", "mx", "us"), (20, 15, 10, 30, 25))[0]
        res = nat
        if nat in ("gt", "hn", "sv"):
            res = nat if r.random() < 0.5 else ("mx" if r.random() < 0.6 else "us")
        elif nat == "mx" and r.random() < 0.15:
            res = "us"
        minor = not funnel and r.random() < (0.12 if nat in ("gt", "hn", "sv") else 0.08)
        p = self.person(nat, res, (13, 17.9) if minor else (18.2, 70))
        if res == "us" and nat != "us" and r.random() < 0.6:
            p.anum = "A" + N.digits(r, 9)
        ca = nat in ("gt", "hn", "sv")
        want = {
            INM: r.random() < (0.75 if ca else 0.06 if nat == "mx" else 0.0),
            CBP: r.random() < (0.35 if ca else 0.25 if nat == "mx" else 0.55),
            HSI: r.random() < (0.03 if nat != "us" else 0.12) or (funnel and res == "us"),
            FGR: r.random() < (0.03 if nat != "mx" else 0.12),
            UIF: (nat == "mx" and not minor and r.random() < 0.45) or (funnel and res != "us"),
        }
        want[DIF] = minor and want[INM] and r.random() < 0.3
        if not any(want.values()):
            want[INM if ca else CBP if nat == "us" else FGR] = True
        for c, style in (
            (INM, "mx"),
            (FGR, "mx"),
            (DIF, "mx"),
            (UIF, "uif"),
            (HSI, "us"),
            (CBP, "cbp"),
        ):
            if not want[c]:
                continue
            self.record(c, p, style)
            m = self.mark(c, p)
            if c in (INM, FGR, DIF, CBP) and r.random() < 0.5:
                self.document(c, p, m)
            if c == INM and ca:
                self.trip(c, [p], *N.SOUTH_ENTRY[nat], self.date(), m)
            elif c == CBP:
                a, b = r.choice(N.CROSSINGS)
                note = (
                    "Inspected at port of entry" if not ca else "Encountered between ports of entry"
                )
                self.trip(c, [p], a, b, self.date(), m, note if r.random() < 0.5 else None)
            elif c == UIF and not minor:
                acct, _ = self.account(c, "mx", p.ids[c])
                for _ in range(r.randrange(3)):
                    other, _ = self.account(c, r.choice(("mx", "mx", "us")))
                    self.pay(
                        c,
                        p.ids[c],
                        None,
                        r.uniform(500, 30000),
                        "MXN",
                        self.date(),
                        "Transferencia SPEI",
                        acct,
                        other,
                    )
        if funnel:
            for c in (UIF, HSI):
                if c in p.ids and c in funnel:
                    acct, company = funnel[c]
                    for _ in range(r.randint(1, 3)):
                        self.pay(
                            c,
                            p.ids[c],
                            company,
                            r.uniform(300, 2800),
                            "USD",
                            self.date(funnel["t0"], funnel["t0"] + 200),
                            r.choice(
                                (
                                    "Apoyo familiar",
                                    "Family support",
                                    "Pago de servicios",
                                    "Envío de dinero",
                                )
                            ),
                            beneficiary_acct=acct,
                        )
        self.done(p)

    def family(self) -> None:
        """A migrant parent travelling with children: legitimate, but full of minors."""
        r = self.rng
        nat = r.choice(("gt", "gt", "hn", "hn", "sv"))
        head = self.person(nat, age=(22, 45))
        kids = [
            self.person(
                nat, age=(1, 17.9), place=head.place, s1=head.s1 if not head.female else None
            )
            for _ in range(min(r.randint(1, 3), self.people - self.n))
        ]
        for k in kids:
            k.addr = head.addr
            if head.female:
                k.s2 = head.s1
        group = [head, *kids]
        inm, cbp = r.random() < 0.8, r.random() < 0.45
        for c, style, on in ((INM, "mx", inm or not cbp), (CBP, "cbp", cbp)):
            if not on:
                continue
            for p in group:
                self.record(c, p, style)
            m = _MINOR[c]
            for k in kids:
                self.emit(
                    c,
                    "Family",
                    _p(
                        person=head.ids[c],
                        relative=k.ids[c],
                        relationship="madre" if head.female else "padre",
                    ),
                    m,
                )
            if c == INM:
                self.trip(c, group, *N.SOUTH_ENTRY[nat], self.date(), m)
            else:
                self.trip(
                    c,
                    group,
                    *r.choice(N.CROSSINGS),
                    self.date(),
                    m,
                    "Family unit encountered between ports of entry",
                )
        self.done(*group)

    # -- planted networks -------------------------------------------------------
    def network(self, left: int) -> None:
        r = self.rng
        self.nets += 1
        nid = f"N{self.nets:04d}"
        origin = r.choice(("gt", "gt", "hn", "hn", "sv"))
        border = N.PLACES["mx"][r.choice(N.MX_BORDER)]
        dest = r.choice(N.PLACES["us"])
        t0 = r.randrange(_START, _REF - 240)
        kin = r.random() < 0.4
        roles = (
            ["recruiter"] * (1 + (r.random() < 0.4))
            + ["transporter"] * (1 + (r.random() < 0.5))
            + ["harbourer"]
            + ["exploiter"] * (1 + (r.random() < 0.3))
        )
        if r.random() < 0.75:
            roles.append("money-launderer")
        roles = roles[: max(4, min(len(roles), left - 3))]
        hab_us = r.random() < 0.5
        members: list[tuple[Person, str]] = []
        for role in roles:
            if role == "recruiter":
                p = self.person(origin, age=(22, 55))
            elif role == "transporter":
                rec = members[0][0]
                p = self.person(
                    origin if kin else "mx",
                    "mx",
                    (20, 50),
                    female=False,
                    s1=rec.s1 if kin else None,
                    place=N.PLACES["mx"][r.choice(N.MX_TRANSIT)],
                )
            elif role == "harbourer":
                p = self.person(
                    r.choice(("mx", "mx", "us")) if hab_us else "mx",
                    "us" if hab_us else "mx",
                    (25, 60),
                    place=dest if hab_us else border,
                )
            elif role == "exploiter":
                p = self.person(r.choice(("us", "mx", "mx", origin)), "us", (28, 62), place=dest)
            else:
                p = self.person("mx", "mx", (25, 65))
            if r.random() < 0.55:
                p.alias = r.choice(N.ALIASES)
            members.append((p, role))
        by_role: dict[str, list[Person]] = {}
        for p, role in members:
            by_role.setdefault(role, []).append(p)
        recs, tras = by_role["recruiter"], by_role.get("transporter", [])
        hab = (by_role.get("harbourer") or [None])[0]
        exps = by_role.get("exploiter", [])
        holder = (by_role.get("money-launderer") or tras or recs)[0]
        victims = []
        for _ in range(min(r.randint(3, 9), self.people - self.n)):
            minor = r.random() < 0.5
            v = self.person(
                origin if r.random() < 0.9 else "mx",
                None,
                (13, 17.9) if minor else (18.2, 30),
                female=r.random() < 0.7,
            )
            v.res = "us" if r.random() < 0.65 else "mx"  # where the victim ended up
            if v.res == "us" and r.random() < 0.5:
                v.anum = "A" + N.digits(r, 9)
            victims.append(v)
        in_us = [v for v in victims if v.res == "us"]
        in_mx = [v for v in victims if v.res == "mx"]
        topic = "crime.traffick.human"

        def pick(c: str, style: str, odds: dict, **extra) -> list[Person]:
            got = []
            for p, role in members:
                if r.random() < odds.get(role, 0):
                    self.record(c, p, style, topics=topic, **extra)
                    got.append(p)
            return got

        def link(c: str, schema: str, a, b, rel: str, when=None, marking=None, keys=None):
            if a is not None and b is not None and c in a.ids and c in b.ids:
                ka, kb, kr = (
                    keys
                    or {
                        "Associate": ("person", "associate", "relationship"),
                        "Family": ("person", "relative", "relationship"),
                        "UnknownLink": ("subject", "object", "role"),
                        "Employment": ("employer", "employee", "role"),
                        "Directorship": ("director", "organization", "role"),
                    }[schema]
                )
                self.emit(
                    c,
                    schema,
                    {ka: [a.ids[c]], kb: [b.ids[c]], kr: [rel], **_p(startDate=when)},
                    marking,
                )

        # FGR: the Mexican case file — transport, harbouring in Mexico, rescued victims
        house = self._id(FGR) if hab and not hab_us else None
        got = pick(
            FGR,
            "mx",
            {
                "recruiter": 0.7,
                "transporter": 0.85,
                "money-launderer": 0.4,
                "harbourer": 0.0 if hab_us else 0.9,
            },
        )
        if hab in got and house:
            self.emit(
                FGR,
                "Address",
                _p(full=hab.addr, city=hab.place[0], state=hab.place[1], country="mx"),
                eid=house,
            )
            self.emit(
                FGR, "UnknownLink", _p(subject=hab.ids[FGR], object=house, role="Casa de seguridad")
            )
        for v in in_mx + [v for v in in_us if r.random() < 0.1]:
            self.record(
                FGR, v, "mx", _VICTIM[FGR], address=hab.addr if house and v.res == "mx" else None
            )
            if r.random() < 0.4:
                self.document(FGR, v, _VICTIM[FGR])
            for rec in recs:
                link(
                    FGR,
                    "UnknownLink",
                    rec,
                    v,
                    "Reclutamiento (señalado por la víctima)",
                    self.date(t0, t0 + 10),
                    _VICTIM[FGR],
                )
        for t in tras:
            link(FGR, "Associate", t, recs[0], "Coordinación de traslados")
            link(FGR, "Associate", t, hab, "Entrega de personas en casa de seguridad")
            if kin:
                link(FGR, "Family", recs[0], t, r.choice(("hermano", "primo")))
        # INM: entries into Mexico across the southern border
        tra = tras[0] if tras else None
        pick(INM, "mx", {"recruiter": 0.3, "transporter": 0.6})
        for v in victims:
            if v.nat != "mx" and r.random() < 0.85:
                self.record(
                    INM,
                    v,
                    "mx",
                    _VICTIM[INM],
                    phone=recs[0].phones[0] if r.random() < 0.3 else None,
                )
                if r.random() < 0.4:
                    self.document(INM, v, _VICTIM[INM])
        entered = [v for v in victims if INM in v.ids]
        for i in range(0, len(entered), 4):
            self.trip(
                INM,
                entered[i : i + 4],
                *N.SOUTH_ENTRY[origin],
                self.date(t0 + 5, t0 + 20),
                _VICTIM[INM],
                by=tra,
            )
        for p in tras + recs:
            for _ in range(r.randint(1, 2) if INM in p.ids else 0):
                self.trip(INM, [p], *N.SOUTH_ENTRY[origin], self.date(t0 - 300, t0 + 200))
        # CBP: crossings into the US; victims give the harbourer's phone and address
        sponsor = hab if hab_us else exps[0] if exps else hab
        pick(CBP, "cbp", {"transporter": 0.35, "exploiter": 0.4, "harbourer": 0.3 * hab_us})
        for v in in_us:
            if r.random() < 0.8:
                self.record(
                    CBP,
                    v,
                    "cbp",
                    _VICTIM[CBP],
                    phone=sponsor.phones[0] if r.random() < 0.6 else None,
                    address=N.ascii_fold(sponsor.addr).upper() if r.random() < 0.5 else None,
                )
                if r.random() < 0.3:
                    self.document(CBP, v, _VICTIM[CBP])
        crossed = [v for v in in_us if CBP in v.ids]
        mx_side, us_side = r.choice(N.CROSSINGS)
        for i in range(0, len(crossed), 5):
            grp = crossed[i : i + 5]
            note = (
                "Unaccompanied child (UAC) encounter"
                if all(v.minor for v in grp)
                else "Encountered between ports of entry"
            )
            self.trip(
                CBP, grp, mx_side, us_side, self.date(t0 + 25, t0 + 60), _VICTIM[CBP], note, by=tra
            )
        for p in exps + tras:
            if CBP in p.ids:
                self.trip(
                    CBP,
                    [p],
                    *r.choice(N.CROSSINGS),
                    self.date(),
                    None,
                    "Inspected at port of entry",
                )
        # HSI: exploitation in the US, harbouring, the front business
        pick(
            HSI,
            "us",
            {
                "exploiter": 1.0,
                "harbourer": 0.9 if hab_us else 0.1,
                "money-launderer": 0.4,
                "transporter": 0.2,
                "recruiter": 0.15,
            },
        )
        house = self._id(HSI) if hab and HSI in hab.ids and hab_us else None
        if house:
            self.emit(
                HSI,
                "Address",
                _p(full=N.ascii_fold(hab.addr), city=dest[0], state=dest[1], country="us"),
                eid=house,
            )
        x = r.choice(N.FRONT_X)
        us_co = self.emit(
            HSI,
            "Company",
            _p(
                name=r.choice(N.FRONT_US).format(x=N.ascii_fold(x)),
                jurisdiction="us",
                country="us",
                address=self.address("us", dest),
                registrationNumber=N.digits(r, 10),
                taxNumber=f"{N.digits(r, 2)}-{N.digits(r, 7)}",
                incorporationDate=self.date(t0 - 2000, t0),
            ),
        )
        industry = r.choice(N.US_INDUSTRY)
        for e in exps:
            self.emit(
                HSI,
                "Directorship",
                _p(director=e.ids[HSI], organization=us_co, role="Owner/manager"),
            )
            link(HSI, "Associate", e, hab, "Co-conspirator")
        for v in in_us:
            if r.random() < 0.7:
                self.record(HSI, v, "us", _VICTIM[HSI], addressEntity=house)
                self.emit(
                    HSI,
                    "Employment",
                    _p(
                        employer=us_co,
                        employee=v.ids[HSI],
                        role=industry,
                        startDate=self.date(t0 + 40, t0 + 120),
                    ),
                    _VICTIM[HSI],
                )
                link(HSI, "UnknownLink", hab, v, "Harboring", marking=_VICTIM[HSI])
        # UIF: the funnel account — cash in, wires out to the recruiters' countries
        self.record(UIF, holder, "uif")
        self.document(UIF, holder)
        front = r.choice(N.FRONT_MX).format(x=x)
        founded = self.date(t0 - 2500, t0 - 30)
        mx_co = self.emit(
            UIF,
            "Company",
            _p(
                name=front,
                jurisdiction="mx",
                country="mx",
                taxNumber=N.rfc(front, founded, r),
                incorporationDate=founded,
                address=self.address("mx", holder.place),
            ),
        )
        self.emit(
            UIF,
            "Directorship",
            _p(director=holder.ids[UIF], organization=mx_co, role="Administrador único"),
        )
        funnel_acct, clabe = self.account(UIF, "mx", mx_co)
        funnel = {"t0": t0, UIF: (funnel_acct, mx_co)}
        if r.random() < 0.7:
            co = self.emit(HSI, "Company", _p(name=N.ascii_fold(front).upper(), country="mx"))
            funnel[HSI] = (self.account(HSI, "mx", co, number=clabe)[0], co)
        for rec in recs:
            if UIF not in rec.ids:
                self.record(UIF, rec, "uif")
            acct, _ = self.account(UIF, origin, rec.ids[UIF])
            for _ in range(r.randint(2, 5)):
                d = r.randrange(t0 + 30, t0 + 220)
                cash = r.uniform(35000, 49900)
                self.pay(
                    UIF,
                    holder.ids[UIF],
                    mx_co,
                    cash,
                    "MXN",
                    date.fromordinal(d).isoformat(),
                    "Depósito en efectivo en ventanilla",
                    beneficiary_acct=funnel_acct,
                )
                self.pay(
                    UIF,
                    mx_co,
                    rec.ids[UIF],
                    cash / 20.0 * r.uniform(0.85, 0.98),
                    "USD",
                    date.fromordinal(d + r.randint(1, 3)).isoformat(),
                    "Transferencia internacional",
                    funnel_acct,
                    acct,
                )
        # JTFA: the target organisation
        if self.nets == 1 or r.random() < 0.6:
            name = (
                f"Organización «{recs[0].alias}»"
                if recs[0].alias
                else f"{N.ascii_fold(recs[0].s1)} Transnational Criminal Organization"
            )
            org = self.emit(
                JTFA, "Organization", _p(name=name, country=[origin, "mx", "us"], topics=topic)
            )
            for p in pick(
                JTFA,
                "us",
                {
                    "recruiter": 0.8,
                    "transporter": 0.6,
                    "exploiter": 0.8,
                    "harbourer": 0.4,
                    "money-launderer": 0.5,
                },
            ):
                role = next(rl for q, rl in members if q is p)
                self.emit(JTFA, "Membership", _p(member=p.ids[JTFA], organization=org, role=role))
        if self.nets == 1 or r.random() < 0.25:
            self.press(members, border if not hab_us else dest, t0)
        for p, _ in members:
            if not p.ids:
                self.record(FGR, p, "mx", topics=topic)
        for v in victims:
            if not v.ids:
                self.record(
                    FGR if v.res == "mx" else HSI,
                    v,
                    "mx" if v.res == "mx" else "us",
                    _VICTIM[FGR if v.res == "mx" else HSI],
                )
        countries = sorted(
            {c for p, _ in members for c in (p.nat, p.res)}
            | {c for v in victims for c in (v.nat, v.res)}
        )
        line = {
            "network": nid,
            "countries": countries,
            "route": [origin, "mx", "us"],
            "members": [
                {"person": p.pid, "role": role, "entities": [list(e) for e in p.ids.items()]}
                for p, role in members
            ],
            "victims": [
                {"person": v.pid, "minor": v.minor, "entities": [list(e) for e in v.ids.items()]}
                for v in victims
            ],
        }
        self.netf.write(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))
        self.done(*(p for p, _ in members), *victims)
        for _ in range(min(r.randint(5, 14), self.people - self.n)):
            self.background(funnel)

    def press(self, members: list[tuple[Person, str]], place: tuple, t0: int) -> None:
        """Open-source news: arrested suspects, named the way the press names them."""
        r = self.rng
        us = place in N.PLACES["us"]
        ids = []
        for p, role in members:
            if role in ("recruiter", "money-launderer") or r.random() < 0.4:
                continue
            age = 2021 - int(p.birth[:4])
            if us:
                given = N.ascii_fold(p.given)
                last = N.ascii_fold(f"{p.s1}-{p.s2}" if p.s2 else p.s1)
                props = _p(
                    name=f"{given} {last}",
                    firstName=given,
                    lastName=last,
                    birthDate=str(2021 - age),
                )
            else:
                props = _p(name=f"{p.given} N.", firstName=p.given, alias=p.alias)
            props.update(_p(nationality=p.nat, topics="crime.traffick.human"))
            ids.append(self.emit(OS, "Person", props))
            p.ids[OS] = ids[-1]
        if ids:
            slug = hashlib.sha1(f"{self.seed}:{t0}:{place[0]}".encode()).hexdigest()[:12]
            title = (
                f"Members of human smuggling and trafficking ring charged in {place[0]}"
                if us
                else f"Detienen a presuntos tratantes de personas en {place[0]}"
            )
            self.emit(
                OS,
                "Event",
                _p(
                    name=title,
                    date=self.date(t0 + 200, _REF),
                    country="us" if us else "mx",
                    location=f"{place[0]}, {place[1]}",
                    involved=ids,
                    sourceUrl=f"https://noticias.example/{slug}",
                    publisher="Press release (fictitious)" if us else "Diario del Sur (ficticio)",
                ),
            )

    def run(self) -> None:
        r = self.rng
        while self.n < self.people:
            left = self.people - self.n
            u = r.random()
            if left >= 10 and (u < 0.02 or (self.nets == 0 and self.people >= 20)):
                self.network(left)
            elif left >= 2 and u < 0.06:
                self.family()
            else:
                self.background()


def generate(out_dir: Path, *, seed: int = 1, people: int = 300) -> dict:
    """Write a world of ``people`` true persons to ``out_dir``; return the manifest."""
    if people < 0:
        raise ValueError("people must be >= 0")
    out_dir = Path(out_dir)
    world = World(out_dir, seed, people)
    try:
        world.run()
    finally:
        world.close()
    manifest = manifest_head(seed, people)
    manifest["networks"] = world.nets
    manifest["collections"] = [
        {
            "name": c,
            "org": org,
            "label": label,
            "country": org[:2],
            "marking": marking,
            "file": f"collections/{c}.jsonl",
            "entities": world.count[c],
            "statements": world.stmts[c],
        }
        for c, (org, label, marking, _, _) in COLLECTIONS.items()
    ]
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (out_dir / "world.json").write_text(text, encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m gugus.demo.world", description=__doc__.split("\n")[0]
    )
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--people", type=int, default=300)
    args = ap.parse_args(argv)
    t = time.perf_counter()
    m = generate(args.out_dir, seed=args.seed, people=args.people)
    took = time.perf_counter() - t
    ents = sum(c["entities"] for c in m["collections"])
    stmts = sum(c["statements"] for c in m["collections"])
    print(
        f"{args.out_dir}: {m['people']} people, {m['networks']} networks, {ents} entities, "
        f"{stmts} statements in {len(m['collections'])} collections ({took:.1f}s)"
    )


if __name__ == "__main__":
    main()

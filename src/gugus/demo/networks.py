"""Planted trafficking networks of the demo world.

A network runs from a Central American country (Guatemala, Honduras, El
Salvador) through Mexico into the US: recruiters at origin, transporters and
a harbourer in Mexico (or a stash house in the US), exploiters behind a US
front business, and usually a money launderer in Mexico who runs a funnel
account (cash deposits in, wires out to the recruiters). Each agency sees its
own slice: FGR the Mexican case, INM the southern border, CBP the US border,
HSI the exploitation, UIF the money, JTFA the target organisation, the press
an arrest. Victims — half of them minors — carry stricter markings everywhere.

:class:`NetworkMixin` is mixed into :class:`gugus.demo.world.World`, whose
methods (``person``, ``record``, ``emit``, ``trip``, ``account`` …) it uses.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import orjson

from gugus.demo import names as N
from gugus.demo.agencies import CBP, DIF, FGR, HSI, INM, JTFA, OS, REF, START, UIF, VICTIM

if TYPE_CHECKING:
    from gugus.demo.records import Person

TOPIC = "crime.traffick.human"
_LINK_KEYS = {
    "Associate": ("person", "associate", "relationship"),
    "Family": ("person", "relative", "relationship"),
    "UnknownLink": ("subject", "object", "role"),
}


class NetworkMixin:
    rnd: Any
    people: int
    n: int
    nets: int
    seed: int
    chunk: int
    nets_before: int
    netf: Any

    def link(self: Any, c: str, schema: str, a, b, rel: str, when=None, marking=None) -> None:
        """A relationship between two people, if collection ``c`` holds both."""
        if a is not None and b is not None and c in a.ids and c in b.ids:
            ka, kb, kr = _LINK_KEYS[schema]
            out = {ka: [a.ids[c]], kb: [b.ids[c]], kr: [rel]}
            if when:
                out["startDate"] = [when]
            self.emit(c, schema, out, marking)

    def network(self: Any) -> None:
        rnd, pick = self.rnd, self.pick
        self.nets += 1
        nid = f"N{self.nets_before + self.nets:04d}"
        origin = pick(("gt", "gt", "hn", "hn", "sv"))
        border, dest = pick(N.MX_BORDER), pick(N.PLACES["us"])
        t0 = self.between(START, REF - 240)  # recruitment starts
        kin = rnd() < 0.4  # recruiter and transporter are relatives
        hab_us = rnd() < 0.5  # stash house in the US (else at the Mexican border)
        roles = ["recruiter"] * (1 + (rnd() < 0.4)) + ["transporter"] * (1 + (rnd() < 0.5))
        roles += ["harbourer"] + ["exploiter"] * (1 + (rnd() < 0.3))
        if rnd() < 0.75:
            roles.append("money-launderer")
        members: list[tuple[Person, str]] = []
        for role in roles:
            if role == "recruiter":
                p = self.person(origin, age=(22, 55))
            elif role == "transporter":
                p = self.person(
                    origin if kin else "mx",
                    "mx",
                    (20, 50),
                    female=False,
                    s1=members[0][0].s1 if kin else None,
                    place=pick(N.MX_TRANSIT),
                )
            elif role == "harbourer":
                p = self.person(
                    pick(("mx", "mx", "us")) if hab_us else "mx",
                    "us" if hab_us else "mx",
                    (25, 60),
                    place=dest if hab_us else border,
                )
            elif role == "exploiter":
                p = self.person(pick(("us", "mx", "mx", origin)), "us", (28, 62), place=dest)
            else:
                p = self.person("mx", "mx", (25, 65))
            if rnd() < 0.55:
                p.alias = pick(N.ALIASES)
            members.append((p, role))
        by_role: dict[str, list[Person]] = {}
        for p, role in members:
            by_role.setdefault(role, []).append(p)
        recs, tras, exps = by_role["recruiter"], by_role["transporter"], by_role["exploiter"]
        hab = by_role["harbourer"][0]
        holder = (by_role.get("money-launderer") or tras)[0]  # runs the funnel account
        victims = []
        for _ in range(min(3 + int(rnd() * 7), self.people - self.n)):
            minor = rnd() < 0.5
            v = self.person(
                origin if rnd() < 0.9 else "mx",
                None,
                (13, 17.9) if minor else (18.2, 30),
                female=rnd() < 0.7,
            )
            v.res = "us" if rnd() < 0.65 else "mx"  # where the victim ended up
            if v.res == "us" and rnd() < 0.5:
                v.anum = "A" + N.digits(self.rng, 9)
            victims.append(v)
        in_us = [v for v in victims if v.res == "us"]
        in_mx = [v for v in victims if v.res == "mx"]

        def pick_members(c: str, style: str, odds: dict) -> list[Person]:
            got = []
            for p, role in members:
                if rnd() < odds.get(role, 0):
                    # border agencies record a traveller, not a suspect
                    self.record(c, p, style, topics=None if c in (INM, CBP) else TOPIC)
                    got.append(p)
            return got

        # FGR: the Mexican case file — transport, harbouring in Mexico, rescued victims
        house = None
        got = pick_members(
            FGR,
            "mx",
            {
                "recruiter": 0.7,
                "transporter": 0.85,
                "money-launderer": 0.4,
                "harbourer": 0.1 if hab_us else 0.9,
            },
        )
        if hab in got and not hab_us:
            house = self.emit(
                FGR,
                "Address",
                {
                    "full": [hab.addr],
                    "city": [hab.place[0]],
                    "state": [hab.place[1]],
                    "country": ["mx"],
                },
            )
            self.emit(
                FGR,
                "UnknownLink",
                {"subject": [hab.ids[FGR]], "object": [house], "role": ["Casa de seguridad"]},
            )
        for v in in_mx + [v for v in in_us if rnd() < 0.1]:
            self.record(
                FGR,
                v,
                "mx",
                VICTIM[FGR],
                address=hab.addr if house and v.res == "mx" else None,
                addressEntity=house if v.res == "mx" else None,
            )
            if rnd() < 0.4:
                self.document(FGR, v, VICTIM[FGR])
            for rec in recs:
                self.link(
                    FGR,
                    "UnknownLink",
                    rec,
                    v,
                    "Reclutamiento (señalado por la víctima)",
                    self.date(t0, t0 + 10),
                    VICTIM[FGR],
                )
        for v in in_mx:  # rescued children go to the child-protection authority
            if v.minor and rnd() < 0.8:
                self.record(DIF, v, "mx", VICTIM[DIF])
                if rnd() < 0.5:
                    self.document(DIF, v, VICTIM[DIF])
        for t in tras:
            self.link(FGR, "Associate", t, recs[0], "Coordinación de traslados")
            self.link(FGR, "Associate", t, hab, "Entrega de personas en casa de seguridad")
            if kin:
                self.link(FGR, "Family", recs[0], t, pick(("hermano", "primo")))
        # INM: entries across the southern border, in groups with a transporter
        pick_members(INM, "mx", {"recruiter": 0.3, "transporter": 0.6})
        for v in victims:
            if v.nat != "mx" and rnd() < 0.85:
                self.record(
                    INM, v, "mx", VICTIM[INM], phone=recs[0].phones[0] if rnd() < 0.3 else None
                )
                if rnd() < 0.4:
                    self.document(INM, v, VICTIM[INM])
        entered = [v for v in victims if INM in v.ids]
        for i in range(0, len(entered), 4):
            self.trip(
                INM,
                entered[i : i + 4],
                *N.SOUTH_ENTRY[origin],
                self.date(t0 + 5, t0 + 20),
                VICTIM[INM],
                by=tras[0],
            )
        for p in tras + recs:
            for _ in range(1 + int(rnd() * 2) if INM in p.ids else 0):
                self.trip(INM, [p], *N.SOUTH_ENTRY[origin], self.date(t0 - 300, t0 + 200))
        # CBP: crossings into the US; victims give the sponsor's phone and address
        sponsor = hab if hab_us else exps[0]
        pick_members(
            CBP, "cbp", {"transporter": 0.35, "exploiter": 0.4, "harbourer": 0.3 if hab_us else 0.0}
        )
        for v in in_us:
            if rnd() < 0.8:
                self.record(
                    CBP,
                    v,
                    "cbp",
                    VICTIM[CBP],
                    phone=sponsor.phones[0] if rnd() < 0.6 else None,
                    address=N.ascii_fold(sponsor.addr).upper() if rnd() < 0.5 else None,
                )
                if rnd() < 0.3:
                    self.document(CBP, v, VICTIM[CBP])
        crossed = [v for v in in_us if CBP in v.ids]
        mx_side, us_side = pick(N.CROSSINGS)
        for i in range(0, len(crossed), 5):
            grp = crossed[i : i + 5]
            note = (
                "Unaccompanied child (UAC) encounter"
                if all(v.minor for v in grp)
                else "Encountered between ports of entry"
            )
            self.trip(
                CBP,
                grp,
                mx_side,
                us_side,
                self.date(t0 + 25, t0 + 60),
                VICTIM[CBP],
                note,
                by=tras[0],
            )
        for p in exps + tras:
            if CBP in p.ids:
                self.trip(
                    CBP, [p], *pick(N.CROSSINGS), self.date(), None, "Inspected at port of entry"
                )
        # HSI: exploitation behind a US front business, harbouring in the US
        pick_members(
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
        house = None
        if hab_us and HSI in hab.ids:
            house = self.emit(
                HSI,
                "Address",
                {
                    "full": [N.ascii_fold(hab.addr)],
                    "city": [dest[0]],
                    "state": [dest[1]],
                    "country": ["us"],
                },
            )
        x = pick(N.FRONT_X)
        us_co = self.emit(
            HSI,
            "Company",
            {
                "name": [pick(N.FRONT_US).format(x=N.ascii_fold(x))],
                "jurisdiction": ["us"],
                "country": ["us"],
                "address": [self.address("us", dest)],
                "registrationNumber": [N.digits(self.rng, 10)],
                "taxNumber": [f"{N.digits(self.rng, 2)}-{N.digits(self.rng, 7)}"],
                "incorporationDate": [self.date(t0 - 2000, t0)],
            },
        )
        industry = pick(N.US_INDUSTRY)
        for e in exps:
            self.emit(
                HSI,
                "Directorship",
                {"director": [e.ids[HSI]], "organization": [us_co], "role": ["Owner/manager"]},
            )
            self.link(HSI, "Associate", e, hab, "Co-conspirator")
        for v in in_us:
            if rnd() < 0.7:
                self.record(HSI, v, "us", VICTIM[HSI], addressEntity=house)
                self.emit(
                    HSI,
                    "Employment",
                    {
                        "employer": [us_co],
                        "employee": [v.ids[HSI]],
                        "role": [industry],
                        "startDate": [self.date(t0 + 40, t0 + 120)],
                    },
                    VICTIM[HSI],
                )
                self.link(HSI, "UnknownLink", hab, v, "Harboring", marking=VICTIM[HSI])
        # UIF: the funnel account — cash in, wires out to the recruiters' countries
        self.record(UIF, holder, "uif")
        self.document(UIF, holder)
        front = pick(N.FRONT_MX).format(x=x)
        founded = self.date(t0 - 2500, t0 - 30)
        mx_co = self.emit(
            UIF,
            "Company",
            {
                "name": [front],
                "jurisdiction": ["mx"],
                "country": ["mx"],
                "taxNumber": [N.rfc(front, founded, self.rng)],
                "incorporationDate": [founded],
                "address": [self.address("mx", holder.place)],
            },
        )
        self.emit(
            UIF,
            "Directorship",
            {
                "director": [holder.ids[UIF]],
                "organization": [mx_co],
                "role": ["Administrador único"],
            },
        )
        funnel_acct, clabe = self.account(UIF, "mx", mx_co)
        funnel = {"t0": t0, UIF: (funnel_acct, mx_co)}
        if rnd() < 0.7:  # HSI knows the account from money-transmitter records
            co = self.emit(
                HSI, "Company", {"name": [N.ascii_fold(front).upper()], "country": ["mx"]}
            )
            funnel[HSI] = (self.account(HSI, "mx", co, number=clabe)[0], co)
        for rec in recs:
            if UIF not in rec.ids:
                self.record(UIF, rec, "uif")
            acct, _ = self.account(UIF, origin, rec.ids[UIF])
            for _ in range(2 + int(rnd() * 4)):
                d = self.between(t0 + 30, t0 + 220)
                cash = 35000 + rnd() * 14900
                self.pay(
                    UIF,
                    holder.ids[UIF],
                    mx_co,
                    cash,
                    "MXN",
                    self.iso(d),
                    "Depósito en efectivo en ventanilla",
                    beneficiary_acct=funnel_acct,
                )
                self.pay(
                    UIF,
                    mx_co,
                    rec.ids[UIF],
                    cash / 20.0 * (0.85 + rnd() * 0.13),
                    "USD",
                    self.iso(d + 1 + int(rnd() * 3)),
                    "Transferencia internacional",
                    funnel_acct,
                    acct,
                )
        # JTFA: the target organisation
        if self.nets == 1 or rnd() < 0.6:
            name = (
                f"Organización «{recs[0].alias}»"
                if recs[0].alias
                else f"{N.ascii_fold(recs[0].s1)} Transnational Criminal Organization"
            )
            org = self.emit(
                JTFA,
                "Organization",
                {"name": [name], "country": [origin, "mx", "us"], "topics": [TOPIC]},
            )
            for p in pick_members(
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
                self.emit(
                    JTFA,
                    "Membership",
                    {"member": [p.ids[JTFA]], "organization": [org], "role": [role]},
                )
        if self.nets == 1 or rnd() < 0.25:
            self.press(members, dest if hab_us else border, t0)
        for p, _ in members:
            if not p.ids:
                self.record(FGR, p, "mx", topics=TOPIC)
        for v in victims:
            if not v.ids:
                c = FGR if v.res == "mx" else HSI
                self.record(c, v, "mx" if c == FGR else "us", VICTIM[c])
        countries = sorted(
            {c for p, _ in members for c in (p.nat, p.res)}
            | {c for v in victims for c in (v.nat, v.res)}
        )
        line = {
            "network": nid,
            "countries": countries,
            "route": [origin, "mx", "us"],
            "members": [
                {"person": p.pid, "role": role, "entities": [[c, i] for c, i in p.ids.items()]}
                for p, role in members
            ],
            "victims": [
                {"person": v.pid, "minor": v.minor, "entities": [[c, i] for c, i in v.ids.items()]}
                for v in victims
            ],
        }
        self.netf.write(orjson.dumps(line) + b"\n")
        self.done(*(p for p, _ in members), *victims)
        for _ in range(min(5 + int(rnd() * 10), self.people - self.n)):
            self.background(funnel)

    def press(self: Any, members: list[tuple[Person, str]], place: tuple, t0: int) -> None:
        """Open-source news of an arrest, naming suspects the way the press does."""
        rnd = self.rnd
        us = place in N.PLACES["us"]
        ids = []
        for p, role in members:
            if role in ("recruiter", "money-launderer") or rnd() < 0.4:
                continue
            if us:  # US press releases: full name, hyphenated surnames, age
                given = N.ascii_fold(p.given)
                last = N.ascii_fold(f"{p.s1}-{p.s2}" if p.s2 else p.s1)
                age = 2021 - int(p.birth[:4]) - (p.birth[5:] > "06-08")  # "Perez, 34, of ..."
                out = {
                    "name": [f"{given} {last}"],
                    "firstName": [given],
                    "lastName": [last],
                    "birthDate": [str(2020 - age + (rnd() < 0.5))],
                }
            else:  # Mexican press: given names and "N." for the surnames
                out = self.props(name=f"{p.given} N.", firstName=p.given, alias=p.alias)
            out["nationality"] = [p.nat]
            out["topics"] = [TOPIC]
            p.ids[OS] = self.emit(OS, "Person", out)
            ids.append(p.ids[OS])
        if ids:
            slug = hashlib.sha256(f"{self.seed}:{self.chunk}:{self.nets}".encode()).hexdigest()[:12]
            title = (
                f"Members of human smuggling and trafficking ring charged in {place[0]}"
                if us
                else f"Detienen a presuntos tratantes de personas en {place[0]}"
            )
            self.emit(
                OS,
                "Event",
                {
                    "name": [title],
                    "date": [self.date(t0 + 200, REF)],
                    "country": ["us" if us else "mx"],
                    "location": [f"{place[0]}, {place[1]}"],
                    "involved": ids,
                    "sourceUrl": [f"https://noticias.example/{slug}"],
                    "publisher": [
                        "Press release (fictitious)" if us else "Diario del Sur (ficticio)"
                    ],
                },
            )

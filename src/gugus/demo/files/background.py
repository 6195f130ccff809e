"""Documents about no network: complaints filed with FGR by ordinary people, and a
tip-line note whose identifiers are all invalid (extraction must report none).

The complainants are the first adults of FGR's collection that belong to no
network and carry no stricter marking, so naming them in a document loaded at
the collection's marking discloses nothing their records do not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from random import Random

import orjson

from gugus.demo import names as N
from gugus.demo.agencies import FGR, HSI, REF
from gugus.demo.files.casefile import MX_TZ, US_TZ, Built, Who, doc_rng, person
from gugus.demo.files.formats import Doc
from gugus.demo.files.wording import (
    CURP_RE,
    Text,
    broken_clabe,
    broken_iban,
    broken_phone,
    first,
)

COMPLAINTS = 2


def _complainants(world_dir: Path, path: Path, limit: int) -> list[Who]:
    found: list[dict] = []
    with open(path, "rb") as handle:
        for line in handle:
            obj = orjson.loads(line)
            props = obj["properties"]
            if (
                obj["schema"] == "Person"
                and "marking" not in obj
                and "topics" not in props
                and props.get("phone")
            ):
                found.append(obj)
                if len(found) >= limit:
                    break
    wanted = {o["id"]: o for o in found}
    people: dict[str, Who] = {}
    with open(world_dir / "truth" / "identities.jsonl", "rb") as handle:
        for line in handle:
            ident = orjson.loads(line)
            for coll, eid in ident["entities"]:
                if coll == FGR and eid in wanted:
                    people[eid] = Who(ident["person"], None, ident["entities"], {FGR: wanted[eid]})
            if len(people) == len(wanted):
                break
    return [people[o["id"]] for o in found if o["id"] in people]


def documents(world_dir: Path, colls: dict[str, str], seed: int) -> Iterator[Built]:
    if FGR in colls:
        for k, who in enumerate(_complainants(world_dir, world_dir / colls[FGR], COMPLAINTS)):
            yield _complaint(who, seed, k)
    if HSI in colls:
        yield _tip(seed)


def _complaint(who: Who, seed: int, k: int) -> Built:
    rng = doc_rng(seed, "complaint", str(k))
    t = Text("es", rng)
    props = who.records[FGR]["properties"]
    city = rng.choice(N.PLACES["mx"])[0]
    bits = [f"Comparece {person(t, who, FGR)},"]
    if (curp := first(props, "idNumber")) and CURP_RE.match(curp):
        bits.append(f"quien se identifica con CURP {t.m('curp', curp, curp, who)},")
    bits.append(f"con teléfono de contacto {t.phone(props['phone'][0], 'MX', who)},")
    bits.append(
        "y manifiesta que una oferta de empleo publicada en redes sociales le pidió un pago "
        "por adelantado para trabajar en Estados Unidos."
    )
    t.para(*bits)
    day = dt.date.fromordinal(REF - rng.randint(30, 700))
    t.para(f"Los hechos ocurrieron en {t.m('place', city)} el {t.date(day.isoformat())}.")
    t.para("Se inicia carpeta de investigación y se da vista a la FEVIMTRA.")
    when = dt.datetime.combine(day + dt.timedelta(days=rng.randint(1, 20)), dt.time(11, 0), MX_TZ)
    fmt = ("txt", "docx")[k % 2]
    doc = Doc("Acta de denuncia", t.paragraphs, when, "es", author="ana.fgr")
    return Built(FGR, f"denuncia-{k + 1}.{fmt}", fmt, doc, t, "complaint", None)


def _tip(seed: int) -> Built:
    rng: Random = doc_rng(seed, "tip")
    t = Text("en", rng)
    clabe = N.clabe(rng, "012")
    iban = N.iban(rng, "gt", "BRRL")
    phone = N.phone(rng, "us", "832")
    t.para(
        "Anonymous caller reported that a cantina owner pays workers in cash and sends money "
        f"to account {t.bad('clabe', broken_clabe(clabe), 'check digit')} and to "
        f"{t.bad('iban', broken_iban(iban), 'check digits')}.",
        f"Callback number given: {t.bad('phone', broken_phone(phone), 'too few digits')}.",
        f"Call reference {t.bad('passport', str(rng.randrange(100_000_000, 999_999_999)), 'no passport keyword nearby')}.",
    )
    t.para("No further identifying details were provided; no action taken.")
    when = dt.datetime.combine(
        dt.date.fromordinal(REF - rng.randint(10, 300)), dt.time(16, 45), US_TZ
    )
    doc = Doc("Tip line report", t.paragraphs, when, "en", author="emily.hsi")
    return Built(HSI, "tip-line-report.txt", "txt", doc, t, "tip", None)

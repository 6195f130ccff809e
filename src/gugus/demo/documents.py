"""Case reports, e-mails and news about the demo world, with what each one mentions.

For the first :data:`DOC_NETWORKS` planted networks, each agency that holds
members writes what it would: FGR an *informe de investigación* (Spanish),
HSI a *Report of Investigation* (English), UIF an *informe de inteligencia
financiera* on the funnel account, HSI and FGR an exchange of e-mails under
the task force, and the press — when the world has an arrest event — an
article, re-reported by wires in Portuguese, French or Indonesian.  A few
background documents follow: task-force news in five languages, complaints
filed with FGR by people in no network, and a tip with nothing but invalid
identifiers.

Documents name members (suspects) only: victims appear as counts, never by
name or selector, because a document loads at its collection's marking and
victims' records carry stricter ones.  Everything is a pure function of the
world files (per-document seeds), and ``truth/documents.jsonl`` records each
document's mentions (see :mod:`gugus.demo.files.wording`) for scoring
extraction.

The agencies' reports are written here; e-mails, press and background
documents in :mod:`gugus.demo.files.mails`, ``press`` and ``background``;
what the documents know of each network is gathered by
:mod:`gugus.demo.files.gather` and the bytes of each format written by
:mod:`gugus.demo.files.formats`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson

from gugus.demo import names as N
from gugus.demo.agencies import CBP, FGR, HSI, INM, OS, UIF
from gugus.demo.files import background, mails, press
from gugus.demo.files.casefile import (
    COUNTRY_EN,
    COUNTRY_ES,
    MX_TZ,
    NATIONALITY_ES,
    ROLE_EN,
    ROLE_ES,
    US_TZ,
    Built,
    Net,
    Who,
    doc_rng,
    person,
    written_on,
)
from gugus.demo.files.formats import WRITERS, Doc
from gugus.demo.files.gather import by_reference, gather
from gugus.demo.files.wording import (
    CURP_RE,
    Text,
    broken_clabe,
    broken_curp,
    broken_iban,
    broken_phone,
    clabe_text,
    first,
    grouped,
)

DOC_NETWORKS = 40  # networks that get documents: bounded, whatever the world's size


# -- FGR: informe de investigación -----------------------------------------------------------
def fgr_report(net: Net, seed: int, i: int) -> Built | None:
    held = net.held(FGR)
    if not held:
        return None
    rng = doc_rng(seed, net.nid, "fgr")
    t = Text("es", rng)
    fgr, inm = net.data.get(FGR, {}), net.data.get(INM, {})
    idents = by_reference(fgr, "Identification", "holder")
    subject_links = by_reference(fgr, "UnknownLink", "subject")
    trips = by_reference(inm, "Trip", "involved")
    origin_city = rng.choice(N.PLACES[net.origin])[0]
    entry = N.PORTS[N.SOUTH_ENTRY[net.origin][1]]
    facts: list[str] = []
    number = f"FED/FEVIMTRA/UEITMPO/{int(net.nid[1:]) * 37 % 9000 + 1000:04d}"
    t.para(
        "Con fundamento en los artículos 21 constitucional y 132 del Código Nacional de "
        "Procedimientos Penales, se rinde informe sobre la investigación por el delito de trata "
        "de personas relativa a una red que recluta personas en",
        t.m("place", origin_city) + ",",
        t.m("place", COUNTRY_ES[net.origin]) + ",",
        "las interna a México por",
        t.m("place", entry[1].split(",")[0]),
        "y las traslada hacia la frontera norte para cruzarlas a",
        t.m("place", "Estados Unidos") + ".",
    )
    for who in held:
        props = who.records[FGR]["properties"]
        bits = [f"{person(t, who, FGR)},"]
        if alias := first(props, "alias"):
            bits.append(f"alias «{t.m('alias', alias, alias, who)}»,")
        o = "a" if first(props, "gender") == "female" else "o"
        bits.append(
            f"de nacionalidad {NATIONALITY_ES.get(first(props, 'nationality'), 'extranjera')},"
        )
        ident = first(props, "idNumber")
        if ident and CURP_RE.match(ident):
            bits.append(f"con CURP {t.m('curp', ident, ident, who)},")
        elif ident:
            docs = idents.get(who.records[FGR]["id"], [])
            kind = first(docs[0]["properties"], "type") if docs else "documento de identidad"
            bits.append(f"identificad{o} con {kind} número {t.m('id_number', ident, ident, who)},")
        if bd := first(props, "birthDate"):
            bits.append(f"nacid{o} el {t.date(bd)},")
        for phone in props.get("phone", [])[:2]:
            bits.append(f"usuari{o} del teléfono {t.phone(phone, 'MX', who)},")
        if addr := first(props, "address"):
            bits.append(f"con domicilio en {t.m('address', addr, addr, who)},")
        role = ROLE_ES.get(who.role or "", "de actividades de la red")
        bits.append(f"señalad{o} como responsable {role}.")
        t.para(*bits)
        inm_id = who.records.get(INM, {}).get("id")
        for trip in sorted(trips.get(inm_id, []), key=lambda x: x["properties"]["startDate"])[:2]:
            tp = trip["properties"]
            port = inm.get(first(tp, "endLocation") or "", {}).get("properties", {})
            others = len(tp["involved"]) - 1
            facts.append(tp["startDate"][0])
            t.para(
                "De acuerdo con registros del INM, la misma persona ingresó a México por el",
                t.m("place", first(port, "name") or entry[0]),
                f"({t.m('place', first(port, 'city') or entry[1].split(',')[0])}) el",
                t.date(tp["startDate"][0])
                + (f", acompañando a {others} personas extranjeras." if others else "."),
            )
        for link in subject_links.get(who.records[FGR]["id"], []):
            lp = link["properties"]
            house = fgr.get(first(lp, "object") or "")
            if house and house["schema"] == "Address":
                hp = house["properties"]
                t.para(
                    "Se identificó el inmueble ubicado en",
                    t.m("address", hp["full"][0], hp["full"][0], entities=[[FGR, house["id"]]]),
                    f"({t.m('place', first(hp, 'city') or '')}), utilizado como casa de seguridad.",
                )
            if "startDate" in lp:
                facts.append(lp["startDate"][0])
    rescued, minors = net.victims_in(FGR)
    if rescued:
        t.para(
            f"Personas rescatadas: {rescued} (niñas, niños o adolescentes: {minors}); "
            "sus datos de identificación se reservan conforme al artículo 20, apartado C, "
            "constitucional y a la Ley General en Materia de Trata."
        )
    else:
        t.para(
            "Las víctimas identificadas se encuentran en Estados Unidos; se solicitará asistencia jurídica internacional."
        )
    curps = [
        c for w in held if CURP_RE.match(c := first(w.records[FGR]["properties"], "idNumber") or "")
    ]
    phones = [p for w in held for p in w.records[FGR]["properties"].get("phone", [])]
    planted = []
    if curps:
        planted.append(f"la CURP {t.bad('curp', broken_curp(curps[0]), 'check digit')}")
    if phones:
        planted.append(f"el número {t.bad('phone', broken_phone(phones[0]), 'too few digits')}")
    if planted:
        t.para(
            "Una denuncia anónima menciona "
            + " y ".join(planted)
            + ("; ninguno corresponde" if len(planted) > 1 else ", que no corresponde")
            + " a un registro válido."
        )
    folio = str(100_000_000 + rng.randrange(899_999_999))
    t.para(f"Folio de control interno {t.bad('passport', folio, 'no passport keyword nearby')}.")
    when = written_on(rng, facts, MX_TZ)
    t.para(
        f"{t.m('place', 'Ciudad de México')}, a {t.date(when.date().isoformat(), numeric=False)}.",
        "Atentamente, el Agente del Ministerio Público de la Federación adscrito a la FEVIMTRA.",
    )
    fmt = ("docx", "pdf", "txt")[i % 3]
    doc = Doc(
        f"Informe de investigación — Carpeta {number}/{when.year}",
        t.paragraphs,
        when,
        "es",
        author="ana.fgr",
    )
    if fmt == "txt" and i % 2:
        doc.encoding = "cp1252"  # an older case-management system
    return Built(FGR, f"{net.nid}-informe-investigacion.{fmt}", fmt, doc, t, "report", net.nid)


# -- HSI: report of investigation ------------------------------------------------------------
def _funnel(net: Net) -> tuple[dict, dict, dict] | None:
    """UIF's funnel of the network: (holder's record, company, account)."""
    uif = net.data.get(UIF, {})
    directors = by_reference(uif, "Directorship", "director")
    owners = by_reference(uif, "Ownership", "owner")
    for who in net.held(UIF):
        for d in directors.get(who.records[UIF]["id"], []):
            co = uif.get(first(d["properties"], "organization") or "")
            for own in owners.get(co["id"] if co else "", []):
                acct = uif.get(first(own["properties"], "asset") or "")
                if acct:
                    return who.records[UIF], co, acct
    return None


def hsi_report(net: Net, seed: int, i: int) -> Built | None:
    held = net.held(HSI)
    if not held:
        return None
    rng = doc_rng(seed, net.nid, "hsi")
    t = Text("en", rng)
    hsi, cbp = net.data.get(HSI, {}), net.data.get(CBP, {})
    directors = by_reference(hsi, "Directorship", "director")
    crossings = by_reference(cbp, "Trip", "involved")
    front = None
    for who in held:
        for d in directors.get(who.records[HSI]["id"], []):
            front = hsi.get(first(d["properties"], "organization") or "") or front
    facts: list[str] = []
    fp = front["properties"] if front else {}
    city = (first(fp, "address") or "Houston, TX").split(", ")[-2]
    opening = [
        f"HSI {t.m('place', city)} is investigating a human smuggling and trafficking organization "
        f"that recruits victims in {t.m('place', COUNTRY_EN[net.origin])}, moves them through",
        t.m("place", "Mexico"),
        "and across the southwest border,",
    ]
    if front:
        opening.append(
            "and exploits them at "
            + t.m("organization", fp["name"][0], fp["name"][0], entities=[[HSI, front["id"]]])
            + f" (EIN {first(fp, 'taxNumber')}), located at {t.m('address', fp['address'][0])}."
        )
    else:
        opening.append("and exploits them in the United States.")
    t.para(*opening)
    for who in held:
        props = who.records[HSI]["properties"]
        bits = [f"{person(t, who, HSI)}"]
        if alias := first(props, "alias"):
            bits.append(f'(a.k.a. "{t.m("alias", alias, alias, who)}")')
        if bd := first(props, "birthDate"):
            bits[-1] += ","
            bits.append(f"DOB {t.date(bd, numeric=True)},")
        nat = first(props, "nationality")
        bits.append(
            f"a citizen of {COUNTRY_EN.get(nat, nat)}, is {ROLE_EN.get(who.role or '', 'a member')}."
        )
        for passport in props.get("passportNumber", [])[:1]:
            bits.append(
                f"The subject holds passport number {t.m('passport', passport, passport, who)}."
            )
        for phone in props.get("phone", [])[:2]:
            bits.append(f"The subject uses phone number {t.phone(phone, 'US', who)}.")
        for email in props.get("email", [])[:1]:
            bits.append(f"E-mail: {t.m('email', email, email, who)}.")
        t.para(*bits)
        cbp_id = who.records.get(CBP, {}).get("id")
        for trip in sorted(crossings.get(cbp_id, []), key=lambda x: x["properties"]["startDate"])[
            :2
        ]:
            tp = trip["properties"]
            port = cbp.get(first(tp, "endLocation") or "", {}).get("properties", {})
            facts.append(tp["startDate"][0])
            group = len(tp["involved"]) - 1
            t.para(
                "CBP records show the subject at the",
                t.m("place", first(port, "name") or "border"),
                f"({t.m('place', first(port, 'city') or 'Texas')}) on",
                t.date(tp["startDate"][0])
                + (f", with a group of {group} migrants." if group else "."),
            )
    funnel = _funnel(net)
    clabe = first(funnel[2]["properties"], "accountNumber") if funnel else None
    accounts = [
        a
        for a in hsi.values()
        if a["schema"] == "BankAccount" and first(a["properties"], "accountNumber") == clabe
    ]
    if clabe and accounts:
        acct = accounts[0]
        pays = [
            p
            for p in hsi.values()
            if p["schema"] == "Payment"
            and acct["id"] in p["properties"].get("beneficiaryAccount", [])
        ]
        if pays:
            dates = sorted(p["properties"]["date"][0] for p in pays)
            total = sum(float(p["properties"]["amount"][0]) for p in pays)
            senders = len({p["properties"]["payer"][0] for p in pays})
            facts.append(dates[-1])
            t.para(
                f"Money transmitter records show {len(pays)} transfers totalling USD {total:,.2f}, "
                f"sent by {senders} different senders between {t.date(dates[0])} and {t.date(dates[-1])}",
                "to CLABE",
                t.m(
                    "clabe",
                    clabe_text(clabe, rng),
                    clabe,
                    entities=[[HSI, acct["id"]], [UIF, funnel[2]["id"]]],
                ),
                f"at {first(acct['properties'], 'bankName')} in",
                t.m("place", "Mexico") + ",",
                "a pattern consistent with a funnel account (FinCEN FIN-2020-A008).",
            )
    found, minors = net.victims_in(HSI)
    t.para(
        f"Victims identified so far: {found} (minors: {minors}). They have been referred to "
        "victim assistance; their identities are withheld from this report."
    )
    phones = [p for w in held for p in w.records[HSI]["properties"].get("phone", [])]
    planted = []
    if clabe:
        planted.append(f"account {t.bad('clabe', broken_clabe(clabe), 'check digit')}")
    if phones:
        planted.append(f"phone {t.bad('phone', broken_phone(phones[0]), 'too few digits')}")
    if planted:
        t.para(
            "A tip-line report mentioned " + " and ".join(planted) + "; neither could be validated."
        )
    ref = str(100_000_000 + rng.randrange(899_999_999))
    t.para(f"Tip reference {t.bad('passport', ref, 'no passport keyword nearby')}.")
    when = written_on(rng, facts, US_TZ)
    t.para(
        f"Prepared by Special Agent E. Harris, HSI, on {t.date(when.date().isoformat(), numeric=False)}."
    )
    fmt = ("pdf", "docx", "txt")[i % 3]
    case = f"HQ{net.nid[1:]}HT{when:%y}"
    doc = Doc(
        f"Report of Investigation — Case {case}", t.paragraphs, when, "en", author="emily.hsi"
    )
    return Built(HSI, f"{net.nid}-report-of-investigation.{fmt}", fmt, doc, t, "report", net.nid)


# -- UIF: informe de inteligencia financiera -----------------------------------------------------
def uif_report(net: Net, seed: int, i: int) -> Built | None:
    funnel = _funnel(net)
    if funnel is None:
        return None
    holder_rec, co, acct = funnel
    rng = doc_rng(seed, net.nid, "uif")
    t = Text("es", rng)
    uif = net.data[UIF]
    holder = next(w for w in net.members if w.records.get(UIF) is holder_rec)
    cp, ap = co["properties"], acct["properties"]
    clabe, rfc = ap["accountNumber"][0], first(cp, "taxNumber")
    t.para(
        "Derivado de reportes de operaciones inusuales de instituciones de crédito, se identificó a la persona moral",
        t.m("organization", cp["name"][0], cp["name"][0], entities=[[UIF, co["id"]]]),
        f"(RFC {t.m('rfc', rfc, rfc, entities=[[UIF, co['id']]])}), constituida el",
        t.date(cp["incorporationDate"][0]) + ", cuyo administrador único es",
        person(t, holder, UIF) + ".",
    )
    if (curp := first(holder_rec["properties"], "idNumber")) and CURP_RE.match(curp):
        t.para(
            f"El administrador se identificó ante la institución con CURP {t.m('curp', curp, curp, holder)}."
        )
    pays = [p for p in uif.values() if p["schema"] == "Payment"]
    inflow = [p for p in pays if acct["id"] in p["properties"].get("beneficiaryAccount", [])]
    cash = [p for p in inflow if p["properties"]["payer"][0] == holder_rec["id"]]
    others = [p for p in inflow if p not in cash]
    wires = [p for p in pays if acct["id"] in p["properties"].get("payerAccount", [])]
    facts = [p["properties"]["date"][0] for p in pays]
    clabe_mention = t.m("clabe", clabe_text(clabe, rng), clabe, entities=[[UIF, acct["id"]]])
    if cash:
        d = sorted(p["properties"]["date"][0] for p in cash)
        total = sum(float(p["properties"]["amount"][0]) for p in cash)
        senders = len({p["properties"]["payer"][0] for p in others})
        t.para(
            f"La cuenta CLABE {clabe_mention} en {first(ap, 'bankName')} recibió {len(cash)} depósitos "
            f"en efectivo en ventanilla por un total de ${total:,.2f} MXN entre el",
            t.date(d[0]),
            "y el",
            t.date(d[-1])
            + (
                f", además de {len(others)} envíos de {senders} remitentes distintos en México y "
                "Estados Unidos (patrón de cuenta concentradora)."
                if others
                else "."
            ),
        )
    else:
        t.para(
            f"La cuenta CLABE {clabe_mention} en {first(ap, 'bankName')} concentra envíos de remitentes sin relación aparente."
        )
    by_uif = {w.records[UIF]["id"]: w for w in net.held(UIF)}
    ibans = []
    for target, group in sorted(
        by_reference({p["id"]: p for p in wires}, "Payment", "beneficiary").items()
    ):
        who = by_uif.get(target)
        if who is None:
            continue
        gp = [g["properties"] for g in group]
        total = sum(float(g["amount"][0]) for g in gp)
        dest = uif.get(first(gp[0], "beneficiaryAccount") or "", {"properties": {}})
        dp = dest["properties"]
        if iban := first(dp, "iban"):
            ibans.append(iban)
            where = f"IBAN {t.m('iban', grouped(iban) if rng.random() < 0.6 else iban, iban, entities=[[UIF, dest['id']]])}"
        else:
            num = first(dp, "accountNumber") or ""
            where = f"la cuenta {t.m('account', num, num, entities=[[UIF, dest['id']]])}"
        t.para(
            f"Se realizaron {len(gp)} transferencias internacionales por un total de USD {total:,.2f} a favor de",
            person(t, who, UIF) + ",",
            f"a {where} en {first(dp, 'bankName') or 'un banco del extranjero'} ({t.m('place', COUNTRY_ES[net.origin])}).",
        )
    t.para(
        "Indicadores: depósitos en efectivo fraccionados, múltiples ordenantes sin relación "
        "aparente, transferencias inmediatas a países del corredor migratorio y una empresa "
        "sin actividad económica verificable."
    )
    if ibans:
        t.para(
            f"Se descarta la cuenta {t.bad('iban', broken_iban(ibans[0]), 'check digits')} reportada por una institución (dígitos de control inválidos)."
        )
    else:
        t.para(
            f"Se descarta la CLABE {t.bad('clabe', broken_clabe(clabe), 'check digit')} reportada por error de captura."
        )
    when = written_on(rng, facts, MX_TZ)
    t.para(
        f"Elaboró: Dirección General de Análisis, UIF. {t.m('place', 'Ciudad de México')}, {t.date(when.date().isoformat(), numeric=False)}."
    )
    fmt = ("pdf", "docx")[i % 2]
    doc = Doc(
        f"Informe de inteligencia financiera — {cp['name'][0]}",
        t.paragraphs,
        when,
        "es",
        author="diego.uif",
    )
    return Built(
        UIF, f"{net.nid}-informe-inteligencia-financiera.{fmt}", fmt, doc, t, "report", net.nid
    )


def network_documents(net: Net, seed: int, i: int) -> Iterator[Built]:
    for build in (fgr_report, hsi_report, uif_report):
        if (b := build(net, seed, i)) is not None:
            yield b
    yield from mails.exchange(net, seed)
    yield from press.network_news(net, seed, i)


# -- reading the world ------------------------------------------------------------------------
def _networks(world_dir: Path, limit: int) -> list[Net]:
    nets = []
    with open(world_dir / "truth" / "networks.jsonl", "rb") as handle:
        for line in handle:
            if len(nets) >= limit:
                break
            n = orjson.loads(line)
            members = [Who(m["person"], m["role"], m["entities"]) for m in n["members"]]
            nets.append(Net(n["network"], n["route"][0], members, n["victims"]))
    return nets


def _gather_all(world_dir: Path, colls: dict[str, str], nets: list[Net]) -> None:
    """Fill each network's ``data`` and its members' ``records`` from the collections."""
    order = [
        c for c in (UIF, FGR, INM, HSI, CBP, OS) if c in colls
    ]  # UIF first: HSI matches its CLABEs
    clabes: set[str] = set()
    for coll in order:
        seeds = {eid for net in nets for w in net.members for c, eid in w.entities if c == coll}
        match = {"accountNumber": clabes} if coll == HSI and clabes else None
        found = gather(world_dir / colls[coll], seeds, match)
        for net in nets:
            mine = {eid for w in net.members for c, eid in w.entities if c == coll}
            net.data[coll] = found  # shared view: documents index what they need
            for w in net.members:
                for c, eid in w.entities:
                    if c == coll and eid in found:
                        w.records[coll] = found[eid]
            if coll == UIF and mine:
                funnel = _funnel(net)
                if funnel:
                    clabes.add(funnel[2]["properties"]["accountNumber"][0])


def write_documents(
    world_dir: Path, manifest: dict, files_dir: Path, folders: dict[str, str]
) -> dict[str, list[dict]]:
    """Write every document under ``files_dir/<collection>/<folder>/`` and the truth file.

    Returns the document loads per collection (one folder each).
    """
    seed = manifest["seed"]
    colls = {c["name"]: c["file"] for c in manifest["collections"]}
    nets = _networks(world_dir, DOC_NETWORKS)
    _gather_all(world_dir, colls, nets)
    built: list[Built] = []
    for i, net in enumerate(nets):
        built.extend(network_documents(net, seed, i))
    built.extend(press.task_force_news(seed))
    built.extend(background.documents(world_dir, colls, seed))
    loads: dict[str, list[dict]] = {}
    with open(world_dir / "truth" / "documents.jsonl", "wb") as truth:
        for b in built:
            if b.collection not in colls:
                continue
            folder = files_dir / b.collection / folders[b.collection]
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / b.name
            path.write_bytes(WRITERS[b.fmt](b.doc))
            rel = str(path.relative_to(world_dir))
            line = {
                "path": rel,
                "collection": b.collection,
                "format": b.fmt,
                "language": b.doc.language,
                "encoding": b.doc.encoding if b.fmt == "txt" else None,
                "kind": b.kind,
                "network": b.network,
                "title": b.doc.title,
                "published": b.doc.date.date().isoformat(),
                "mentions": b.text.mentions,
                "invalid": b.text.invalid,
            }
            truth.write(orjson.dumps(line) + b"\n")
            entry = {
                "path": str(folder.relative_to(world_dir)),
                "mapping": None,
                "format": "documents",
                "marking": None,
            }
            if entry not in loads.setdefault(b.collection, []):
                loads[b.collection].append(entry)
    return loads

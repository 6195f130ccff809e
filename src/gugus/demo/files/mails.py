"""E-mails between HSI and FGR under the task force: a request for information
about a network member (English, sent by HSI's liaison officer) and, when FGR
holds the person, FGR's answer (Spanish) a few days later — each with its
``Date`` header, as the mail system keeps it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from gugus.demo.agencies import FGR, HSI
from gugus.demo.files.casefile import MX_TZ, US_TZ, Built, Net, doc_rng, person, written_on
from gugus.demo.files.formats import Doc
from gugus.demo.files.wording import CURP_RE, Text, first


def exchange(net: Net, seed: int) -> Iterator[Built]:
    """An HSI request for information and, if FGR knows the person, FGR's answer."""
    rng = doc_rng(seed, net.nid, "mail")
    chosen = next(
        (
            w
            for w in net.held(HSI)
            if w.records[HSI]["properties"].get("phone")
            or w.records[HSI]["properties"].get("passportNumber")
        ),
        None,
    )
    if chosen is None:
        return
    t = Text("en", rng)
    props = chosen.records[HSI]["properties"]
    asks = []
    for phone in props.get("phone", [])[:1]:
        asks.append(f"phone number {t.phone(phone, 'US', chosen)}")
    for passport in props.get("passportNumber", [])[:1]:
        asks.append(f"passport {t.m('passport', passport, passport, chosen)}")
    t.para("Ricardo,")
    t.para(
        "Under the task force arrangement, HSI requests any information FGR holds on",
        person(t, chosen, HSI, formal=False) + ",",
        "linked to " + " and ".join(asks) + ".",
        "We believe the subject coordinates crossings near",
        t.m("place", "Reynosa") + ".",
        "A reply within 7 days would be appreciated (non-urgent request).",
    )
    t.para("Resumen: solicitud de información sobre la persona y los datos arriba indicados.")
    t.para("Carlos Ruiz, Liaison Officer, HSI Mexico City")
    sent = written_on(rng, [], US_TZ, lag=(0, 150))
    ref = f"RFI-{net.nid}-{sent:%Y%m%d}"
    doc = Doc(
        f"{ref}: request for information",
        t.paragraphs,
        sent,
        "en",
        author="carlos.hsi",
        sender="Carlos Ruiz <carlos.hsi@hsi.example.gov>",
        to=["Ricardo Salinas <ricardo.fgr@fgr.example.mx>"],
        message_id=f"<{ref.lower()}@hsi.example.gov>",
    )
    yield Built(HSI, f"{net.nid}-rfi-fgr.eml", "eml", doc, t, "email", net.nid)
    if FGR not in chosen.records:
        return
    r = Text("es", rng)
    fprops = chosen.records[FGR]["properties"]
    r.para("Estimado Carlos:")
    facts = [
        f"En atención a su solicitud {ref}, le informo que {person(r, chosen, FGR, formal=False)} "
        "figura como probable responsable en una carpeta de investigación de la FEVIMTRA."
    ]
    if (curp := first(fprops, "idNumber")) and CURP_RE.match(curp):
        facts.append(f"Su CURP es {r.m('curp', curp, curp, chosen)}.")
    for phone in fprops.get("phone", [])[:1]:
        facts.append(f"Utiliza el teléfono {r.phone(phone, 'MX', chosen)}.")
    r.para(*facts)
    r.para(
        "La información se comparte para fines de inteligencia (H1: no utilizable en juicio sin consentimiento)."
    )
    r.para("Atentamente, Ricardo Salinas, Enlace Internacional, FGR")
    replied = sent + dt.timedelta(days=rng.randint(2, 6), hours=rng.randint(1, 5))
    reply = Doc(
        f"RE: {ref}: request for information",
        r.paragraphs,
        replied.astimezone(MX_TZ),
        "es",
        author="ricardo.fgr",
        sender="Ricardo Salinas <ricardo.fgr@fgr.example.mx>",
        to=["Carlos Ruiz <carlos.hsi@hsi.example.gov>"],
        message_id=f"<re-{ref.lower()}@fgr.example.mx>",
    )
    yield Built(FGR, f"{net.nid}-respuesta-rfi-hsi.eml", "eml", reply, r, "email", net.nid)

"""Open-source news for the JTFA open-source desk: arrests of network members, in
the language of the country they happened in and re-reported by wires in
Portuguese, French or Indonesian, plus the task force's own announcement in
five languages (the project began from an Indonesian wire on it).

The press names only whom the world's press events name (the open-source
collection's persons), the place and the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from gugus.demo.agencies import OS, REFERENCE_DATE
from gugus.demo.files.casefile import COUNTRY_EN, COUNTRY_ES, MX_TZ, US_TZ, Built, Net, Who, doc_rng
from gugus.demo.files.formats import Doc
from gugus.demo.files.wording import Text, first

_WIRE = ("pt", "fr", "id")
_WIRE_FORMAT = {"pt": "html", "fr": "txt", "id": "html"}
_COUNTRY = {  # "migrants from <origin>" in the wires' languages: (preposition, name)
    "pt": {"gt": ("da", "Guatemala"), "hn": ("de", "Honduras"), "sv": ("de", "El Salvador")},
    "fr": {"gt": ("du", "Guatemala"), "hn": ("du", "Honduras"), "sv": ("du", "Salvador")},
    "id": {"gt": ("dari", "Guatemala"), "hn": ("dari", "Honduras"), "sv": ("dari", "El Salvador")},
}


def _named(t: Text, people: list[tuple[Who, dict]]) -> str:
    names = [t.m("person", first(p, "name"), first(p, "name"), w) for w, p in people]
    if len(names) == 1:
        return names[0]
    joiner = {"es": " y ", "en": " and ", "pt": " e ", "fr": " et ", "id": " dan "}[t.language]
    return ", ".join(names[:-1]) + joiner + names[-1]


def network_news(net: Net, seed: int, i: int) -> Iterator[Built]:
    """The arrest article for each press event naming the network's members."""
    data = net.data.get(OS, {})
    by_id = {w.records[OS]["id"]: w for w in net.held(OS)}
    events = [
        e
        for e in data.values()
        if e["schema"] == "Event" and any(x in by_id for x in e["properties"].get("involved", []))
    ]
    for k, event in enumerate(sorted(events, key=lambda e: e["id"])):
        ep = event["properties"]
        people = [
            (by_id[x], by_id[x].records[OS]["properties"]) for x in ep["involved"] if x in by_id
        ]
        city, _, state = ep["location"][0].partition(", ")
        day = ep["date"][0]
        mx = first(ep, "country") == "mx"
        rng = doc_rng(seed, net.nid, "news", str(k))
        t = Text("es" if mx else "en", rng)
        if mx:
            t.para(
                f"{t.m('place', city)}, {state}.— Agentes de la Fiscalía General de la República "
                f"detuvieron a {_named(t, people)}, presuntos integrantes de una red de trata de "
                f"personas que trasladaba a migrantes de {t.m('place', COUNTRY_ES[net.origin])} "
                f"hacia {t.m('place', 'Estados Unidos')}.",
            )
            aliases = [(w, a) for w, p in people for a in p.get("alias", [])]
            for w, alias in aliases[:1]:
                t.para(f"Uno de los detenidos es conocido como «{t.m('alias', alias, alias, w)}».")
            t.para(
                f"Los hechos ocurrieron el {t.date(day, numeric=False)}; las víctimas, entre ellas "
                "menores de edad, fueron canalizadas al Sistema DIF."
            )
        else:
            ages = []
            for w, p in people:
                name = t.m("person", first(p, "name"), first(p, "name"), w)
                born = first(p, "birthDate")
                ages.append(f"{name}, {int(day[:4]) - int(born[:4])}," if born else f"{name},")
            t.para(
                f"{city.upper()} – Federal prosecutors charged {len(people)} members of a human "
                f"smuggling and trafficking organization in {t.m('place', city)}, {state}, on "
                f"{t.date(day, numeric=False)}.",
                "Those charged include " + " ".join(ages) + " all accused of harboring migrants "
                f"from {t.m('place', COUNTRY_EN[net.origin])} for forced labor.",
            )
            t.para("The case was investigated by HSI with CBP as part of Joint Task Force Alpha.")
        when = dt.datetime.combine(
            dt.date.fromisoformat(day), dt.time(9, 30), MX_TZ if mx else US_TZ
        )
        publisher = first(ep, "publisher") or ""
        doc = Doc(ep["name"][0], t.paragraphs, when, t.language, author=publisher)
        yield Built(OS, f"{net.nid}-{k + 1}-{t.language}.html", "html", doc, t, "news", net.nid)
        lang = _WIRE[i % 3]
        yield _wire(net, people, lang, city, day, mx, rng)


def _wire(net: Net, people, lang: str, city: str, day: str, mx: bool, rng) -> Built:
    t = Text(lang, rng)
    prep, country = _COUNTRY[lang][net.origin]
    origin = f"{prep} {t.m('place', country)}"
    place = t.m("place", city)
    names = _named(t, people)
    on = t.date(day, numeric=False)
    if lang == "pt":
        title = f"Presos suspeitos de tráfico de pessoas em {city}"
        t.para(
            f"As autoridades {'mexicanas' if mx else 'dos Estados Unidos'} prenderam {names} em "
            f"{place} em {on}, acusados de integrar uma rede que levava migrantes {origin} "
            f"para os {t.m('place', 'Estados Unidos')}."
        )
    elif lang == "fr":
        title = f"Arrestation de trafiquants présumés à {city}"
        t.para(
            f"Les autorités {'mexicaines' if mx else 'américaines'} ont arrêté {names} à {place} "
            f"le {on}. Ils sont soupçonnés d'appartenir à un réseau qui acheminait des migrants "
            f"{origin} vers les {t.m('place', 'États-Unis')}."
        )
    else:
        title = f"Tersangka perdagangan manusia ditangkap di {city}"
        t.para(
            f"Aparat {'Meksiko' if mx else 'Amerika Serikat'} menangkap {names} di {place} pada "
            f"{on}. Mereka diduga menjadi bagian dari jaringan yang membawa migran {origin} "
            f"ke {t.m('place', 'Amerika Serikat')}."
        )
    stamp = dt.datetime.combine(
        dt.date.fromisoformat(day) + dt.timedelta(days=1), dt.time(7, 0), dt.UTC
    )
    fmt = _WIRE_FORMAT[lang]
    doc = Doc(title, t.paragraphs, stamp, lang, author="Agencia de noticias (ficticia)")
    return Built(OS, f"{net.nid}-wire-{lang}.{fmt}", fmt, doc, t, "news", net.nid)


# the task force's announcement, as five newsrooms wrote it (title, paragraphs)
_TASK_FORCE = {
    "es": (
        "México y Estados Unidos acuerdan grupo de trabajo contra la trata de personas",
        "{CDMX}.— México y Estados Unidos acordaron el {DATE} crear un grupo de trabajo conjunto "
        "para compartir información e inteligencia y desmantelar las redes criminales de trata "
        "de personas, cuyas principales víctimas son niñas y niños que migran desde {GT}, {HN} y {SV}.",
    ),
    "en": (
        "Mexico and US agree joint task force against human trafficking",
        "{CDMX} – Mexico and the United States agreed on {DATE} to set up a joint task force to "
        "share information and intelligence and dismantle the criminal networks behind human "
        "trafficking, whose main prey are children migrating from {GT}, {HN} and {SV}.",
    ),
    "pt": (
        "México e EUA criam força-tarefa contra o tráfico de pessoas",
        "{CDMX} – O México e os Estados Unidos acordaram em {DATE} criar uma força-tarefa "
        "conjunta para partilhar informações e desmantelar redes de tráfico de pessoas que "
        "exploram sobretudo crianças migrantes da {GT}, de {HN} e de {SV}.",
    ),
    "fr": (
        "Le Mexique et les États-Unis créent un groupe de travail contre la traite",
        "{CDMX} – Le Mexique et les États-Unis ont convenu le {DATE} de créer un groupe de "
        "travail conjoint pour partager des renseignements et démanteler les réseaux de traite "
        "des êtres humains, dont les enfants migrants du {GT}, du {HN} et du {SV} sont les "
        "premières victimes.",
    ),
    "id": (
        "Meksiko dan AS bentuk gugus tugas lawan perdagangan manusia",
        "{CDMX} – Meksiko dan Amerika Serikat pada {DATE} sepakat membentuk gugus tugas khusus "
        "untuk berbagi informasi dan intelijen guna membongkar jaringan kriminal perdagangan "
        "manusia, yang terutama memangsa anak-anak migran dari {GT}, {HN}, dan {SV}.",
    ),
}
_CDMX = {
    "es": "Ciudad de México",
    "en": "Mexico City",
    "pt": "Cidade do México",
    "fr": "Mexico",
    "id": "Mexico City",
}
_CENTRAL = {
    "es": ("Guatemala", "Honduras", "El Salvador"),
    "en": ("Guatemala", "Honduras", "El Salvador"),
    "pt": ("Guatemala", "Honduras", "El Salvador"),
    "fr": ("Guatemala", "Honduras", "Salvador"),
    "id": ("Guatemala", "Honduras", "El Salvador"),
}


def task_force_news(seed: int) -> Iterator[Built]:
    formats = {"es": "html", "en": "html", "pt": "txt", "fr": "html", "id": "txt"}
    for lang, (title, body) in _TASK_FORCE.items():
        t = Text(lang, doc_rng(seed, "task-force", lang))
        gt, hn, sv = (t.m("place", x) for x in _CENTRAL[lang])
        t.para(
            body.format(
                CDMX=t.m("place", _CDMX[lang]),
                DATE=t.date(REFERENCE_DATE, numeric=False),
                GT=gt,
                HN=hn,
                SV=sv,
            )
        )
        when = dt.datetime.combine(dt.date.fromisoformat(REFERENCE_DATE), dt.time(20, 15), MX_TZ)
        doc = Doc(title, t.paragraphs, when, lang, author="Redacción (ficticia)")
        fmt = formats[lang]
        yield Built(
            OS, f"{REFERENCE_DATE}-grupo-de-trabajo-{lang}.{fmt}", fmt, doc, t, "news", None
        )

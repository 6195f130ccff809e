"""Names: the heuristic backend, short mentions, and the backend registry."""

from __future__ import annotations

import importlib.util
import sys
import types

import pytest

import gugus.extract.names as names_module
from gugus.errors import InvalidInput
from gugus.extract import NamesBackend, NameSpan, extract, names_backend
from gugus.extract.names.heuristic import HeuristicNames
from gugus.extract.names.mentions import PersonIndex
from gugus.extract.names.spacy_backend import ENV, SpacyNames


def names(text: str, lang: str, kind: str = "person") -> list[str]:
    return extract(text, language=lang).values(kind)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "Presiden Meksiko Andres Manuel Lopez Obrador bertemu",
            "id",
            ["Andres Manuel Lopez Obrador"],
        ),
        ("dengan Wakil Presiden AS Kamala Harris yang", "id", ["Kamala Harris"]),
        (
            "el presidente de México, Andrés Manuel López Obrador, dijo",
            "es",
            ["Andrés Manuel López Obrador"],
        ),
        ("la vicepresidenta estadounidense Kamala Harris llegó", "es", ["Kamala Harris"]),
        (
            "Mexican President Andrés Manuel López Obrador said",
            "en",
            ["Andrés Manuel López Obrador"],
        ),
        ("U.S. Vice President Kamala Harris said", "en", ["Kamala Harris"]),
        ("Homeland Security Secretary Alejandro Mayorkas", "en", ["Alejandro Mayorkas"]),
        ("Secretary of State Antony Blinken", "en", ["Antony Blinken"]),
        ("Menteri Luar Negeri Retno Marsudi", "id", ["Retno Marsudi"]),
        ("la Sra. María de los Ángeles Pérez declaró", "es", ["María de los Ángeles Pérez"]),
        ("a witness, Carlos Mendoza, said", "en", ["Carlos Mendoza"]),
        ("Mme Widline Jean-Baptiste a été retrouvée", "fr", ["Widline Jean-Baptiste"]),
        (
            "La víctima declaró que la contactó el reclutador Mario Alberto\nGómez Ruiz en Tapachula",
            "es",
            ["Mario Alberto Gómez Ruiz"],
        ),
    ],
)
def test_people_after_titles_and_given_names(text, lang, expected):
    assert names(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Gugus Tugas ini akan berbagi informasi.", "id"),  # sentence start
        ("INFORME DE INTELIGENCIA CONFIDENCIAL", "es"),  # capitals
        ("Harris llegó a Mexico City.", "es"),  # a surname never introduced
        ("di Istana Nasional di Mexico City", "id"),
        ("kawasan Segitiga Utara Amerika Tengah", "id"),
        ("El martes en Ciudad Juárez", "es"),
        ("Perjanjian AS-Meksiko-Kanada (United States-Mexico-Canada Agreement/USMCA)", "id"),
        ("Tempat/Tgl Lahir: BANDUNG\nAlamat: Jl. Merdeka, Bandung\nNo. HP: 0813-2233-4455", "id"),
        ("un acuerdo con Seguridad y Protección Ciudadana", "es"),
    ],
)
def test_no_junk_people(text, lang):
    assert names(text, lang) == []


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "a nombre de Viajes El Quetzal S.A. de C.V. en Tijuana",
            "es",
            ["Viajes El Quetzal S.A. de C.V."],
        ),
        (
            "registered to Rio Grande Cleaning Services LLC.",
            "en",
            ["Rio Grande Cleaning Services LLC"],
        ),
        ("said the Department of Homeland Security", "en", ["Department of Homeland Security"]),
        ("by Customs and Border Protection agents", "en", ["Customs and Border Protection"]),
        (
            "la Secretaría de Relaciones Exteriores informó",
            "es",
            ["Secretaría de Relaciones Exteriores"],
        ),
        ("Kementerian Luar Negeri menyatakan", "id", ["Kementerian Luar Negeri"]),
        ("Informe de la Fiscalía Especializada.", "es", ["Fiscalía Especializada"]),
        ("Polisi menangkap tersangka", "id", []),  # "the police", no name
        (
            "Según la Secretaría de Seguridad y Protección Ciudadana, no.",
            "es",
            ["Secretaría de Seguridad y Protección Ciudadana"],
        ),
        (
            "La Comisión Nacional de los Derechos Humanos pidió",
            "es",
            ["Comisión Nacional de los Derechos Humanos"],
        ),
        ("[Xinhua]", "id", ["Xinhua"]),
    ],
)
def test_organisations(text, lang, expected):
    assert names(text, lang, "organization") == expected


def test_places_from_cue_words():
    assert names("di Istana Nasional", "id", "location") == ["Istana Nasional"]
    assert names("cruzaron por el Puente Internacional Zaragoza", "es", "location") == [
        "Puente Internacional Zaragoza"
    ]
    assert names("at the Port of Brownsville", "en", "location") == ["Brownsville"]


def test_later_surname_takes_the_full_name():
    text = (
        "Wakil Presiden AS Kamala Harris tiba. Harris bertemu dengan Presiden Meksiko "
        "Andres Manuel Lopez Obrador. Harris dan Lopez Obrador sepakat."
    )
    found = extract(text, language="id")
    mentions = [(f.text, f.value) for f in found.of("person")]
    assert mentions == [
        ("Kamala Harris", "Kamala Harris"),
        ("Harris", "Kamala Harris"),
        ("Andres Manuel Lopez Obrador", "Andres Manuel Lopez Obrador"),
        ("Harris", "Kamala Harris"),
        ("Lopez Obrador", "Andres Manuel Lopez Obrador"),
    ]
    assert found.values("person") == ["Kamala Harris", "Andres Manuel Lopez Obrador"]


def test_person_index():
    index = PersonIndex()
    index.add("Andrés Manuel López Obrador")
    index.add("Kamala Harris")
    index.add("Madonna")  # one word: nothing to be short for
    assert index.resolve("Lopez Obrador") == "Andrés Manuel López Obrador"
    assert index.resolve("LÓPEZ") == "Andrés Manuel López Obrador"
    assert index.resolve("Harris") == "Kamala Harris"
    assert index.resolve("Kamala") is None  # a given name alone is not enough
    assert index.resolve("Obrador López") is None
    assert index.resolve("Biden") is None
    index.add("Douglas Emhoff Harris")
    assert index.resolve("Harris") == "Douglas Emhoff Harris"  # the most recent


# -- the backend registry ----------------------------------------------------------------


def test_default_backend_is_the_heuristic_entry_point():
    backend = names_backend()
    assert isinstance(backend, HeuristicNames) and isinstance(backend, NamesBackend)
    assert (backend.name, backend.version) == ("heuristic", "1")
    assert names_backend("heuristic") is backend
    (item,) = extract("la vicepresidenta Kamala Harris", language="es").of("person")
    assert item.backend == "heuristic/1" and item.detail == "title"


def test_unknown_backend_lists_the_installed_ones():
    with pytest.raises(InvalidInput) as info:
        names_backend("no-such-backend")
    assert "no-such-backend" in info.value.message and "heuristic" in info.value.message
    assert info.value.details[0]["field"] == "names"


class FakeNames:
    """A third-party backend: every capitalised word is an organisation."""

    name = "fake"
    version = "0.1"
    languages = None

    def extract(self, text, lang):
        out, start = [], 0
        for word in text.split():
            start = text.index(word, start)
            if word[0].isupper():
                out.append(NameSpan(start, start + len(word), "organization", 2.0, "fake"))
            start += len(word)
        return out


class FakeEntryPoint:
    def __init__(self, name, target):
        self.name, self.value, self._target = name, f"tests:{target.__name__}", target

    def load(self):
        return self._target


@pytest.fixture
def registry(monkeypatch):
    points = [FakeEntryPoint("heuristic", HeuristicNames), FakeEntryPoint("fake", FakeNames)]
    monkeypatch.setattr(names_module, "entry_points", lambda group: points)
    names_module._load.cache_clear()
    yield points
    names_module._load.cache_clear()


def test_registered_backend_is_used_and_recorded(registry):
    found = extract("hola Acme y Beta", language="es", names="fake")
    assert [(f.value, f.backend, f.score) for f in found.of("organization")] == [
        ("Acme", "fake/0.1", 1.0),  # scores are clamped to 0..1
        ("Beta", "fake/0.1", 1.0),
    ]


def test_backend_without_the_interface_is_refused(registry):
    registry.append(FakeEntryPoint("broken", type("Broken", (), {})))
    with pytest.raises(InvalidInput, match="broken"):
        names_backend("broken")


def test_spacy_missing_fails_clearly(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n == "spacy" else real(n, *a)
    )
    with pytest.raises(InvalidInput) as info:
        SpacyNames("es_core_news_md")
    assert "spaCy" in info.value.message and ENV in info.value.message


def test_spacy_model_missing_fails_clearly(monkeypatch):
    fake = types.ModuleType("spacy")

    def load(name, **kw):
        raise OSError(f"[E050] Can't find model '{name}'")

    fake.load = load
    monkeypatch.setitem(sys.modules, "spacy", fake)
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: object() if n == "spacy" else real(n, *a)
    )
    monkeypatch.delenv(ENV, raising=False)
    with pytest.raises(InvalidInput, match=ENV):
        SpacyNames()
    monkeypatch.setenv(ENV, "xx_no_such_model")
    with pytest.raises(InvalidInput) as info:
        SpacyNames()
    assert "xx_no_such_model" in info.value.message and "not installed" in info.value.message

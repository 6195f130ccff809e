"""The default names backend: capitalised spans, gazetteers and cue words.

No model, nothing to download.  The text is cut into runs of capitalised
words (with name particles such as "de", "van", "bin" inside); known places,
countries, agencies, weekdays and months split the runs, and cue words decide
what the rest is:

* a title before the span ("Presiden", "la vicepresidenta", "Sr.", "Mexican
  President"), skipping a country or nationality between title and name
  ("Presiden Meksiko Andres Manuel Lopez Obrador", "Wakil Presiden AS Kamala
  Harris") → person;
* a known given name first, or a known surname last → person;
* a word such as Kementerian, Secretaría, Department, Bank, or a legal form
  after it (S.A. de C.V., LLC, Inc.) → organisation;
* a word such as Istana, Palacio, Puente, Calle first → location;
* a later surname alone resolves to the full name written earlier.

Everything else (sentence-initial words, headlines in capitals, single
capitalised words) is left alone: a missed name costs less than a wrong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gugus.extract.calendar_words import calendar_words
from gugus.extract.gazetteer import Gazetteer
from gugus.extract.geo import geo_gazetteer
from gugus.extract.lexicon import (
    agencies,
    fold,
    given_names,
    location_cues,
    nationalities,
    org_cues,
    org_suffix_patterns,
    surnames,
    titles,
)
from gugus.extract.names.base import NameSpan
from gugus.extract.names.mentions import PersonIndex
from gugus.extract.tokens import Tokens, tokenize

# Lower-case particles inside names and organisation names.
CONNECTORS = frozenset(
    [
        "de",
        "del",
        "la",
        "las",
        "los",
        "da",
        "das",
        "do",
        "dos",
        "di",
        "du",
        "van",
        "von",
        "der",
        "den",
        "ter",
        "bin",
        "binti",
        "ibn",
        "al",
        "of",
    ]
)
# Words written with a full stop that does not end the name ("Sr. Pérez").
_ABBREVIATIONS = frozenset(
    [
        "sr",
        "sra",
        "srta",
        "dr",
        "dra",
        "lic",
        "ing",
        "mr",
        "mrs",
        "ms",
        "mme",
        "st",
        "jr",
        "gen",
        "gral",
        "cap",
        "cnel",
        "sgto",
        "prof",
        "sdr",
    ]
)
_LOOKBACK_SKIP = frozenset(["de", "del", "of", "dari", "la", "el", "the", "do", "da", "du", "le"])
_CONJUNCTIONS = frozenset(("y", "e", "and", "dan", "et"))
# Capitalised articles open sentences, not names ("La Comisión Nacional …").
_ARTICLES = frozenset(
    ["la", "el", "los", "las", "lo", "the", "le", "les", "un", "una", "o", "a", "os", "as"]
)
# Endings of abstract nouns, hardly ever of names ("Protección Ciudadana",
# "Homeland Security", "Seguridad Pública"); accent-free, lower case.
_NOUN_ENDINGS = (
    "cion",
    "sion",
    "dad",
    "tad",
    "miento",
    "ismo",
    "tion",
    "ment",
    "ness",
    "ity",
    "ship",
    "cao",
    "coes",
    "dade",
    "mento",
    "isasi",
)
_VOWELS = frozenset("aeiouyAEIOUYáéíóúÁÉÍÓÚàèìòùâêîôûãõäëïöü")
# Gaps inside a name: spaces and at most one line break (text from PDFs is
# wrapped), or a full stop after an initial or an abbreviated title.
_JOIN_GAP = re.compile(r"[ \t]*\n?[ \t]*|[ \t]*\.[ \t]*\n?[ \t]*")
_LOOKBACK_GAP = re.compile(r"[ \t]*,?[ \t]*\n?[ \t]*")
_SENTENCE_END = re.compile(r"[.!?:;\"“”«»\n—–\[\(]")
_MAX_NAME_WORDS = 6
_WRAPPED_LINE = 40


@lru_cache(maxsize=1)
def _titles() -> Gazetteer[str]:
    return Gazetteer(((t, t) for t in titles()), ignore_case=True)


@lru_cache(maxsize=1)
def _agencies() -> Gazetteer[str]:
    return Gazetteer((a, a) for a in agencies())


@lru_cache(maxsize=1)
def _org_suffix() -> re.Pattern[str]:
    alternatives = "|".join(sorted(org_suffix_patterns(), key=len, reverse=True))
    return re.compile(rf"(?<=\w)[ \t]*,?[ \t]*(?:{alternatives})(?!\w)")


@lru_cache(maxsize=32)
def _calendar(lang: str | None) -> frozenset[str]:
    words: set[str] = set()
    for code in {lang or "en", "en"}:
        cal = calendar_words(code)
        if cal:
            words |= {fold(w) for w in (*cal.months, *cal.weekdays)}
    return frozenset(words)


@dataclass(slots=True)
class _Unit:
    i: int  # first token
    j: int  # last token (inclusive)
    start: int
    end: int
    role: str  # cap conn low title nat cal country place agency suffix
    cap: bool


class HeuristicNames:
    """Offline names backend (see module docstring)."""

    name = "heuristic"
    version = "1"
    languages: frozenset[str] | None = None

    def extract(self, text: str, lang: str | None) -> list[NameSpan]:
        return _Run(text, lang).spans()


class _Run:
    """One pass over one text."""

    def __init__(self, text: str, lang: str | None) -> None:
        self.text = text
        self.toks: Tokens = tokenize(text)
        self.lang = lang
        self.out: list[NameSpan] = []
        self.people = PersonIndex()
        self.units = self._units()

    # -- units: tokens grouped into gazetteer hits and roles --------------------

    def _suffixes(self) -> dict[int, int]:
        """Token index where a legal-form suffix starts → its end offset."""
        out: dict[int, int] = {}
        starts = self.toks.starts
        k = 0
        for m in _org_suffix().finditer(self.text):
            while k < len(starts) and starts[k] < m.start():
                k += 1
            if k < len(starts) and starts[k] < m.end():
                out[k] = m.end()
        return out

    def _units(self) -> list[_Unit]:
        toks, text = self.toks, self.text
        geo, agency, title = geo_gazetteer(self.lang), _agencies(), _titles()
        calendar = _calendar(self.lang)
        cues = org_cues()
        demonyms = nationalities()
        suffixes = self._suffixes()
        units: list[_Unit] = []
        self.unit_of: list[int] = [0] * len(toks)
        self.title_ends: set[int] = set()
        keys = toks.keys
        i, n = 0, len(toks)
        while i < n:
            word, key = toks.words[i], keys[i]
            cap = word[0].isupper()
            unit: _Unit | None = None
            if i in suffixes:
                end = suffixes[i]
                j = i
                while j + 1 < n and toks.starts[j + 1] < end:
                    j += 1
                unit = _Unit(i, j, toks.starts[i], end, "suffix", True)
            elif cap and (hit := geo.match_at(toks, i)):
                role = "country" if hit.payload.kind == "country" else "place"
                unit = _Unit(i, hit.j, hit.start, hit.end, role, True)
            elif cap and (hit := agency.match_at(toks, i)):
                unit = _Unit(i, hit.j, hit.start, hit.end, "agency", True)
            elif cap and word in cues:
                unit = _Unit(i, i, toks.starts[i], toks.ends[i], "cap", True)
            elif hit := title.match_at(toks, i):
                end = hit.end
                if end < len(text) and text[end] == "." and keys[hit.j] in _ABBREVIATIONS:
                    end += 1
                unit = _Unit(i, hit.j, hit.start, end, "title", cap)
                self.title_ends.add(hit.j)
            else:
                if key in calendar:
                    role = "cal"
                elif key in demonyms:
                    role = "nat"
                elif cap:
                    role = "cap"
                elif key in CONNECTORS:
                    role = "conn"
                elif key in _CONJUNCTIONS:
                    role = "conj"
                else:
                    role = "low"
                unit = _Unit(i, i, toks.starts[i], toks.ends[i], role, cap)
            for k in range(unit.i, unit.j + 1):
                self.unit_of[k] = len(units)
            units.append(unit)
            i = unit.j + 1
        return units

    # -- runs of capitalised units ----------------------------------------------

    def _joins(self, prev: _Unit, unit: _Unit) -> bool:
        gap = self.text[prev.end : unit.start]
        if gap == " ":
            return True
        if gap == "-":  # "Jean-Baptiste", but not "AS-Meksiko"
            return prev.role == unit.role == "cap"
        if not gap or not _JOIN_GAP.fullmatch(gap):
            return False
        if "\n" in gap and self._short_line(prev.end):
            return False  # a form ("Alamat: …\nNo. HP: …"), not wrapped prose
        if "." not in gap:
            return True
        word = self.toks.words[prev.j]
        return (len(word) == 1 and word.isupper()) or word.lower() in _ABBREVIATIONS

    def _short_line(self, offset: int) -> bool:
        """The line ending after ``offset`` is shorter than wrapped prose."""
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        return (end if end >= 0 else len(self.text)) - start < _WRAPPED_LINE

    def spans(self) -> list[NameSpan]:
        run: list[_Unit] = []
        cues = org_cues()
        for unit in self.units:
            member = unit.cap and unit.role != "low" or unit.role == "conn"
            if unit.role == "conj":
                # "Secretaría de Seguridad y Protección Ciudadana": "y" joins the
                # parts of an organisation's name, never two people.
                member = any(self.toks.words[u.i] in cues for u in run)
            if run and member and self._joins(run[-1], unit):
                run.append(unit)
                if unit.role == "suffix":
                    self._run(run)
                    run = []
                continue
            if run:
                self._run(run)
            run = [unit] if unit.cap and unit.role not in ("conn", "suffix") else []
        if run:
            self._run(run)
        return self.out

    def _title_before(self, unit: _Unit) -> bool:
        """A (lower-case) title right before the run, perhaps with a nationality,
        a country or "de" between: "el presidente de México, Andrés …"."""
        toks = self.toks
        j = unit.i - 1
        for _ in range(4):
            if j < 0 or not _LOOKBACK_GAP.fullmatch(toks.text[toks.ends[j] : toks.starts[j + 1]]):
                return False
            if j in self.title_ends:
                return True
            prev = self.units[self.unit_of[j]]
            if prev.role in ("nat", "country") or toks.words[j].lower() in _LOOKBACK_SKIP:
                j = prev.i - 1
                continue
            return False
        return False

    def _sentence_initial(self, unit: _Unit) -> bool:
        i = unit.i
        if i == 0:
            return True
        gap = self.text[self.toks.ends[i - 1] : self.toks.starts[i]]
        return _SENTENCE_END.search(gap) is not None

    def _run(self, run: list[_Unit]) -> None:
        while run and run[-1].role in ("conn", "conj"):
            run.pop()
        if not run:
            return
        if run[-1].role == "suffix":
            # A legal form names everything before it, places included:
            # "Rio Grande Cleaning Services LLC", "Transportes Tijuana S.A. de C.V.".
            first = next((u for u in run if u.role not in ("title", "conn")), run[-1])
            if first is not run[-1]:
                self._emit(first.start, run[-1].end, "organization", 0.85, "legal form")
            return
        cue = self._title_before(run[0])
        seg: list[_Unit] = []
        for k, unit in enumerate(run):
            role = unit.role
            if role == "title":
                self._segment(seg, cue)
                seg, cue = [], True
            elif role in ("country", "nat"):
                if not seg and (cue or self._title_follows(run, k)):
                    continue  # "Presiden Meksiko …", "Mexican President …"
                self._segment(seg, cue)
                seg, cue = [], False
            elif role in ("place", "agency", "cal"):
                self._segment(seg, cue)
                seg, cue = [], False
                if role == "agency":
                    self._emit(unit.start, unit.end, "organization", 0.8, "known agency")
            else:
                seg.append(unit)
        self._segment(seg, cue)

    @staticmethod
    def _title_follows(run: list[_Unit], k: int) -> bool:
        for unit in run[k + 1 :]:
            if unit.role == "title":
                return True
            if unit.role not in ("country", "nat"):
                return False
        return False

    # -- deciding what a segment is ---------------------------------------------

    def _emit(self, start: int, end: int, label: str, score: float, detail: str) -> None:
        self.out.append(NameSpan(start, end, label, score, detail))
        if label == "person":
            self.people.add(" ".join(self.text[start:end].split()))

    def _segment(self, seg: list[_Unit], cue: bool) -> None:
        if seg and self.toks.keys[seg[0].i] in _ARTICLES and self._sentence_initial(seg[0]):
            seg = seg[1:]
        portfolio = bool(seg) and seg[0].role == "conn"  # "Secretary of State …"
        while seg and seg[0].role == "conn":
            seg = seg[1:]
        while seg and seg[-1].role == "conn":
            seg = seg[:-1]
        if not seg:
            return
        words = [self.toks.words[u.i] for u in seg]
        start, end = seg[0].start, seg[-1].end
        cues = org_cues()
        if any(w in cues for w in words) or "Task Force" in self.text[start:end]:
            if words[0] not in cues and self._sentence_initial(seg[0]):
                # "Informe de la Fiscalía Especializada": the sentence's first word
                # is not part of the name that starts at the organisation word.
                k = next(k for k, w in enumerate(words) if w in cues)
                if k > 1 and seg[k - 1].role == "conn":
                    start = seg[k].start
                    words = words[k:]
            if len(words) >= 2:  # "Polisi" alone is the police, not a name
                self._emit(start, end, "organization", 0.7, "organisation word")
            return
        if words[0] in location_cues():
            if len(words) >= 2:  # "Port" of "Port of Brownsville" is no place alone
                self._emit(start, end, "location", 0.7, "place word")
            return
        self._person(seg, words, cue, portfolio)

    def _name_like(self, unit: _Unit) -> bool:
        """A word that can be part of a name: a connector, or a word with a vowel
        that is not a short abbreviation ("Tgl.", "No.", "HP")."""
        word = self.toks.words[unit.i]
        if unit.role == "conn":
            return True
        if len(word) < 2 or not any(ch in _VOWELS for ch in word):
            return False
        if self.toks.keys[unit.i].endswith(_NOUN_ENDINGS):
            return False
        return not (len(word) <= 3 and self.text.startswith(".", unit.end))

    def _person(self, seg: list[_Unit], words: list[str], cue: bool, portfolio: bool) -> None:
        names = [w for w in words if w.lower() not in CONNECTORS]
        if len(names) > _MAX_NAME_WORDS or any(len(w) > 1 and w.isupper() for w in names):
            return  # acronyms, headlines in capitals
        start, end = seg[0].start, seg[-1].end
        given = given_names()
        if cue and portfolio:
            # "Secretary of Homeland Security Alejandro Mayorkas": the name starts
            # at the first given name after the portfolio.
            for k, unit in enumerate(seg):
                if words[k] in given and k + 1 < len(seg):
                    self._emit(unit.start, end, "person", 0.8, "title")
                    return
            return
        if cue:
            # "Menteri Luar Negeri Retno Marsudi": a portfolio between the title
            # and the name ends at the first given name.
            if words[0] not in given:
                for k in range(1, len(seg) - 1):
                    if words[k] in given:
                        self._emit(seg[k].start, end, "person", 0.8, "title")
                        return
            self._emit(start, end, "person", 0.85, "title")
            return
        if self.people.resolve(self.text[start:end]):
            self._emit(start, end, "person", 0.7, "earlier full name")
            return
        if len(names) < 2:
            return
        if names[0] in given:
            self._emit(start, end, "person", 0.8, "given name")
        elif names[-1] in surnames():
            self._emit(start, end, "person", 0.65, "surname")
        elif not self._sentence_initial(seg[0]) and all(map(self._name_like, seg)):
            self._emit(start, end, "person", 0.5, "capitalised")
        elif len(seg) >= 3:
            # A capitalised word opening the sentence, then perhaps a name.
            rest = seg[1:]
            rest_words = words[1:]
            if rest_words[0] in given or self.people.resolve(
                self.text[rest[0].start : rest[-1].end]
            ):
                self._person(rest, rest_words, False, False)

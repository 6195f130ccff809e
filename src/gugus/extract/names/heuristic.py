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
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from gugus.extract.calendar_words import calendar_words
from gugus.extract.gazetteer import Gazetteer
from gugus.extract.geo import geo_gazetteer
from gugus.extract.lexicon import (
    agencies,
    document_acronyms,
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
from gugus.extract.names.mentions import NAME_PARTICLES, PersonIndex
from gugus.extract.tokens import TOKEN_RE, Tokens, tokenize

# Lower-case particles inside names and organisation names ("y"/"e" join
# surnames only, handled in mentions; "of" joins organisation names).
CONNECTORS = (NAME_PARTICLES - {"y", "e"}) | {"of"}
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
        "vda",
        "pol",
    ]
)
# Lower-case words that join the parts of an organisation's name, never of a
# person's ("Fiscalía Especializada en Materia de …", "Comisión … contra la
# Trata", "Organisation internationale pour les migrations").
ORG_CONNECTORS = frozenset(
    ["en", "contra", "para", "por", "sobre", "for", "against", "on", "pour", "les", "untuk"]
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
# Scores of person spans by evidence: a capitalised span with no known given
# name or surname stays under the importer's MIN_SCORE (0.5) unless its last
# word has a Spanish patronymic ending (-ez: Treviño Pérez, Ordóñez).
_SCORE_BARE = 0.45
_SCORE_PATRONYMIC = 0.55
_PATRONYMIC = re.compile(r"[^\W\d_]{2,}[eE][zZ]$")
# "(SVET)", "(CJNG)": an acronym defined in brackets after the long name.
_ACRONYM = re.compile(r"(?<=\w) ?\(([A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑ0-9]{1,7})\)")
_ACRONYM_WORDS = 12
# Words that end a name whatever their case ("… RAMÍREZ ORTIZ ALIAS "EL
# PELÓN"", "Juan Pérez, alias …").
_BREAKS = frozenset(["alias", "aka", "apodo", "apodado", "conocido", "nee", "nacido"])
# "DOE, JOHN MICHAEL", "LARA IBARRA, Sofía": surnames in capitals at the start
# of a line (after an enumerator) or after "es"/"is", a comma, then one to three
# given names, then a comma, a bracket, a dash, a full stop or the line's end.
_CAPS = r"[A-ZÁÉÍÓÚÑÜ][A-ZÁÉÍÓÚÑÜ'’]+"
_INVERTED = re.compile(
    rf"(?m)(?:^[ \t]*(?:\d{{1,3}}[.)][ \t]*)?|(?<=\bes )|(?<=\bis ))"
    rf"(?P<family>{_CAPS}(?:[ -](?:DE LA|DE|DEL)?[ ]?{_CAPS}){{0,2}}),[ \t]"
    rf"(?P<given>(?:{_CAPS}|[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+)(?:[ ](?:{_CAPS}|[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+)){{0,2}})"
    r"(?=[ \t]*(?:[,(—–.]|-[ \t]|$))"
)
# Words before a month that make it a month ("in April", "desde abril").
_DATE_PREPOSITIONS = frozenset(
    [
        "in",
        "on",
        "of",
        "since",
        "until",
        "till",
        "by",
        "during",
        "before",
        "after",
        "from",
        "early",
        "late",
        "mid",
        "en",
        "de",
        "desde",
        "hasta",
        "para",
        "durante",
        "antes",
        "despues",
        "a",
        "al",
        "el",
        "del",
        "sejak",
        "pada",
        "bulan",
        "em",
        "do",
        "da",
        "ate",
        "dans",
        "depuis",
    ]
)
# Roles that only link words inside a run.
_LINKS = ("conn", "conj", "oconn")


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


def _known(word: str, words: frozenset[str]) -> str | None:
    """``word`` as listed in ``words``, also in capitals or with other accents
    ("ÉDGAR", "Édgar" for Edgar); the lists hold accent-free variants too."""
    if word in words:
        return word
    if word.isupper() and len(word) > 1:
        word = word.capitalize()
        if word in words:
            return word
    folded = fold(word)
    return folded if folded in words else None


def _is_cue(word: str, cues: frozenset[str]) -> bool:
    return _known(word, cues) is not None


def _subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)


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
        self._headlines: dict[int, bool] = {}
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
            elif cap and (hit := geo.match_at(toks, i)) and not self._named_like(i, hit.j):
                role = "country" if hit.payload.kind == "country" else "place"
                unit = _Unit(i, hit.j, hit.start, hit.end, role, True)
            elif (
                cap and (hit := agency.match_at(toks, i)) and not self._in_code(hit.start, hit.end)
            ):
                unit = _Unit(i, hit.j, hit.start, hit.end, "agency", True)
            elif cap and _is_cue(word, cues):
                unit = _Unit(i, i, toks.starts[i], toks.ends[i], "cap", True)
            elif cap and word.isupper() and len(word) > 1 and key in CONNECTORS:
                # "AGENTE DEL MINISTERIO", "MARÍA DE LA CRUZ": a particle in capitals.
                unit = _Unit(i, i, toks.starts[i], toks.ends[i], "conn", True)
            elif hit := title.match_at(toks, i):
                end = hit.end
                if end < len(text) and text[end] == "." and keys[hit.j] in _ABBREVIATIONS:
                    end += 1
                unit = _Unit(i, hit.j, hit.start, end, "title", cap)
                self.title_ends.add(hit.j)
            else:
                if key in _BREAKS:
                    role = "low"
                elif key in calendar and not (cap and self._named_like(i, i)):
                    role = "cal"
                elif key in demonyms:
                    role = "nat"
                elif cap and not (word.isupper() and key in ORG_CONNECTORS):
                    role = "cap"
                elif key in CONNECTORS:
                    role = "conn"
                elif key in ORG_CONNECTORS or (cap and word.isupper() and key in ORG_CONNECTORS):
                    role = "oconn"
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

    def _in_code(self, start: int, end: int) -> bool:
        """Part of a file number ("FED/FEVIMTRA/UEITMPO/1037/2020"), not a mention."""
        text = self.text
        return (start > 0 and text[start - 1] == "/") or text.startswith("/", end)

    def _named_like(self, i: int, j: int) -> bool:
        """Tokens ``i..j`` (one word: a month, a weekday, a country or place)
        are a given name here: the word is a known given name, and a known
        given name comes right before it ("María Guadalupe") or a capitalised
        name word right after it ("Julio César", "Guadalupe Cruz", "Abril
        Morales"); "Domingo 8 de junio" and "en Guadalupe, …" stay what they are."""
        if i != j:
            return False
        toks = self.toks
        word = toks.words[i]
        if _known(word, given_names()) is None:
            return False
        given = given_names()
        if i > 0 and toks.gap(i - 1) == " " and _known(toks.words[i - 1], given):
            return True
        if i + 1 >= len(toks) or toks.gap(i) != " ":
            return False
        nxt = toks.words[i + 1]
        if not nxt[0].isupper() or toks.keys[i + 1] in _calendar(self.lang):
            return False
        if word.isupper() != nxt.isupper():
            return False
        if _known(nxt, given) or _known(nxt, surnames()) or _PATRONYMIC.search(nxt):
            return True
        # "met April Morrison", but "in April Congress", "en Abril Morelia".
        if i > 0 and toks.keys[i - 1] in _DATE_PREPOSITIONS:
            return False
        return not _is_cue(nxt, org_cues()) and toks.keys[i + 1] not in CONNECTORS

    # -- runs of capitalised units ----------------------------------------------

    def _joins(self, prev: _Unit, unit: _Unit) -> bool:
        gap = self.text[prev.end : unit.start]
        if gap == " " or (unit.role == "suffix" and gap.strip() in ("", ",")):
            return True
        if gap == "-":  # "Jean-Baptiste", but not "AS-Meksiko"
            return prev.role == unit.role == "cap"
        if not gap or not _JOIN_GAP.fullmatch(gap):
            return False
        if "\n" in gap and self._short_line(prev.end):
            return False  # a form ("Alamat: …\nNo. HP: …"), not wrapped prose
        if "\n" in gap and self.toks.words[prev.j].isupper() and len(self.toks.words[prev.j]) > 1:
            return False  # headings in capitals, one a line
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
        units = self.units
        for n, unit in enumerate(units):
            member = unit.cap and unit.role != "low" or unit.role == "conn"
            if unit.role in ("conj", "oconn"):
                # "Secretaría de Seguridad y Protección Ciudadana", "Comisión
                # … contra la Trata": these join the parts of an organisation's
                # name, never two people; "y" only before a capitalised word
                # ("la FGR y la Guardia Nacional" are two).
                member = any(self._cue_unit(u) for u in run)
                if unit.role == "conj" and member:
                    nxt = units[n + 1] if n + 1 < len(units) else None
                    member = nxt is not None and nxt.role == "cap"
            if run and member and self._joins(run[-1], unit):
                run.append(unit)
                if unit.role == "suffix":
                    self._run(run)
                    run = []
                continue
            if run:
                self._run(run)
            run = [unit] if unit.cap and unit.role not in _LINKS + ("suffix",) else []
        if run:
            self._run(run)
        self._acronyms()
        self._inverted()
        return self.out

    def _inverted(self) -> None:
        """Lists of people in reports and memos write the surname first:
        "DOE, JOHN MICHAEL — SSN …", "2. LARA IBARRA, Sofía, DOB …", "…
        administrador único es ZELAYA SANTIAGO, EDUARDO.".  Surnames in
        capitals, a comma, given names; taken when a known name vouches for
        it, and valued in natural order ("Sofía LARA IBARRA")."""
        given, family = given_names(), surnames()
        for m in _INVERTED.finditer(self.text):
            start, end = m.start("family"), m.end("given")
            inside = [s for s in self.out if s.start < end and start < s.end]
            if any(s.label != "person" or s.start < start or s.end > end for s in inside):
                continue
            fam = m.group("family").replace("-", " ").split()
            first = m.group("given").split()
            if any(w.lower() in CONNECTORS for w in first):
                continue
            if not (
                any(_known(w, given) for w in first)
                or any(_known(w, family) or _PATRONYMIC.search(w) for w in fam)
            ):
                continue
            if any(_is_cue(w, org_cues()) or _known(w, location_cues()) for w in fam + first):
                continue
            value = f"{m.group('given')} {m.group('family')}"
            self.out = [s for s in self.out if s not in inside]
            self.out.append(NameSpan(start, end, "person", 0.75, "surname first", value))
            self.people.add(value)

    # -- acronyms defined in brackets ------------------------------------------

    def _acronyms(self) -> None:
        """ "Cártel de Jalisco Nueva Generación (CJNG)", "Registro Nacional de
        las Personas (RENAP)": the bracketed acronym is an organisation, and so
        is the long name before it when the acronym's letters run through it
        in order from its first word's initial; every later use of the acronym
        is the organisation too.  Identity documents ("(CURP)", "(DPI)") and
        countries ("(EUA)") are not learnt."""
        text, toks = self.text, self.toks
        learnt: dict[str, None] = {}
        skip = document_acronyms()
        geo = geo_gazetteer(self.lang)
        for m in _ACRONYM.finditer(text):
            acro = m.group(1)
            if acro in skip or acro in geo or sum(ch.isalpha() for ch in acro) < 2:
                continue
            k = bisect_right(toks.starts, m.start()) - 1
            if k < 0 or not toks.words[k][0].isupper() or toks.ends[k] > m.start():
                continue
            learnt[acro] = None
            long_form = self._long_form(acro, k)
            if long_form is not None:
                self._replace(long_form[0], long_form[1], "defined acronym")
        if not learnt:
            return
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, learnt)) + r")(?!\w)")
        taken = [(span.start, span.end) for span in self.out]
        for m in pattern.finditer(text):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                self._emit(m.start(), m.end(), "organization", 0.75, "defined acronym")

    def _long_form(self, acro: str, k: int) -> tuple[int, int] | None:
        """The span of capitalised words ending at token ``k`` that the acronym
        abbreviates, longest first."""
        toks = self.toks
        first = k
        while first > 0 and k - first < _ACRONYM_WORDS and toks.gap(first - 1) == " ":
            prev = toks.words[first - 1]
            key = toks.keys[first - 1]
            if not (prev[0].isupper() or key in CONNECTORS or key in ORG_CONNECTORS):
                break
            if key in _ARTICLES and prev[0].isupper() and self._starts_sentence(first - 1):
                break
            first -= 1
        letters = fold(acro).upper()
        for s in range(first, k + 1):
            word = toks.words[s]
            if not word[0].isupper() or fold(word[0]).upper() != letters[0]:
                continue
            if toks.keys[s] in _ARTICLES:
                continue
            capitals = [
                fold(toks.words[t]).upper() for t in range(s, k + 1) if toks.words[t][0].isupper()
            ]
            if len(capitals) >= 2 and _subsequence(letters, "".join(capitals)):
                return toks.starts[s], toks.ends[k]
        return None

    def _starts_sentence(self, i: int) -> bool:
        return i == 0 or _SENTENCE_END.search(self.toks.gap(i - 1)) is not None

    def _replace(self, start: int, end: int, detail: str) -> None:
        """Emit an organisation over ``[start, end)`` unless an organisation
        already covers it; spans inside it give way."""
        for span in self.out:
            if span.label == "organization" and span.start <= start and end <= span.end:
                return
        self.out = [s for s in self.out if not (start <= s.start and s.end <= end)]
        self._emit(start, end, "organization", 0.75, detail)

    def _cue_unit(self, unit: _Unit) -> bool:
        return unit.role == "agency" or (
            unit.role == "cap" and _is_cue(self.toks.words[unit.i], org_cues())
        )

    def _cue_ahead(self, run: list[_Unit], k: int) -> bool:
        """An organisation word or agency follows unit ``k`` within three
        capitalised words: "Houston Police Department", "Guatemalan Migration
        Institute", "U.S. Border Patrol"."""
        for unit in run[k + 1 : k + 4]:
            if self._cue_unit(unit):
                return True
            if unit.role != "cap":
                return False
        return False

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
        while run and run[-1].role in _LINKS:
            run.pop()
        if not run:
            return
        if run[-1].role == "suffix":
            # A legal form names everything before it, places included:
            # "Rio Grande Cleaning Services LLC", "Transportes Tijuana S.A. de C.V.".
            first = next((u for u in run if u.role not in ("title",) + _LINKS), run[-1])
            if first is not run[-1]:
                self._emit(first.start, run[-1].end, "organization", 0.85, "legal form")
            return
        cue = self._title_before(run[0])
        seg: list[_Unit] = []
        for k, unit in enumerate(run):
            role = unit.role
            org = any(self._cue_unit(u) for u in seg)
            geo = role in ("country", "place", "nat")
            after_cue = seg and seg[-1].role == "cap" and self._cue_unit(seg[-1])
            if geo and org and (seg[-1].role == "conn" or after_cue):
                # "Fiscalía General de la República de El Salvador", "Cártel de
                # Jalisco Nueva Generación", "Agência Brasil": the organisation's.
                seg.append(unit)
            elif geo and not (cue and not seg) and self._cue_ahead(run, k):
                self._segment(seg, cue)
                seg, cue = [unit], False
            elif role == "title":
                self._segment(seg, cue)
                seg, cue = [], True
            elif role in ("country", "nat"):
                if not seg and (cue or self._title_follows(run, k)):
                    continue  # "Presiden Meksiko …", "Mexican President …"
                self._segment(seg, cue)
                seg, cue = [], False
            elif role == "agency":
                if seg and all(u.role in ("country", "place", "nat") for u in seg):
                    seg.append(unit)  # "U.S. Border Patrol"
                    continue
                # A portfolio between a title and an agency is no name:
                # "Direktur Tindak Pidana Umum Bareskrim …".
                self._segment(seg, False)
                seg, cue = [unit], False
            elif role in ("place", "cal"):
                self._segment(seg, cue)
                seg, cue = [], False
            elif seg and seg[-1].role == "agency" and role not in _LINKS:
                # "FBI John Smith": an agency's name goes on only after a particle.
                self._segment(seg, cue)
                seg = [unit]
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
        while seg and seg[0].role in _LINKS:
            seg = seg[1:]
        while seg and seg[-1].role in _LINKS:
            seg = seg[:-1]
        if not seg:
            return
        words = [self.toks.words[u.i] for u in seg]
        start, end = seg[0].start, seg[-1].end
        cues = org_cues()
        if len(seg) == 1 and seg[0].role == "agency":
            self._emit(start, end, "organization", 0.8, "known agency")
            return
        if any(u.role == "agency" for u in seg):
            self._emit(start, end, "organization", 0.8, "known agency")
            return
        if any(_is_cue(w, cues) for w in words) or "Task Force" in self.text[start:end]:
            if not _is_cue(words[0], cues) and self._sentence_initial(seg[0]):
                # "Informe de la Fiscalía Especializada": the sentence's first word
                # is not part of the name that starts at the organisation word.
                k = next(k for k, w in enumerate(words) if _is_cue(w, cues))
                if k > 1 and seg[k - 1].role == "conn":
                    start = seg[k].start
                    words = words[k:]
            if len(words) >= 2:  # "Polisi" alone is the police, not a name
                self._emit(start, end, "organization", 0.7, "organisation word")
            return
        if any(u.role in ("country", "place", "nat") for u in seg):
            return
        if _known(words[0], location_cues()):
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
        if len(names) > _MAX_NAME_WORDS:
            return
        capitals = [w for w in names if len(w) > 1 and w.isupper()]
        if capitals:
            if len(capitals) == len(names):
                self._capitals(seg, names, cue)
            return  # acronyms mixed with words: "PT Maju Jaya", "HSI Houston"
        start, end = seg[0].start, self._name_end(seg[-1])
        given = given_names()
        if self._headline(start):
            # "Former Cartel Lieutenant Pleads Guilty to …": in a title-case
            # headline only a known given name makes a name.
            if len(names) >= 2 and (_known(names[0], given) or _known(names[-1], surnames())):
                self._emit(start, end, "person", 0.7, "headline name")
            return
        if cue and portfolio:
            # "Secretary of Homeland Security Alejandro Mayorkas": the name starts
            # at the first given name after the portfolio.
            for k, unit in enumerate(seg):
                if _known(words[k], given) and k + 1 < len(seg):
                    self._emit(unit.start, end, "person", 0.8, "title")
                    return
            return
        if cue:
            # "Menteri Luar Negeri Retno Marsudi": a portfolio between the title
            # and the name ends at the first given name.
            if not _known(words[0], given):
                for k in range(1, len(seg) - 1):
                    if _known(words[k], given):
                        self._emit(seg[k].start, end, "person", 0.8, "title")
                        return
                if not all(self._name_like(u) or self._initial(u) for u in seg):
                    return  # "Direktur Tindak Pidana …": an office, not a name
            self._emit(start, end, "person", 0.85, "title")
            return
        if self.people.resolve(self.text[start:end]):
            self._emit(start, end, "person", 0.7, "earlier full name")
            return
        if len(names) < 2:
            return
        if len(names) == 2 and names[1] == "N" and end > seg[-1].end:
            # "Darwin N.": the press's withheld surname marks a person.
            self._emit(start, end, "person", 0.7, "withheld surname")
            return
        if _known(names[0], given):
            self._emit(start, end, "person", 0.8, "given name")
        elif _known(names[-1], surnames()):
            self._emit(start, end, "person", 0.65, "surname")
        elif not self._sentence_initial(seg[0]) and all(map(self._name_like, seg)):
            # No known name: a headline ("Smuggling Leader"), an office ("Trata
            # de Personas") or a name; only a patronymic ending lifts it.
            if _PATRONYMIC.search(names[-1]) and len(names) <= 4:
                self._emit(start, end, "person", _SCORE_PATRONYMIC, "patronymic")
            else:
                self._emit(start, end, "person", _SCORE_BARE, "capitalised")
        elif len(seg) >= 3:
            # A capitalised word opening the sentence, then perhaps a name.
            rest = seg[1:]
            rest_words = words[1:]
            if _known(rest_words[0], given) or self.people.resolve(
                self.text[rest[0].start : rest[-1].end]
            ):
                self._person(rest, rest_words, False, False)

    def _headline(self, offset: int) -> bool:
        """The line holding ``offset`` is a title-case headline: one line among
        others, not ending like a sentence, five or more words of four letters
        or more, nearly all capitalised."""
        line_start = self.text.rfind("\n", 0, offset) + 1
        cached = self._headlines.get(line_start)
        if cached is None:
            line_end = self.text.find("\n", offset)
            line = self.text[line_start : line_end if line_end >= 0 else len(self.text)]
            long = [w for w in TOKEN_RE.findall(line) if len(w) >= 4 and w.isalpha()]
            capital = sum(1 for w in long if w[0].isupper())
            cached = (
                len(long) >= 5
                and capital >= 0.8 * len(long)
                and not line.isupper()
                and not line.rstrip().endswith((".", ",", ";", ":"))
                and ". " not in line
                and len(line) < len(self.text.strip())
            )
            self._headlines[line_start] = cached
        return cached

    def _initial(self, unit: _Unit) -> bool:
        word = self.toks.words[unit.i]
        return len(word) == 1 and word.isupper() and self.text.startswith(".", unit.end)

    def _name_end(self, last: _Unit) -> int:
        """A name ending in an initial keeps its full stop ("Héctor N.", the
        Mexican press's withheld surname)."""
        word = self.toks.words[last.i]
        if len(word) == 1 and word.isupper() and self.text.startswith(".", last.end):
            return last.end + 1
        return last.end

    def _capitals(self, seg: list[_Unit], names: list[str], cue: bool) -> None:
        """A name in capitals, as official memos and forms write them ("JUAN
        GÓMEZ MENDOZA", "LIC. ROBERTO CARLOS DÍAZ VEGA", "ZAMORA MENDEZ
        ARNOLDO"): taken only when the words are name-like and known names
        vouch for it — a known given name and another known name or patronymic,
        or a title and a known name; headings in capitals ("DIRECCIÓN
        GENERAL", "NOTA INFORMATIVA") have neither."""
        if len(names) < 2 or not all(map(self._name_like, seg)):
            return
        given, family = given_names(), surnames()
        known_given = sum(1 for w in names if _known(w, given))
        known_family = sum(1 for w in names if _known(w, family) or _PATRONYMIC.search(w))
        if any(_is_cue(w, org_cues()) or _known(w, location_cues()) for w in names):
            return
        if known_given and known_family:
            score = 0.8 if known_given + known_family >= 2 else 0.6
        elif cue and (known_given or known_family):
            score = 0.75
        elif known_family >= 2 and len(names) >= 3:
            score = 0.6  # "XIOMARA ÁVILA CRUZ": two surnames after an unknown given name
        else:
            return
        start, end = seg[0].start, self._name_end(seg[-1])
        self._emit(start, end, "person", score, "capitals")

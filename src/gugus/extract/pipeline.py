"""``extract()``: one text in, every selector, date, country and name out.

The order matters and is fixed here: identifiers with check digits claim
their spans first, then dates, then phone numbers (so that neither a CLABE nor
"2021-06-08" becomes a phone), then names, which never override a known
country or place.
"""

from __future__ import annotations

import datetime
import re

from gugus import clock
from gugus.errors import InvalidInput, Msg, alternatives
from gugus.extract.claims import Claims
from gugus.extract.country import main_country
from gugus.extract.dates import find_dates
from gugus.extract.found import Extraction, Found
from gugus.extract.geo import find_geo
from gugus.extract.language import detect_language
from gugus.extract.names import find_names, names_backend
from gugus.extract.selectors import find_ids, find_keyed, find_phones
from gugus.extract.tokens import tokenize

_CODE = re.compile(r"[A-Za-z]{2,3}")
# A person span at least this sure (a title, a known given name) keeps a
# place-named word inside it.
NAME_OVER_PLACE = 0.65


def _as_date(value, field: str) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raise InvalidInput(
        Msg(
            "%(field)s: expected a date, got %(kind)s %(value)r",
            field=field,
            kind=type(value).__name__,
            value=value,
        ),
        details=[{"field": field, "value": repr(value)}],
    )


def _code(value: str | None, field: str, length: tuple[int, ...]) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _CODE.fullmatch(value) or len(value) not in length:
        raise InvalidInput(
            Msg(
                "%(field)s: expected an ISO code of %(length)s letters, got %(value)r",
                field=field,
                length=alternatives(map(str, length)),
                value=value,
            ),
            details=[{"field": field, "value": repr(value)}],
        )
    return value.lower()


def extract(
    text: str,
    *,
    language: str | None = None,
    published: datetime.date | None = None,
    today: datetime.date | None = None,
    country: str | None = None,
    names: str | None = None,
) -> Extraction:
    """Everything extractable from ``text``.

    ``language`` (ISO 639-1) skips detection; ``published`` is the document's
    date (metadata or ``--published``); ``today`` is the load date that bounds
    a year inferred from a weekday; ``country`` (ISO alpha-2) is the document's
    main country, the only one whose numbers may be written without ``+``;
    ``names`` picks the names backend (entry point in ``gugus.names``).
    """
    if not isinstance(text, str):
        raise InvalidInput(
            f"text: expected a string, got {type(text).__name__}", details=[{"field": "text"}]
        )
    lang = _code(language, "language", (2, 3))
    hint = _code(country, "country", (2,))
    published = _as_date(published, "published")
    today = _as_date(today, "today") or clock.today()
    backend = names_backend(names)

    lang_score = 1.0
    if lang is None:
        lang, lang_score = detect_language(text)

    claims = Claims()
    geo = find_geo(tokenize(text), lang)
    main, overridden = main_country(hint, text, geo, lang)
    items: list[Found] = find_ids(text, lang, claims)
    items += find_keyed(text, claims)
    dates, doc = find_dates(
        text,
        lang,
        published=published,
        today=today,
        month_first=main == "us" and lang in ("en", None) or (lang == "en" and main is None),
        claims=claims,
    )
    items += dates
    items += find_phones(text, main, claims, hint if overridden else None)
    # An organisation's name may contain a place ("Rio Grande Cleaning Services
    # LLC"): it claims its span before the gazetteers.  A person or place the
    # backend found where the gazetteers know a country or place gives way.
    names_found = find_names(text, lang, backend)
    geo = _names_over_geo(geo, names_found)
    for item in names_found:
        if item.kind == "organization" and claims.take(item.start, item.end):
            items.append(item)
    for item in geo:
        if claims.take(item.start, item.end):
            items.append(item)
    for item in names_found:
        if item.kind != "organization" and claims.take(item.start, item.end):
            items.append(item)
    items.sort(key=lambda f: (f.start, f.end))
    return Extraction(
        language=lang,
        language_score=lang_score,
        published=doc.date,
        published_source=doc.source,
        published_inferred=doc.inferred,
        items=items,
        country=main,
    )


def _names_over_geo(geo: list[Found], names: list[Found]) -> list[Found]:
    """Drop a country or place that is a word inside a longer person name the
    backend was sure of ("María Guadalupe Pérez": Guadalupe is not
    Guadeloupe; "Santiago" inside "Juan Santiago López")."""
    people = [n for n in names if n.kind == "person" and n.score >= NAME_OVER_PLACE]
    if not people:
        return geo
    kept = []
    for g in geo:
        inside = any(
            p.start <= g.start and g.end <= p.end and (p.end - p.start) > (g.end - g.start)
            for p in people
        )
        if not inside:
            kept.append(g)
    return kept

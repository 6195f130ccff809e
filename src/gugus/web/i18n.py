"""Languages of the web UI: Spanish (Mexico) and English (US).

The catalogue is read from its ``.po`` file when the server starts (nothing
compiled is kept in the repository); English is the message id itself.  The
language comes from the ``gugus_lang`` cookie, then ``Accept-Language``."""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("es_MX", "en_US")
DEFAULT = "en_US"
COOKIE = "gugus_lang"
CATALOGUE = Path(__file__).with_name("locale") / "es_MX" / "LC_MESSAGES" / "messages.po"
_BY_PREFIX = {"es": "es_MX", "en": "en_US"}


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang == "es_MX":
        with CATALOGUE.open("rb") as fh:
            catalog = read_po(fh, locale="es_MX")
        buf = io.BytesIO()
        write_mo(buf, catalog)  # fuzzy entries are left out, as gettext would
        buf.seek(0)
        return Translations(buf)
    return gettext.NullTranslations()


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The remembered choice, else the browser's first language we speak."""
    if cookie in LANGUAGES:
        return cookie
    weighted = []
    for i, part in enumerate((accept_language or "")[:500].split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        prefix = tag.strip().lower().replace("_", "-").split("-")[0]
        if prefix in _BY_PREFIX and q > 0:
            weighted.append((-q, i, _BY_PREFIX[prefix]))
    return min(weighted)[2] if weighted else DEFAULT


def translator(request) -> gettext.NullTranslations:
    """The request's translations (``.gettext`` / ``.ngettext``) for messages
    built in Python."""
    return translations(request.state.lang)


def html_lang(lang: str) -> str:
    return lang.replace("_", "-")

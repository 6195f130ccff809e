"""FollowTheMoney's schema and property labels in the reader's language,
from the Spanish catalogue FtM itself ships (English is the label itself; a
label FtM has not translated stays English)."""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

import followthemoney
from babel.support import Translations
from followthemoney import model

_FTM_TRANSLATIONS = Path(followthemoney.__file__).with_name("translations")


@functools.cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    if lang == "es_MX":
        return Translations.load(str(_FTM_TRANSLATIONS), ["es"], domain="followthemoney")
    return gettext.NullTranslations()


def schema_label(name: str, lang: str) -> str:
    schema = model.get(name)
    return _catalogue(lang).gettext(schema.label) if schema is not None else name


def prop_label(schema_name: str, prop: str, lang: str) -> str:
    schema = model.get(schema_name)
    found = schema.get(prop) if schema is not None else None
    return _catalogue(lang).gettext(found.label) if found is not None else prop


def is_reference(schema_name: str, prop: str) -> bool:
    """Whether a property names another entity (its value is an entity id)."""
    schema = model.get(schema_name)
    found = schema.get(prop) if schema is not None else None
    return found is not None and found.type.name == "entity"

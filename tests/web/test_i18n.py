"""Every message the web UI shows has a Spanish (Mexico) translation: none
missing, empty or fuzzy; Spanish plurals use Babel's plural forms."""

from __future__ import annotations

from babel.messages.catalog import Catalog

from gugus.web import catalogue
from gugus.web.i18n import translations


def test_every_message_is_translated():
    problems = catalogue.problems(catalogue.extract(), catalogue.read())
    assert not problems, "\n".join(problems)


def test_the_checker_finds_an_untranslated_message():
    found = Catalog(locale="es_MX")
    found.add("A message no one translated", locations=[("x.html", 1)])
    found.add("Home", locations=[("base.html", 1)])
    assert catalogue.problems(found, catalogue.read()) == [
        "missing: 'A message no one translated' (x.html:1)"
    ]
    fuzzy = catalogue.read()
    fuzzy["Home"].flags.add("fuzzy")
    assert catalogue.problems(found, fuzzy)[-1].startswith("fuzzy: 'Home'")


def test_spanish_plural_forms_are_babels():
    assert catalogue.read().plural_forms == Catalog(locale="es_MX").plural_forms
    es = translations("es_MX")
    one = es.ngettext("%(num)s pair to review", "%(num)s pairs to review", 1)
    many = es.ngettext("%(num)s pair to review", "%(num)s pairs to review", 3)
    assert one != many and "par " in one and "pares" in many

"""The message catalogue's upkeep: every string the web UI shows, extracted
with Babel from the templates and the Python code, against the Spanish
catalogue.  ``python -m gugus.web.catalogue`` adds missing messages (empty,
to translate) and reports what is missing, empty or fuzzy; the test suite
fails on any of them."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from gugus.web.i18n import CATALOGUE

WEB = Path(__file__).parent
METHODS = [("templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}
# The services' messages a page shows (gugus.errors.Msg, and N_ for a
# template written apart), everywhere in the package.
PACKAGE = WEB.parent
SERVICE_KEYWORDS = {"Msg": None, "N_": None}


def extract() -> Catalog:
    found = Catalog(locale="es_MX")
    passes = [
        (WEB, METHODS, OPTIONS, {**DEFAULT_KEYWORDS, **SERVICE_KEYWORDS}),
        (PACKAGE, [("**.py", "python")], {}, SERVICE_KEYWORDS),
    ]
    for folder, methods, options, keywords in passes:
        for filename, lineno, message, _comments, context in extract_from_dir(
            folder, methods, options, keywords=keywords, strip_comment_tags=True
        ):
            found.add(message, None, [(filename, lineno)], context=context)
    return found


def read() -> Catalog:
    with CATALOGUE.open("rb") as fh:
        return read_po(fh, locale="es_MX")


def problems(found: Catalog, catalogue: Catalog) -> list[str]:
    """Messages shown but not translated: missing, empty or fuzzy."""
    out = []
    for msg in found:
        if not msg.id:
            continue
        key = msg.id[0] if isinstance(msg.id, tuple) else msg.id
        where = ", ".join(f"{f}:{n}" for f, n in msg.locations[:2])
        have = catalogue.get(msg.id, msg.context)
        if have is None:
            out.append(f"missing: {key!r} ({where})")
        elif have.fuzzy:
            out.append(f"fuzzy: {key!r} ({where})")
        elif not have.string or (isinstance(have.string, tuple) and not all(have.string)):
            out.append(f"empty: {key!r} ({where})")
    return out


def main() -> int:
    found = extract()
    catalogue = read()
    issues = problems(found, catalogue)
    added = 0
    for msg in found:
        if msg.id and catalogue.get(msg.id, msg.context) is None:
            catalogue.add(msg.id, ("", "", "") if isinstance(msg.id, tuple) else "")
            added += 1
    if added:
        with CATALOGUE.open("wb") as fh:
            write_po(fh, catalogue, width=100, omit_header=False, sort_output=False)
    for line in issues:
        print(line)
    print(f"{added} message(s) added to {CATALOGUE.name}; {len(issues)} to translate")
    return 1 if issues else 0


if __name__ == "__main__":
    sys.exit(main())

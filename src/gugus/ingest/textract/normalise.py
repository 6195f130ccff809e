"""One normal form for every reader's text and metadata strings.

Extraction (selectors, names, dates) and full-text search downstream see the
same characters whatever the source format was: NFC so "José" typed two ways
matches, ``\\n`` line ends, no control characters (a NUL breaks PostgreSQL
text columns; stray C1 bytes are leftovers of a wrong 8-bit guess), and at
most one blank line in a row.
"""

from __future__ import annotations

import re
import unicodedata

# Line-breaking characters other than \r (handled first, as \r\n).
_LINE_BREAKS = re.compile(r"[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Control characters (C0 but \t \n, DEL, C1), lone surrogates, BOM/ZWNBSP and
# the two non-characters a wrong decode can leave behind.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
# Either of the two above: one scan decides whether the two substitutions run.
_UNUSUAL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_BLANKS = " \t\u00a0\u3000"
_TRAILING_SPACE = re.compile(rf"[{_BLANKS}]+$", re.MULTILINE)
_BLANK_RUNS = re.compile(r"\n{3,}")
_SPACES = re.compile(r"\s+")
_LANGUAGE = re.compile(r"([A-Za-z]{2})(?:[-_][A-Za-z0-9]{1,8})*")


def normalise_text(text: str, *, strip_indent: bool = False) -> str:
    """The normal form of a document body (see the module docstring).

    ``strip_indent`` drops leading blanks too: HTML rendering indents nested
    blocks, which is layout, not content.  Each step first checks with a fast
    substring test or one scan whether it has anything to do: on a 100 MB
    text the regular expressions cost seconds each.
    """
    if not text:
        return ""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _UNUSUAL.search(text):
        text = _CONTROLS.sub("", _LINE_BREAKS.sub("\n", text))
    text = unicodedata.normalize("NFC", text)
    if text.endswith(tuple(_BLANKS)) or any(f"{blank}\n" in text for blank in _BLANKS):
        text = _TRAILING_SPACE.sub("", text)
    if strip_indent:
        text = "\n".join(line.lstrip(_BLANKS) for line in text.split("\n"))
    if "\n\n\n" in text:
        text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip("\n")


def clean_field(value: object) -> str | None:
    """A one-line metadata value (title, author, header), or None when empty."""
    if value is None:
        return None
    text = _CONTROLS.sub("", unicodedata.normalize("NFC", str(value)))
    text = _SPACES.sub(" ", text).strip()
    return text or None


def language_code(value: object) -> str | None:
    """ISO 639-1 code from a language tag ("es-MX", "EN_us", "es, en" → first).

    Three-letter and malformed tags give None: a wrong hint is worse than none.
    """
    if not value:
        return None
    first = str(value).split(",")[0].split(";")[0].strip()
    match = _LANGUAGE.fullmatch(first)
    return match.group(1).lower() if match else None

"""HTML → text with inscriptis (a layout-aware renderer on lxml), plus the
title, date, author and language the page declares about itself.

Also used for the HTML body of e-mails (``html_to_text``).
"""

from __future__ import annotations

import codecs
import re

import lxml.html
from inscriptis import Inscriptis
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig
from lxml import etree

from gugus.errors import Msg
from gugus.ingest.textract.dates import date_from_text
from gugus.ingest.textract.document import Extracted, Unreadable
from gugus.ingest.textract.encoding import decode_declared
from gugus.ingest.textract.normalise import clean_field, language_code

# <meta charset>, http-equiv Content-Type and the XML declaration, searched in
# the first bytes as the HTML standard's prescan does.
_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""",
    re.IGNORECASE,
)
_PRESCAN_BYTES = 4096
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# Markup that renders no reading text: menus, no-JS fallbacks, templates.
_NOISE = ("nav", "noscript", "template", "svg", "iframe", "object", "button", "select")
# <meta> keys, best first (name=, property= or itemprop=, lower-case).
_DATE_KEYS = (
    "article:published_time",
    "datepublished",
    "citation_publication_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dc.date.created",
    "dcterms.created",
    "date",
    "pubdate",
    "publishdate",
    "og:published_time",
)
_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "dcterms.creator", "citation_author")
_TITLE_KEYS = ("og:title", "dc.title", "dcterms.title", "twitter:title")
_LANGUAGE_KEYS = ("content-language", "language", "dc.language", "og:locale")
_KEEP_META = {
    "description": "description",
    "og:description": "description",
    "keywords": "keywords",
    "og:site_name": "site_name",
    "og:url": "url",
    "generator": "generator",
}


# The most HTML parsed into one tree (an e-mail's HTML body too): an
# element-dense 10 MB page builds a tree of about 280 MB.
MAX_MARKUP = 10 * 1024 * 1024


def read_html(data: bytes) -> Extracted:
    """An .html/.htm file."""
    # A byte-order mark outranks <meta charset>, as in browsers.
    declared = None if data.startswith(_BOMS) else _declared_charset(data)
    markup, encoding, warnings = decode_declared(data, declared, "charset")
    result = html_to_text(markup)
    result.encoding = encoding
    result.warnings[:0] = warnings
    return result


def html_to_text(markup: str) -> Extracted:
    """Text and self-declared metadata of an HTML string."""
    markup = _XML_DECLARATION.sub("", markup, count=1)
    # lxml refuses NUL and most C0 characters in input strings.
    markup = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", markup)
    if not markup.strip():
        return Extracted()
    if len(markup) > MAX_MARKUP:  # the tree takes ~25 times the markup
        raise Unreadable(
            Msg(
                "HTML of more than %(limit)s characters: not read (its tree would not fit)",
                limit=MAX_MARKUP,
            )
        )
    # huge_tree: libxml2 otherwise drops, silently, everything nested deeper
    # than 255 elements; beyond its hard limit (2048) the file is refused.
    # One parser per call: lxml parsers are not to be shared between threads.
    parser = lxml.html.HTMLParser(huge_tree=True)
    try:
        try:
            tree = lxml.html.document_fromstring(markup, parser=parser)
        except etree.ParserError:  # no element at all ("<!-- -->", "<htm"): as inscriptis does
            tree = lxml.html.document_fromstring(f"<pre>{markup}</pre>", parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        # the kind only: a parser's text may quote the document's own words
        raise Unreadable(Msg("HTML not parsed (%(kind)s)", kind=type(exc).__name__)) from None
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        raise Unreadable(Msg("HTML nested too deeply to read whole (over 2048 levels)"))
    meta = _meta(tree)
    result = Extracted(
        title=clean_field(_title(tree)) or _first(meta, _TITLE_KEYS),
        published=_published(tree, meta),
        author=_first(meta, _AUTHOR_KEYS),
        language_hint=_language(tree, meta),
    )
    for key, name in _KEEP_META.items():
        if key in meta and name not in result.metadata:
            result.metadata[name] = meta[key]
    for element in tree.xpath("|".join(f"//{tag}" for tag in _NOISE)):
        if element.getparent() is not None:
            element.drop_tree()
    config = ParserConfig(css=CSS_PROFILES["strict"].copy(), display_links=False)
    try:
        result.text = Inscriptis(tree, config).get_text()
    except RecursionError:
        result.text = _flat_text(tree)
        result.warnings.append("HTML nested too deeply for layout; text read without it")
    return result


def _flat_text(tree) -> str:
    """Text of every element, one run per line (no recursion, no layout)."""
    for element in tree.xpath("//head|//script|//style"):
        if element.getparent() is not None:
            element.drop_tree()
    return "\n".join(run.strip() for run in tree.itertext() if run.strip())


def _declared_charset(data: bytes) -> str | None:
    match = _CHARSET.search(data[:_PRESCAN_BYTES])
    if not match:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii")
    # The HTML standard: a UTF-16 label in <meta> means the bytes were
    # transcoded by a tool that forgot the tag; read as UTF-8.
    return "utf-8" if label.lower().startswith("utf-16") else label


def _meta(tree) -> dict[str, str]:
    """First value of each <meta name|property|itemprop> key, lower-case keys."""
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = element.get("name") or element.get("property") or element.get("itemprop")
        key = key or element.get("http-equiv")
        value = clean_field(element.get("content"))
        if key and value:
            found.setdefault(key.strip().lower(), value)
    return found


def _first(meta: dict[str, str], keys: tuple[str, ...]) -> str | None:
    return next((meta[key] for key in keys if key in meta), None)


def _title(tree) -> str | None:
    element = tree.find(".//title")
    return element.text_content() if element is not None else None


def _published(tree, meta: dict[str, str]):
    for key in _DATE_KEYS:
        value = date_from_text(meta.get(key))
        if value:
            return value
    # <time pubdate> / itemprop=datePublished first, then the first <time datetime>.
    times = tree.xpath("//time[@datetime]")
    preferred = [t for t in times if t.get("pubdate") is not None or t.get("itemprop")]
    for element in preferred + times:
        value = date_from_text(element.get("datetime"))
        if value:
            return value
    return None


def _language(tree, meta: dict[str, str]) -> str | None:
    # The HTML parser keeps XHTML's xml:lang as a plain attribute name.
    declared = tree.get("lang") or tree.get("xml:lang")
    return language_code(declared) or language_code(_first(meta, _LANGUAGE_KEYS))

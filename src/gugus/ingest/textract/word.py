"""DOCX → text with python-docx: body paragraphs and tables in document
order, headers and footers, and the core properties.

The body is walked on the XML python-docx parsed (safely: no entities)
rather than through ``Paragraph.text``, which skips text inside content
controls (``w:sdt``) and tracked insertions (``w:ins``) — real content of
forms and reviewed reports.  Deleted text, field codes and the duplicate
fallback copy of text boxes are left out.  A table row becomes one line with
its cells separated by tabs.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import docx

from gugus.ingest.textract.dates import MIN_YEAR
from gugus.ingest.textract.document import Extracted, Unreadable
from gugus.ingest.textract.normalise import clean_field, language_code

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Elements that only wrap block or row content.
_WRAPPERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag"}
# Subtrees with no reading text (formatting, deletions, field codes, fallbacks).
_SKIP = {
    W + "pPr",
    W + "rPr",
    W + "del",
    W + "delText",
    W + "moveFrom",
    W + "instrText",
    W + "fldData",
    W + "sdtPr",
    _MC_FALLBACK,
}
_CHARACTERS = {W + "tab": "\t", W + "br": "\n", W + "cr": "\n", W + "noBreakHyphen": "-"}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A DOCX expanding beyond this is a zip bomb, not a document.
MAX_UNPACKED = 2 * 1024**3
_CORE_DATES = ("created", "modified")
_CORE_TEXT = ("subject", "keywords", "category", "comments", "last_modified_by", "revision")


def read_docx(data: bytes) -> Extracted:
    """A .docx file."""
    _check_package(data)
    try:
        document = docx.Document(io.BytesIO(data))
        headers, footers = _headers_footers(document)
        body = list(_block_lines(document.element.body))
        result = _core_properties(document.core_properties)
    except Unreadable:
        raise
    except Exception as exc:  # python-docx and lxml raise many types on a damaged package
        raise Unreadable(f"damaged DOCX ({type(exc).__name__}: {str(exc)[:200]})") from None
    result.text = "\n\n".join("\n".join(lines) for lines in (headers, body, footers) if any(lines))
    return result


def _check_package(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            unpacked = sum(item.file_size for item in package.infolist())
    except Exception:  # zipfile raises BadZipFile, NotImplementedError, EOFError …
        if data.startswith(_OLE2):
            raise Unreadable(
                "not a DOCX (an OLE2 file: a Word 97-2003 .doc renamed, or a password-protected document)"
            ) from None
        raise Unreadable("not a DOCX (not a ZIP archive)") from None
    if "word/document.xml" not in names:
        raise Unreadable("not a DOCX (no word/document.xml in the archive)")
    if unpacked > MAX_UNPACKED:
        raise Unreadable(f"DOCX unpacks to {unpacked} bytes (limit {MAX_UNPACKED})")


def _block_lines(container) -> Iterator[str]:
    """Lines of the paragraphs and tables directly in a body, cell or header."""
    for child in container.iterchildren():
        tag = child.tag
        if tag == W + "p":
            yield _paragraph_text(child)
        elif tag == W + "tbl":
            yield from _table_lines(child)
        elif tag in _WRAPPERS:
            yield from _block_lines(child)


def _children(element, tag: str) -> Iterator:
    """Children with ``tag``, looking through content-control wrappers."""
    for child in element.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tag)


def _table_lines(table) -> Iterator[str]:
    for row in _children(table, W + "tr"):
        cells = []
        for cell in _children(row, W + "tc"):
            lines = (" ".join(line.split()) for line in _block_lines(cell))
            cells.append(" ".join(line for line in lines if line))
        if any(cells):
            yield "\t".join(cells)


def _paragraph_text(paragraph) -> str:
    parts: list[str] = []
    _collect(paragraph, parts)
    return "".join(parts)


def _collect(element, parts: list[str]) -> None:
    for child in element.iterchildren():
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == W + "t":
            parts.append(child.text or "")
        elif tag in _CHARACTERS:
            parts.append(_CHARACTERS[tag])
        elif tag == W + "p":  # a paragraph inside a text box
            parts.append("\n")
            _collect(child, parts)
            parts.append("\n")
        elif tag == W + "tbl":
            parts.append("\n" + "\n".join(_table_lines(child)) + "\n")
        else:
            _collect(child, parts)


def _headers_footers(document) -> tuple[list[str], list[str]]:
    """Text of every header and footer defined (not inherited), each once."""
    headers: dict[str, None] = {}
    footers: dict[str, None] = {}
    for section in document.sections:
        for parts, found in (
            ((section.first_page_header, section.header, section.even_page_header), headers),
            ((section.first_page_footer, section.footer, section.even_page_footer), footers),
        ):
            for part in parts:
                if part.is_linked_to_previous:
                    continue
                text = "\n".join(line for line in _block_lines(part._element) if line.strip())
                if text.strip():
                    found[text] = None
    return list(headers), list(footers)


def _core_properties(core) -> Extracted:
    result = Extracted(
        title=clean_field(core.title),
        author=clean_field(core.author),
        language_hint=language_code(core.language),
    )
    for name in _CORE_DATES:
        value = getattr(core, name)
        if value is not None and value.year >= MIN_YEAR:
            result.metadata[name] = value.isoformat()
    created = core.created
    if created is not None and created.year >= MIN_YEAR:
        result.published = created.date()
    for name in _CORE_TEXT:
        value = clean_field(getattr(core, name))
        if value and not (name == "revision" and value == "0"):
            result.metadata[name] = value
    return result

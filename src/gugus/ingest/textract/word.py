"""DOCX → text, streamed: body paragraphs and tables in document order,
headers and footers, and the core properties.

The XML parts are parsed as a stream (an lxml parser *target*: no tree is
built, no entities are resolved), so memory follows the text extracted, not
the XML: a 176 KB file expanding to 50 MB of XML once took 523 MB through
python-docx's tree.  Each part read is bounded (:data:`MAX_XML_BYTES` of XML
in all, counted as it is inflated, whatever the ZIP headers claim) and so is
the text (:data:`MAX_TEXT`); beyond either the file is refused with the
reason.  Parts that are not read (images, fonts) are never inflated.

Text inside content controls (``w:sdt``) and tracked insertions (``w:ins``)
is read — real content of forms and reviewed reports; deleted text, field
codes and the duplicate fallback copy of text boxes are left out.  A table
row becomes one line with its cells separated by tabs.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Callable

from docx.opc.coreprops import CoreProperties
from docx.oxml import parse_xml
from lxml import etree

from gugus.errors import Msg
from gugus.ingest.textract.dates import MIN_YEAR
from gugus.ingest.textract.document import MAX_TEXT, Extracted, Unreadable, too_much_text
from gugus.ingest.textract.normalise import clean_field, language_code

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
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
# A DOCX whose ZIP headers claim more than this is a zip bomb, not a document.
MAX_UNPACKED = 2 * 1024**3
# XML actually inflated and parsed per document (document, headers, footers,
# relationships, core properties).  Streamed, so this bounds time, not memory.
MAX_XML_BYTES = 128 * 1024**2
_MAX_SMALL_PART = 4 * 1024**2  # relationships and core properties
_CHUNK = 1 << 20
_CORE_DATES = ("created", "modified")
_CORE_TEXT = ("subject", "keywords", "category", "comments", "last_modified_by", "revision")
_KINDS = ("first", "default", "even")  # python-docx's order of a section's headers/footers


def read_docx(data: bytes) -> Extracted:
    """A .docx file."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        names = set(package.namelist())
        unpacked = sum(item.file_size for item in package.infolist())
    except Exception:  # zipfile raises BadZipFile, NotImplementedError, EOFError …
        if data.startswith(_OLE2):
            raise Unreadable(
                Msg(
                    "not a DOCX (an OLE2 file: a Word 97-2003 .doc renamed, or a "
                    "password-protected document)"
                )
            ) from None
        raise Unreadable(Msg("not a DOCX (not a ZIP archive)")) from None
    if "word/document.xml" not in names:
        raise Unreadable(Msg("not a DOCX (no word/document.xml in the archive)"))
    if unpacked > MAX_UNPACKED:
        raise Unreadable(
            Msg(
                "DOCX unpacks to %(size)s bytes (limit %(limit)s)",
                size=unpacked,
                limit=MAX_UNPACKED,
            )
        )
    with package:
        reader = _Package(package, names)
        try:
            body = _Text(reader.room)
            reader.stream("word/document.xml", body)
            headers, footers = _headers_footers(reader, body.sections)
            result = _core_properties(reader.core())
        except Unreadable:
            raise
        except (
            Exception
        ) as exc:  # lxml, zipfile and python-docx raise many types on a damaged package
            # the kind only: a parser's text may quote the document's own words
            raise Unreadable(Msg("damaged DOCX (%(kind)s)", kind=type(exc).__name__)) from None
    result.text = "\n\n".join(
        "\n".join(lines) for lines in (headers, body.lines, footers) if any(lines)
    )
    return result


class _Package:
    """The parts of one package, each inflated at most once and within the
    document's budget of XML (:data:`MAX_XML_BYTES`)."""

    def __init__(self, package: zipfile.ZipFile, names: set[str]) -> None:
        self.package = package
        self.names = names
        self.read_bytes = 0
        self.text = 0

    def room(self, found: int) -> None:
        """Called by :class:`_Text` as text is found: the document's text budget."""
        self.text += found
        if self.text > MAX_TEXT:
            raise too_much_text(MAX_TEXT)

    def _chunks(self, name: str, limit: int):
        with self.package.open(name) as member:
            seen = 0
            while chunk := member.read(_CHUNK):
                seen += len(chunk)
                self.read_bytes += len(chunk)
                if seen > limit or self.read_bytes > MAX_XML_BYTES:
                    raise Unreadable(
                        Msg(
                            "DOCX holds more XML than is read (%(limit)s MB per document): "
                            "not read",
                            limit=MAX_XML_BYTES // 1024**2,
                        )
                    )
                yield chunk

    def stream(self, name: str, target: _Text) -> None:
        parser = etree.XMLParser(
            target=target, resolve_entities=False, no_network=True, load_dtd=False
        )
        for chunk in self._chunks(name, MAX_XML_BYTES):
            parser.feed(chunk)
        parser.close()

    def small(self, name: str) -> bytes | None:
        if name not in self.names:
            return None
        return b"".join(self._chunks(name, _MAX_SMALL_PART))

    def relationships(self) -> dict[str, str]:
        """``rId`` → part name, from the main document's relationships."""
        blob = self.small("word/_rels/document.xml.rels")
        if blob is None:
            return {}
        out = {}
        for rel in _safe_xml(blob).iter(_REL):
            target = rel.get("Target") or ""
            if rel.get("TargetMode") == "External":
                continue
            part = target.lstrip("/") if target.startswith("/") else posixpath.join("word", target)
            out[rel.get("Id")] = posixpath.normpath(part)
        return out

    def core(self) -> CoreProperties | None:
        blob = self.small("docProps/core.xml")
        return None if blob is None else CoreProperties(parse_xml(blob))


def _safe_xml(blob: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(blob, parser=parser)


class _Frame:
    """One open element while streaming: what it collects into (``out``) and
    what to do at its end."""

    __slots__ = ("kind", "out", "finish")

    def __init__(self, kind: str, out: list, finish: Callable[[], None] | None = None) -> None:
        self.kind = kind
        self.out = out
        self.finish = finish


class _Text:
    """lxml parser target: the lines of a body, header or footer, built as
    the XML streams by (same rules as walking the tree: see module doc)."""

    def __init__(self, room: Callable[[int], None]) -> None:
        self.room = room
        self.lines: list[str] = []
        self.sections: list[dict[tuple[str, str], str]] = []
        self.frames: list[_Frame] = []
        self.skipping = 0

    # -- lxml target interface --------------------------------------------------------
    def doctype(self, name, public_id, system_url) -> None:
        # Word never writes a DTD; one here could only declare entities (a
        # "billion laughs"), which a parser target would receive expanded.
        raise Unreadable(Msg("not a DOCX (an XML part declares a DTD)"))

    def start(self, tag, attrib) -> None:
        if tag == W + "sectPr":
            self.sections.append({})
        elif tag in (W + "headerReference", W + "footerReference") and self.sections:
            kind = "header" if tag == W + "headerReference" else "footer"
            self.sections[-1][(kind, attrib.get(W + "type", "default"))] = attrib.get(R + "id")
        if self.skipping:
            self.skipping += 1
            return
        if not self.frames:  # w:document holds w:body; w:hdr / w:ftr hold blocks
            kind = "document" if tag == W + "document" else "blocks"
            self.frames.append(_Frame(kind, self.lines if kind == "blocks" else []))
            return
        self._open(self.frames[-1], tag)

    def end(self, tag) -> None:
        if self.skipping:
            self.skipping -= 1
            return
        frame = self.frames.pop()
        if frame.finish is not None:
            frame.finish()

    def data(self, text: str) -> None:
        if not self.skipping and self.frames and self.frames[-1].kind == "t":
            self._add(self.frames[-1].out, text)

    def close(self) -> list[str]:
        return self.lines

    # -- structure --------------------------------------------------------------------
    def _add(self, parts: list[str], text: str) -> None:
        self.room(len(text))
        parts.append(text)

    def _line(self, lines: list[str], parts: list[str]) -> None:
        self.room(1)  # the line's end
        lines.append("".join(parts))

    def _push(self, kind: str, out: list, finish: Callable[[], None] | None = None) -> None:
        self.frames.append(_Frame(kind, out, finish))

    def _open(self, parent: _Frame, tag: str) -> None:
        kind, out = parent.kind, parent.out
        if kind == "document":
            if tag == W + "body":
                return self._push("blocks", self.lines)
        elif kind == "blocks":
            if tag == W + "p":
                parts: list[str] = []
                return self._push("para", parts, lambda: self._line(out, parts))
            if tag == W + "tbl":
                rows: list[str] = []
                return self._push("table", rows, lambda: out.extend(rows))
            if tag in _WRAPPERS:
                return self._push("blocks", out)
        elif kind == "table":
            if tag == W + "tr":
                cells: list[str] = []
                return self._push("row", cells, lambda: _end_row(out, cells))
            if tag in _WRAPPERS:
                return self._push("table", out)
        elif kind == "row":
            if tag == W + "tc":
                lines: list[str] = []
                return self._push("blocks", lines, lambda: out.append(_cell_text(lines)))
            if tag in _WRAPPERS:
                return self._push("row", out)
        elif kind == "para":
            if tag in _SKIP:
                pass
            elif tag == W + "t":
                return self._push("t", out)
            elif tag in _CHARACTERS:
                self._add(out, _CHARACTERS[tag])
            elif tag == W + "p":  # a paragraph inside a text box
                self._add(out, "\n")
                return self._push("para", out, lambda: self._add(out, "\n"))
            elif tag == W + "tbl":
                rows = []
                return self._push(
                    "table", rows, lambda: self._add(out, "\n" + "\n".join(rows) + "\n")
                )
            else:
                return self._push("para", out)
        self.skipping = 1  # anything else: no reading text inside


def _end_row(rows: list[str], cells: list[str]) -> None:
    if any(cells):
        rows.append("\t".join(cells))


def _cell_text(lines: list[str]) -> str:
    return " ".join(text for text in (" ".join(line.split()) for line in lines) if text)


def _headers_footers(
    reader: _Package, sections: list[dict[tuple[str, str], str]]
) -> tuple[list[str], list[str]]:
    """Text of every header and footer a section defines (not inherited), each once."""
    parts = reader.relationships()
    found: dict[str, dict[str, None]] = {"header": {}, "footer": {}}
    read: dict[str, str] = {}
    for section in sections:
        for kind in ("header", "footer"):
            for which in _KINDS:
                part = parts.get(section.get((kind, which)) or "")
                if part is None or part not in reader.names:
                    continue
                if part not in read:
                    target = _Text(reader.room)
                    reader.stream(part, target)
                    read[part] = "\n".join(line for line in target.lines if line.strip())
                if read[part].strip():
                    found[kind][read[part]] = None
    return list(found["header"]), list(found["footer"])


def _core_properties(core: CoreProperties | None) -> Extracted:
    if core is None:
        return Extracted()
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

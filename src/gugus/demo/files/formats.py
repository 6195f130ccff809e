"""Write a text document as .txt, .html, .eml, .docx or .pdf — deterministically.

A :class:`Doc` is a title and paragraphs with a date and a language; each
writer turns it into the bytes an agency's system would produce, carrying the
date where that format keeps one (an HTML ``<meta>`` and ``<time>``, the
e-mail ``Date`` header, the DOCX core properties, the PDF ``/CreationDate``).
Output depends only on the ``Doc``: zip entries get a fixed timestamp.

The PDF writer is a plain-text one (a core font, WinAnsiEncoding, wrapped
lines, as many pages as needed): real layout engines are test dependencies
only, and this is all a report needs for text extraction to be exercised.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import textwrap
import zipfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

import docx

_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(slots=True)
class Doc:
    title: str
    paragraphs: list[str]
    date: dt.datetime  # when it was written / published (timezone-aware)
    language: str  # ISO 639-1
    author: str = ""
    # e-mail only
    sender: str = ""
    to: list[str] = field(default_factory=list)
    message_id: str = ""
    encoding: str = "utf-8"  # .txt only: legacy systems write cp1252


def text_of(doc: Doc) -> str:
    return doc.title + "\n\n" + "\n\n".join(doc.paragraphs) + "\n"


def txt_bytes(doc: Doc) -> bytes:
    return text_of(doc).encode(doc.encoding)


def html_bytes(doc: Doc) -> bytes:
    esc = html.escape
    stamp = doc.date.isoformat()
    body = "\n".join(f"    <p>{esc(p)}</p>" for p in doc.paragraphs)
    byline = f"{esc(doc.author)} · " if doc.author else ""
    page = f"""<!DOCTYPE html>
<html lang="{doc.language}">
<head>
  <meta charset="utf-8">
  <title>{esc(doc.title)}</title>
  <meta name="author" content="{esc(doc.author)}">
  <meta name="date" content="{doc.date.date().isoformat()}">
  <meta property="article:published_time" content="{stamp}">
</head>
<body>
  <article>
    <h1>{esc(doc.title)}</h1>
    <p class="byline">{byline}<time datetime="{stamp}">{doc.date.date().isoformat()}</time></p>
{body}
  </article>
</body>
</html>
"""
    return page.encode("utf-8")


def eml_bytes(doc: Doc) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = doc.sender
    msg["To"] = ", ".join(doc.to)
    msg["Subject"] = doc.title
    msg["Date"] = format_datetime(doc.date)
    msg["Message-ID"] = doc.message_id
    msg["Content-Language"] = doc.language
    msg.set_content("\n\n".join(doc.paragraphs) + "\n")
    return msg.as_bytes()


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry's timestamp fixed: identical input, identical bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, _FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def docx_bytes(doc: Doc) -> bytes:
    document = docx.Document()
    props = document.core_properties
    props.title, props.author, props.language = doc.title, doc.author, doc.language
    props.last_modified_by = doc.author
    props.created = props.modified = doc.date.astimezone(dt.UTC).replace(tzinfo=None)
    props.revision = 1
    document.add_heading(doc.title, level=1)
    for para in doc.paragraphs:
        document.add_paragraph(para)
    buf = io.BytesIO()
    document.save(buf)
    return _fixed_zip(buf.getvalue())


# -- a plain-text PDF ------------------------------------------------------------------
_PAGE_W, _PAGE_H, _MARGIN, _LEADING = 595, 842, 56, 14  # A4 in points
_LINES_PER_PAGE = (_PAGE_H - 2 * _MARGIN) // _LEADING
_WRAP = 92  # characters per line of 10-point Helvetica within the margins


def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding (cp1252; raises on other characters)."""
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _pdf_text(text: str) -> bytes:
    """A PDF text string (document information): UTF-16BE with a byte-order mark."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _pdf_date(when: dt.datetime) -> bytes:
    off = when.utcoffset() or dt.timedelta(0)
    sign = "-" if off < dt.timedelta(0) else "+"
    minutes = abs(int(off.total_seconds())) // 60
    return f"D:{when:%Y%m%d%H%M%S}{sign}{minutes // 60:02d}'{minutes % 60:02d}'".encode()


def pdf_bytes(doc: Doc) -> bytes:
    lines: list[tuple[str, str]] = [("F2", doc.title), ("F1", "")]
    for para in doc.paragraphs:
        for line in textwrap.wrap(para, _WRAP, break_long_words=False, break_on_hyphens=False):
            lines.append(("F1", line))
        lines.append(("F1", ""))
    pages = [lines[i : i + _LINES_PER_PAGE] for i in range(0, len(lines), _LINES_PER_PAGE)]
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the pages object exists
    pages_obj = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    bold = add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    )
    kids = []
    for page in pages:
        ops = [b"BT", f"{_MARGIN} {_PAGE_H - _MARGIN} Td {_LEADING} TL".encode()]
        current = None
        for fnt, text in page:
            if fnt != current:
                ops.append(f"/{fnt} {12 if fnt == 'F2' else 10} Tf".encode())
                current = fnt
            ops.append(_pdf_string(text) + b" Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] "
                b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> /Contents %d 0 R >>"
                % (pages_obj, _PAGE_W, _PAGE_H, font, bold, content)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R /Lang %s >>" % (
        pages_obj,
        _pdf_string(doc.language),
    )
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    info = add(
        b"<< /Title "
        + _pdf_text(doc.title)
        + b" /Author "
        + _pdf_text(doc.author)
        + b" /CreationDate ("
        + _pdf_date(doc.date)
        + b") /Producer (gugus demo) >>"
    )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\n" % (
        len(objects) + 1,
        catalog,
        info,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


WRITERS = {
    "txt": txt_bytes,
    "html": html_bytes,
    "eml": eml_bytes,
    "docx": docx_bytes,
    "pdf": pdf_bytes,
}

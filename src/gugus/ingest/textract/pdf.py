"""PDF → text with pypdf: the text layer page by page, plus the document
information dictionary.

pypdf runs with ``strict=False`` (it repairs what it can) and reports repairs
through the ``pypdf`` logger; those messages are captured per read and become
warnings of the document instead of noise on the console.  A file without a
``%%EOF`` marker is refused as truncated even when pypdf could salvage some
pages: a half-read document is a half-load.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from gugus.errors import Msg
from gugus.ingest.textract.dates import date_from_pdf, pdf_date_iso
from gugus.ingest.textract.document import MAX_TEXT, Extracted, Unreadable, too_much_text
from gugus.ingest.textract.normalise import clean_field

_HEADER_WINDOW = 1024  # readers accept "%PDF-" anywhere in the first KiB
MAX_LOG_WARNINGS = 5
_INFO_KEYS = {
    "/Subject": "subject",
    "/Keywords": "keywords",
    "/Creator": "creator",
    "/Producer": "producer",
    "/CreationDate": "created",
    "/ModDate": "modified",
}

_captured: ContextVar[list[str] | None] = ContextVar("gugus_pypdf_log", default=None)


class _CaptureHandler(logging.Handler):
    """Routes pypdf's records to the read in progress (per thread/task);
    outside a read they go on to the root logger as before."""

    def emit(self, record: logging.LogRecord) -> None:
        sink = _captured.get()
        if sink is None:
            logging.getLogger().handle(record)
        else:
            sink.append(record.getMessage())


def _install_capture() -> None:
    logger = logging.getLogger("pypdf")
    if not any(isinstance(handler, _CaptureHandler) for handler in logger.handlers):
        logger.addHandler(_CaptureHandler())
        logger.propagate = False


@contextmanager
def _pypdf_messages() -> Iterator[list[str]]:
    _install_capture()
    sink: list[str] = []
    token = _captured.set(sink)
    try:
        yield sink
    finally:
        _captured.reset(token)


ENCRYPTED = Msg("encrypted PDF (needs a password)")


def read_pdf(data: bytes) -> Extracted:
    """A .pdf file."""
    if b"%PDF-" not in data[:_HEADER_WINDOW]:
        raise Unreadable(Msg("not a PDF (no %PDF- header)"))
    if b"%%EOF" not in data:
        raise Unreadable(Msg("truncated PDF (no %%EOF end marker)"))
    result = Extracted()
    with _pypdf_messages() as messages:
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                _decrypt(reader)
                result.metadata["encrypted"] = "yes (no user password)"
            pages = list(reader.pages)
            _read_info(reader, result)
        except Unreadable:
            raise
        except Exception as exc:  # pypdf raises many types on garbage
            # the kind only: pypdf's text may quote the file's bytes (the page
            # warnings, kept on the document itself under its marking, say more)
            raise Unreadable(Msg("corrupt PDF (%(kind)s)", kind=type(exc).__name__)) from None
        result.text = _read_pages(pages, result.warnings)
    result.metadata["pages"] = str(len(pages))
    if reader.pdf_header.startswith("%PDF-"):
        result.metadata["pdf_version"] = reader.pdf_header[5:]
    result.warnings.extend(_summarise(messages))
    return result


def _decrypt(reader: PdfReader) -> None:
    try:
        outcome = reader.decrypt("")
    except DependencyError:
        raise Unreadable(
            Msg("encrypted PDF (AES); reading it needs the 'cryptography' package")
        ) from None
    if outcome == PasswordType.NOT_DECRYPTED:
        raise Unreadable(ENCRYPTED)


def _read_info(reader: PdfReader, result: Extracted) -> None:
    info = reader.metadata
    if not info:
        return
    for key in ("/Title", "/Author", *_INFO_KEYS):
        value = _text(info, key)
        if value is None:
            continue
        if key == "/Title":
            result.title = value
        elif key == "/Author":
            result.author = value
        elif key in ("/CreationDate", "/ModDate"):
            result.metadata[_INFO_KEYS[key]] = pdf_date_iso(value) or value
        else:
            result.metadata[_INFO_KEYS[key]] = value
    result.published = date_from_pdf(_text(info, "/CreationDate")) or date_from_pdf(
        _text(info, "/ModDate")
    )


def _text(info, key: str) -> str | None:
    try:
        value = info.get(key)
        value = value.get_object() if value is not None else None
    except Exception:  # a dangling reference in the info dictionary
        return None
    if isinstance(value, str):  # TextStringObject; ByteStringObject is not text
        return clean_field(value)
    return None


def _read_pages(pages: list, warnings: list[str]) -> str:
    texts: list[str] = []
    empty: list[int] = []
    found = 0
    for number, page in enumerate(pages, start=1):
        try:
            text = page.extract_text() or ""
        except FileNotDecryptedError:
            raise Unreadable(ENCRYPTED) from None
        except Exception as exc:  # a broken content stream spoils one page
            warnings.append(f"page {number}: text not read ({_reason(exc)})")
            continue
        found += len(text)
        if found > MAX_TEXT:  # stop reading as soon as the document is too long
            raise too_much_text(MAX_TEXT)
        if text.strip():
            texts.append(text)
        else:
            empty.append(number)
    if not pages:
        warnings.append("no pages")
    elif empty:
        label = "page" if len(empty) == 1 else "pages"
        warnings.append(f"{label} {_ranges(empty)}: no text layer (scanned?)")
    return "\n\n".join(texts)


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 5] → "1-3, 5"."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _summarise(messages: list[str]) -> list[str]:
    unique = list(dict.fromkeys(message.strip() for message in messages if message.strip()))
    out = [f"PDF repaired: {message}" for message in unique[:MAX_LOG_WARNINGS]]
    if len(unique) > MAX_LOG_WARNINGS:
        out.append(f"PDF repaired: {len(unique) - MAX_LOG_WARNINGS} more kinds of problem")
    return out


def _reason(exc: BaseException) -> str:
    text = clean_field(exc) or ""
    name = type(exc).__name__
    return f"{name}: {text[:200]}" if text else name

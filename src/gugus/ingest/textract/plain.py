"""Plain text files: only the encoding is to be found out."""

from __future__ import annotations

from gugus.errors import Msg
from gugus.ingest.textract.document import Extracted, Unreadable
from gugus.ingest.textract.encoding import UnreadableEncoding, decode_text


def read_plain(data: bytes) -> Extracted:
    """A .txt/.text file."""
    try:
        text, encoding, warning = decode_text(data)
    except UnreadableEncoding as exc:
        raise Unreadable(
            Msg("unreadable text encoding (%(problem)s)", problem=exc.args[0] if exc.args else "")
        ) from None
    return Extracted(text=text, encoding=encoding, warnings=[warning] if warning else [])

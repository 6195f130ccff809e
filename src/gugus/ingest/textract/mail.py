"""E-mail (.eml, RFC 5322/MIME) → text with the standard library.

Headers are decoded (RFC 2047) by ``policy.default``; a header the policy
cannot parse falls back to its raw, best-effort decoded value rather than
failing the whole message.  The body is the text/plain part if there is one,
else the HTML part rendered by inscriptis; further inline text parts of a
mixed message (mail clients split a body around inline images) are appended.
Attachments and forwarded messages are listed, not read.
"""

from __future__ import annotations

import email.header
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from gugus.errors import Msg
from gugus.ingest.textract.dates import date_from_rfc2822
from gugus.ingest.textract.document import Extracted, Unreadable
from gugus.ingest.textract.encoding import UnreadableEncoding, decode_declared, decode_text
from gugus.ingest.textract.markup import html_to_text
from gugus.ingest.textract.normalise import clean_field, language_code

# metadata key → header
_HEADERS = {
    "from": "From",
    "to": "To",
    "cc": "Cc",
    "bcc": "Bcc",
    "reply_to": "Reply-To",
    "subject": "Subject",
    "date": "Date",
    "message_id": "Message-ID",
    "in_reply_to": "In-Reply-To",
}
_IDENTIFYING = ("From", "To", "Subject", "Date", "Message-ID")
MAX_ATTACHMENT_WARNINGS = 20


def read_eml(data: bytes) -> Extracted:
    """An .eml file."""
    message = BytesParser(policy=policy.default).parsebytes(data)
    if not any(_raw(message, name) for name in _IDENTIFYING):
        raise Unreadable(
            Msg("not an e-mail message (no From, To, Subject, Date or Message-ID header)")
        )
    result = Extracted()
    for key, name in _HEADERS.items():
        value = _header(message, name)
        if value:
            result.metadata[key] = value
    result.title = result.metadata.get("subject")
    result.author = result.metadata.get("from")
    if "date" in result.metadata:
        result.published = date_from_rfc2822(_raw(message, "Date"))
        if result.published is None:
            result.warnings.append(f"Date header not understood: {result.metadata['date']!r}")
    body = _body(message)
    texts: list[str] = []
    attachments: list[str] = []
    _walk(message, body, texts, attachments, result)
    if body is None and not texts:
        result.warnings.append("no text body")
    result.text = "\n\n".join(text for text in texts if text.strip())
    result.language_hint = language_code(_raw(message, "Content-Language")) or (
        language_code(_raw(body, "Content-Language")) if body is not None else None
    )
    if attachments:
        result.metadata["attachments"] = "\n".join(attachments)
        for name in attachments[:MAX_ATTACHMENT_WARNINGS]:
            result.warnings.append(f"attachment {name!r} not read")
        if len(attachments) > MAX_ATTACHMENT_WARNINGS:
            more = len(attachments) - MAX_ATTACHMENT_WARNINGS
            result.warnings.append(f"{more} more attachments not read")
    return result


def _raw(message: EmailMessage, name: str) -> str | None:
    """The first raw (undecoded) value of a header, parsing nothing."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _header(message: EmailMessage, name: str) -> str | None:
    """All values of a header, decoded, joined by ", "."""
    try:
        values = [str(value) for value in message.get_all(name, [])]
    except Exception:  # the policy's parser fails on some malformed headers
        values = []
        for key, raw in message.raw_items():
            if key.lower() == name.lower():
                try:
                    values.append(str(email.header.make_header(email.header.decode_header(raw))))
                except Exception:  # undecodable encoded-words: keep them as written
                    values.append(str(raw))
    if any("\ufffd" in value for value in values):
        values = [_raw_8bit(raw) for key, raw in message.raw_items() if key.lower() == name.lower()]
    return clean_field(", ".join(value for value in values if value.strip()))


def _raw_8bit(raw: str) -> str:
    """A header written in raw 8-bit bytes (not RFC 2047), e.g. cp1252: the
    policy replaces those bytes with U+FFFD; the text detection recovers them."""
    if "=?" in raw:
        return str(raw)
    data = str(raw).encode("utf-8", errors="surrogateescape")
    try:
        return decode_text(data).text
    except UnreadableEncoding:
        return data.decode("utf-8", errors="replace")


def _body(message: EmailMessage) -> EmailMessage | None:
    try:
        return message.get_body(preferencelist=("plain", "html"))
    except Exception:  # a malformed MIME tree: no body rather than no message
        return None


def _walk(part, body, texts: list[str], attachments: list[str], result: Extracted) -> None:
    """Body text (the chosen part plus inline text parts of mixed messages)
    and attachment names, in MIME order."""
    content_type = part.get_content_type()
    if part is body:
        texts.append(_part_text(part, result))
        return
    if content_type == "message/rfc822":
        inner = part.get_payload(0) if part.is_multipart() else None
        subject = _header(inner, "Subject") if isinstance(inner, EmailMessage) else None
        attachments.append(_name(part) or f"forwarded message: {subject or 'no subject'}")
        return
    if part.is_multipart():
        children = list(part.iter_parts())
        if content_type == "multipart/alternative" and children:
            # One rendering of the same content: the one holding the body,
            # else plain text, else the richest (last).
            children = [_one_alternative(children, body)]
        for child in children:
            _walk(child, body, texts, attachments, result)
        return
    filename = _name(part)
    if filename or part.get_content_disposition() == "attachment":
        attachments.append(filename or f"unnamed {content_type}")
    elif content_type in ("text/plain", "text/html"):
        texts.append(_part_text(part, result))
    else:
        attachments.append(f"unnamed {content_type}")


def _one_alternative(children: list, body):
    for child in children:
        if any(sub is body for sub in child.walk()):
            return child
    plain = [child for child in children if child.get_content_type() == "text/plain"]
    return plain[0] if plain else children[-1]


def _part_text(part: EmailMessage, result: Extracted) -> str:
    try:
        payload = part.get_payload(decode=True) or b""
    except Exception:  # broken transfer encoding
        result.warnings.append(f"{part.get_content_type()} part: transfer encoding not decoded")
        return ""
    text, encoding, warnings = decode_declared(
        payload, part.get_content_charset(), f"{part.get_content_type()} part"
    )
    result.warnings.extend(warnings)
    result.encoding = result.encoding or encoding
    if part.get_content_type() == "text/html":
        try:
            return html_to_text(text).text
        except Unreadable as exc:
            result.warnings.append(f"text/html part: {exc}")
            return ""
    return text


def _name(part: EmailMessage) -> str | None:
    try:
        return clean_field(part.get_filename())
    except Exception:  # a malformed Content-Disposition parameter
        return None

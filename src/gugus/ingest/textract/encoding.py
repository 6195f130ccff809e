"""Bytes → str for the text formats, without silent mojibake.

Order: a byte-order mark; UTF-16 without a BOM (every other byte NUL);
UTF-8; mostly-UTF-8 with a few stray bytes (those read as cp1252);
Windows-1252 when it decodes and reads like a Western European language;
then charset_normalizer; last Latin-1 under the same test.

Why cp1252 before charset_normalizer: Spanish and English files that are not
UTF-8 are almost always Windows-1252 (or Latin-1, its subset for printable
text), and on short Western texts charset_normalizer often answers cp1250 or
cp1006, turning "crème" into "crčme".  It is still the right tool for the
rest (Cyrillic cp1251, Greek, Shift-JIS …), which the Western test rejects:
read as cp1252 those give words made only of accented letters ("Ïðèâåò").
"""

from __future__ import annotations

import codecs
import re
from typing import NamedTuple

from gugus.errors import Msg

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters a text file should not hold (tab, line ends, form feed,
# vertical tab, Ctrl-Z and ESC are tolerated).
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_STRAY_BYTES = re.compile(r"[\udc80-\udcff]+")  # undecodable bytes under surrogateescape
_NON_ASCII_LETTER = r"[^\W\d_A-Za-z]"
_LETTERS = re.compile(r"[^\W\d_]")
_NON_ASCII_LETTERS = re.compile(_NON_ASCII_LETTER)
_NON_ASCII_WORDS = re.compile(rf"\w*{_NON_ASCII_LETTER}\w*")
_NON_ASCII_RUNS = re.compile(rf"{_NON_ASCII_LETTER}{{3,}}")
SAMPLE_CHARS = 1 << 20  # the Western test looks at the first million characters
SAMPLE_BYTES = 4 << 20  # the UTF-8-or-not test, at the first 4 MiB
MAX_CONTROL_SHARE = 0.01
MIN_CONTROLS_ALLOWED = 2  # so one stray control byte does not make a short note "binary"
MAX_NON_ASCII_SHARE = 0.4
MAX_RUN_WORD_SHARE = 0.1


class UnreadableEncoding(ValueError):
    """The bytes are not text in any encoding tried; the message says why."""


class Decoded(NamedTuple):
    text: str
    encoding: str
    warning: str | None = None


def decode_text(data: bytes) -> Decoded:
    """The text of undeclared bytes, or UnreadableEncoding."""
    if not data:
        return Decoded("", "utf-8")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding)
            except UnicodeDecodeError as exc:
                raise UnreadableEncoding(
                    Msg(
                        "%(encoding)s byte-order mark but invalid %(encoding)s at byte %(byte)s",
                        encoding=encoding,
                        byte=exc.start,
                    )
                ) from None
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            pass
        else:
            if looks_like_text(text):
                return Decoded(text, utf16)
    if b"\x00" in data:
        raise UnreadableEncoding(Msg("binary data: NUL bytes"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if looks_like_text(text):
            return Decoded(text, "utf-8")
        raise UnreadableEncoding(Msg("binary data: control characters"))
    if _mostly_utf8(data):
        # UTF-8 with a few bytes that are not (a file cut inside a character,
        # a cp1252 line pasted in): keep the UTF-8 and read only the stray
        # bytes as cp1252, rather than turning every accent into mojibake.
        stray: list[int] = []
        text = _STRAY_BYTES.sub(
            lambda match: _stray_as_cp1252(match, stray),
            data.decode("utf-8", errors="surrogateescape"),
        )
        if looks_like_text(text):
            return Decoded(text, "utf-8", f"{sum(stray)} bytes not valid UTF-8 were read as cp1252")
    guessed = guess_8bit(data)
    if guessed is None:
        raise UnreadableEncoding(Msg("not UTF-8, UTF-16 or a recognisable 8-bit encoding"))
    return guessed


def _mostly_utf8(data: bytes) -> bool:
    """At least as many valid multi-byte UTF-8 characters as stray bytes in
    the first few MiB (cut at a line end, so the cut splits no character)."""
    text = _head(data).decode("utf-8", errors="surrogateescape")
    stray = sum(len(run) for run in _STRAY_BYTES.findall(text))
    valid = len(_NON_ASCII.findall(text)) - stray
    return valid >= stray


def _head(data: bytes) -> bytes:
    """The first SAMPLE_BYTES, cut at a line end so no character is split."""
    if len(data) <= SAMPLE_BYTES:
        return data
    sample = data[:SAMPLE_BYTES]
    return sample[: sample.rindex(b"\n")] if b"\n" in sample else sample


def _stray_as_cp1252(match: re.Match[str], counter: list[int]) -> str:
    raw = match.group().encode("utf-8", errors="surrogateescape")
    counter.append(len(raw))
    return raw.decode("cp1252", errors="replace")


def guess_8bit(data: bytes) -> Decoded | None:
    """The 8-bit reading of non-UTF-8 bytes, or None (see the module docstring)."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    else:
        if looks_like_text(text) and looks_western(text):
            return Decoded(text, "cp1252")
    detected = _charset_normalizer(data)
    if detected is not None:
        return detected
    text = data.decode("latin-1")
    if looks_like_text(text) and looks_western(text):
        return Decoded(text, "latin-1")
    return None


def looks_like_text(text: str) -> bool:
    """Few control characters: binary data decoded by chance has many."""
    sample = text[:SAMPLE_CHARS]
    allowed = max(MAX_CONTROL_SHARE * len(sample), MIN_CONTROLS_ALLOWED)
    return len(_CONTROLS.findall(sample)) <= allowed


def looks_western(text: str) -> bool:
    """Accented letters are a minority and sit inside ASCII words ("niño",
    "garçon"), not whole words of them as a wrong code page produces."""
    sample = text[:SAMPLE_CHARS]
    letters = len(_LETTERS.findall(sample))
    non_ascii = len(_NON_ASCII_LETTERS.findall(sample))
    if not non_ascii:
        return True
    if non_ascii > MAX_NON_ASCII_SHARE * letters:
        return False
    words = len(_NON_ASCII_WORDS.findall(sample))
    runs = len(_NON_ASCII_RUNS.findall(sample))
    return runs <= MAX_RUN_WORD_SHARE * words


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 of mostly Latin text: one byte of each pair is NUL."""
    sample = data[:4096]
    if len(sample) < 4 or len(data) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul, odd_nul = even.count(0), odd.count(0)
    if odd_nul >= 0.4 * len(odd) and even_nul <= 0.05 * len(even):
        return "utf-16-le"
    if even_nul >= 0.4 * len(even) and odd_nul <= 0.05 * len(odd):
        return "utf-16-be"
    return None


def _charset_normalizer(data: bytes) -> Decoded | None:
    # Imported here: it is only needed for the rare non-Western 8-bit file.
    from charset_normalizer import from_bytes

    best = from_bytes(_head(data)).best()
    if best is None:
        return None
    encoding = codecs.lookup(best.encoding).name
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    return Decoded(text, encoding) if looks_like_text(text) else None


def decode_declared(data: bytes, declared: str | None, what: str) -> tuple[str, str, list[str]]:
    """Bytes whose charset a header or <meta> declares (e-mail parts, HTML).

    The declaration is trusted when the bytes decode under it; otherwise the
    bytes are read as undeclared text and a warning says so, and as a last
    resort undecodable bytes are replaced (with a warning).  ISO-8859-1 and
    ASCII labels mean Windows-1252, as browsers and mail clients read them.
    """
    warnings: list[str] = []
    codec = _codec(declared)
    if declared and codec is None:
        warnings.append(f"{what}: unknown charset {declared!r}")
    if codec is not None and not codec.startswith("utf") and not data.isascii():
        # A mislabelled UTF-8 body ("us-ascii", "iso-8859-1") would decode
        # under the 8-bit label as mojibake; valid UTF-8 by chance is rare.
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            warnings.append(f"{what}: declared charset {declared!r} does not fit; read as utf-8")
            return text, "utf-8", warnings
    if codec is not None:
        try:
            return data.decode(codec), codec, warnings
        except UnicodeDecodeError:
            pass
    try:
        text, encoding, warning = decode_text(data)
    except UnreadableEncoding:
        fallback = codec or "utf-8"
        warnings.append(f"{what}: bytes not valid {fallback} were replaced")
        return data.decode(fallback, errors="replace"), fallback, warnings
    if codec is not None:
        warnings.append(f"{what}: declared charset {declared!r} does not fit; read as {encoding}")
    if warning:
        warnings.append(f"{what}: {warning}")
    return text, encoding, warnings


_WINDOWS_1252_LABELS = {"ascii", "latin-1", "latin1", "iso-8859-1", "iso8859-1", "cp1252"}


def _codec(label: str | None) -> str | None:
    """Python codec name for a charset label, or None if unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("'\"")).name
    except LookupError:
        return None
    return "cp1252" if name in _WINDOWS_1252_LABELS else name

"""How a person becomes a CLK: the shared secret, the normalisation of names,
dates, phones and addresses, and clkhash's linkage schema (v3).

Everything here is pure (no store, no node): two partners running the same
gugus version on the same person get the same bits.  The encoding schema, the
normalisation version and the secret together decide the bits; the file
header carries the schema's hash and a keyed *check value* of the secret
(:func:`fingerprint`), never the secret.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path

from normality import ascii_text
from rigour.names import remove_person_prefixes, tokenize_name

from gugus.errors import GugusError, InvalidInput

# Bumped whenever a normalisation below changes: files of different versions
# do not compare (their schema hashes differ).
NORMALISATION = "gugus-pprl-1"

MIN_SECRET_BYTES = 32
MAX_SECRET_BYTES = 4096

CLK_BITS = 1024
MAX_NAME_VARIANTS = 4  # CLKs per person (one per distinct name)

# Spanish and English particles and titles that carry no identity.
PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "e", "da", "van", "von"})
TITLES = frozenset(
    {"sr", "sra", "srta", "don", "dona", "lic", "ing", "dr", "dra", "mr", "mrs", "ms", "miss"}
)

# (feature, n-gram size, positional, bits per feature): names weigh most; the
# date of birth's positional bigrams tell 1985-03-12 from 1958-12-03; phones
# and addresses add evidence when both sides hold them, and weigh little
# enough that one side lacking them still matches.  Tuned on FEBRL4
# (benchmarks/xref_pprl.py).  No XOR folding: it costs matches whenever one
# side lacks a field, and clkhash 0.18.3 ignores the schema's "xorFolds"
# (it reads "xor_folds"), so a schema asking for it would not get it.
FEATURES = (
    ("name", 2, False, 300),
    ("birth_date", 2, True, 200),
    ("phone", 2, False, 150),
    ("address", 2, False, 150),
)


class Secret:
    """The shared secret.  Its repr never shows the bytes, so a traceback
    with local variables (``GUGUS_TRACEBACK=1``) does not print it."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = value

    def __repr__(self) -> str:
        return "Secret(<hidden>)"

    __str__ = __repr__

    def reveal(self) -> bytes:
        return self._value


def read_secret(path: str | Path) -> Secret:
    """The secret in ``path`` (trailing line breaks dropped).  Errors name the
    file, never its content or length."""
    where = f"secret file {path}"
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_SECRET_BYTES + 3)
    except FileNotFoundError:
        raise InvalidInput(f"{where}: not found") from None
    except IsADirectoryError:
        raise InvalidInput(f"{where}: is a directory, not a file") from None
    except PermissionError:
        raise InvalidInput(f"{where}: cannot be read (permission denied)") from None
    except OSError as exc:
        raise InvalidInput(f"{where}: cannot be read ({exc.strerror})") from None
    value = data.rstrip(b"\r\n")
    if len(value) > MAX_SECRET_BYTES:
        raise InvalidInput(f"{where}: longer than {MAX_SECRET_BYTES} bytes; is it the right file?")
    if len(value) < MIN_SECRET_BYTES:
        raise InvalidInput(
            f"{where}: the secret is shorter than {MIN_SECRET_BYTES} bytes; "
            "make one with `openssl rand -base64 32` and share it with the partner out of band"
        )
    return Secret(value)


# -- normalisation -------------------------------------------------------------
def _fold(text: str) -> str:
    return (ascii_text(text) or "").lower()


def name_key(value: str) -> str:
    """A name as compared: titles and particles dropped, accents and case
    folded, tokens sorted — so "Dr. José Luis PÉREZ de la Cruz" and
    "Cruz Perez, Jose Luis" meet, and a dropped maternal surname only costs
    its own bigrams."""
    tokens = tokenize_name(_fold(remove_person_prefixes(value)))
    return " ".join(sorted(t for t in tokens if t not in PARTICLES and t not in TITLES))


def date_key(value: str) -> str:
    """An FtM date (``1985-03-12``, ``1985-03``, ``1985``) as its digits."""
    return "".join(ch for ch in value if ch.isdigit())[:8]


def phone_key(value: str) -> str:
    """The last ten digits: the national number of Mexican and US phones,
    written with or without ``+52 1`` / ``+1`` / a trunk prefix (fewer than
    seven digits is no phone)."""
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits[-10:] if len(digits) >= 7 else ""


def address_key(value: str) -> str:
    return " ".join(tokenize_name(_fold(value)))


def person_rows(
    names: Iterable[str],
    birth_dates: Iterable[str] = (),
    phones: Iterable[str] = (),
    addresses: Iterable[str] = (),
) -> list[list[str]]:
    """The clkhash input rows of one person (see :func:`select_fields`)."""
    untagged = [[(v, None) for v in values] for values in (names, birth_dates, phones, addresses)]
    return select_fields(*untagged)[0]


def select_fields(
    names: Sequence[tuple[str, Hashable]],
    birth_dates: Sequence[tuple[str, Hashable]] = (),
    phones: Sequence[tuple[str, Hashable]] = (),
    addresses: Sequence[tuple[str, Hashable]] = (),
) -> tuple[list[list[str]], set]:
    """The clkhash input rows of one person, and the tags of the values that
    went into them.  Values come as (value, tag) pairs (the caller's tag: a
    statement's marking id).  One row per distinct name (at most
    :data:`MAX_NAME_VARIANTS`, in the order given), each with the person's
    date of birth (the most precise, then the earliest), phones and
    addresses.  No name, no row."""
    used: set = set()
    variants: dict[str, set] = {}
    for value, tag in names:
        key = name_key(value)
        if key and (key in variants or len(variants) < MAX_NAME_VARIANTS):
            variants.setdefault(key, set()).add(tag)
    if not variants:
        return [], used
    for tags in variants.values():
        used |= tags
    dates: dict[str, set] = {}
    for value, tag in birth_dates:
        if key := date_key(value):
            dates.setdefault(key, set()).add(tag)
    dob = min(dates, key=lambda d: (-len(d), d)) if dates else ""
    used |= dates.get(dob, set())
    phone = _joined(phones, phone_key, used)
    address = _joined(addresses, address_key, used)
    return [[k, dob, phone, address] for k in variants], used


def _joined(items: Sequence[tuple[str, Hashable]], key, used: set) -> str:
    keys = set()
    for value, tag in items:
        if k := key(value):
            keys.add(k)
            used.add(tag)
    return " ".join(sorted(keys))


# -- the linkage schema and the secret's check value ---------------------------
def schema_dict() -> dict:
    """clkhash's linkage schema (v3) for :func:`person_rows`."""
    features = [
        {
            "identifier": name,
            "format": {"type": "string", "encoding": "utf-8"},
            "hashing": {
                "comparison": {"type": "ngram", "n": n, "positional": positional},
                "strategy": {"bitsPerFeature": bits},
                "hash": {"type": "blakeHash"},
                "missingValue": {"sentinel": ""},
            },
        }
        for name, n, positional, bits in FEATURES
    ]
    return {
        "version": 3,
        "clkConfig": {
            "l": CLK_BITS,
            "kdf": {
                "type": "HKDF",
                "hash": "SHA256",
                # base64 of b"gugus-pprl-1" and b"gugus clk": public, fixed.
                "salt": "Z3VndXMtcHBybC0x",
                "info": "Z3VndXMgY2xr",
                "keySize": 64,
            },
        },
        "features": features,
    }


def schema_hash(schema: dict) -> str:
    """SHA-256 of the schema and the normalisation version."""
    text = json.dumps({"normalisation": NORMALISATION, "schema": schema}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(secret: Secret, schema_digest: str) -> str:
    """A keyed check value of the secret and the schema: equal for two files
    made with the same secret and schema, and no help in finding the secret
    (an HMAC under a secret of at least :data:`MIN_SECRET_BYTES` bytes)."""
    message = b"gugus-pprl-fingerprint\x00" + schema_digest.encode()
    return hmac.new(secret.reveal(), message, hashlib.sha256).hexdigest()[:32]


@functools.lru_cache(maxsize=4)
def _parsed(schema_json: str):
    """clkhash's parsed schema (validating it costs ~50 ms; parsed once)."""
    try:
        from clkhash.schema import from_json_dict
    except ImportError:
        raise GugusError(
            "clkhash is not installed: `pip install --no-deps clkhash==0.18.3` "
            "(without its outdated pins, see docs/pprl.md)"
        ) from None
    return from_json_dict(json.loads(schema_json))


def encode_rows(rows: Sequence[Sequence[str]], secret: Secret, schema: dict | None = None) -> list:
    """The CLKs (bitarrays) of ``rows``.  clkhash's own errors may quote a
    value, so they are replaced by one that does not."""
    from clkhash import clk

    parsed = _parsed(json.dumps(schema or schema_dict(), sort_keys=True))
    try:
        # One process: the caller may hold threads (the audit writer) that a fork would copy.
        return clk.generate_clks(rows, parsed, secret.reveal(), validate=True, max_workers=1)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"a record could not be encoded ({type(exc).__name__})") from None

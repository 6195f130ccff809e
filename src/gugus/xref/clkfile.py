"""The CLK file: what ``gugus pprl encode`` writes and ``gugus pprl match`` reads.

JSON lines, UTF-8.  Line 1 is the header::

    {"format": "gugus-pprl-clk", "version": 1, "org": "MX-FGR",
     "created": "2026-12-06T07:00:00.000000Z",
     "schema": {...clkhash linkage schema v3...}, "schema_hash": "<sha256 hex>",
     "fingerprint": "<32 hex: keyed check value of the secret and schema>",
     "persons": 2, "records": 3, "marking": {...the file's marking...}}

then one line per CLK::

    {"ref": "r<32 hex>", "clk": "<base64 of the 1024-bit Bloom filter>"}

A file encoded with ``--blocking`` says so in its header (``"blocking":
{"keys": [...], "version": 1}``) and each line also carries ``"blocks":
["y<8 hex>", "n<8 hex>", …]``, keyed hashes of the year of birth and of
name-token prefixes (:mod:`gugus.xref.pprl_blocking`).

A person with several names has one line per name, all with the same ``ref``
(an opaque keyed hash only its holder can map back to the record).  No
name, date, phone, address, entity id or collection appears in the file.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from gugus.errors import InvalidInput
from gugus.ingest.parsed import checked_json, json_error
from gugus.model.markings import Marking
from gugus.xref.pprl_blocking import KEY as BLOCK_KEY
from gugus.xref.pprl_blocking import MAX_KEYS
from gugus.xref.pprl_encoding import schema_hash

FORMAT = "gugus-pprl-clk"
VERSION = 1
MAX_LINE = 1 << 20  # bytes; a CLK line is about 200

_HEX32 = re.compile(r"[0-9a-f]{32}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_REF = re.compile(r"r[0-9a-f]{32}")
_HEADER_KEYS = {
    "format",
    "version",
    "org",
    "created",
    "schema",
    "schema_hash",
    "fingerprint",
    "persons",
    "records",
    "marking",
}


@dataclass
class ClkFile:
    path: str
    header: dict
    marking: Marking
    refs: list[str]
    clks: list  # bitarrays, same order as refs
    blocks: list[list[str]] | None = None  # blocking keys per CLK, when encoded with them

    @property
    def fingerprint(self) -> str:
        return self.header["fingerprint"]

    @property
    def schema_hash(self) -> str:
        return self.header["schema_hash"]

    @property
    def org(self) -> str:
        return self.header["org"]


def header_line(header: dict) -> str:
    return json.dumps(header, sort_keys=True, ensure_ascii=False) + "\n"


def record_lines(
    refs: Iterable[str], clks: Iterable, blocks: Iterable[list[str]] | None = None
) -> Iterator[str]:
    keys = iter(blocks) if blocks is not None else None
    for ref, clk in zip(refs, clks, strict=True):
        item = {"ref": ref, "clk": base64.b64encode(clk.tobytes()).decode()}
        if keys is not None:
            item["blocks"] = next(keys)
        yield json.dumps(item) + "\n"


def _blocks(name: str, lineno: int, value) -> list[str]:
    if (
        not isinstance(value, list)
        or len(value) > MAX_KEYS
        or not all(isinstance(k, str) and BLOCK_KEY.fullmatch(k) for k in value)
    ):
        raise InvalidInput(f"{name}:{lineno}: blocks: expected a list of blocking keys")
    return value


def read(path: str | Path) -> ClkFile:
    """Read and check a CLK file; every error names the file and line."""
    from bitarray import bitarray

    name = str(path)
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise InvalidInput(f"{name}: not found") from None
    except IsADirectoryError:
        raise InvalidInput(f"{name}: is a directory, not a CLK file") from None
    except OSError as exc:
        raise InvalidInput(f"{name}: cannot be read ({exc.strerror})") from None
    refs: list[str] = []
    clks: list = []
    blocks: list[list[str]] = []
    with handle:
        try:
            header = _header(name, _json(name, 1, handle.readline(MAX_LINE)))
            nbytes = header["schema"]["clkConfig"]["l"] // 8
            keys = {"ref", "clk", "blocks"} if "blocking" in header else {"ref", "clk"}
            for lineno, text in enumerate(iter(lambda: handle.readline(MAX_LINE), ""), 2):
                if not text.strip():
                    continue
                item = _json(name, lineno, text)
                if not isinstance(item, dict) or set(item) != keys:
                    shape = ", ".join(
                        f'"{k}": …' for k in sorted(keys, key=["ref", "clk", "blocks"].index)
                    )
                    raise InvalidInput(f"{name}:{lineno}: expected {{{shape}}}")
                if "blocks" in keys:
                    blocks.append(_blocks(name, lineno, item["blocks"]))
                ref, clk = item["ref"], item["clk"]
                if not isinstance(ref, str) or not _REF.fullmatch(ref):
                    raise InvalidInput(f"{name}:{lineno}: ref: not a CLK file reference")
                try:
                    raw = base64.b64decode(clk, validate=True) if isinstance(clk, str) else b""
                except (binascii.Error, ValueError):
                    raw = b""
                if len(raw) != nbytes:
                    raise InvalidInput(f"{name}:{lineno}: clk: expected base64 of {nbytes} bytes")
                bits = bitarray()
                bits.frombytes(raw)
                refs.append(ref)
                clks.append(bits)
        except UnicodeDecodeError:
            raise InvalidInput(f"{name}: not UTF-8 text; is it a CLK file?") from None
    if len(clks) != header["records"]:
        raise InvalidInput(
            f"{name}: the header announces {header['records']} records, the file has "
            f"{len(clks)} (truncated or edited?)"
        )
    if len(set(refs)) != header["persons"]:
        raise InvalidInput(
            f"{name}: the header announces {header['persons']} persons, the file has "
            f"{len(set(refs))}"
        )
    marking = Marking.from_dict(header["marking"], None, where=f"{name}:1: marking")
    return ClkFile(name, header, marking, refs, clks, blocks if "blocking" in header else None)


def _json(name: str, lineno: int, text: str):
    if not text:
        raise InvalidInput(f"{name}:{lineno}: empty; expected a CLK file header")
    if not text.endswith("\n") and len(text) >= MAX_LINE:
        raise InvalidInput(f"{name}:{lineno}: line longer than {MAX_LINE} bytes")
    try:
        return checked_json(json.loads(text), f"{name}:{lineno}")
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{name}:{lineno}: not JSON ({exc.msg})") from None
    except (RecursionError, ValueError) as exc:  # too deep for the parser; a 5,000-digit number
        raise InvalidInput(f"{name}:{lineno}: not JSON ({json_error(exc)})") from None


def _header(name: str, header) -> dict:
    where = f"{name}:1"
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise InvalidInput(f"{where}: not a gugus CLK file (no {FORMAT!r} header)")
    if header.get("version") != VERSION:
        raise InvalidInput(
            f"{where}: version: {header.get('version')!r} is not supported ({VERSION})"
        )
    missing = _HEADER_KEYS - set(header)
    if missing:
        raise InvalidInput(f"{where}: header lacks {', '.join(sorted(missing))}")
    if not isinstance(header["org"], str) or not header["org"]:
        raise InvalidInput(f"{where}: org: expected an organisation code")
    for key, pattern in (("schema_hash", _HEX64), ("fingerprint", _HEX32)):
        if not isinstance(header[key], str) or not pattern.fullmatch(header[key]):
            raise InvalidInput(f"{where}: {key}: expected lower-case hex")
    for key in ("persons", "records"):
        value = header[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidInput(f"{where}: {key}: expected a count")
    schema = header["schema"]
    if not isinstance(schema, dict) or schema_hash(schema) != header["schema_hash"]:
        raise InvalidInput(f"{where}: schema_hash does not match the file's schema")
    bits = (
        schema.get("clkConfig", {}).get("l") if isinstance(schema.get("clkConfig"), dict) else None
    )
    if not isinstance(bits, int) or bits <= 0 or bits % 8:
        raise InvalidInput(f"{where}: schema: clkConfig.l must be a multiple of 8")
    if "blocking" in header and not isinstance(header["blocking"], dict):
        raise InvalidInput(f"{where}: blocking: expected an object")
    return header

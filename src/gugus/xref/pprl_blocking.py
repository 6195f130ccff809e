"""Candidate blocking for ``gugus pprl match`` (docs/pprl.md, "Blocking").

Without blocking, every CLK of one file is compared with every CLK of the
other: fine for thousands of persons, hopeless for millions.  With
``gugus pprl encode --blocking``, each CLK line also carries **blocking
keys**, and ``match`` compares two CLKs only when they share a key:

- ``y…``: the year of birth;
- ``n…``: the first two letters of each name token (after the name
  normalisation of the CLK: accents and case folded, titles and particles
  dropped).

A pair is thus compared when the two were born the same year **or** share a
name-token prefix (a typo in the year or in a surname alone does not lose
it); a CLK without a year of birth is compared with every year.  Each key is
an HMAC under a key derived from the shared secret (8 hex digits), so a
party without the secret cannot tell which year or letters it stands for —
but anyone holding the file sees which records share a year or a prefix
(what that reveals: docs/pprl.md).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import warnings
from collections.abc import Sequence

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gugus.xref.pprl_encoding import Secret

PREFIX = 2  # letters of a name token in its key
KEY = re.compile(r"[yn][0-9a-f]{8}")
MAX_KEYS = 32  # per CLK line: a year and the tokens of one name
DESCRIPTION = {"keys": ["year of birth", f"name-token prefix ({PREFIX} letters)"], "version": 1}


def blocking_key(secret: Secret) -> bytes:
    """The key of the blocking HMACs, derived from the shared secret (not
    the secret itself, not the CLKs' keys)."""
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"gugus-pprl-blocking").derive(secret.reveal())


def _mac(key: bytes, kind: str, value: str) -> str:
    return kind + hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:8]


def row_keys(key: bytes, row: Sequence[str]) -> list[str]:
    """The blocking keys of one clkhash input row (name key, date key, …)."""
    name, dob = row[0], row[1]
    out = [_mac(key, "y", dob[:4])] if len(dob) >= 4 else []
    prefixes = sorted({t[:PREFIX] for t in name.split() if len(t) >= PREFIX})
    out.extend(_mac(key, "n", p) for p in prefixes[: MAX_KEYS - 1])
    return out


def _block_ids(keys: Sequence[Sequence[str]], years: list[str]) -> list[list[str]]:
    """Each record's blocks: its keys, and every year when it has none."""
    return [list(k) if any(x[0] == "y" for x in k) else [*k, *years] for k in keys]


def comparisons(left: Sequence[Sequence[str]], right: Sequence[Sequence[str]]) -> int:
    """How many (left, right) CLK pairs share a block: what :func:`candidates`
    compares."""
    years = sorted({x for k in (*left, *right) for x in k if x[0] == "y"})
    blocks: dict[str, list[set[int]]] = {}
    for side, keys in enumerate((left, right)):
        for i, ids in enumerate(_block_ids(keys, years)):
            for b in ids:
                blocks.setdefault(b, [set(), set()])[side].add(i)
    pairs: set[tuple[int, int]] = set()
    for a, b in blocks.values():
        pairs.update((i, j) for i in a for j in b)
    return len(pairs)


def candidates(clks: Sequence[Sequence], keys: Sequence[Sequence[Sequence[str]]], threshold):
    """anonlink's candidate pairs of two datasets, compared within blocks."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "mypy_extensions.TypedDict", DeprecationWarning)
        from anonlink.candidate_generation import find_candidate_pairs
        from anonlink.similarities import dice_coefficient

    years = sorted({x for side in keys for k in side for x in k if x[0] == "y"})
    ids = [_block_ids(side, years) for side in keys]
    return find_candidate_pairs(
        list(clks), dice_coefficient, threshold, blocking_f=lambda ds, i, _clk: ids[ds][i]
    )


__all__ = ["DESCRIPTION", "KEY", "blocking_key", "candidates", "comparisons", "row_keys"]

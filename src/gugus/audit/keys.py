"""The node key (Ed25519) and the anchor of the audit chain, both outside the database.

The key file holds the node's private key (PEM, PKCS#8, mode 0600); it is made
by ``gugus init`` and is what a database writer does not have.  The anchor file
beside it (``…​.anchor``) holds the newest (seq, hash) of the chain, signed: it
only ever moves forward, replaced atomically under a file lock so several
processes can append, and ``verify`` requires the log to reach it — truncating
or emptying the log inside the database cannot move it back.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gugus.errors import GugusError


class KeyError_(GugusError):  # noqa: N801 - not the builtin KeyError
    """The node key or its anchor is missing or unusable."""


def anchor_path(key_path: Path) -> Path:
    name = key_path.name.removesuffix(".key")
    return key_path.with_name(name + ".anchor")


def checkpoint_message(seq: int, digest: str) -> bytes:
    return f"gugus-audit-checkpoint:{seq}:{digest}".encode()


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str


class NodeKey:
    def __init__(self, path: Path, private: Ed25519PrivateKey) -> None:
        self.path = path
        self.private = private
        self.public: Ed25519PublicKey = private.public_key()

    def derived_secret(self, purpose: bytes) -> bytes:
        """A secret for ``purpose`` derived from the private key (the key
        itself never leaves this object)."""
        return hashlib.sha256(
            b"gugus\0" + purpose + b"\0" + self.private.private_bytes_raw()
        ).digest()

    # -- files -------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path) -> NodeKey:
        """A new key at ``path`` (refuses to overwrite one)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        return cls(path, private)

    @classmethod
    def load(cls, path: Path) -> NodeKey:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise KeyError_(
                f"no node key at {path}: run `gugus init` (or set GUGUS_NODE_KEY / --key)"
            ) from None
        except OSError as exc:
            raise KeyError_(f"cannot read the node key {path}: {exc.strerror}") from None
        try:
            private = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError):
            raise KeyError_(f"{path} is not a node key (Ed25519 PEM)") from None
        if not isinstance(private, Ed25519PrivateKey):
            raise KeyError_(f"{path} is not an Ed25519 key")
        return cls(path, private)

    # -- signatures --------------------------------------------------------------
    def sign(self, seq: int, digest: str) -> str:
        return self.private.sign(checkpoint_message(seq, digest)).hex()

    def valid(self, seq: int, digest: str, sig: str | None) -> bool:
        try:
            self.public.verify(bytes.fromhex(sig or ""), checkpoint_message(seq, digest))
        except (InvalidSignature, ValueError):
            return False
        return True

    # -- the anchor --------------------------------------------------------------
    @property
    def anchor_path(self) -> Path:
        return anchor_path(self.path)

    @contextlib.contextmanager
    def _anchor_lock(self):
        lock = self.anchor_path.with_name(self.anchor_path.name + ".lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def read_anchor(self, *, check: bool = True) -> Anchor | None:
        """The anchored head, or None when there is no anchor file.  Raises
        when the file is not a valid anchor (``check``: signed with this key)."""
        try:
            data = json.loads(self.anchor_path.read_text(encoding="utf-8"))
            anchor = Anchor(int(data["seq"]), str(data["hash"]))
            sig = str(data["sig"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise KeyError_(f"the anchor file {self.anchor_path} is damaged") from None
        if check and not self.valid(anchor.seq, anchor.hash, sig):
            raise KeyError_(f"the anchor file {self.anchor_path} is not signed with this key")
        return anchor

    def advance_anchor(self, seq: int, digest: str) -> None:
        """Move the anchor to (seq, digest) if that is ahead of it (atomic
        replace under a file lock, so concurrent processes never move it back)."""
        with self._anchor_lock():
            try:
                current = self.read_anchor(check=False)
            except KeyError_:
                current = None  # damaged: replaced by the true head
            if current is not None and current.seq >= seq:
                return
            body = json.dumps({"seq": seq, "hash": digest, "sig": self.sign(seq, digest)})
            tmp = self.anchor_path.with_name(self.anchor_path.name + f".{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(body + "\n")
                handle.flush()
                os.fdatasync(handle.fileno())
            os.replace(tmp, self.anchor_path)


def ensure_key(path: Path) -> tuple[NodeKey, bool]:
    """Load the node key, creating it when missing; (key, created)."""
    if path.exists():
        return NodeKey.load(path), False
    return NodeKey.create(path), True

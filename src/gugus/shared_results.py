"""Search results shared by the worker processes of one server.

Each serving process keeps a reader's search results
(:mod:`gugus.search_cache`); with several workers, a repeated search reaches
a worker that has not seen it about half the time and computes it again: at
100,000 people and 10 sessions, repeated searches answered p95 448 ms on 2
workers against 209 ms on 1 (README, "Web pages").  ``gugus serve --workers
N`` on a SQLite node therefore also keeps each computed result in a small
SQLite file beside the data file (``<data file>.results``), which every
worker of that server reads before computing.

What is kept, and why it is safe:

* The key is exactly the per-process cache's (reader, grantee keys, query,
  filters, data versions of the reader's audiences, read in the search's
  own snapshot), stored only as an HMAC under a secret derived from the
  node key: the file never holds the words searched, and a key cannot be
  guessed from it without the node key.
* The value is what the per-process cache holds (resolved ids, clusters,
  total, facets and their marking) as JSON — never code (no pickle) — with
  an HMAC of (key, time kept, value) under the same secret: a value that
  is damaged, cut, or moved under another key (another reader's) is a
  miss, never an answer.
* Entries expire after :data:`gugus.search_cache.TTL`; at most
  :data:`SIZE` are kept.  The file is removed when a server starts, so no
  result survives a restart (a restored backup can repeat data versions).
* The file is created readable by its owner only, like the data file, and
  never opened through a symbolic link; a file found there that someone
  else owns, or that others may read, is not used.  It is checked with
  ``lstat``, never opened outside SQLite once it exists: closing any other
  descriptor of it would drop the process's SQLite locks on it (POSIX locks
  are per process), and another connection would then delete the
  write-ahead log in use.
* Best effort: any failure of the file (full disk, damage, a lock held too
  long) is a miss or an entry not kept, logged by kind only; the search
  computes as without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import sqlite3
import stat
import struct
import threading
import time
from collections.abc import Callable, Hashable
from pathlib import Path

from gugus.search_cache import TTL

SIZE = 4096
ENV = "GUGUS_SHARED_RESULTS"  # set by `gugus serve --workers N` for its workers
_SWEEP_EVERY = 64  # puts between removals of expired and surplus entries
_SCHEMA = "CREATE TABLE IF NOT EXISTS results (k BLOB PRIMARY KEY, at REAL NOT NULL, v TEXT NOT NULL, t BLOB NOT NULL) WITHOUT ROWID"

log = logging.getLogger("gugus.shared_results")


def path_for(data_file: Path) -> Path:
    return Path(str(data_file) + ".results")


def remove(data_file: Path) -> None:
    """Remove a server's shared results (and SQLite's companions) before it
    starts."""
    base = path_for(data_file)
    for p in (base, Path(str(base) + "-wal"), Path(str(base) + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        exc.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    )


class SharedResults:
    def __init__(
        self, path: Path, secret: Callable[[], bytes], ttl: float = TTL, size: int = SIZE
    ) -> None:
        self.path = path
        self._secret = secret
        self._mac_key: bytes | None = None
        self.ttl = ttl
        self.size = size
        self._local = threading.local()
        self._puts = 0

    # -- keys and connections ------------------------------------------------
    def _mac(self, data: bytes) -> bytes:
        if self._mac_key is None:
            self._mac_key = self._secret()
        return hmac.new(self._mac_key, data, hashlib.sha256).digest()

    def _digest(self, key: Hashable) -> bytes:
        return self._mac(repr(key).encode("utf-8"))

    def _tag(self, k: bytes, at: float, v: str) -> bytes:
        """The value's HMAC, bound to its key and the time it was kept."""
        return self._mac(b"v\0" + k + struct.pack(">d", at) + v.encode("utf-8"))

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # owner only, like the data; never through a link to another file
            # a new file is a new inode: no lock of this process on it to drop
            with contextlib.suppress(FileExistsError):
                flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                os.close(os.open(self.path, flags, 0o600))
            found = os.lstat(self.path)
            if not stat.S_ISREG(found.st_mode):
                raise OSError(f"{self.path.name} is not a regular file")
            if found.st_uid != os.geteuid() or found.st_mode & 0o077:
                raise OSError(f"{self.path.name} is not readable by its owner only")
            conn = sqlite3.connect(self.path, timeout=0.05, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")  # a lost entry is only a miss
            conn.execute(_SCHEMA)
            self._local.conn = conn
        return conn

    def _failed(self, what: str, exc: BaseException) -> None:
        if _busy(exc):  # another worker is writing: a miss, nothing to report
            return
        log.warning(
            "shared search results: %s failed (%s); searching without them",
            what,
            type(exc).__name__,
        )
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    # -- reads and writes ----------------------------------------------------
    def get(self, key: Hashable) -> dict | None:
        try:
            k = self._digest(key)
            row = self._conn().execute("SELECT at, v, t FROM results WHERE k = ?", (k,)).fetchone()
            if row is None:
                return None
            at, v, t = row
            if not hmac.compare_digest(self._tag(k, at, v), t):
                raise ValueError("an entry does not match its tag")
            if not 0 <= time.time() - at <= self.ttl:
                return None
            return json.loads(v)
        except (sqlite3.Error, OSError, ValueError, TypeError, struct.error) as exc:
            self._failed("a read", exc)
            return None

    def put(self, key: Hashable, value: dict) -> None:
        try:
            conn = self._conn()
            k, at, v = self._digest(key), time.time(), json.dumps(value, separators=(",", ":"))
            conn.execute(
                "INSERT OR REPLACE INTO results (k, at, v, t) VALUES (?, ?, ?, ?)",
                (k, at, v, self._tag(k, at, v)),
            )
            self._puts += 1
            if self._puts % _SWEEP_EVERY == 0:
                self._sweep(conn)
        except (sqlite3.Error, OSError) as exc:
            self._failed("keeping a result", exc)

    def _sweep(self, conn: sqlite3.Connection) -> None:
        now = time.time()
        conn.execute("DELETE FROM results WHERE at < ?", (now - self.ttl,))
        conn.execute(
            "DELETE FROM results WHERE k IN (SELECT k FROM results ORDER BY at DESC LIMIT -1 OFFSET ?)",
            (self.size,),
        )

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


__all__ = ["ENV", "SIZE", "SharedResults", "path_for", "remove"]

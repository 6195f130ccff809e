"""Database and file-system failures translated into gugus errors, in one place.

The CLI prints the result as one line (exit 2) and the API answers it in the
one error envelope (503 with ``Retry-After`` for busy or unreachable storage,
507 for a full disk).  A translated message never quotes the failing
statement, its parameters or a driver message that may echo stored text
(SQLite's "Could not decode … with text '…'", PostgreSQL's key DETAIL): only
fixed wording, error codes, column names and file paths.
"""

from __future__ import annotations

import errno
import re
import sqlite3

from sqlalchemy import exc as sa_exc

from gugus.errors import GugusError, IntegrityFailure, Msg, StorageFull, StoreUnavailable

CHECK_HINT = "run `gugus check` to find the damage"

# PostgreSQL SQLSTATE classes and codes (appendix A of its manual).
_PG_FULL = {"53100"}  # disk_full
_PG_RETRY = {
    "40001",
    "40P01",
    "55P03",
    "53300",
    "57014",
}  # serialization, deadlock, lock, too many connections, cancelled
_PG_GONE = ("08", "57P")  # connection exception; admin / crash shutdown, cannot connect now
_DECODE = re.compile(r"Could not decode to UTF-8 column '([^']*)'")


def translate(exc: BaseException, context: str | None = None) -> GugusError:
    """The gugus error a failure means; ``context`` (e.g. "cannot open
    database …") prefixes the message."""
    if isinstance(exc, GugusError):
        return exc
    error = _classify(exc)
    if context:
        error = type(error)(f"{context}: {error.message}", details=error.details)
    return error


def _classify(exc: BaseException) -> GugusError:
    if isinstance(exc, sa_exc.TimeoutError):  # the connection pool stayed empty
        return StoreUnavailable(Msg("the database is busy (no free connection); try again"))
    if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None:
        return _driver(exc.orig, invalidated=exc.connection_invalidated)
    if isinstance(exc, sqlite3.Error):
        return _driver(exc)
    if _is_psycopg(exc):
        return _driver(exc)
    if isinstance(exc, OSError):
        return _os_error(exc)
    if isinstance(exc, UnicodeDecodeError):
        return IntegrityFailure(
            f"stored or given text is not valid UTF-8 ({exc.reason}); {CHECK_HINT}"
        )
    if isinstance(exc, MemoryError):
        return GugusError("out of memory")
    # A bug: the message may quote data, so only its kind is named.
    return GugusError(
        f"internal error ({type(exc).__name__}); set GUGUS_TRACEBACK=1 to see where it happened"
    )


def _is_psycopg(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("psycopg")


def _driver(orig: BaseException, *, invalidated: bool = False) -> GugusError:
    if isinstance(orig, sqlite3.Error):
        return _sqlite(orig)
    if _is_psycopg(orig):
        return _postgres(orig, invalidated)
    return GugusError(f"database error ({type(orig).__name__})")


def _sqlite(orig: sqlite3.Error) -> GugusError:
    name = getattr(orig, "sqlite_errorname", None) or ""
    text = str(orig)
    decode = _DECODE.match(text)
    if decode:
        return IntegrityFailure(
            f"the database holds text that is not valid UTF-8 (column {decode.group(1)!r}); {CHECK_HINT}"
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        return StoreUnavailable(
            Msg("the database is locked by another process or writer; try again")
        )
    # SHMSIZE: the shared-memory index could not grow (its file system is full).
    if name in ("SQLITE_FULL", "SQLITE_IOERR_SHMSIZE") or "database or disk is full" in text:
        return StorageFull(Msg("the disk holding the database is full: nothing was written"))
    if name.startswith("SQLITE_IOERR") or "disk I/O error" in text:
        return StoreUnavailable(
            Msg(
                "the database file could not be read or written (%(cause)s)",
                cause=name or "I/O error",
            )
        )
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text:
        return IntegrityFailure(
            f"the database file is damaged ({name or 'malformed'}); {CHECK_HINT}"
        )
    if name.startswith("SQLITE_READONLY"):
        return GugusError("the database file is read-only for this user")
    if name.startswith("SQLITE_CANTOPEN"):
        return GugusError("the database file cannot be opened (missing directory or no permission)")
    return GugusError(f"database error ({name or type(orig).__name__})")


# What libpq says when the server answered but refused the connection (no
# SQLSTATE reaches psycopg then): fixed wording, answered without the names.
_PG_REFUSED = (
    (re.compile(r'FATAL:  database "[^"]*" does not exist'), "the database named in the URL does not exist on the server (create it, then `gugus init`)"),
    (re.compile(r'FATAL:  role "[^"]*" does not exist'), "the user named in the URL does not exist on the database server"),
    (re.compile(r"FATAL:  (password|Ident|Peer) authentication failed"), "the database server refused the user or password in the URL"),
)  # fmt: skip


def _postgres(orig: BaseException, invalidated: bool) -> GugusError:
    state = getattr(orig, "sqlstate", None) or ""
    if not state:
        for pattern, message in _PG_REFUSED:
            if pattern.search(str(orig)):
                return GugusError(message)
    if state in _PG_FULL:
        return StorageFull(Msg("the database server's disk is full: nothing was written"))
    if state in _PG_RETRY:
        return StoreUnavailable(
            Msg("the database is busy (SQLSTATE %(state)s); try again", state=state)
        )
    if (
        state.startswith(_PG_GONE)
        or invalidated
        or (not state and type(orig).__name__ in ("OperationalError", "InterfaceError"))
    ):
        if state:
            return StoreUnavailable(
                Msg(
                    "the database server is unavailable (refused, shut down or closed the "
                    "connection) (SQLSTATE %(state)s); try again",
                    state=state,
                )
            )
        return StoreUnavailable(
            Msg(
                "the database server is unavailable (refused, shut down or closed the "
                "connection); try again"
            )
        )
    if state == "22021":  # character_not_in_repertoire
        return IntegrityFailure(f"the database holds text that is not valid UTF-8; {CHECK_HINT}")
    return GugusError(
        f"database error ({type(orig).__name__}{f', SQLSTATE {state}' if state else ''})"
    )


def _os_error(exc: OSError) -> GugusError:
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return StorageFull(f"no space left on the disk{where}: nothing was written")
    reason = exc.strerror or type(exc).__name__
    return GugusError(f"{reason}{where}")

"""Database handle: engines, dialect differences, migrations.

SQLite (a file, WAL mode, created on first use) is the default; PostgreSQL when
the URL says so.  Backend differences live in :class:`Dialect`, not in
if-statements spread through the code.
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from gugus.errors import GugusError, InvalidInput

DEFAULT_DB = "gugus.db"
MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str | None) -> str:
    """Accept a file path, ``sqlite:///…`` or ``postgresql://…``."""
    url = url or os.environ.get("GUGUS_DB") or DEFAULT_DB
    if "://" not in url:
        return "sqlite:///" + str(Path(url).expanduser().absolute())
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


@dataclass(frozen=True)
class Dialect:
    name: str

    @property
    def is_sqlite(self) -> bool:
        return self.name == "sqlite"

    @property
    def max_params(self) -> int:
        return 30000 if self.is_sqlite else 60000


def _writer_cache_mb() -> int:
    raw = os.environ.get("GUGUS_SQLITE_CACHE_MB", "512")
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"GUGUS_SQLITE_CACHE_MB: {raw!r} is not a number of megabytes") from None
    if not 8 <= value <= 65536:
        raise InvalidInput(f"GUGUS_SQLITE_CACHE_MB: {value} (allowed: 8 to 65536)")
    return value


def _sqlite_engine(
    url: str, begin: str, *, pool_size: int, cache_mb: int, serialise: bool = False
) -> Engine:
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size * 2, pool_timeout=60)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:  # pragma: no cover - exercised by every test
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute(f"PRAGMA cache_size=-{cache_mb * 1024}")
        cur.close()

    if not serialise:

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:  # pragma: no cover - exercised by every test
            conn.exec_driver_sql(begin)

        return engine

    # Writers of this process queue on a lock before BEGIN IMMEDIATE: SQLite's
    # busy handler sleeps in steps of up to 100 ms, which under 50 concurrent
    # audited reads made the tail latency; a lock hands over at once.  Other
    # processes still meet SQLite's own lock.
    lock = threading.RLock()

    @event.listens_for(engine, "begin")
    def _begin_serialised(conn) -> None:  # pragma: no cover - exercised by every test
        if not lock.acquire(timeout=60):  # never hang for ever on a lost release
            raise GugusError("the database is busy (a write has held it for 60 s); try again")
        try:
            conn.exec_driver_sql(begin)
        except BaseException:
            lock.release()
            raise
        conn.info["gugus_write_lock"] = True

    def _release(conn) -> None:
        if conn.info.pop("gugus_write_lock", False):
            lock.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)
    return engine


@functools.cache
def _code_head() -> str | None:
    """The newest migration shipped with this code (parsing them is slow)."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


class Database:
    """Engines for one store.  ``writer`` serialises writes (SQLite: BEGIN
    IMMEDIATE, so concurrent writers queue instead of failing on lock
    upgrade); ``reader`` takes snapshot reads."""

    def __init__(self, url: str | None = None) -> None:
        self.url = normalise_url(url)
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise InvalidInput(f"--db: not a database URL: {self.url!r}") from exc
        self.dialect = Dialect(parsed.get_backend_name())
        self.path = Path(parsed.database) if self.dialect.is_sqlite and parsed.database else None
        if self.dialect.is_sqlite:
            # Writes are serialised anyway: few writer connections, each with a
            # large page cache (bulk loads update indexes in random order).  The
            # cache is most of a large load's memory: GUGUS_SQLITE_CACHE_MB bounds it.
            self.writer = _sqlite_engine(
                self.url,
                "BEGIN IMMEDIATE",
                pool_size=2,
                cache_mb=_writer_cache_mb(),
                serialise=True,
            )
            self.reader = _sqlite_engine(self.url, "BEGIN", pool_size=20, cache_mb=64)
        elif self.dialect.name == "postgresql":
            self.writer = create_engine(self.url, pool_size=20, max_overflow=40, pool_pre_ping=True)
            self.reader = self.writer
        else:
            raise InvalidInput(
                f"--db: unsupported database {self.dialect.name!r} (sqlite, postgresql)"
            )
        self.marking_cache: dict = {}

    def __repr__(self) -> str:
        return f"Database({make_url(self.url).render_as_string(hide_password=True)})"

    def _alembic(self, conn) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        return cfg

    def migrate(self) -> None:
        """Create or upgrade the schema (idempotent)."""
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self.writer.begin() as conn:
                command.upgrade(self._alembic(conn), "head")
        except OperationalError as exc:
            raise GugusError(f"cannot open database {self!r}: {exc.orig}") from exc

    def revision(self) -> str | None:
        with self.reader.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head(self) -> str | None:
        return _code_head()

    def ensure_ready(self) -> None:
        if self.path is not None and not self.path.exists():
            raise GugusError(f"no database at {self.path}: run `gugus init --db {self.path}`")
        try:
            current = self.revision()
        except OperationalError as exc:
            raise GugusError(f"cannot open database {self!r}: {exc.orig}") from exc
        if current != self.head():
            raise GugusError(
                f"database {self!r} is not initialised or not up to date "
                f"(schema {current or 'none'}, code {self.head()}): run `gugus init`"
            )

    def dispose(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()

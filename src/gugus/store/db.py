"""Database handle: engines, dialect differences, migrations.

SQLite (a file, WAL mode, created on first use) is the default; PostgreSQL when
the URL says so.  Backend differences live in :class:`Dialect`, not in
if-statements spread through the code.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import shutil
import tempfile
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from gugus.errors import GugusError, InvalidInput, StorageFull, StoreUnavailable
from gugus.store.faults import translate

DEFAULT_DB = "gugus.db"
SQLITE_HEADER = b"SQLite format 3\x00"
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


def _shown(url: str) -> str:
    """A URL for a message: its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        scheme, _, rest = url.partition("://")
        return f"{scheme}://…@{rest.rsplit('@', 1)[1]}" if "@" in rest else url


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


def _env_seconds(name: str, default: str, maximum: float) -> float:
    raw = os.environ.get(name, default)
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(f"{name}: {raw!r} is not a number of seconds") from None
    if not 0 < value <= maximum:
        raise InvalidInput(f"{name}: {value:g} (allowed: more than 0, up to {maximum:g})")
    return value


def busy_timeout() -> float:
    """Seconds a write waits for another writer before the store answers
    "busy" (503 / a one-line error): GUGUS_BUSY_TIMEOUT, default 60."""
    return _env_seconds("GUGUS_BUSY_TIMEOUT", "60", 3600)


def load_wait() -> float:
    """Seconds a load waits for another load's write transaction:
    GUGUS_LOAD_WAIT, default 3600.  Loads queue behind each other instead of
    failing after the short busy timeout that bounds every other write."""
    return _env_seconds("GUGUS_LOAD_WAIT", "3600", 86400)


# How long a write begun in this context may wait for the writer lock, when it
# is not the busy timeout (a load waiting for another load).
_patience: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "gugus_write_patience", default=None
)


@contextlib.contextmanager
def patient_writes(seconds: float):
    """Writes begun inside wait up to ``seconds`` for the writer lock."""
    token = _patience.set(seconds)
    try:
        yield
    finally:
        _patience.reset(token)


def _sqlite_engine(
    url: str,
    begin: str,
    *,
    pool_size: int,
    cache_mb: int,
    serialise: bool = False,
    synchronous: str = "NORMAL",
) -> Engine:
    wait = busy_timeout()
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_timeout=60,
        pool_use_lifo=True,
        hide_parameters=True,  # no stored value ever reaches an error message or a log
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:  # pragma: no cover - exercised by every test
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(wait * 1000)}")
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
    # Which connections hold the lock is kept here, not in ``conn.info``: an
    # interrupted statement (Ctrl-C, SIGTERM) invalidates the connection, and
    # reading ``conn.info`` in the rollback hook then raised
    # PendingRollbackError, which left the lock held for good.
    holders: weakref.WeakSet = weakref.WeakSet()

    @event.listens_for(engine, "begin")
    def _begin_serialised(conn) -> None:  # pragma: no cover - exercised by every test
        patience = _patience.get() or wait
        if not lock.acquire(timeout=patience):  # never hang for ever on a lost release
            raise StoreUnavailable(
                f"the database is busy (a write has held it for {patience:g} s); try again"
            )
        try:
            if patience == wait:
                conn.exec_driver_sql(begin)
            else:  # a load behind another process's load: SQLite's own wait too
                conn.exec_driver_sql(f"PRAGMA busy_timeout={int(patience * 1000)}")
                try:
                    conn.exec_driver_sql(begin)
                finally:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait * 1000)}")
            holders.add(conn)
        except BaseException:
            lock.release()
            raise

    def _release(conn) -> None:
        if conn in holders:
            holders.discard(conn)
            lock.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)
    return engine


PROBE_BYTES = 64 * 1024


def _min_free_mb() -> int:
    raw = os.environ.get("GUGUS_MIN_FREE_MB", "16")
    try:
        return max(0, int(raw))
    except ValueError:
        raise InvalidInput(f"GUGUS_MIN_FREE_MB: {raw!r} is not a number of megabytes") from None


@functools.cache
def _code_head() -> str | None:
    """The newest migration shipped with this code (parsing them is slow)."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def audit_file(path: Path) -> Path:
    """The SQLite audit file beside a data file: gugus.db → gugus.audit.db."""
    stem = path.name.removesuffix(".db")
    return path.with_name(stem + ".audit.db")


def _key_dir() -> Path:
    if os.environ.get("GUGUS_KEY_DIR"):
        return Path(os.environ["GUGUS_KEY_DIR"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "gugus" / "keys"


def default_key_path(url: str) -> Path:
    """Where the node key of a store lives unless GUGUS_NODE_KEY / --key says:
    beside a SQLite file (gugus.db.key), or for PostgreSQL under the key
    directory (GUGUS_KEY_DIR, default ~/.local/share/gugus/keys), named after
    the server and database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(str(parsed.database) + ".key")
    raw = f"pg-{parsed.host or 'local'}-{parsed.port or 5432}-{parsed.database or 'default'}"
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in raw)
    return _key_dir() / (safe + ".key")


class Database:
    """Engines for one store.  ``writer`` serialises writes (SQLite: BEGIN
    IMMEDIATE, so concurrent writers queue instead of failing on lock
    upgrade); ``reader`` takes snapshot reads.  ``audit_writer`` and
    ``audit_reader`` reach the audit store: on SQLite a file of its own
    (``audit_path``), so audit appends never wait for a load holding the data
    file's write lock; on PostgreSQL the same database."""

    def __init__(self, url: str | None = None, key: str | Path | None = None) -> None:
        self.url = normalise_url(url)
        try:
            parsed = make_url(self.url)
            parsed.port  # noqa: B018 - a port that is not a number fails here, not on connect
        except (ArgumentError, ValueError) as exc:
            raise InvalidInput(f"--db: not a database URL: {_shown(self.url)!r}") from exc
        self.dialect = Dialect(parsed.get_backend_name())
        if self.dialect.is_sqlite and parsed.database in (None, "", ":memory:"):
            raise InvalidInput("--db: an in-memory SQLite database cannot hold a node; name a file")
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
            self.audit_path: Path | None = audit_file(self.path)
            audit_url = "sqlite:///" + str(self.audit_path)
            # One appending thread per process (the group-committing writer);
            # FULL: an audit record is on disk when its caller proceeds.
            self.audit_writer = _sqlite_engine(
                audit_url,
                "BEGIN IMMEDIATE",
                pool_size=1,
                cache_mb=16,
                synchronous="FULL",
            )
            self.audit_reader = _sqlite_engine(audit_url, "BEGIN", pool_size=5, cache_mb=16)
        elif self.dialect.name == "postgresql":
            self.writer = create_engine(
                self.url, pool_size=20, max_overflow=40, pool_pre_ping=True, hide_parameters=True
            )
            self.reader = self.writer
            self.audit_path = None
            self.audit_writer = self.audit_reader = create_engine(
                self.url, pool_size=2, max_overflow=4, pool_pre_ping=True, hide_parameters=True
            )
        else:
            raise InvalidInput(
                f"--db: unsupported database {self.dialect.name!r} (sqlite, postgresql)"
            )
        self.marking_cache: dict = {}
        key = key or os.environ.get("GUGUS_NODE_KEY") or default_key_path(self.url)
        self.key_path = Path(key).expanduser().absolute()

    def __repr__(self) -> str:
        return f"Database({make_url(self.url).render_as_string(hide_password=True)})"

    def _alembic(self, conn) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        return cfg

    def migrate(self) -> None:
        """Create or upgrade the schema and the audit store (idempotent)."""
        from gugus.store import audit as audit_sql

        problem = self.location_problem(creating=True)
        if problem is not None:
            raise problem
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self.writer.begin() as conn:
                if self.dialect.is_sqlite:
                    # Before 0002 drops them: the records of an older data file
                    # move to the audit file.
                    with self.audit_writer.begin() as aconn:
                        audit_sql.create(aconn)
                        audit_sql.copy_legacy(conn, aconn)
                command.upgrade(self._alembic(conn), "head")
            if not self.dialect.is_sqlite:
                with self.audit_writer.begin() as aconn:
                    audit_sql.create(aconn)
            from gugus.audit.chain import initialise

            initialise(self)
        except OperationalError as exc:
            raise translate(exc, f"cannot open database {self!r}") from exc

    def revision(self) -> str | None:
        with self.reader.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head(self) -> str | None:
        return _code_head()

    def location_problem(self, *, creating: bool = False) -> GugusError | None:
        """Why the SQLite file named cannot be this node's database, in one
        line, before SQLite is asked (it would create a missing file, say
        "damaged" of a text file, or "cannot open" of a directory)."""
        path = self.path
        if path is None:
            return None
        if path.is_dir():
            return GugusError(
                f"--db {path} is a directory, not a database file (e.g. --db {path / DEFAULT_DB})"
            )
        if not path.exists():
            if creating:  # migrate makes the missing folders (gugus init says so)
                return None
            if not path.parent.is_dir():
                return GugusError(f"--db {path}: the folder {path.parent} does not exist")
            return GugusError(
                f"no database at {path}: run `gugus init --db {path}` to make a new, empty node there"
            )
        try:
            with open(path, "rb") as handle:
                header = handle.read(len(SQLITE_HEADER))
        except OSError as exc:
            return translate(exc, f"cannot open database {path}")
        if header and header != SQLITE_HEADER:
            return GugusError(f"--db {path} is not a database file (not SQLite)")
        return None

    def ensure_ready(self) -> None:
        problem = self.location_problem()
        if problem is not None:
            raise problem
        try:
            current = self.revision()
        except OperationalError as exc:
            raise translate(exc, f"cannot open database {self!r}") from exc
        if current != self.head():
            raise GugusError(
                f"database {self!r} is not initialised or not up to date "
                f"(schema {current or 'none'}, code {self.head()}): run `gugus init`"
            )
        if self.audit_path is not None and not self.audit_path.exists():
            raise GugusError(
                f"no audit log at {self.audit_path} (it belongs beside the data file): "
                f"run `gugus init --db {self.path}`"
            )

    def write_problem(self) -> GugusError | None:
        """Why the store cannot take writes now, or None: a real write on the
        database's file system (SQLite) or in a rolled-back transaction
        (PostgreSQL), and at least GUGUS_MIN_FREE_MB (default 16) free next to
        a SQLite file.  Never waits for a load's write lock."""
        try:
            if not self.dialect.is_sqlite:
                with self.writer.connect() as conn, conn.begin() as tx:
                    conn.exec_driver_sql("CREATE TEMP TABLE gugus_probe (x text) ON COMMIT DROP")
                    conn.exec_driver_sql("INSERT INTO gugus_probe VALUES ('probe')")
                    tx.rollback()
                return None
            if self.path is None:  # an in-memory database
                return None
            free = shutil.disk_usage(self.path.parent).free
            if free < _min_free_mb() << 20:
                return StorageFull(
                    f"{free >> 20} MB free on the disk holding the database "
                    f"(GUGUS_MIN_FREE_MB: {_min_free_mb()})"
                )
            if not os.access(self.path, os.W_OK):
                return GugusError("the database file is read-only for this user")
            with tempfile.TemporaryFile(dir=self.path.parent, prefix=".gugus-probe-") as fh:
                fh.write(b"\0" * PROBE_BYTES)
                fh.flush()
                os.fsync(fh.fileno())
        except Exception as exc:  # the answer is the problem, not a failure of the probe
            return translate(exc)
        return None

    def dispose(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()
        self.audit_writer.dispose()
        if self.audit_reader is not self.audit_writer:
            self.audit_reader.dispose()

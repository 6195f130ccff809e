"""Start a real, throwaway PostgreSQL server for tests.

Usage::

    with PostgresServer() as server:
        url = server.start()                  # .../gugus
        other = server.create_database("x")   # .../x

PostgreSQL refuses to run as root.  When the current process is root (as in
CI) the server binaries are run as the ``postgres`` system user via
``runuser`` on a temporary directory owned by that user.  The server listens
on 127.0.0.1 only, on a free port, with trust authentication and durability
switched off for speed.  ``stop()`` shuts it down (``pg_ctl stop -m
immediate``) and removes the directory; an ``atexit`` hook does the same if a
test forgets to.
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

__all__ = ["PostgresServer", "PostgresUnavailable", "find_bindir"]

SERVER_USER = "postgres"
DEFAULT_DATABASE = "gugus"
START_TIMEOUT = 30.0
_REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres")
_DB_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
# Environment variables that would make initdb / pg_ctl / libpq look at some
# other cluster or server than ours.
_PG_ENV_VARS = (
    "PGDATA",
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGSSLMODE",
    "PGOPTIONS",
    "PGTARGETSESSIONATTRS",
)


class PostgresUnavailable(Exception):
    """PostgreSQL binaries are missing or the server could not be started."""


def _has_binaries(bindir: Path) -> bool:
    return all(
        (bindir / name).is_file() and os.access(bindir / name, os.X_OK)
        for name in _REQUIRED_BINARIES
    )


def _version_key(path: Path) -> tuple[int, ...]:
    # /usr/lib/postgresql/<version>/bin -> numeric version, e.g. (15,) or (9, 6)
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (-1,)


def find_bindir() -> Path | None:
    """Locate a directory holding ``initdb``, ``pg_ctl`` and ``postgres``.

    Tries ``pg_config --bindir`` (note: Debian's libpq-dev ships a pg_config
    pointing at the server bindir even when the server is not installed, so
    the binaries are checked), then ``/usr/lib/postgresql/*/bin`` (highest
    version first), then ``PATH``.
    """
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and _has_binaries(Path(out)):
            return Path(out)

    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    for candidate in candidates:
        if _has_binaries(candidate):
            return candidate

    initdb = shutil.which("initdb")
    if initdb:
        bindir = Path(initdb).resolve().parent
        if _has_binaries(bindir):
            return bindir
        bindir = Path(initdb).parent
        if _has_binaries(bindir):
            return bindir
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A throwaway PostgreSQL server; usable as a context manager."""

    def __init__(self, bindir: Path | None = None) -> None:
        self._bindir = Path(bindir) if bindir is not None else None
        self._as_root = os.geteuid() == 0
        self.tmpdir: Path | None = None
        self.port: int | None = None
        self._running = False

    # -- context manager ---------------------------------------------------

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- paths -------------------------------------------------------------

    @property
    def datadir(self) -> Path:
        assert self.tmpdir is not None
        return self.tmpdir / "data"

    @property
    def logfile(self) -> Path:
        assert self.tmpdir is not None
        return self.tmpdir / "postgres.log"

    @property
    def url(self) -> str:
        return self.url_for(DEFAULT_DATABASE)

    def url_for(self, dbname: str) -> str:
        if self.port is None:
            raise RuntimeError("server not started")
        return f"postgresql+psycopg://{SERVER_USER}@127.0.0.1:{self.port}/{dbname}"

    # -- helpers -----------------------------------------------------------

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _PG_ENV_VARS}
        if self._as_root:
            assert self.tmpdir is not None
            env["HOME"] = str(self.tmpdir)
        return env

    def _run(self, tool: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        assert self._bindir is not None and self.tmpdir is not None
        cmd = [str(self._bindir / tool), *args]
        if self._as_root:
            cmd = ["runuser", "-u", SERVER_USER, "--", *cmd]
        return subprocess.run(
            cmd,
            cwd=self.tmpdir,  # the caller's cwd (e.g. /root) may not be readable by postgres
            env=self._env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.logfile.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:]) or "(server log is empty)"

    def _fail(
        self, message: str, result: subprocess.CompletedProcess[str] | None = None
    ) -> PostgresUnavailable:
        parts = [message]
        if result is not None:
            parts.append(f"command: {' '.join(result.args)} (exit {result.returncode})")
            output = (result.stdout + result.stderr).strip()
            if output:
                parts.append(f"output:\n{output}")
        if self.tmpdir is not None:
            parts.append(f"server log tail ({self.logfile}):\n{self._log_tail()}")
        return PostgresUnavailable("\n".join(parts))

    def _make_tmpdir(self) -> None:
        if self._as_root:
            try:
                user = pwd.getpwnam(SERVER_USER)
            except KeyError:
                raise PostgresUnavailable(
                    f"running as root but there is no {SERVER_USER!r} system user "
                    "to run PostgreSQL as"
                ) from None
            if shutil.which("runuser") is None:
                raise PostgresUnavailable("running as root but `runuser` is not available")
            # /tmp is world-traversable; $TMPDIR might not be for the postgres
            # user.  mkdtemp creates a private, unpredictable directory in it.
            parent = "/tmp" if os.path.isdir("/tmp") else None  # noqa: S108
            self.tmpdir = Path(tempfile.mkdtemp(prefix="gugus-pg-", dir=parent))
            os.chown(self.tmpdir, user.pw_uid, user.pw_gid)
        else:
            self.tmpdir = Path(tempfile.mkdtemp(prefix="gugus-pg-"))

    def _initdb(self) -> None:
        base = [
            "-D",
            str(self.datadir),
            "-A",
            "trust",
            "-U",
            SERVER_USER,
            "--no-sync",
            "-E",
            "UTF8",
        ]
        result = self._run("initdb", *base, "--locale=C.UTF-8")
        if result.returncode != 0:
            shutil.rmtree(self.datadir, ignore_errors=True)
            result = self._run("initdb", *base, "--locale=C")
        if result.returncode != 0:
            raise self._fail("initdb failed", result)

    def _write_config(self, port: int) -> None:
        assert self.tmpdir is not None
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(port),
            "unix_socket_directories": f"'{self.tmpdir}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
        }
        conf = self.datadir / "postgresql.conf"
        # Later settings override earlier ones.  The file exists (created by
        # initdb, owned by postgres); appending as root keeps its ownership.
        with conf.open("a") as fh:
            fh.write("\n# gugus test server\n")
            for key, value in settings.items():
                fh.write(f"{key} = {value}\n")

    def _pg_ctl_start(self, timeout: float) -> subprocess.CompletedProcess[str]:
        return self._run(
            "pg_ctl",
            "start",
            "-D",
            str(self.datadir),
            "-l",
            str(self.logfile),
            "-w",
            "-t",
            str(max(1, int(timeout))),
            timeout=timeout + 10,
        )

    def _wait_for_connections(self, deadline: float) -> None:
        import psycopg

        last_error: Exception | None = None
        while True:
            try:
                with psycopg.connect(
                    host="127.0.0.1",
                    port=self.port,
                    user=SERVER_USER,
                    dbname="postgres",
                    connect_timeout=5,
                    sslmode="disable",
                ) as conn:
                    conn.execute("select 1")
                return
            except psycopg.Error as exc:
                last_error = exc
            if time.monotonic() > deadline:
                raise self._fail(
                    f"PostgreSQL did not accept connections on port {self.port}: {last_error}"
                )
            time.sleep(0.1)

    # -- public API --------------------------------------------------------

    def start(self) -> str:
        """Start the server, create the ``gugus`` database, return its URL."""
        if self._running:
            return self.url
        if self._bindir is None:
            self._bindir = find_bindir()
        if self._bindir is None or not _has_binaries(self._bindir):
            searched = self._bindir or "pg_config --bindir, /usr/lib/postgresql/*/bin and PATH"
            raise PostgresUnavailable(
                "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found "
                f"(looked in {searched})"
            )
        deadline = time.monotonic() + START_TIMEOUT
        self._make_tmpdir()
        atexit.register(self.stop)
        try:
            self._initdb()
            # Picking a free port is racy: if another process grabs it before
            # the postmaster binds, retry with a new one.
            for attempt in range(3):
                self.port = _free_port()
                self._write_config(self.port)
                result = self._pg_ctl_start(max(1.0, deadline - time.monotonic()))
                if result.returncode == 0:
                    break
                if (
                    attempt < 2
                    and "could not bind" in self._log_tail(200)
                    and time.monotonic() < deadline
                ):
                    continue
                raise self._fail("pg_ctl start failed", result)
            self._running = True
            self._wait_for_connections(deadline)
            self.create_database(DEFAULT_DATABASE)
        except BaseException:
            self.stop()
            raise
        return self.url

    def create_database(self, name: str) -> str:
        """Create a fresh database ``name`` and return its SQLAlchemy URL."""
        import psycopg
        from psycopg import sql

        if not self._running:
            raise RuntimeError("server not started")
        if not _DB_NAME_RE.match(name):
            raise ValueError(f"invalid database name: {name!r}")
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SERVER_USER,
            dbname="postgres",
            autocommit=True,
            sslmode="disable",
        ) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url_for(name)

    def stop(self) -> None:
        """Stop the server (immediate shutdown) and delete its directory.

        Safe to call more than once.
        """
        atexit.unregister(self.stop)
        if self.tmpdir is None:
            return
        try:
            if (self.datadir / "postmaster.pid").exists():
                self._run(
                    "pg_ctl", "stop", "-D", str(self.datadir), "-m", "immediate", "-w", timeout=30
                )
        except (OSError, subprocess.SubprocessError):
            pass
        finally:
            self._running = False
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

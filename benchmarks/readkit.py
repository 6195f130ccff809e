"""Helpers of ``benchmarks/read.py``: servers, concurrent clients, the audit
count, a demo world on PostgreSQL and the file of the long load."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from gugus import admin
from gugus.demo.node import create_directory
from gugus.ingest import ftm
from gugus.node import Node

BENCH_DIR = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    """Percentile ``q`` of seconds, in ms (0 when there are none)."""
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def node_arguments(parser, requests: int) -> None:
    """``--dir`` (a node built by ``ingest.py``), ``--requests`` and
    ``--as-org`` (the organisation of the reading analyst)."""
    parser.add_argument("--dir", type=Path, default=Path("benchmarks/out/ingest"))
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--as-org", default="US-HSI", help="organisation of the reading user")


def analyst_of(node_dir: Path, org: str) -> tuple[str, dict]:
    """The database of a node built by ``ingest.py`` and the login of its
    analyst of ``org`` (from its ``logins.json``)."""
    logins = json.loads((node_dir / "logins.json").read_text())
    login = next(x for x in logins if x["org"] == org and x["role"] == "analyst")
    return str(node_dir / "gugus.db"), login


def gugus_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "gugus.cli", *args]


# -- servers ---------------------------------------------------------------------


def cpu_by_process(pid: int) -> dict[int, float]:
    """User + system CPU seconds of a process and of each of its direct
    children (a server's workers), from /proc."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [pid, *(int(p) for p in children.read_text().split())] if children.exists() else [pid]
    out = {}
    for p in pids:
        with contextlib.suppress(OSError):  # a child that has just exited
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            out[p] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its direct children."""
    return sum(cpu_by_process(pid).values())


class Server:
    """A server process on 127.0.0.1 (its own process group), stopped with
    SIGTERM, then SIGKILL after ``grace`` seconds.  Its stderr goes to a file
    (a pipe nobody reads fills up and blocks a server that logs errors)."""

    def __init__(
        self, name: str, argv: list[str], port: int, health: str, log: Path, env: dict | None = None
    ):
        self.name, self.port, self.health, self.log = name, port, health, log
        self.url = f"http://127.0.0.1:{port}"
        with open(log, "wb") as stderr:
            self.proc = subprocess.Popen(
                argv,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env={**os.environ, **(env or {})},
                start_new_session=True,
            )

    def log_tail(self, chars: int = 1000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited: {self.log_tail()}")
            try:
                if httpx.get(self.url + self.health, timeout=1).status_code in (200, 404):
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"{self.name} not ready after {timeout:.0f} s")

    def stop(self, grace: float = 15) -> dict:
        """Stop it; report how long SIGTERM took, whether SIGKILL was
        needed, and the CPU seconds of each worker process (how evenly
        ``--workers N`` shared the work; one process: the server's own)."""
        cpu = cpu_by_process(self.proc.pid) if self.proc.poll() is None else {}
        workers = [round(v, 2) for p, v in cpu.items() if p != self.proc.pid] or [
            round(v, 2) for v in cpu.values()
        ]
        t0 = time.monotonic()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(grace)
            killed = False
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            killed = True
        return {
            "stop_seconds": round(time.monotonic() - t0, 2),
            "needed_sigkill": killed,
            "worker_cpu_seconds": workers,
            "stderr_tail": self.log_tail(),
        }


# Login rate limits off (gugus/ratelimit.py): the clients read with a token,
# and a benchmark must never be refused for its own pace.
NO_LOGIN_LIMITS = {f"GUGUS_LOGIN_LIMIT_{kind}": "off" for kind in ("ADDRESS", "USER", "NODE")}


def gugus_server(db_url: str, workers: int, log: Path) -> Server:
    port = free_port()
    argv = gugus_cli("serve", "--db", db_url, "--port", str(port), "--workers", str(workers))
    return Server("gugus serve", argv, port, "/api/v1/health", log, NO_LOGIN_LIMITS)


def peer_server(db_url: str, workers: int, grantees: list[str], log: Path) -> Server:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "peer_app:app_from_env",
        "--factory",
        "--app-dir",
        str(BENCH_DIR),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    env = {"PEER_DB": db_url, "PEER_GRANTEES": ",".join(grantees)}
    return Server("peer", argv, port, "/entities/-", log, env)


# -- clients ---------------------------------------------------------------------


@dataclass
class RunResult:
    times: list[float] = field(default_factory=list)  # answered: 200 or 404
    failures: Counter = field(default_factory=Counter)  # status or exception name
    non_clear: int = 0  # 200s whose data is not all TLP:CLEAR (each must be audited)
    unanswered: int = 0  # given up or lost by the client: the server may have served them
    wall: float = 0.0

    def summary(self) -> dict:
        failed = sum(self.failures.values())
        return {
            "answered": len(self.times),
            "failures": failed,
            "failure_kinds": dict(self.failures),
            "p50_ms": round(pct(self.times, 0.5), 2),
            "p95_ms": round(pct(self.times, 0.95), 2),
            "mean_ms": round(sum(self.times) / len(self.times) * 1000, 2) if self.times else 0.0,
            "requests_per_s": round(len(self.times) / self.wall, 1) if self.wall else 0.0,
            "seconds": round(self.wall, 2),
        }


def non_clear(body: dict) -> bool:
    """Does a gugus entity or search answer carry data that is not TLP:CLEAR?"""
    views = body.get("results", [body])
    return any((v.get("marking") or {}).get("tlp", "clear") != "clear" for v in views)


def run_clients(
    url: str, paths: list[str], clients: int, token: str | None = None, check_marking=False
) -> RunResult:
    """Send ``paths`` from ``clients`` threads (one keep-alive connection each).
    Non-200/404 answers and dropped connections are counted, never fatal."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def worker(chunk: list[str]) -> RunResult:
        res = RunResult()
        with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
            for path in chunk:
                t0 = time.perf_counter()
                try:
                    r = client.get(path)
                except httpx.HTTPError as exc:
                    res.failures[type(exc).__name__] += 1
                    res.unanswered += 1
                    continue
                elapsed = time.perf_counter() - t0
                if r.status_code not in (200, 404):
                    res.failures[str(r.status_code)] += 1
                    continue
                try:
                    restricted = check_marking and r.status_code == 200 and non_clear(r.json())
                except ValueError:  # not JSON
                    res.failures[f"{r.status_code} not JSON"] += 1
                    continue
                res.times.append(elapsed)
                res.non_clear += restricted
        return res

    chunks = [paths[i::clients] for i in range(clients)]
    total = RunResult()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for part in pool.map(worker, chunks):
            total.times += part.times
            total.failures += part.failures
            total.non_clear += part.non_clear
            total.unanswered += part.unanswered
    total.wall = time.perf_counter() - t0
    return total


def answers(url: str, paths: list[str], token: str | None = None) -> list:
    """What each path answers, comparable between gugus and the peer: the
    status of an entity read, the entity ids a search found, in order."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    out = []
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        for path in paths:
            r = client.get(path)
            if r.status_code != 200 or "results" not in r.json():
                out.append(r.status_code)
            else:
                out.append([x if isinstance(x, str) else x["id"] for x in r.json()["results"]])
    return out


# -- the node --------------------------------------------------------------------


def audit_counts(db_url: str, load_supervisor: str | None = None) -> dict:
    """Records in the node's audit log and whether its chain verified, through
    the public CLI (``gugus audit verify --json``), so the count follows the
    audit store wherever it lives; with ``load_supervisor``, also the records
    of loads (``load.start`` and ``load``) among the newest 1000 that
    supervisor lists (``gugus audit list``: their organisation's), so a load's
    own records can be told from the reads'.  The one place to adapt if these
    interfaces change."""
    commands = [gugus_cli("audit", "verify", "--json", "--db", db_url)]
    if load_supervisor:
        commands.append(
            gugus_cli(
                "audit", "list", "--as", load_supervisor, "--limit", "1000", "--json",
                "--db", db_url,
            )
        )  # fmt: skip
    with ThreadPoolExecutor(len(commands)) as pool:
        verified, *listed = pool.map(_cli_json, commands)
    counts = {"records": int(verified["records"]), "verified": bool(verified["ok"])}
    if listed:
        counts["load_records"] = sum(
            1 for r in listed[0] if r["action"] == "load" or r["action"].startswith("load.")
        )
    return counts


def _cli_json(argv: list[str]):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=1800, check=False)
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise SystemExit(
            f"{' '.join(argv[2:5])}: exit {proc.returncode}: {proc.stderr[-500:]}"
        ) from None


def reader_grantees(db_url: str, username: str) -> list[str]:
    """The grantee keys ``username`` reads with (``ReadScope.grantees``: its
    organisation's and its own), as gugus's scope gives them."""
    node = Node(db_url)
    try:
        return list(node.scope(node.reader(username)).grantees)
    finally:
        node.close()


def copy_node(source: Path, target: Path) -> str:
    """A private copy of a SQLite node: the data file, its audit file (both
    through the backup API, WAL content included), the node key and the
    audit chain's anchor (``tests/cli/conftest.py`` copies a node so)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("gugus.db", "gugus.audit.db"):
        with (
            contextlib.closing(sqlite3.connect(source / name)) as src,
            contextlib.closing(sqlite3.connect(target / name)) as dst,
        ):
            src.backup(dst)
    for name in ("gugus.db.key", "gugus.db.anchor"):
        shutil.copy2(source / name, target / name)
    return str(target / "gugus.db")


def load_world(world_dir: Path, db_url: str) -> dict:
    """Load a generated demo world (``world.json`` and its FtM files) into the
    database at ``db_url`` as ``gugus.demo.node.build_demo(via="ftm")`` does
    for SQLite (the same directory set-up); return the logins and load time."""
    manifest = json.loads((world_dir / "world.json").read_text(encoding="utf-8"))
    node = Node(db_url)
    node.db.migrate()
    logins = create_directory(node, manifest)
    t0 = time.perf_counter()
    for coll in manifest["collections"]:
        ftm.load_file(node, coll["name"], world_dir / coll["file"])
    seconds = time.perf_counter() - t0
    node.close()
    return {"logins": logins, "load_seconds": round(seconds, 1)}


# -- the long load -----------------------------------------------------------------

_FIRST = ["Ana", "Luis", "Maria", "Jose", "Carmen", "Pedro", "Rosa", "Juan", "Elena", "Miguel"]
_LAST = ["Garcia", "Lopez", "Hernandez", "Martinez", "Perez", "Sanchez", "Ramirez", "Torres"]


def load_file(path: Path, lines: int, seed: int = 3) -> Path:
    """FtM JSON lines of ``lines`` generated persons (reused when present)."""
    if path.exists():
        return path
    rnd = random.Random(seed)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8") as fh:
        for i in range(lines):
            props = {
                "name": [f"{rnd.choice(_FIRST)} {rnd.choice(_LAST)} {rnd.choice(_LAST)}"],
                "birthDate": [f"{rnd.randint(1950, 2005)}-{rnd.randint(1, 12):02d}-01"],
                "nationality": [rnd.choice(["mx", "gt", "hn", "sv", "us"])],
                "idNumber": [f"BL{i:09d}"],
            }
            fh.write(json.dumps({"id": f"bench-load-{i}", "schema": "Person", "properties": props}))
            fh.write("\n")
    tmp.replace(path)
    return path


def add_load_collection(db_url: str, name: str, org: str) -> None:
    node = Node(db_url)
    try:
        admin.add_collection(node, name, org, "amber", "H0")
    finally:
        node.close()

"""Web pages over HTTP as a user of another organisation: the search page and
the entity page, p95 at 1 and 10 concurrent logged-in sessions.

    python benchmarks/pages.py [--dir benchmarks/out/ingest] [--requests 1000]
                               [--workers 1] [--sessions 1,10]

Needs the node built by ``benchmarks/ingest.py`` (``--dir``: its ``gugus.db``
and ``logins.json``; the README's figures are for ``--people 100000``).  A
real ``gugus serve`` on 127.0.0.1; each session logs in through the login
form (its own cookie and CSRF token, argon2 check not timed) and then reads
its share of random search pages (``/search?q=<a name word>``: each sampled
word once first — ``search_once``, never answered from the result cache —
then the sample as drawn, common words repeating) and entity pages
(``/entities/<id>``), on a fresh server per session count.  Reported per kind and session count: p50/p95 of
the answered pages (200 or 404), pages/s, failures (any other status, a
redirect to the login page, a dropped connection), how many pages carried
a marking banner (the page showed non-CLEAR data), and the CPU each page
cost the server (its processes) and this client (its threads), which share
the machine's cores.  Target: p95 ≤ 150 ms at
10 sessions.  JSON to stdout and ``--dir``/pages-result-w<N>.json, a table
to stderr.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import httpx
from read import sample
from readkit import RunResult, analyst_of, cpu_seconds, gugus_server, node_arguments

CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')
KINDS = ("search_once", "search", "entity")
TARGET_MS = 150.0


def page_paths(ids: list[str], words: list[str]) -> dict[str, list[str]]:
    """``search``: the sampled words as drawn (a common word often, as the
    node's names have it); ``search_once``: each of them once, in the order
    first drawn, so that no search is answered from the server's result
    cache (which keeps a reader's results while the data stands)."""
    return {
        "search": [f"/search?q={quote(w)}" for w in words],
        "search_once": [f"/search?q={quote(w)}" for w in dict.fromkeys(words)],
        "entity": [f"/entities/{quote(i, safe='')}" for i in ids],
    }


def session(url: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=120, follow_redirects=False)
    form = client.get("/login")
    token = CSRF.search(form.text)
    if token is None:
        raise SystemExit("the login page has no CSRF field")
    r = client.post(
        "/login", data={"username": username, "password": password, "csrf": token.group(1)}
    )
    if r.status_code != 303:
        raise SystemExit(f"login as {username} failed: HTTP {r.status_code}")
    return client


def run_sessions(clients: list[httpx.Client], paths: list[str]) -> RunResult:
    def worker(args) -> RunResult:
        client, chunk = args
        res = RunResult()
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
            res.times.append(elapsed)
            res.non_clear += 'class="banner tlp-' in r.text
        return res

    n = len(clients)
    total = RunResult()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(n) as pool:
        for part in pool.map(worker, [(clients[i], paths[i::n]) for i in range(n)]):
            total.times += part.times
            total.failures += part.failures
            total.non_clear += part.non_clear
            total.unanswered += part.unanswered
    total.wall = time.perf_counter() - t0
    return total


def own_cpu_seconds() -> float:
    """User + system CPU of this client (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def table(report: dict) -> str:
    lines = [
        f"{'run':<16}{'p50 ms':>9}{'p95 ms':>9}{'pages/s':>9}{'banner':>8}{'failed':>8}"
        f"{'server CPU ms':>15}{'client CPU ms':>15}"
    ]
    for name, r in report["runs"].items():
        lines.append(
            f"{name:<16}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['requests_per_s']:>9.1f}"
            f"{r['with_banner']:>8}{r['failures']:>8}"
            f"{r['server_cpu_ms_per_page']:>15.1f}{r['client_cpu_ms_per_page']:>15.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    node_arguments(parser, requests=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--sessions", default="1,10")
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help=f"which pages, in order (of {', '.join(KINDS)})"
    )
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    if not kinds or set(kinds) - set(KINDS):
        parser.error(f"--kinds: a comma-separated list of {', '.join(KINDS)}")
    db_url, login = analyst_of(args.dir, args.as_org)
    ids, words = sample(db_url, args.requests)
    work = page_paths(ids, words)
    counts = [int(x) for x in args.sessions.split(",")]
    report: dict = {
        "benchmark": "pages",
        "db": db_url,
        "as": login["username"],
        "requests": args.requests,
        "workers": args.workers,
        "target_p95_ms_at_10": TARGET_MS,
        "runs": {},
    }
    with tempfile.TemporaryDirectory(prefix="gugus-pages-") as tmp:
        for n in counts:  # a fresh server each: search_once starts cold
            server = gugus_server(db_url, args.workers, Path(tmp) / f"serve-{n}.log")
            try:
                server.wait_ready()
                clients = [
                    session(server.url, login["username"], login["password"]) for _ in range(n)
                ]
                for kind in kinds:
                    server_cpu, client_cpu = cpu_seconds(server.proc.pid), own_cpu_seconds()
                    res = run_sessions(clients, work[kind])
                    summary = res.summary()
                    summary["with_banner"] = res.non_clear
                    pages = max(1, len(res.times) + sum(res.failures.values()))
                    for who, spent in (
                        ("server", cpu_seconds(server.proc.pid) - server_cpu),
                        ("client", own_cpu_seconds() - client_cpu),
                    ):
                        summary[f"{who}_cpu_ms_per_page"] = round(spent / pages * 1000, 2)
                    report["runs"][f"{kind}_{n}s"] = summary
                for c in clients:
                    c.close()
            finally:
                report[f"server_{n}s"] = server.stop()
    ten = [report["runs"].get(f"{kind}_10s") for kind in kinds]
    if all(ten):
        worst = max(r["p95_ms"] for r in ten)
        report["p95_ms_at_10_worst"] = worst
        report["meets_target"] = worst <= TARGET_MS
    out = args.dir / f"pages-result-w{args.workers}.json"
    out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    print(table(report), file=sys.stderr)
    for n in counts:
        split = " / ".join(f"{c:.1f}" for c in report[f"server_{n}s"]["worker_cpu_seconds"])
        print(f"{n} session(s): CPU seconds per worker process {split}", file=sys.stderr)


if __name__ == "__main__":
    main()

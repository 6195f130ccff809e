"""The first hour: `gugus demo` prints where the web UI is and a login that
works there (a real demo process, its printed URL, its printed password)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx
from pageworld import csrf_of
from webworld import free_port

PRINTED = re.compile(r"web UI: open (http://\S+/) and log in as (\S+) \(password (\S+)\)")


def test_demo_prints_a_web_login_that_works(tmp_path):
    port = free_port()
    env = {**os.environ, "COLUMNS": "300"}
    env.pop("GUGUS_DB", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gugus.cli",
            "demo",
            "--dir",
            str(tmp_path / "demo"),
            "--people",
            "20",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        seen = []
        for line in proc.stdout:
            seen.append(line)
            found = PRINTED.search(line)
            if found:
                break
        assert found, "".join(seen[-20:])
        url, username, password = found.groups()
        assert url == f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url + "api/v1/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "the demo did not serve"
            time.sleep(0.2)
        with httpx.Client(base_url=url, timeout=60, follow_redirects=True) as client:
            form = client.get("/login")
            r = client.post(
                "/login",
                data={"username": username, "password": password, "csrf": csrf_of(form.text)},
            )
            assert r.status_code == 200 and f"{username} (" in r.text, r.status_code
            assert "<h1>" in r.text and "/search" in r.text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdout.close()

"""Browser tests against a real node: a small demo world built by the real
``gugus demo --no-serve``, served by a real ``gugus serve`` process, driven by
Debian's Chromium through Playwright.  The fixtures in tests/web/conftest.py
wrap these helpers; test modules import this plain module, never the conftest.

Nothing is downloaded: Playwright's own browser builds are not used
(no ``playwright install``); it drives /usr/bin/chromium.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pageworld import csrf_of

CHROMIUM = os.environ.get("GUGUS_CHROMIUM", "/usr/bin/chromium")  # .ci/run installs Debian's
# CI runs as root, where Chromium's sandbox refuses to start; containers often
# have a small /dev/shm, too small for Chromium's shared memory.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage"]
GUGUS = [sys.executable, "-m", "gugus.cli"]
# Big enough for every screen to have something (xref pairs, hit notices,
# all seven collections), small enough to build in seconds.
DEMO_PEOPLE = 60
# Liveness bounds on a shared 2-core machine, not timings.
BUILD_TIMEOUT = 300
START_TIMEOUT = 60
STOP_TIMEOUT = 20
ACTION_TIMEOUT_MS = 60_000  # a browser action or navigation (Playwright's default: 30 s)
ROOT = Path(__file__).resolve().parents[1]
SCREENS = ROOT / "test-output" / "screens"
# axe-core impacts that fail a page (WCAG 2.2 AA: the bar).
FAILING_IMPACTS = ("serious", "critical")
SESSION_COOKIE = "gugus_session"
# Every browser test logs in from 127.0.0.1, many times a minute: the limits
# per client address and per node would refuse them (429).  The per-user limit
# (failed attempts only) stays.
SERVE_ENV = {"GUGUS_LOGIN_LIMIT_ADDRESS": "off", "GUGUS_LOGIN_LIMIT_NODE": "off"}


def browser_unavailable() -> str | None:
    """Why browser tests cannot run here, or None."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} not found (Debian package 'chromium'; .ci/run installs it)"
    try:
        import axe_playwright_python.sync_playwright  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[test]')"
    return None


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("GUGUS_DB", None)
    env["COLUMNS"] = "200"
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class WebNode:
    """A demo node served by a real ``gugus serve`` process."""

    dir: Path
    db: str
    logins: dict[str, dict]  # username -> {password, org, role, token}
    url: str = ""
    process: subprocess.Popen | None = field(default=None, repr=False)
    log: Path | None = None

    def user(self, *, org: str | None = None, role: str | None = None) -> str:
        """The first demo login of ``org`` and/or ``role``."""
        for username, login in self.logins.items():
            if (org is None or login["org"] == org) and (role is None or login["role"] == role):
                return username
        raise LookupError(f"no demo login with org={org} role={role}")

    def log_tail(self, lines: int = 30) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def expire_session(self, token: str) -> None:
        """Make the web session holding ``token`` (the session cookie) expired,
        in the database, as the clock would."""
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        with sqlite3.connect(self.db) as conn:
            changed = conn.execute(
                "UPDATE tokens SET expires_at = ? WHERE token_hash = ?",
                ("2000-01-01T00:00:00.000000Z", digest),
            ).rowcount
        assert changed == 1, "the session cookie is not a token of this node"

    def start(self, port: int | None = None, env: dict[str, str] | None = None) -> None:
        """Serve the node and wait until /api/v1/health answers.  A port taken
        between choosing and binding it is retried on another port."""
        self.log = self.dir / "serve.log"
        for _ in range(3):
            chosen = port or free_port()
            with self.log.open("a") as log:
                self.process = subprocess.Popen(
                    [*GUGUS, "serve", "--db", self.db, "--port", str(chosen)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env={**_env(), **SERVE_ENV, **(env or {})},
                )
            self.url = f"http://127.0.0.1:{chosen}"
            if self._wait_healthy():
                return
            if port is not None or "address already in use" not in self.log_tail().lower():
                break
        raise RuntimeError(f"gugus serve did not start on {self.url}:\n{self.log_tail()}")

    def _wait_healthy(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/health", timeout=5) as answer:  # noqa: S310 - our own local server
                    if answer.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        return False

    def stop(self) -> None:
        """SIGTERM (the server's graceful stop), then kill if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT)


def build_demo(directory: Path, people: int = DEMO_PEOPLE) -> WebNode:
    """A demo world built by the real CLI (``gugus demo --no-serve --json``)."""
    proc = subprocess.run(
        [*GUGUS, "demo", "--no-serve", "--dir", str(directory), "--people", str(people), "--json"],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        env=_env(),
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"gugus demo failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout)
    logins = {
        login["username"]: {k: login[k] for k in ("password", "org", "role", "token")}
        for login in result["logins"]
    }
    return WebNode(dir=directory, db=result["db"], logins=logins)


def served_demo(directory: Path) -> WebNode:
    """A demo world, built and served (stop it after)."""
    node = build_demo(directory)
    node.start()
    return node


def login(page, node: WebNode, username: str) -> None:
    """Log in through the form at /login and wait for the page it leads to."""
    page.goto(f"{node.url}/login")
    submit_login(page, node, username)


def submit_login(page, node: WebNode, username: str) -> None:
    """Fill and send the login form the page shows (after a redirect to
    /login?next=…, it leads back to the page first asked for)."""
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", node.logins[username]["password"])
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.wait_for_load_state()
    path = page.url.removeprefix(node.url)
    assert not path.startswith("/login"), f"login as {username} stayed on {path}"


@contextmanager
def http_session(node: WebNode, username: str):
    """An httpx client logged in through the form, for plain-HTTP page tests
    (the HTML a user receives); redirects are not followed."""
    import httpx

    with httpx.Client(base_url=node.url, follow_redirects=False, timeout=60) as client:
        form = client.get("/login")
        answer = client.post(
            "/login",
            data={
                "username": username,
                "password": node.logins[username]["password"],
                "csrf": csrf_of(form.text),
                "next": "/",
            },
        )
        assert answer.status_code == 303 and SESSION_COOKIE in client.cookies, (
            f"login as {username} answered {answer.status_code}"
        )
        yield client


def session_token(page) -> str:
    """The page's session cookie (HttpOnly: not readable by the page's scripts)."""
    for cookie in page.context.cookies():
        if cookie["name"] == SESSION_COOKIE:
            return cookie["value"]
    raise AssertionError(f"no {SESSION_COOKIE} cookie: not logged in")


def watch(page) -> list[str]:
    """What the browser reports against the page, as it happens: Content-
    Security-Policy violations (an inline script or style, a foreign source)
    and uncaught JavaScript errors."""
    problems: list[str] = []

    def console(msg) -> None:
        if msg.type == "error" and "Content Security Policy" in msg.text:
            problems.append(f"{page.url}: {msg.text}")

    page.on("console", console)
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: uncaught {exc}"))
    return problems


_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const r = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  const label = (el.getAttribute("aria-label") || el.innerText || el.value || el.name || "");
  return {
    what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + label.trim().slice(0, 40),
    key: el.outerHTML.slice(0, 200) + "@" + Math.round(r.left) + "," + Math.round(r.top + scrollY),
    shown: r.width > 0 && r.height > 0 && y >= 0 && y <= innerHeight && x >= 0 && x <= innerWidth,
    covered: !hit || !(hit === el || el.contains(hit) || hit.contains(el)),
    ring: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
          || style.boxShadow !== "none",
  };
}"""


def tab_through(page, limit: int = 150) -> list[str]:
    """Walk the page with the Tab key from the top (WCAG 2.2: 2.1.1 keyboard,
    2.4.7 focus visible, 2.4.11 focus not obscured): every stop must be on
    screen, not covered (by a banner, say) and drawn with a focus ring.
    Returns the stops, in order; stops at the first one seen again, and
    leaves the page unfocused, at the top."""
    page.evaluate("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur()")
    stops, seen, problems = [], set(), []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None or focused["key"] in seen:
            break
        seen.add(focused["key"])
        stops.append(focused["what"])
        for check, message in (
            ("shown", "is not on screen when focused"),
            ("ring", "has no visible focus indicator"),
        ):
            if not focused[check]:
                problems.append(f"{focused['what']!r} {message}")
        if focused["covered"]:
            problems.append(f"{focused['what']!r} is covered by another element when focused")
    page.evaluate("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    assert not problems, f"keyboard walk of {page.url}:\n" + "\n".join(problems)
    return stops


def shot(page, name: str) -> Path:
    """A full-page screenshot at test-output/screens/<name>.png."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    # caret="initial": Playwright's default hides the caret with a style
    # attribute, which htmx then copies into its next swap (a CSP violation)
    page.screenshot(path=str(path), full_page=True, caret="initial")
    return path


def run_axe(page):
    """axe-core (bundled with axe-playwright-python, offline) on the page as it is."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page)


def failing(results) -> list[str]:
    """One line per serious or critical violation: rule id, impact, targets."""
    lines = []
    for violation in results.response["violations"]:
        if violation.get("impact") in FAILING_IMPACTS:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
            lines.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}"
            )
    return lines


def axe(page):
    """axe-core on the page; fails on any serious or critical violation."""
    results = run_axe(page)
    problems = failing(results)
    assert not problems, f"axe on {page.url}:\n" + "\n".join(problems)
    return results

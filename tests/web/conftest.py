"""Browser-test fixtures (issue #9): a real ``gugus serve`` on a small demo
world, and Debian's Chromium driven by Playwright.

    web_node   session: the served demo node (.url, .db, .logins {username:
               {password, org, role, token}}, .user(org=, role=)); ONE per test
               session, shared: a test that changes the world (judgements,
               loads) must not make another test's outcome depend on order
    browser    session: Playwright's Chromium (/usr/bin/chromium, no download)
    new_page   function: new_page(locale="en-US") -> a page in a fresh context
               (own cookies); every page is closed after the test
    page       function: new_page() with the browser's default language (en-US)
    login      login(page, username): the form at /login, waits for the next page
    shot       shot(page, name): full-page screenshot, test-output/screens/<name>.png
    axe        axe(page): axe-core; fails on serious or critical violations
    tab_through tab_through(page): walks the page with Tab; fails on a stop that
               is off screen, covered or without a focus ring; returns the stops

The node is built and served in the background from the end of collection
(it is ready by the time tests/web runs in `make test`), with the login
limits per address and per node lifted (every test logs in from 127.0.0.1).
Plain-HTTP page tests: ``with webworld.http_session(web_node, username) as
client`` (httpx, logged in through the form; ``pageworld.csrf_of(html)``).

A page fails its test when the browser reports a Content-Security-Policy
violation or an uncaught JavaScript error.  Without Chromium or Playwright
the browser tests skip, except under GUGUS_REQUIRE_SERVICES=1 (CI), where
they fail.  ``web_node`` alone needs neither (plain HTTP tests may use it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import webworld

REQUIRE_SERVICES = os.environ.get("GUGUS_REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(items):
    """Skip browser tests before their fixtures build anything (the demo node)."""
    reason = webworld.browser_unavailable()
    if reason and not REQUIRE_SERVICES:
        for item in items:
            if "browser" in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.skip(reason=reason))


# The demo node is built and served in the background from the end of
# collection, while the tests before tests/web run: `make test` waits for it
# only if it is not ready by then.
_early: dict = {}


def pytest_collection_finish(session):
    wanted = any(
        "web_node" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("skip")
        for item in session.items
    )
    if wanted and not session.config.option.collectonly:
        _early["dir"] = Path(tempfile.mkdtemp(prefix="gugus-web-"))
        _early["pool"] = ThreadPoolExecutor(1, thread_name_prefix="web-node")
        _early["node"] = _early["pool"].submit(webworld.served_demo, _early["dir"])


def pytest_sessionfinish(session):
    if "node" in _early:
        with contextlib.suppress(Exception):  # a failed start is reported by web_node
            _early["node"].result().stop()
        _early["pool"].shutdown()
        shutil.rmtree(_early["dir"], ignore_errors=True)
        _early.clear()


@pytest.fixture(scope="session")
def web_node(tmp_path_factory):
    early = _early.get("node")
    if early is not None:
        yield early.result()  # stopped by pytest_sessionfinish
        return
    node = webworld.served_demo(tmp_path_factory.mktemp("web-demo"))  # asked for late
    yield node
    node.stop()


@pytest.fixture(scope="session")
def browser():
    reason = webworld.browser_unavailable()
    if reason:
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason} (GUGUS_REQUIRE_SERVICES=1: services must be present)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=webworld.CHROMIUM, args=webworld.CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    contexts, problems = [], []

    def make(locale: str = "en-US"):
        context = browser.new_context(locale=locale)
        context.set_default_timeout(webworld.ACTION_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        problems.append(webworld.watch(page))
        return page

    yield make
    for context in contexts:
        context.close()
    reported = [line for lines in problems for line in lines]
    assert not reported, "the browser reported:\n" + "\n".join(reported)


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def login(web_node):
    return lambda page, username: webworld.login(page, web_node, username)


@pytest.fixture
def shot():
    return webworld.shot


@pytest.fixture
def axe():
    return webworld.axe


@pytest.fixture
def tab_through():
    return webworld.tab_through

"""The README's first screen works for a newcomer (issue #9, the first hour):
the apt line runs as root and as a user and says what is for the tests
only; it shows how to reach the CLI after `make demo` and which database
the demo uses; every command it shows exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import typer

from gugus.cli import app

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FIRST_SCREEN = README[: README.index("## Core ideas")]
TEST_ONLY = ("postgresql", "openjdk-17-jre-headless", "chromium")
BUILD = ("python3-venv", "libicu-dev", "pkg-config", "g++", "make")


def apt_lines() -> list[str]:
    return [line for line in FIRST_SCREEN.splitlines() if "apt-get install" in line]


def test_the_first_screen_is_short_and_starts_with_the_commands():
    assert len(FIRST_SCREEN.splitlines()) <= 45
    block = FIRST_SCREEN[FIRST_SCREEN.index("```sh") :]
    assert block.index("apt-get") < block.index("make demo") < block.index("make test")


def test_the_apt_line_works_as_root_and_as_a_user():
    build = next(line for line in apt_lines() if "libicu-dev" in line)
    assert build.lstrip().startswith("$(command -v sudo) apt-get install -y")
    # As root without sudo installed, the prefix expands to nothing.
    empty = subprocess.run(
        ["/bin/sh", "-c", 'echo "[$(command -v sudo)]"'],
        env={"PATH": "/nonexistent"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert empty.stdout.strip() == "[]"


def test_the_build_packages_and_the_test_only_packages_are_apart():
    build = next(line for line in apt_lines() if "libicu-dev" in line)
    assert all(package in build.split() for package in BUILD)
    assert not any(package in build.split() for package in TEST_ONLY)
    tests = next(line for line in apt_lines() if "chromium" in line)
    assert all(package in tests for package in TEST_ONLY)
    assert "tests" in FIRST_SCREEN[: FIRST_SCREEN.index(tests)].rsplit("\n\n", 1)[-1]


def test_it_shows_how_to_reach_the_cli_and_the_demo_database():
    assert ".venv/bin/gugus" in FIRST_SCREEN and "make cli" in FIRST_SCREEN
    assert "demo-node/gugus.db" in FIRST_SCREEN
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^cli: ", makefile, re.M)
    assert "$(BIN)/gugus $(ARGS)" in makefile


def test_every_command_the_readme_shows_exists():
    names = set(typer.main.get_command(app).commands)
    shown = re.findall(r"^(?:\.venv/bin/)?gugus ([a-z][a-z-]*)", README, re.M)
    assert shown
    assert sorted(set(shown) - names) == []

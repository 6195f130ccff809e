""".ci/run's dry run (CI_DRY_RUN=1): what CI would install and run, without
installing or running anything."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

CI_RUN = Path(__file__).resolve().parents[1] / ".ci" / "run"


def _dry_run(**env: str) -> list[str]:
    proc = subprocess.run(
        [str(CI_RUN)],
        env={**os.environ, "CI_DRY_RUN": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def _would_install(lines: list[str]) -> list[str]:
    prefix = "[dry-run] would install: "
    return [
        word for line in lines if line.startswith(prefix) for word in line[len(prefix) :].split()
    ]


def test_a_missing_chromium_is_installed_from_debian(tmp_path):
    lines = _dry_run(GUGUS_CHROMIUM=str(tmp_path / "no-chromium"))
    assert "chromium" in _would_install(lines)
    assert lines[-1] == "[dry-run] would run: GUGUS_REQUIRE_SERVICES=1 make test"


def test_a_present_chromium_is_not_installed_again(tmp_path):
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    assert "chromium" not in _would_install(_dry_run(GUGUS_CHROMIUM=str(browser)))

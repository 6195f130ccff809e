"""Every option that takes a value shows a name for it in ``--help`` (USER,
FILE, N, COLLECTION …), never typer's type (``<str>``, ``<int>``)."""

from __future__ import annotations

import re

import typer
from typer.testing import CliRunner

from gugus.cli import app

TYPER_TYPES = re.compile(r"<(str|int|float|path|list\[[^\]]*\]|int range|float range)>")


def commands(group, path: tuple[str, ...] = ()):
    yield path, group
    for name, sub in sorted(getattr(group, "commands", {}).items()):
        yield from commands(sub, (*path, name))


def test_no_help_shows_a_typer_type():
    shown = []
    runner = CliRunner()
    for path, _command in commands(typer.main.get_command(app)):
        text = runner.invoke(app, [*path, "--help"], terminal_width=120).stdout
        assert "Usage:" in text, path
        shown += [
            f"{' '.join(path)}: {line.strip()}"
            for line in text.splitlines()
            if TYPER_TYPES.search(line)
        ]
    assert shown == []


def test_every_value_has_a_name_given_where_it_is_declared():
    unnamed = [
        f"{' '.join(path)} {param.name}"
        for path, command in commands(typer.main.get_command(app))
        for param in command.params
        if param.name != "help" and not getattr(param, "is_flag", False) and not param.metavar
    ]
    assert unnamed == []

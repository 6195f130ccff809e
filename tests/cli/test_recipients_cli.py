"""RED recipient names through ``gugus load --on-error skip`` are no
user-existence oracle (issue #7, finding 2 left-over): a usable recipient, a
user of an organisation outside the marking and an unknown name answer alike."""

from __future__ import annotations

import json

PASSWORD = "correct horse battery staple"  # as tests/cli/conftest.py (a conftest import depends on collection order)


def red(entity_id: str, recipient: str) -> str:
    marking = {"tlp": "red", "handling": ["H0"], "release_to": ["USHSI"], "recipients": [recipient]}
    line = {"id": entity_id, "schema": "Person", "properties": {"name": ["Nadie"]}}
    return json.dumps({**line, "marking": marking}) + "\n"


def test_every_recipient_name_answers_alike_on_the_command_line(cli, tmp_path):
    cli.ok("org", "add", "GTPNC", "--name", "PNC", "--country", "GT")
    cli.ok(
        "user", "add", "gt_analyst", "--org", "GTPNC", "--role", "analyst", "--password-stdin",
        input=PASSWORD + "\n",
    )  # fmt: skip
    answers = []
    # One path for the three files: the table prints it, and wraps a long one
    # (tmp_path under pytest-xdist) wherever its width ends.
    path = tmp_path / "red.jsonl"
    for i, name in enumerate(["us_analyst", "gt_analyst", "nobody"]):
        path.write_text(red(f"r-{i}", name), encoding="utf-8")
        result = cli(
            "load", "mx-cases", str(path), "--as", "mx_analyst", "--on-error", "skip", "--json"
        )
        summary = json.loads(result.stdout)
        answers.append((result.exit_code, summary["skipped_lines"], summary["errors"]))
        plain = cli("load", "mx-cases", str(path), "--as", "mx_analyst", "--on-error", "skip")
        answers.append((plain.exit_code, plain.stdout))
    assert answers[0::2] == [(0, 0, [])] * 3
    assert len(set(answers[1::2])) == 1, answers

"""RED recipient names through the API are no user-existence oracle (issue #7,
finding 2 left-over): an upload with ``on_error=skip`` answers the same for a
usable recipient, another organisation's user and an unknown name.  Both
backends (tests/ingest/test_recipient_names.py has the grants)."""

from __future__ import annotations

import json

NAMES = ["us_analyst", "gt_analyst", "nobody"]


def jsonl(*entities: dict) -> str:
    return "".join(json.dumps(e) + "\n" for e in entities)


def red(entity_id: str, recipient: str) -> dict:
    return {
        "id": entity_id,
        "schema": "Person",
        "properties": {"name": ["Nadie"]},
        "marking": {
            "tlp": "red",
            "handling": ["H0"],
            "release_to": ["USHSI"],
            "recipients": [recipient],
        },
    }


def upload(client, world, body: str, on_error: str):
    return client.post(
        f"/api/v1/collections/mx-cases/entities?on_error={on_error}",
        content=body.encode(),
        headers={**world.headers("mx_analyst"), "Content-Type": "application/x-ndjson"},
    )


def test_every_recipient_name_answers_alike_over_http(client, world):
    for on_error in ("abort", "skip"):
        answers = []
        for i, name in enumerate(NAMES):
            response = upload(client, world, jsonl(red(f"r-{on_error}-{i}", name)), on_error)
            answers.append((response.status_code, response.json()))
        assert all(a == answers[0] for a in answers), answers
        status, body = answers[0]
        assert status == 200 and (body["skipped_lines"], body["errors"]) == (0, [])
    mixed = jsonl(*(red(f"m-{i}", name) for i, name in enumerate(NAMES)))
    body = upload(client, world, mixed, "skip").json()
    assert (body["entities"], body["skipped_lines"], body["errors"]) == (3, 0, [])
    # The unknown name and GT's analyst read nothing of it.
    for i in range(3):
        path = f"/api/v1/entities/{world.id(f'm-{i}')}"
        assert client.get(path, headers=world.headers("gt_analyst")).status_code == 404
    ok = client.get(f"/api/v1/entities/{world.id('m-0')}", headers=world.headers("us_analyst"))
    assert ok.status_code == 200

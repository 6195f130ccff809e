"""Issue #7, findings 2 and 9: what a hostile or broken input learns and does.

Finding 2: a load that names a recipient gets one answer whatever makes the
name unusable (unknown, of an organisation not on the release-to list,
disabled), and a refused load is audited after its rollback.

Finding 9: JSON a parser chokes on — 100,000 ``[``, an object nested 5,000
deep, a 5,000-digit number — is a line error naming the line (skip and
abort, in this process and in the parsing process, through the library, the
API and a real ``gugus`` process); so is the same in a mapped JSON-lines
table, and deep or alias-bombed YAML mappings are refused with a reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import select, update
from test_ftm_load import count, load, person, task_force, with_marking

from gugus import auth
from gugus.errors import InvalidInput, NotFound
from gugus.ingest.mapped import load_mapped
from gugus.ingest.mapping import load_mapping
from gugus.node import Node
from gugus.store.tables import audit_log, users

# What broke the parser: RecursionError / ValueError (int max str digits).
BAD_LINES = {
    "brackets": "[" * 100_000,
    "deep-object": '{"a":' * 5_000 + "1" + "}" * 5_000,
    "long-number": "1" * 5_000,
    "long-number-in-entity": json.dumps({"id": "p9", "schema": "Person"})[:-1]
    + ', "properties": {"name": ['
    + "9" * 5_000
    + "]}}",
    # A lone surrogate (\\ud800 escape): a marking text no database can store.
    "lone-surrogate": json.dumps({"id": "p9", "schema": "Person"})[:-1]
    + ', "marking": {"tlp": "amber", "handling": ["H1"], "release_to": ["US-HSI"], '
    + '"handling_text": "x\\ud800"}}',
    # Parsed fine by json, but deeper than anything walks safely afterwards.
    "deep-marking": json.dumps({"id": "p9", "schema": "Person"})[:-1]
    + ', "marking": '
    + "[" * 900
    + "]" * 900
    + "}",
}


@pytest.fixture
def tf(node):
    return task_force(node)


def refused_records(node) -> list[dict]:
    with node.db.audit_reader.connect() as conn:
        rows = conn.execute(
            select(audit_log).where(audit_log.c.action == "load.refused").order_by(audit_log.c.seq)
        ).mappings()
        return [
            {
                **row,
                "object_ids": json.loads(row["object_ids"]),
                "detail": json.loads(row["detail"]),
            }
            for row in rows
        ]


# -- finding 9 ---------------------------------------------------------------------------
@pytest.mark.parametrize("parallel", [False, True], ids=["inline", "second-process"])
def test_malformed_json_is_a_line_error(tf, parallel):
    for name, bad in BAD_LINES.items():
        lines = [person("p1"), bad, person("p2")]
        summary = load(tf, lines, on_error="skip", parallel=parallel)
        assert (summary.lines, summary.skipped, summary.entities) == (3, 1, 2), name
        error = summary.errors[0]
        assert error["line"] == 2 and "in.jsonl: line 2: invalid JSON" in error["error"], name
        with pytest.raises(InvalidInput) as info:
            load(tf, [person("p3"), bad], on_error="abort", parallel=parallel)
        assert "in.jsonl: line 2: invalid JSON" in info.value.message, name
        assert info.value.details[0]["line"] == 2
    assert count(tf) == 2 * 3  # p1 and p2 only: each an id, a name and a nationality


def test_malformed_json_over_the_api(tf):
    import warnings  # noqa: PLC0415

    from gugus.api import create_app  # noqa: PLC0415

    with warnings.catch_warnings():  # Starlette's import-time deprecation warning
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient  # noqa: PLC0415

    token = auth.issue_token(tf, tf.users["luis"], days=1, label="test")[0]
    headers = {"Authorization": f"Bearer {token}"}
    client = TestClient(create_app(tf), raise_server_exceptions=False)
    for name, bad in BAD_LINES.items():
        body = "\n".join([person("p1"), bad]) + "\n"
        url = "/api/v1/collections/fgr/entities"
        answer = client.post(url, content=body, headers=headers)
        assert answer.status_code == 400, (name, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "invalid_input" and "line 2" in error["message"]
        assert error["details"][0]["line"] == 2
        answer = client.post(url + "?on_error=skip", content=body, headers=headers)
        assert answer.status_code == 200, (name, answer.text)
        assert answer.json()["skipped_lines"] == 1
        assert answer.json()["errors"][0]["line"] == 2


def test_malformed_json_in_a_real_cli_process(tmp_path):
    db = tmp_path / "gugus.db"
    node = Node(str(db))
    node.db.migrate()
    task_force(node)
    node.close()
    data = tmp_path / "bad.jsonl"
    data.write_text("\n".join([person("p1"), *BAD_LINES.values()]) + "\n", encoding="utf-8")
    done = gugus("load", "fgr", str(data), "--db", str(db))
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "line 2: invalid JSON" in done.stderr and "nothing was loaded" in done.stderr
    done = gugus("load", "fgr", str(data), "--db", str(db), "--on-error", "skip", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    errors = json.loads(done.stdout)["errors"]
    assert [e["line"] for e in errors] == list(range(2, 2 + len(BAD_LINES)))


def gugus(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "400"}
    code = "from gugus.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120
    )


MAPPING = """\
entities:
  persona:
    schema: Person
    keys: [persona.id]
    properties:
      name: persona.nombre
"""


@pytest.mark.parametrize("parallel", [False, True], ids=["inline", "second-process"])
def test_malformed_json_in_a_mapped_table(tf, tmp_path, parallel):
    mapping = tmp_path / "m.yml"
    mapping.write_text(MAPPING, encoding="utf-8")
    table = tmp_path / "t.jsonl"
    good = json.dumps({"persona": {"id": 1, "nombre": "Ana"}})
    deep = '{"persona": {"id": 2, "nombre": "B", "x": ' + '{"a":' * 1000 + "1" + "}" * 1002
    # The first line is the one whose keys are listed (recursively) for reports.
    lines = [deep, good, "[" * 100_000, '{"persona": {"id": ' + "1" * 5_000 + "}}"]
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = load_mapped(tf, "fgr", table, mapping, on_error="skip", parallel=parallel)
    assert (summary.skipped, summary.entities) == (3, 1)
    assert [e["line"] for e in summary.errors] == [1, 3, 4]
    assert all("invalid JSON" in e["error"] for e in summary.errors)
    with pytest.raises(InvalidInput, match=r"t.jsonl: line 1: invalid JSON"):
        load_mapped(tf, "fgr", table, mapping, parallel=parallel)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("entities: " + "[" * 5_000 + "]" * 5_000, "nested deeper than"),
        ("".join("  " * i + f"k{i}:\n" for i in range(3_000)), "nested deeper than"),
        (
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n"
                for i in range(9)
            )
            + "entities: {p: {schema: Person, keys: [j], properties: {name: j}}}\n",
            "its aliases expand to more than",
        ),
        ("a: &a [*a]\nentities: {}\n", "its aliases expand to more than"),
    ],
    ids=["deep-list", "deep-mapping", "billion-laughs", "alias-cycle"],
)
def test_hostile_yaml_mapping_is_refused(tmp_path, text, reason):
    path = tmp_path / "m.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=f"m.yml: invalid YAML \\({reason}"):
        load_mapping(path)


def test_yaml_anchors_and_merge_keys_still_work(tmp_path):
    path = tmp_path / "m.yml"
    path.write_text(
        textwrap.dedent(
            """\
            base: &base {schema: Person, keys: [id]}
            entities:
              persona:
                <<: *base
                properties: {name: nombre}
            """
        ),
        encoding="utf-8",
    )
    try:
        load_mapping(path)
    except InvalidInput as exc:  # a mapping error, not the alias guard
        assert "invalid YAML" not in exc.message


# -- finding 2 ---------------------------------------------------------------------------
def test_unusable_recipients_get_one_answer(tf):
    # bob is an MX-FGR user, disabled; gabi is GT-MP's; nobody does not exist;
    # ana is usable.  A load never looks the names up: every line loads alike
    # (tests/ingest/test_recipient_names.py: the policy grants them nothing).
    with tf.db.writer.begin() as conn:
        from gugus.store import directory

        directory.add_user(conn, "bob", "MX-FGR", "analyst", "not-a-hash")
        conn.execute(update(users).where(users.c.username == "bob").values(disabled=True))
    answers = {}
    for i, name in enumerate(("gabi", "nobody", "bob", "ana")):
        line = with_marking({"tlp": "red", "release_to": ["US-HSI"], "recipients": [name]})
        line = line.replace('"p1"', f'"r{i}"')
        summary = load(tf, [line], collection="open", actor=tf.users["luis"], on_error="skip")
        answers[name] = (summary.entities, summary.skipped, len(summary.errors))
    assert set(answers.values()) == {(1, 0, 0)}, answers


def test_refused_loads_are_audited_after_the_rollback(tf):
    luis, gabi = tf.users["luis"], tf.users["gabi"]
    line = with_marking({"tlp": "red", "release_to": ["US-HSI"], "recipients": ["no one"]})
    with pytest.raises(InvalidInput):
        load(tf, [person("p0"), line], collection="open", actor=luis, purpose="case 17")
    with pytest.raises(NotFound):  # fgr is AMBER REL TO US-HSI: invisible to GT-MP
        load(tf, [person("p0")], collection="fgr", actor=gabi)
    with pytest.raises(InvalidInput):  # the operator's own load, a bad line
        load(tf, [person("p0"), "{"], collection="fgr")
    assert count(tf) == 0
    first, second, third = refused_records(tf)
    assert (first["username"], first["org"], first["purpose"]) == ("luis", "MX-FGR", "case 17")
    assert first["object_ids"] == ["collection:open"]
    assert first["detail"] == {
        "reason": "invalid_input",
        "line": 2,
        "source": "in.jsonl",
        "on_error": "abort",
    }
    # An invisible collection is not named, even in the record of the probe.
    assert (second["username"], second["org"]) == ("gabi", "GT-MP")
    assert second["object_ids"] == [] and second["detail"]["reason"] == "not_found"
    assert (third["username"], third["object_ids"]) == ("local-operator", ["collection:fgr"])
    # No value of the refused input is in any record.
    text = json.dumps([first, second, third], default=str)
    assert "gabi'" not in text and "José" not in text


def test_refusal_record_does_not_hide_a_skipped_line_load(tf):
    # on_error=skip is a successful load: one "load" record, no refusal.
    summary = load(tf, [person("p0"), "{"], on_error="skip", actor=tf.users["luis"])
    assert summary.skipped == 1
    assert refused_records(tf) == []


def test_cli_collection_add_gives_the_same_answer(tmp_path):
    db = tmp_path / "gugus.db"
    node = Node(str(db))
    node.db.migrate()
    task_force(node)
    node.close()
    out = []
    for name in ("gabi", "nobody"):
        done = gugus(
            "collection", "add", f"c-{name}", "--org", "MX-FGR", "--tlp", "red",
            "--release-to", "US-HSI", "--recipients", name, "--db", str(db),
        )  # fmt: skip
        assert done.returncode == 2 and "Traceback" not in done.stderr
        out.append(done.stderr.replace(repr(name), "'X'"))
    assert out[0] == out[1] and "GT-MP" not in out[0]

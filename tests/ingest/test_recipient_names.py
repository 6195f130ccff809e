"""RED recipient names are no user-existence oracle (issue #7, finding 2 and
the outside review's left-over).

Before: a load refused a line whose RED marking named a user who is unknown,
disabled or of an organisation outside the marking, and accepted it for a
usable user — one message for every refusal, but with ``--on-error skip`` the
accepted lines answered which guessed names are users of which organisation.
Now a load never looks recipient names up: every well-formed name answers
alike (the line loads), and the policy grants a named user nothing unless
they are an enabled user of a release-to organisation — a user created later
under that name and organisation gains what the marking allows them.  Both
backends.
"""

from __future__ import annotations

import json

import pytest
from nsids import nsid
from sqlalchemy import select
from test_ftm_load import load, person, task_force

from gugus import reads
from gugus.access import Reader
from gugus.errors import InvalidInput, NotFound
from gugus.model.roles import Role
from gugus.store import directory
from gugus.store.tables import audit_log

MX, US, GT = "MX-FGR", "US-HSI", "GT-MP"
# usable (US-HSI analyst), another organisation's user, an unknown name, a
# disabled user of a release-to organisation.
NAMES = ["ana", "gabi", "nobody", "dora"]


@pytest.fixture
def tf(node):
    task_force(node)
    with node.db.writer.begin() as conn:
        uid = directory.add_user(conn, "dora", US, "analyst", "not-a-hash")
        directory.set_disabled(conn, uid, True)
    return node


def red_line(entity_id: str, recipient: str) -> str:
    line = json.loads(person(entity_id))
    line["marking"] = {"tlp": "red", "release_to": [US], "recipients": [recipient]}
    return json.dumps(line)


def comparable(summary) -> dict:
    return {k: v for k, v in summary.to_dict().items() if k not in ("lines",)}


@pytest.mark.parametrize("on_error", ["abort", "skip"])
def test_every_recipient_name_answers_alike(tf, on_error):
    luis = tf.users["luis"]
    answers = {}
    for i, name in enumerate(NAMES):
        answers[name] = comparable(
            load(tf, [red_line(f"p{i}", name)], collection="open", actor=luis, on_error=on_error)
        )
    assert all(a == answers["ana"] for a in answers.values()), answers
    assert answers["ana"]["skipped_lines"] == 0 and answers["ana"]["errors"] == []
    # All in one skip load: nothing tells the lines apart either.
    lines = [red_line(f"q{i}", name) for i, name in enumerate(NAMES)]
    summary = load(tf, lines, collection="open", actor=luis, on_error="skip")
    assert (summary.skipped, summary.errors, summary.entities) == (0, [], 4)


def test_a_named_name_grants_only_what_the_policy_allows(tf):
    load(tf, [red_line(f"p{i}", n) for i, n in enumerate(NAMES)], collection="open")

    def sees(reader, i) -> bool:
        try:
            reads.get_entity(tf, reader, nsid(MX, f"p{i}"))
        except NotFound:
            return False
        return True

    ana, gabi, luis = tf.users["ana"], tf.users["gabi"], tf.users["luis"]
    assert [sees(ana, i) for i in range(4)] == [True, False, False, False]
    # gabi is named but GT-MP is not released to: nothing.
    assert not sees(gabi, 1)
    assert all(sees(luis, i) for i in range(4))  # the originator
    # A user created later under a named name: what the marking allows them.
    with tf.db.writer.begin() as conn:
        uid = directory.add_user(conn, "nobody", US, "analyst", "not-a-hash")
    assert sees(Reader("nobody", US, Role.ANALYST, uid), 2)
    assert not sees(Reader("nobody", US, Role.ANALYST, uid), 0)


def test_a_malformed_recipient_name_is_refused_whatever_the_directory(tf):
    with pytest.raises(InvalidInput, match=r"recipients: '\?\?' is not a user name"):
        load(tf, [red_line("p1", "??")], collection="open")


def test_refused_lines_are_on_the_load_record(tf):
    lines = [red_line("p1", "ana"), red_line("p2", "??"), "{", person("p3")]
    summary = load(tf, lines, collection="open", actor=tf.users["luis"], on_error="skip")
    assert [e["line"] for e in summary.errors] == [2, 3]
    with tf.db.audit_reader.connect() as conn:
        detail = conn.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "load")
        ).scalar_one()
    detail = json.loads(detail) if isinstance(detail, str) else detail
    assert detail["refused_lines"] == [2, 3]
    assert detail["skipped_lines"] == 2


def test_creating_a_user_a_stored_red_marking_names_needs_confirmation(tf):
    """Loads do not look names up, so a RED marking may name a misspelt or
    not-yet-created user; the operator creating that user is stopped and told
    (nothing written) unless --grant-named confirms the person meant."""
    from gugus import admin
    from gugus.errors import Conflict

    load(tf, [red_line("p9", "nuevo")], collection="open")
    with pytest.raises(Conflict, match=r"1 stored TLP:RED marking\(s\) already name 'nuevo'"):
        admin.add_user(tf, "nuevo", US, "analyst", "a long enough password 1")
    with tf.db.reader.connect() as conn:
        assert directory.get_user(conn, "nuevo") is None
    created = admin.add_user(
        tf, "nuevo", US, "analyst", "a long enough password 1", grant_named=True
    )
    reader = tf.reader("nuevo")
    assert created["username"] == "nuevo"
    assert reads.get_entity(tf, reader, nsid(MX, "p9"))["id"] == nsid(MX, "p9")

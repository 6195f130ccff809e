"""The leak property through the load and audit pages.

/load offers exactly the collections the user may load into (visible, of
its organisation, and a role that loads); /audit answers 403 to everyone but
supervisors and shows a supervisor exactly the service's listing: a record
about data the supervisor may not see shows none of it, and the banner
carries the strictest marking of the records shown in full.
"""

from __future__ import annotations

import contextlib
import json
import re

import pytest
from hypothesis import given, settings
from leakpages import PAGE_SHARE, session_client
from leakworld import SLOW_EXAMPLES, WORDS, probe_ids, rebuild, sees, worlds
from sqlalchemy import select

from gugus import reads
from gugus.errors import NotFound
from gugus.model.markings import TLP
from gugus.store.tables import audit_log

RADIO = re.compile(r'name="collection" id="[^"]+" value="([^"]+)"')
ROW = re.compile(r"<tr>\s*<td>(\d+)</td>")
BANNER = re.compile(r'id="banner-top" class="banner tlp-([a-z-]+)"')


def loadable(world, user) -> set[str]:
    if user["role"] not in ("analyst", "liaison"):
        return set()
    return {
        c["name"]
        for c in world["collections"]
        if c["org"] == user["org"] and sees(user, c["marking"], c["org"])
    }


def read_everything(node, world) -> None:
    """Reads by every user, so the audit trail holds records about data each
    supervisor may and may not see."""
    for user in world["users"]:
        reader = node.reader(user["name"])
        for word in WORDS[:3]:
            reads.search(node, reader, word, purpose=f"sweep {user['name']}")
        for eid in probe_ids(world):
            with contextlib.suppress(NotFound):
                reads.get_entity(node, reader, eid, purpose=f"case {user['name']}")


def secrets_of(record) -> set[str]:
    """What a stored record says beyond who, what kind and when."""
    found = {o for o in json.loads(record.object_ids) if len(o) > 3}
    if record.purpose:
        found.add(record.purpose)
    query = json.loads(record.detail).get("query")
    if isinstance(query, str) and len(query) > 3:
        found.add(query)
    return found


def check_pages(node, world) -> None:
    read_everything(node, world)
    for user in world["users"]:
        c = session_client(node, user["name"])
        r = c.get("/load")
        assert r.status_code == 200, (user, r.status_code)
        assert set(RADIO.findall(r.text)) == loadable(world, user), user

        r = c.get("/audit")
        if user["role"] != "supervisor":
            assert r.status_code == 403, user
            assert not ROW.search(r.text)
            continue
        assert r.status_code == 200, user
        listed = reads.list_audit(node, node.reader(user["name"]), limit=51)[:50]
        assert [int(s) for s in ROW.findall(r.text)] == [x["seq"] for x in listed], user
        shown = [x for x in listed if not x["redacted"]]
        allowed = set()
        for x in shown:
            allowed.update(x["object_ids"])
            allowed.update(str(v) for v in x["detail"].values())
            allowed.add(x["purpose"] or "")
        with node.db.audit_reader.connect() as conn:
            stored = conn.execute(
                select(audit_log).where(audit_log.c.seq.in_([x["seq"] for x in listed]))
            ).all()
        hidden = {x["seq"] for x in listed if x["redacted"]}
        for record in stored:
            if record.seq in hidden:
                for secret in secrets_of(record) - allowed:
                    assert secret not in r.text, (user, record.seq, secret)
        marks = [x["marking"] for x in shown if x["marking"]]
        top = max((TLP(m["tlp"]) for m in marks), key=lambda t: t.rank, default=None)
        banner = BANNER.search(r.text)
        if top is None or (top is TLP.CLEAR and not any(m["handling"] for m in marks)):
            assert banner is None, user
        else:
            assert banner and banner.group(1) == top.value.replace("+", "-"), user


@pytest.mark.slow
def test_load_and_audit_pages_show_only_what_the_services_allow(node):
    examples = max(10, settings().max_examples // PAGE_SHARE)

    @settings(max_examples=examples, suppress_health_check=SLOW_EXAMPLES)
    @given(world=worlds())
    def run(world):
        rebuild(node, world)
        check_pages(node, world)

    run()

"""The audit page over HTTP (TestClient on the API tests' world): supervisors
only, filters kept in the URL, redaction as the API, paging with before=."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from apiworld import build_world
from pageworld import logged_in

from gugus import reads
from gugus.ingest import ftm
from gugus.web.pages import audit as audit_page

SEQS = re.compile(r"<tr>\s*<td>(\d+)</td>")


@pytest.fixture
def world(node):
    return build_world(node)


def seqs(html: str) -> list[int]:
    return [int(s) for s in SEQS.findall(html)]


def test_others_get_a_403_page(world):
    for user in ("mx_analyst", "us_analyst"):
        r = logged_in(world.node, user).get("/audit")
        assert r.status_code == 403 and "Only supervisors" in r.text
        assert "<table" not in r.text


def test_a_supervisor_reads_the_trail_with_real_headers_and_redaction(world):
    node = world.node
    secret = {
        "id": "p-red",
        "schema": "Person",
        "properties": {"name": ["Rosa Quintero"], "passportNumber": ["G7654321"]},
        "property_markings": {
            "passportNumber": {
                "tlp": "red",
                "handling": ["H0"],
                "release_to": ["USHSI"],
                "recipients": ["us_analyst"],
            }
        },
    }
    ftm.load_lines(node, "mx-cases", [json.dumps(secret)], source="red.jsonl")
    us_analyst = node.reader("us_analyst")
    reads.search(node, us_analyst, "G7654321", purpose="passport check")
    reads.get_entity(node, us_analyst, world.id("p-jose"), purpose="HSI 7")
    reads.get_entity(node, node.reader("mx_analyst"), "p-jose", purpose="case FGR/42")
    c = logged_in(node, "us_super")
    r = c.get("/audit")
    assert r.status_code == 200
    for header in ("Time (UTC)", "User", "Action", "Objects", "Purpose", "Details"):
        assert f'<th scope="col">{header}</th>' in r.text
    listed = reads.list_audit(node, node.reader("us_super"), limit=50)
    assert seqs(r.text) == [x["seq"] for x in listed]
    # us_super may not see the RED passport: the search is listed, redacted.
    assert any(x["redacted"] and x["action"] == "search" for x in listed)
    assert reads.REDACTED in r.text
    assert "G7654321" not in r.text and "passport check" not in r.text
    assert "HSI 7" in r.text  # a colleague's read of what us_super may see: in full
    assert 'class="banner tlp-amber"' in r.text  # what those records touched
    assert "case FGR/42" not in r.text  # another organisation's record: not listed


def test_filters_stay_in_the_url_and_in_the_form(world):
    node = world.node
    for _ in range(2):
        reads.search(node, node.reader("mx_analyst"), "jose")
    c = logged_in(node, "mx_super")
    r = c.get("/audit", params={"user": "mx_analyst", "action": "search"})
    want = reads.list_audit(node, node.reader("mx_super"), user="mx_analyst", action="search")
    assert seqs(r.text) == [x["seq"] for x in want] and len(want) == 2
    assert 'name="user" maxlength="128" value="mx_analyst"' in r.text
    assert 'value="search" list="audit-actions"' in r.text
    none = c.get("/audit", params={"user": "nobody"})
    assert none.status_code == 200 and "No audit records match." in none.text


def test_a_bad_time_is_said_naming_the_field(world):
    r = logged_in(world.node, "mx_super").get("/audit", params={"since": "last week"})
    assert r.status_code == 400
    assert "since: " in r.text and "ISO 8601" in r.text
    assert 'value="last week"' in r.text  # the form keeps what was typed


def test_paging_with_before_keeps_the_filters(world, monkeypatch):
    node = world.node
    monkeypatch.setattr(audit_page, "PAGE", 3)
    for _ in range(5):
        reads.search(node, node.reader("mx_analyst"), "jose")
    c = logged_in(node, "mx_super")
    everything = [
        x["seq"] for x in reads.list_audit(node, node.reader("mx_super"), user="mx_analyst")
    ]
    r = c.get("/audit", params={"user": "mx_analyst"})
    assert seqs(r.text) == everything[:3]
    older = re.search(r'<a href="([^"]+)" rel="next">', r.text).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(older).query)
    assert query == {"user": ["mx_analyst"], "before": [str(everything[2])]}
    r = c.get(older)
    assert seqs(r.text) == everything[3:6]
    assert 'href="/audit?user=mx_analyst"' in r.text  # back to the newest


def test_the_redacted_text_is_the_apis():
    source = (audit_page.__file__.rsplit("/pages/", 1)[0]) + "/templates/audit.html"
    with open(source, encoding="utf-8") as fh:
        assert f"_('{reads.REDACTED}')" in fh.read()


def test_the_page_speaks_spanish(world):
    c = logged_in(world.node, "mx_super")
    c.cookies.set("gugus_lang", "es_MX")
    r = c.get("/audit")
    assert "Bitácora de auditoría" in r.text

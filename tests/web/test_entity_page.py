"""The entity page over HTTP (TestClient, both backends, tests/relworld.py):
values with collection, origin and their own marking; relationships linking
to the other entities; "possibly the same as" with its explanation; hit
notices; banners with the strictest marking shown — and nothing of what the
reader may not see (a RED passport is absent from the page a user of another
organisation receives, present with a RED badge for its recipient)."""

from __future__ import annotations

import re

import pytest
from leakpages import session_client
from relworld import (
    HIDDEN_NAME,
    RED_LINK_AMOUNT,
    RED_PASSPORT,
    build,
    fgr,
    hit_on_hidden,
    hsi,
    line,
    load,
)

from gugus.xref import runs

BANNER = re.compile(
    r'<div id="banner-(top|bottom)" class="banner tlp-([a-z-]+)"[^>]*><strong>([^<]*)</strong>'
)
ROW_WITH = r"<tr>(?:(?!</tr>).)*{}(?:(?!</tr>).)*</tr>"


@pytest.fixture
def world(node):
    return build(node)


def get(node, user: str, entity_id: str, lang: str = "en_US", **params):
    c = session_client(node, user)
    c.cookies.set("gugus_lang", lang)
    return c.get(f"/entities/{entity_id}", params=params)


def banners(html: str) -> list[tuple[str, str, str]]:
    return BANNER.findall(html)


def row_with(html: str, text: str) -> str:
    found = re.search(ROW_WITH.format(re.escape(text)), html, re.S)
    assert found, text
    return found.group(0)


def test_another_organisation_gets_no_red_value_and_no_hidden_end(node, world):
    r = get(node, "ana", fgr("p1"))
    assert r.status_code == 200
    html = r.text
    for withheld in (
        RED_PASSPORT,
        fgr("pp1"),
        HIDDEN_NAME,
        fgr("p3"),
        RED_LINK_AMOUNT,
        fgr("pay2"),
    ):
        assert withheld not in html, withheld
    assert "TLP:RED" not in html
    assert banners(html) == [("top", "amber", "TLP:AMBER H1"), ("bottom", "amber", "TLP:AMBER H1")]
    name = row_with(html, "José Pérez")
    assert "<td>fgr</td>" in name and "relworld.jsonl" in name and "TLP:AMBER H1" in name
    payment = row_with(html, "María López")
    assert f'href="/entities/{fgr("p2")}"' in payment and "Payer" in payment
    assert "Beneficiary" in payment and f'href="/entities/{fgr("pay1")}"' in payment


def test_the_recipient_sees_the_red_value_marked_red_on_it_alone(node, world):
    html = get(node, "bob", fgr("pp1")).text
    number = row_with(html, RED_PASSPORT)
    assert 'class="badge tlp-red">TLP:RED H1' in number
    assert [b[1] for b in banners(html)] == ["red", "red"]
    # on the person's page the passport is one relationship marked RED; the
    # person's own values keep their AMBER badges, the banner shows RED
    html = get(node, "bob", fgr("p1")).text
    assert "TLP:RED H1" in row_with(html, RED_PASSPORT)
    assert "TLP:RED" not in row_with(html, "José Pérez")
    assert [b[1] for b in banners(html)] == ["red", "red"]


def test_hidden_and_missing_answer_alike(node, world):
    hidden = get(node, "gabi", fgr("p1"))
    missing = get(node, "gabi", fgr("nobody"))
    assert hidden.status_code == missing.status_code == 404

    def strip(r, eid):  # the id asked for, and each session's CSRF token
        return re.sub(r"[0-9a-f]{64}", "", r.text.replace(eid, "X"))

    assert strip(hidden, fgr("p1")) == strip(missing, fgr("nobody"))


def test_spanish(node, world):
    html = get(node, "ana", fgr("p1"), lang="es_MX").text
    assert '<html lang="es-MX">' in html
    for text in ("Relaciones", "Valores", "Posiblemente la misma que", "Pagador", "Beneficiario"):
        assert text in html, text
    assert "TLP:AMBER" in html  # labels are never translated


def test_relationship_pages_in_the_url(node, world):
    load(node, "fgr", [line(f"t{i}", "Payment", payer="p2", beneficiary="p1") for i in range(60)])
    first = get(node, "luis", fgr("p2")).text
    assert 'href="?offset=50" rel="next"' in first and 'rel="prev"' not in first
    second = get(node, "luis", fgr("p2"), offset=50).text
    assert 'href="?offset=0" rel="prev"' in second and 'rel="next"' not in second
    assert get(node, "luis", fgr("p2"), offset=-1).status_code == 400


def test_same_as_and_notices(node, world):
    assert runs.start(node, world["luis"], threshold=1e-9)["status"] == "done"
    html = get(node, "luis", fgr("p1")).text
    pair = row_with(html, "Jose Perez")
    assert f'href="/entities/{hsi("q1")}"' in pair and "similar names and details" in pair
    assert 'href="/review"' in pair and "surname" in pair
    notice = hit_on_hidden(node, world)
    html = get(node, "ana", hsi("q1")).text
    assert "MX-FGR" in row_with(html, notice["reference"]) and HIDDEN_NAME not in html
    assert (
        notice["reference"] in get(node, "lia", fgr("p3")).text
    )  # the mirror, for the holder's liaison
    assert notice["reference"] not in get(node, "luis", fgr("p3")).text


def test_the_page_reads_are_audited(node, world):
    from sqlalchemy import select

    from gugus.store.tables import audit_log

    get(node, "ana", fgr("p1"))
    with node.db.audit_reader.connect() as conn:
        actions = [
            r.action
            for r in conn.execute(select(audit_log).where(audit_log.c.username == "ana")).all()
        ]
    assert "entity.read" in actions and "entity.relationships" in actions

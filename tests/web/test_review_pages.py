"""The review queue and notices pages over HTTP (TestClient, both backends):
the pair side by side with every value's badge, judging with and without
htmx (CSRF required, recorded and audited), resuming, Spanish, and nothing
of what a user may not see."""

from __future__ import annotations

import re

import pytest
from judgeworld import build
from leakpages import session_client
from matchworld import HIDDEN_VALUES, holder
from matchworld import build as build_match
from pageworld import csrf_of
from reviewworld import store_run
from sqlalchemy import select

from gugus.share.notices import raise_hit, set_contact
from gugus.store.tables import audit_log
from gugus.xref.judgements import list_judgements

NO_INLINE = re.compile(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=")


@pytest.fixture
def jw(node):
    world = build(node)
    store_run(node, world.id)
    return world


def test_review_page_shows_the_first_pair_side_by_side(jw):
    html = session_client(jw.node, "mx").get("/review").text
    assert "<h1>Review queue</h1>" in html and "Pair 1 of 8" in html
    assert '<th scope="col">Field</th><th scope="col">Left</th><th scope="col">Right</th>' in html
    assert "José Pérez Oculto" in html and "Joseph Perez" in html  # h1 and u1
    assert 'class="badge tlp-amber">TLP:AMBER</span>' in html
    assert 'class="badge tlp-clear">TLP:CLEAR</span>' in html
    assert "given name</th>" in html and "strong evidence that they are the same" in html
    assert "strong evidence that they differ" in html  # the birth date's weight
    for key in ("s", "d", "u", "n"):
        assert f'data-review-key="{key}"' in html and f"<kbd>{key}</kbd>" in html
    assert '<script src="/static/review.js" defer></script>' in html
    assert 'aria-live="polite"' in html and 'id="banner-top" class="banner tlp-amber"' in html
    assert not NO_INLINE.search(html)


def test_judging_needs_the_csrf_token(jw):
    c = session_client(jw.node, "mx")
    form = {"a": jw.id("h1"), "b": jw.id("u1"), "verdict": "same", "position": "0"}
    r = c.post("/review/judge", data=form)
    assert r.status_code == 403 and "did not come from this site" in r.text
    r = c.post("/review/judge", data={**form, "csrf": "0" * 64})
    assert r.status_code == 403
    assert list_judgements(jw.node, jw.readers["mx"], jw.id("h1")) == []


def test_judging_records_audits_and_moves_on_without_javascript(jw):
    c = session_client(jw.node, "mx")
    token = csrf_of(c.get("/review").text)
    form = {"a": jw.id("h1"), "b": jw.id("u1"), "verdict": "different", "position": "0"}
    r = c.post(
        "/review/judge", data={**form, "reason": "other mother", "csrf": token},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/review?position=0&done=different"
    [j] = list_judgements(jw.node, jw.readers["mx"], jw.id("h1"))
    assert (j["verdict"], j["reason"], j["user"]) == ("different", "other mother", "mx")
    with jw.node.db.audit_reader.connect() as conn:
        actions = conn.execute(select(audit_log.c.action)).scalars().all()
    assert "judgement" in actions and "xref.review" in actions
    # leaving and coming back: the first pair still to decide
    html = c.get("/review").text
    assert "Pair 1 of 7" in html and "José Pérez Oculto" not in html.split("Why they")[0]
    assert "Recorded: different." in c.get(r.headers["location"]).text


def test_judging_with_htmx_swaps_in_the_next_pair(jw):
    c = session_client(jw.node, "mx")
    token = csrf_of(c.get("/review").text)
    r = c.post(
        "/review/judge",
        data={"a": jw.id("h1"), "b": jw.id("u1"), "verdict": "unsure", "position": "0"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert r.status_code == 200 and "<html" not in r.text
    assert "Recorded: unsure." in r.text and "Pair 1 of 8" in r.text  # unsure moved to the end
    assert 'id="banner-top" class="banner tlp-amber" hx-swap-oob="true"' in r.text
    skipped = c.get("/review?position=1", headers={"HX-Request": "true"}).text
    assert "Pair 2 of 8" in skipped and "<html" not in skipped
    last = c.get("/review?position=7").text
    assert "Pair 8 of 8" in last and "Judged unsure before" in last


def test_review_page_in_spanish(jw):
    c = session_client(jw.node, "mx")
    c.cookies.set("gugus_lang", "es_MX")
    html = c.get("/review", headers={"Accept-Language": "es-MX"}).text
    assert "Cola de revisión" in html and "Par 1 de 8" in html
    assert "Fecha de nacimiento" in html or "Nombre" in html  # FtM's own Spanish labels
    assert "evidencia fuerte de que son el mismo" in html


def test_a_user_of_another_organisation_sees_none_of_it(jw):
    """r1 is GT's TLP:RED record for the named mx alone; h1 and a1's birth
    date are MX's.  Neither US nor mx2 (MX, not named) receives them."""
    for user, count in (("us", 4), ("mx2", 7), ("gt", 2)):
        c = session_client(jw.node, user)
        pages = [c.get(f"/review?position={i}").text for i in range(count)]
        pages.append(c.get("/").text)
        for html in pages:
            assert "José Rojo" not in html, user
            if user != "mx2":
                assert "José Pérez Oculto" not in html and "1980-02-03" not in html, user
        assert f"Pair 1 of {count}" in pages[0]
        assert f"{count} pairs to review" in pages[-1]
    assert "José Rojo" in session_client(jw.node, "mx").get("/review?position=7").text


def test_no_pairs_to_review(jw):
    c = session_client(jw.node, "gt")
    for a, b in (("u1", "u3"), ("u1", "u2")):
        token = csrf_of(c.get("/review").text)
        form = {"a": jw.id(a), "b": jw.id(b), "verdict": "same", "position": "0", "csrf": token}
        assert c.post("/review/judge", data=form).status_code == 200
    html = c.get("/review").text
    assert "No pairs to review" in html and 'id="banner-top" class="banner"' in html


def test_a_bad_judgement_is_an_error_page(jw):
    c = session_client(jw.node, "us")
    token = csrf_of(c.get("/review").text)
    form = {"a": jw.id("h1"), "b": jw.id("u1"), "verdict": "same", "csrf": token}
    r = c.post("/review/judge", data=form)  # h1 is MX only: like a missing entity
    assert r.status_code == 404 and "José" not in r.text
    r = c.post("/review/judge", data={**form, "a": jw.id("u2"), "verdict": "maybe"})
    assert r.status_code == 400


@pytest.fixture
def mw(node):
    return build_match(node)


def hit(node, world):
    cid, mid = holder(node, world["hidden"])
    return raise_hit(
        node, node.reader("mx_a"), own_entity_id=None, kind="passport",
        holder_collection_id=cid, holder_entity_id=world["hidden"], marking_id=mid, source="xref",
    )  # fmt: skip


def test_notices_page_in_and_out_without_content(node, mw):
    set_contact(node, "US", "HSI liaison desk, +1 555 0100")
    notice = hit(node, mw)
    out = session_client(node, "mx_a").get("/notices").text
    assert "<h1>Hit notices</h1>" in out and f"<code>{notice['reference']}</code>" in out
    assert "HSI liaison desk, +1 555 0100" in out and "passport number" in out
    assert "cross-referencing" in out
    assert "go to its liaison officers and supervisors" in out  # an analyst: no "in" table
    incoming = session_client(node, "us_s").get("/notices").text
    section = incoming.split('id="in"')[1]
    assert notice["reference"] in section and "the liaison officers of MX" in section
    assert mw["hidden"] in section  # the holder's own record, by id
    for html in (out, incoming):
        assert not NO_INLINE.search(html)
    for value in HIDDEN_VALUES:
        assert value not in out, value
    assert 'id="banner-top" class="banner"' in out  # nothing marked is shown


def test_notices_page_in_spanish_and_empty(node, mw):
    c = session_client(node, "mx_a")
    c.cookies.set("gugus_lang", "es_MX")
    html = c.get("/notices").text
    assert "Avisos de coincidencia" in html
    assert "No hay avisos de coincidencia sobre sus consultas y registros." in html
    hit(node, mw)
    html = c.get("/notices").text
    assert "los oficiales de enlace de US" in html and "passport number" not in html

"""Issue #9, browser test 5: a load through the page with a bad row: the error
names the row; nothing is loaded.  And a good file's summary, the audit page
of a supervisor with its filters, axe on both screens in both languages.  A
real ``gugus serve`` on a demo node, driven by Chromium."""

from __future__ import annotations

import json

import httpx
import pytest

from gugus.web.i18n import translations

# The browser fixtures (tests/web/conftest.py, tests/webworld.py) come with
# helper "webtests"'s branch: without them this module has nothing to run on.
pytest.importorskip("webworld")

ES = translations("es_MX")
# Names no demo world holds: what the loads below write, or must not.
BAD_NAME = "Zacarías Quimbaya Otálora"
GOOD_NAME = "Eustaquia Brindis Ocampo"


def lines(*names: str, broken_at: int | None = None) -> str:
    out = []
    for i, name in enumerate(names, 1):
        if i == broken_at:
            out.append('{"id": "p-broken", "schema": "Person",')
        entity = {"id": f"p-web-{i}", "schema": "Person", "properties": {"name": [name]}}
        out.append(json.dumps(entity, ensure_ascii=False))
    return "\n".join(out) + "\n"


def api_search(web_node, username: str, query: str) -> list:
    token = web_node.logins[username]["token"]
    answer = httpx.get(
        f"{web_node.url}/api/v1/search",
        params={"q": query},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def submit(page, path) -> None:
    page.get_by_label("File", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Load", exact=True).click()


def test_a_bad_row_names_the_row_and_nothing_is_loaded(web_node, page, login, shot, axe, tmp_path):
    user = web_node.user(role="analyst")
    login(page, user)
    page.goto(f"{web_node.url}/load")
    assert page.get_by_role("heading", level=1).inner_text() == "Load a file"
    first = page.locator("input[name=collection]").first
    assert first.is_checked()
    # The marking badge comes before the collection's name.
    label = page.locator(f"label[for={first.get_attribute('id')}]").inner_text()
    assert label.startswith("TLP:")
    axe(page)
    shot(page, "load")

    bad = tmp_path / "people.jsonl"
    bad.write_text(lines(BAD_NAME, "Otro Nombre", broken_at=2), encoding="utf-8")
    submit(page, bad)
    alert = page.get_by_role("alert")
    alert.wait_for()
    text = alert.inner_text()
    assert "Nothing was loaded" in text
    assert "Line or row 2" in text and "people.jsonl: line 2" in text
    # The message may quote the file: the banners carry the collection's marking.
    assert page.locator("#banner-top").inner_text().startswith(label.split()[0])
    axe(page)
    shot(page, "load-error")
    assert api_search(web_node, user, BAD_NAME) == []  # nothing of the file is stored

    good = tmp_path / "good.jsonl"
    good.write_text(lines(GOOD_NAME), encoding="utf-8")
    submit(page, good)
    heading = page.get_by_role("heading", name="Loaded into", exact=False)
    heading.wait_for()
    summary = page.locator("table.load-summary").inner_text()
    assert "good.jsonl" in summary
    shot(page, "load-summary")
    assert [r["id"] for r in api_search(web_node, user, GOOD_NAME)]


def test_the_load_page_in_spanish_passes_axe(web_node, new_page, login, axe):
    page = new_page(locale="es-MX")
    login(page, web_node.user(role="analyst"))
    page.goto(f"{web_node.url}/load")
    assert page.get_by_role("heading", level=1).inner_text() == ES.gettext("Load a file")
    axe(page)


def test_a_supervisor_filters_the_audit_trail(web_node, page, login, shot, axe):
    login(page, web_node.user(role="supervisor"))
    page.goto(f"{web_node.url}/audit")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Audit trail of")
    page.get_by_label("Action").fill("token.issue")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    assert "action=token.issue" in page.url  # kept in the URL: a link to share
    actions = page.locator("table.audit tbody tr td:nth-child(4)").all_inner_texts()
    assert actions and set(actions) == {"token.issue"}
    axe(page)
    shot(page, "audit")
    page.goto(f"{web_node.url}/lang/es_MX?next=/audit")
    axe(page)


def test_an_analyst_gets_the_403_page(web_node, page, login):
    login(page, web_node.user(role="analyst"))
    answer = page.goto(f"{web_node.url}/audit")
    assert answer.status == 403
    assert "Only supervisors" in page.locator("main").inner_text()

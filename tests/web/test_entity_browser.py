"""The entity page in Chromium against a served demo node (tests/web/conftest.py
fixtures): a user of another organisation opens a person, sees its values and
relationships, follows a relationship to the other entity and comes back with
the browser's Back; the page passes axe and the keyboard walk in both
languages; a TLP:RED value is absent from the page a user of another
organisation receives and shown with its RED badge to its named recipient."""

from __future__ import annotations

import sqlite3
from urllib.parse import quote

import httpx
import pytest

# The browser fixtures (tests/web/conftest.py) come with tests/webworld.py.
pytest.importorskip("webworld")

LOCALES = ["en-US", "es-MX"]
# Headings and the relationships' column as each language shows them.
WORDS = {
    "en-US": ("Values", "Relationships", "Possibly the same as"),
    "es-MX": ("Valores", "Relaciones", "Posiblemente la misma que"),
}


def api(web_node, username: str, path: str) -> httpx.Response:
    token = web_node.logins[username]["token"]
    return httpx.get(
        f"{web_node.url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


def entity_path(entity_id: str) -> str:
    return f"/entities/{quote(entity_id, safe='')}"


def referenced_people(web_node) -> list[str]:
    """Persons most named by other entities (payments, families, trips …),
    most first: candidates with relationships."""
    with sqlite3.connect(f"file:{web_node.db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT s.value FROM statements s WHERE s.prop_type = 'entity' AND s.value IN "
            "(SELECT entity_id FROM statements WHERE schema = 'Person' AND prop = 'id') "
            "GROUP BY s.value ORDER BY count(*) DESC, s.value LIMIT 200"
        ).fetchall()
    return [r[0] for r in rows]


def person_with_relationships(web_node, username: str) -> tuple[str, list[dict]]:
    """A person ``username`` may see with at least two relationships."""
    for entity_id in referenced_people(web_node):
        r = api(web_node, username, f"{entity_path(entity_id)}/relationships")
        if r.status_code == 200 and len(r.json()["relationships"]) >= 2:
            return entity_id, r.json()["relationships"]
    pytest.fail(f"the demo world has no person with relationships visible to {username}")


def red_value(web_node) -> tuple[str, str, str, str]:
    """(entity id, a TLP:RED value of it, its named recipient, a user of
    another organisation): preferably one who may see the entity (its other
    values, or its relationships) but not the value; else one who may not
    see the entity at all (the demo marks some records RED as a whole)."""
    with sqlite3.connect(f"file:{web_node.db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT s.entity_id, s.value, m.recipients, m.originator FROM statements s "
            "JOIN markings m ON m.id = s.marking_id WHERE m.tlp = 'red' "
            "AND s.prop != 'id' AND s.prop_type NOT IN ('entity', 'text') "
            "ORDER BY s.entity_id LIMIT 100"
        ).fetchall()
    fallback = None
    for entity_id, value, recipients, originator in rows:
        named = [u for u in recipients.split(",") if u in web_node.logins]
        if not named:
            continue
        others = [
            u
            for u, login in web_node.logins.items()
            if login["org"] not in (originator, web_node.logins[named[0]]["org"])
            and login["role"] == "analyst"
        ]
        for other in others:
            seen = api(web_node, other, entity_path(entity_id))
            if seen.status_code == 200 and value not in seen.text:
                return entity_id, value, named[0], other
            fallback = fallback or (entity_id, value, named[0], other)
    if fallback is None:
        pytest.fail("the demo world has no TLP:RED value with a named recipient")
    return fallback


@pytest.mark.parametrize("locale", LOCALES)
def test_open_a_person_follow_a_relationship_and_come_back(
    web_node, new_page, login, axe, shot, tab_through, locale
):
    user = web_node.user(org="US-HSI", role="analyst")
    entity_id, rels = person_with_relationships(web_node, user)
    page = new_page(locale=locale)
    login(page, user)
    url = f"{web_node.url}{entity_path(entity_id)}"
    assert page.goto(url).status == 200
    values, relationships, same_as = WORDS[locale]
    for heading in (values, relationships, same_as):
        assert page.get_by_role("heading", name=heading, level=2).count() == 1
    assert page.locator("h1").count() == 1
    rows = page.locator("table.entity-relationships tbody tr")
    assert rows.count() == len(rels)
    # column headers for every table (WCAG: th scope)
    assert page.locator("table.entity-relationships thead th[scope=col]").count() == 5
    axe(page)
    shot(page, f"entity-{locale}")  # before the keyboard walk, which leaves the page unfocused
    assert tab_through(page)
    # follow the first relationship to the other entity, then Back
    other = rows.first.locator("td").nth(3).locator("a")
    target = other.get_attribute("href")
    with page.expect_navigation():
        other.click()
    assert page.url == f"{web_node.url}{target}"
    assert page.locator("h1").count() == 1
    page.go_back()
    page.wait_for_load_state()
    assert page.url == url
    assert page.locator("table.entity-relationships tbody tr").count() == len(rels)


def test_red_value_only_for_its_recipient(web_node, new_page, login, shot):
    entity_id, value, recipient, other = red_value(web_node)
    path = entity_path(entity_id)
    page = new_page()
    login(page, other)
    answer = page.goto(f"{web_node.url}{path}")
    assert answer.status in (200, 404)  # 404: the record is RED as a whole
    assert value not in page.content()
    assert "TLP:RED" not in page.content()
    page = new_page()
    login(page, recipient)
    assert page.goto(f"{web_node.url}{path}").status == 200
    row = page.locator("table.entity-values tbody tr", has_text=value)
    assert row.count() >= 1
    assert row.first.locator(".badge.tlp-red").inner_text().startswith("TLP:RED")
    assert page.locator("#banner-top").inner_text().startswith("TLP:RED")
    assert page.locator("#banner-bottom").inner_text().startswith("TLP:RED")
    shot(page, "entity-red-recipient")

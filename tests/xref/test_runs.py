"""Cross-referencing runs on both backends: links, explanations, selectors,
markings and visibility of pairs, bad input, failure keeps earlier results."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gugus.errors import InvalidInput, NotFound
from gugus.store.tables import xref_pairs, xref_params
from gugus.xref import engine, runs


def pairs_of(world, user, run, **kw):
    return runs.status(world.node, world.readers[user], run, limit=500, **kw)["pairs"]


def keyed(pairs):
    return {(p["left"], p["right"], p["kind"]): p for p in pairs}


def pair(world, a, b):
    return tuple(sorted((world.id(*a), world.id(*b))))


def test_the_same_man_in_two_agencies_is_linked_with_an_explanation(xworld):
    mx = xworld.readers["mx"]
    run = runs.start(xworld.node, mx, ["mx-casos", "us-cases", "gt-casos"])
    assert run["status"] == "done"
    got = keyed(pairs_of(xworld, "mx", run["run"]))
    jose = pair(xworld, ("mx-casos", "p-jose"), ("us-cases", "s-1"))
    linked = got[(*jose, "model")]
    assert linked["probability"] >= 0.5
    why = linked["explanation"]
    assert why["birth_date"]["level"] == "day and month swapped"
    assert why["given"]["weight"] > 0 and why["surname"]["weight"] > 0
    assert linked["marking"]["tlp"] == "amber"
    assert set(linked["marking"]["release_to"]) >= {"MXFGR", "USHSI"}
    # shared phone: a selector pair of its own
    assert got[(*jose, "phone")]["explanation"]["selector"]["kind"] == "phone"
    # María: the passport of a Passport entity belongs to its holder
    maria = pair(xworld, ("mx-casos", "p-maria"), ("gt-casos", "g-maria"))
    assert got[(*maria, "passport")]["explanation"]["selector"] == {
        "kind": "passport",
        "shared": 1,
        "entities": 2,
    }
    assert got[(*maria, "model")]["probability"] >= 0.5
    # the same company, named with and without its legal form
    norte = pair(xworld, ("mx-casos", "c-norte"), ("us-cases", "c-1"))
    company = got[(*norte, "model")]
    assert company["schema"] == "Organization" and company["probability"] >= 0.5
    assert company["explanation"]["name"]["level"] == "Exact match on name"
    assert got[(*norte, "phone")]["schema"] == "Company"
    # unrelated people are not linked
    assert all(
        p["probability"] < 0.5
        for p in got.values()
        if p["kind"] == "model" and {p["left"], p["right"]} not in ({*jose}, {*maria}, {*norte})
    )
    notes = " ".join(run["notes"])
    assert "1 entities without a name were skipped" in notes
    assert "1 birth dates partial or out of range were not compared" in notes
    assert "default parameters" in notes  # far too small to train on


def test_a_shared_switchboard_is_capped_not_exploded(xworld):
    mx = xworld.readers["mx"]
    capped = runs.start(xworld.node, mx, ["mx-casos", "us-cases"], cap=2)
    assert capped["counts"]["capped_selectors"] == 1
    assert any("phone shared by 3 entities was capped" in n for n in capped["notes"])
    assert not any("+52555" in n for n in capped["notes"])  # the count, never the value
    phones = [
        p
        for p in pairs_of(xworld, "mx", capped["run"])
        if p["kind"] == "phone" and p["schema"] == "Person"
    ]
    assert len(phones) == 1  # only José's own number
    wide = runs.start(xworld.node, mx, ["mx-casos", "us-cases"])
    phones = [
        p
        for p in pairs_of(xworld, "mx", wide["run"])
        if p["kind"] == "phone" and p["schema"] == "Person"
    ]
    assert len(phones) == 1 + 3  # José's number, and the three pairs of the switchboard


def test_pairs_carry_the_most_restrictive_marking_and_readers_see_only_theirs(xworld):
    node, mx = xworld.node, xworld.readers["mx"]
    run = runs.start(node, mx)  # every collection MXFGR may read, mx-secreto included
    mine = keyed(pairs_of(xworld, "mx", run["run"]))
    secret = pair(xworld, ("mx-casos", "p-jose"), ("mx-secreto", "x-jose"))
    assert (*secret, "model") in mine
    assert mine[(*secret, "model")]["marking"]["release_to"] == []
    # USHSI reads MXFGR's run: never a pair fed by mx-secreto, no counts or notes
    theirs = runs.status(node, xworld.readers["us"], run["run"], limit=500)
    assert "counts" not in theirs and "notes" not in theirs and "collections" not in theirs
    hidden = xworld.id("mx-secreto", "x-jose")
    assert theirs["pairs"]
    assert all(hidden not in (p["left"], p["right"]) for p in theirs["pairs"])
    assert theirs["total"] == len(theirs["pairs"]) < len(mine)
    # GTPNC may see neither MXFGR's nor USHSI's cases: nothing of them
    assert runs.status(node, xworld.readers["gt"], run["run"])["pairs"] == []
    # USHSI's own run never reads mx-secreto
    own = runs.start(node, xworld.readers["us"])
    assert "mx-secreto" not in own["collections"]
    assert all(hidden not in (p["left"], p["right"]) for p in pairs_of(xworld, "us", own["run"]))


def test_a_run_and_its_reads_are_audited_with_the_pairs_markings(xworld):
    node, mx = xworld.node, xworld.readers["mx"]
    run = runs.start(node, mx, ["mx-casos", "us-cases"], purpose="case 7")
    page = runs.status(node, mx, run["run"], purpose="case 7")
    from gugus import reads

    listed = reads.list_audit(node, _supervisor(xworld), limit=50)
    actions = [r["action"] for r in listed]
    assert {"xref.start", "xref.run", "xref.read"} <= set(actions)
    read = next(r for r in listed if r["action"] == "xref.read")
    assert read["detail"]["pairs"] == len(page["pairs"]) and read["purpose"] == "case 7"


def _supervisor(world):
    from gugus.access import Reader
    from gugus.model.roles import Role
    from gugus.store import directory

    with world.node.db.writer.begin() as conn:
        uid = directory.add_user(conn, "mxsup", "MXFGR", "supervisor", "not-a-hash")
    return Reader("mxsup", "MXFGR", Role.SUPERVISOR, uid)


def test_unknown_and_unreadable_collections_answer_alike(xworld):
    node, gt = xworld.node, xworld.readers["gt"]
    with pytest.raises(NotFound) as unknown:
        runs.start(node, gt, ["no-such"])
    with pytest.raises(NotFound) as hidden:
        runs.start(node, gt, ["mx-secreto"])
    assert str(unknown.value).replace("no-such", "X") == str(hidden.value).replace(
        "mx-secreto", "X"
    )
    with pytest.raises(NotFound):
        runs.status(node, gt, 999)
    with pytest.raises(InvalidInput, match="unknown engine"):
        runs.start(node, gt, [], engine_name="hadoop")
    with node.db.reader.connect() as conn:  # nothing half-written
        assert conn.execute(select(func.count()).select_from(xref_pairs)).scalar_one() == 0


def test_one_sided_and_empty_inputs_are_notes_not_crashes(xworld):
    from gugus import admin

    node, mx = xworld.node, xworld.readers["mx"]
    one = runs.start(node, mx, ["mx-casos"])
    assert one["status"] == "done"
    admin.add_collection(node, "mx-vacia", "MXFGR", "amber", [])
    empty = runs.start(node, mx, ["mx-vacia"])
    assert empty["status"] == "done" and empty["counts"]["pairs"] == 0
    assert any("fewer than two records" in n for n in empty["notes"])


def test_a_failed_run_leaves_earlier_results_in_place(xworld, monkeypatch):
    node, mx = xworld.node, xworld.readers["mx"]
    first = runs.start(node, mx, ["mx-casos", "us-cases"])
    before = pairs_of(xworld, "mx", first["run"])
    assert before

    real = engine.score
    calls = []

    def score_then_fail(*args, **kwargs):
        calls.append(1)
        real(*args, **kwargs)
        raise RuntimeError("the model blew up")

    monkeypatch.setattr(engine, "score", score_then_fail)
    with pytest.raises(RuntimeError):
        runs.start(node, mx, ["mx-casos", "us-cases"])
    assert calls
    failed = max(r.id for r in _runs(node))
    view = runs.status(node, mx, failed)
    assert view["status"] == "failed" and view["pairs"] == []
    assert "earlier results are unchanged" in view["notes"][0]
    assert pairs_of(xworld, "mx", first["run"]) == before


def test_a_failure_while_storing_writes_nothing(xworld, monkeypatch):
    node, mx = xworld.node, xworld.readers["mx"]
    from gugus.store import xref as xref_sql

    def half_then_fail(conn, run_id, rows, batch=5000):
        real_insert(conn, run_id, rows[:1])
        raise RuntimeError("disk gone")

    real_insert = xref_sql.insert_pairs
    monkeypatch.setattr(xref_sql, "insert_pairs", half_then_fail)
    with pytest.raises(RuntimeError):
        runs.start(node, mx, ["mx-casos", "us-cases"])
    with node.db.reader.connect() as conn:
        assert conn.execute(select(func.count()).select_from(xref_pairs)).scalar_one() == 0


def test_trained_parameters_are_stored_and_reused(xworld, monkeypatch):
    node, mx = xworld.node, xworld.readers["mx"]
    monkeypatch.setattr(engine, "MIN_TRAIN_RECORDS", 2)
    monkeypatch.setattr(engine, "MIN_TRAIN_PER_SIDE", 1)
    first = runs.start(node, mx, ["mx-casos", "us-cases", "gt-casos"])
    assert first["counts"]["person_parameters"] == "trained"
    with node.db.reader.connect() as conn:
        assert sorted(conn.execute(select(xref_params.c.schema)).scalars()) == [
            "Organization",
            "Person",
        ]
    second = runs.start(node, mx, ["mx-casos", "us-cases", "gt-casos"])
    third = runs.start(node, mx, ["mx-casos", "us-cases", "gt-casos"])
    assert second["counts"]["person_parameters"] == "stored"
    assert pairs_of(xworld, "mx", second["run"]) == pairs_of(xworld, "mx", third["run"])


def _runs(node):
    from gugus.store.tables import xref_runs

    with node.db.reader.connect() as conn:
        return conn.execute(select(xref_runs)).all()


def _em_failing(monkeypatch, failing) -> None:
    """Train on the small world, with expectation maximisation failing (an
    m probability underflowing) on the rules whose SQL ``failing`` accepts."""
    from splink.internals.linker_components.training import LinkerTraining

    em = LinkerTraining.estimate_parameters_using_expectation_maximisation

    def underflow(self, rule, **kwargs):
        if failing(rule.get_blocking_rule("duckdb").blocking_rule_sql):
            raise ValueError("m_probability value 7.9e-314 is below the minimum allowed value")
        return em(self, rule, **kwargs)

    monkeypatch.setattr(engine, "MIN_TRAIN_RECORDS", 2)
    monkeypatch.setattr(engine, "MIN_TRAIN_PER_SIDE", 1)
    monkeypatch.setattr(
        LinkerTraining, "estimate_parameters_using_expectation_maximisation", underflow
    )


def test_a_training_failure_falls_back_to_default_parameters(xworld, monkeypatch):
    _em_failing(monkeypatch, lambda sql: True)
    run = runs.start(xworld.node, xworld.readers["mx"], ["mx-casos", "us-cases", "gt-casos"])
    assert run["status"] == "done"
    assert run["counts"]["person_parameters"] == "default"
    assert any("Person: training failed; scored with default parameters" in n for n in run["notes"])
    with xworld.node.db.reader.connect() as conn:  # a half-trained model is not stored
        assert conn.execute(select(xref_params.c.schema)).scalars().all() == []


def test_a_training_rule_that_fails_is_left_out_and_the_others_still_train(xworld, monkeypatch):
    """EM failing when blocking on given name and surname (an m probability
    underflowing, as from 50,000 demo people on) no longer throws the other
    rule's estimates away: the model is trained and stored, and the birth
    date, which only that rule estimates, keeps its default m probabilities."""
    import json

    _em_failing(monkeypatch, lambda sql: '"given"' in sql)
    run = runs.start(xworld.node, xworld.readers["mx"], ["mx-casos", "us-cases", "gt-casos"])
    assert run["status"] == "done"
    assert run["counts"]["person_parameters"] == "trained"
    person_notes = [n for n in run["notes"] if n.startswith("Person: ")]
    assert (
        "Person: expectation maximisation failed when blocking on given+s1 (ValueError); trained without that rule"
        in person_notes
    )
    assert any(
        n.startswith("Person: default m probabilities kept for birth_date") for n in person_notes
    )
    with xworld.node.db.reader.connect() as conn:
        stored = conn.execute(
            select(xref_params.c.params).where(xref_params.c.schema == "Person")
        ).scalar_one()
    comparisons = {c["output_column_name"]: c for c in json.loads(stored)["comparisons"]}
    m_of = {
        name: [lv.get("m_probability") for lv in comparisons[name]["comparison_levels"][1:]]
        for name in ("birth_date", "maternal_surname")
    }
    assert m_of["birth_date"] == [0.88, 0.02, 0.05, 0.02, 0.03]  # the defaults
    assert m_of["maternal_surname"] != [0.85, 0.08, 0.07]  # estimated blocking on birth date


def test_a_match_the_runner_may_not_see_is_a_hit_notice_without_content(xworld):
    """USHSI's analyst may not see mx-secreto (MXFGR only), where the same man
    is held: the run raises a hit notice naming the holder, and nothing of the
    hidden record reaches the pairs, the run or the notice."""
    import json

    from gugus.share.notices import list_notices

    us = xworld.readers["us"]
    run = runs.start(xworld.node, us, ["us-cases"])
    assert run["status"] == "done"
    status = runs.status(xworld.node, us, run["run"], limit=500)
    assert status["counts"]["hit_notices"] >= 1
    hidden = xworld.id("mx-secreto", "x-jose")
    out = list_notices(xworld.node, us, direction="out")["out"]
    assert [(n["kind"], n["holder"]) for n in out if n["source"] == "xref"] == [("person", "MXFGR")]
    raw = json.dumps([status, out], ensure_ascii=False)
    assert hidden not in raw and "JOSE LUIS PEREZ GARCIA" not in raw
    # the same run again gives the same reference (a repeat only counts)
    again = runs.start(xworld.node, us, ["us-cases"])
    out2 = list_notices(xworld.node, us, direction="out")["out"]
    assert {n["reference"] for n in out2} == {n["reference"] for n in out}
    assert again["status"] == "done"


def test_review_lists_undecided_pairs_and_drops_judged_ones(xworld):
    from gugus.xref.judgements import judge

    mx = xworld.readers["mx"]
    assert runs.review(xworld.node, mx)["run"] is None
    runs.start(xworld.node, mx, ["mx-casos", "us-cases", "gt-casos"])
    listed = runs.review(xworld.node, mx, limit=500)["pairs"]
    probabilities = [p["probability"] for p in listed]
    assert probabilities == sorted(probabilities, reverse=True)
    jose = pair(xworld, ("mx-casos", "p-jose"), ("us-cases", "s-1"))
    assert jose in {(p["left"], p["right"]) for p in listed}
    judge(xworld.node, mx, *jose, "same", "same phone and birth date")
    after = runs.review(xworld.node, mx, limit=500)["pairs"]
    assert jose not in {(p["left"], p["right"]) for p in after}
    # a re-run does not propose the judged pair with another verdict
    runs.start(xworld.node, mx, ["mx-casos", "us-cases", "gt-casos"])
    again = runs.review(xworld.node, mx, limit=500)["pairs"]
    assert jose not in {(p["left"], p["right"]) for p in again}

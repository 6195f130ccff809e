"""gugus.errors.Msg: the English message everywhere (API, CLI, logs), its
message id and parameters for a page to translate through the catalogue."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

from gugus.errors import InvalidInput, Msg, alternatives, joined, translated
from gugus.ingest.upload import _named
from gugus.web.i18n import translations

ES = translations("es_MX").gettext
WHERE = Msg("%(source)s: line %(line)s", source="people.jsonl", line=2)


def test_it_is_the_english_text():
    message = Msg("%(where)s: field 'id' is missing", where=WHERE)
    assert message == "people.jsonl: line 2: field 'id' is missing"
    assert f"{message}!" == "people.jsonl: line 2: field 'id' is missing!"
    assert json.dumps({"m": message}) == json.dumps({"m": str(message)})
    assert InvalidInput(message).to_dict()["error"]["message"] == message


def test_a_page_translates_it_by_id_parameters_too():
    message = Msg("%(where)s: field 'id' is missing", where=WHERE)
    assert message.translated(ES) == "people.jsonl: línea 2: falta el campo 'id'"
    assert translated(message, ES) == message.translated(ES)
    assert translated("plain English", ES) == "plain English"  # not a Msg: as it is
    assert translated(None, ES) is None


def test_a_translation_that_does_not_fit_its_parameters_falls_back_to_english():
    message = Msg("%(where)s: field 'id' is missing", where=WHERE)
    assert message.translated(lambda _id: "%(missing)s falta") == str(message)


def test_it_survives_a_process_boundary():
    sent = pickle.dumps(InvalidInput(Msg("%(where)s: x", where=WHERE)))
    error = pickle.loads(sent)  # noqa: S301 - our own bytes, as the parsing process sends them
    assert isinstance(error.message, Msg) and isinstance(error.message.params["where"], Msg)
    assert error.message.params["where"].params == {"source": "people.jsonl", "line": 2}


def test_lists_and_alternatives_are_messages_too():
    listed = joined([Msg("%(text)s (did you mean %(close)s?)", text="'nmae'", close="name"), "'x'"])
    assert listed == "'nmae' (did you mean name?); 'x'"
    assert listed.translated(ES) == "'nmae' (¿quiso decir name?); 'x'"
    either = alternatives(["'%d/%m/%Y'", "'%Y'"])
    assert either == "'%d/%m/%Y' or '%Y'" and either.translated(ES) == "'%d/%m/%Y' o '%Y'"
    assert alternatives([]) == ""


def test_the_upload_folder_is_taken_out_and_the_id_kept(tmp_path):
    folder = tmp_path / "gugus-upload-x" / "file"
    message = Msg("%(path)s: cannot tell the format", path=str(folder / "a.xyz"))
    named = _named(message, [str(folder) + "/"])
    assert named == "a.xyz: cannot tell the format" and named.id == message.id
    assert _named({"e": [message]}, [str(Path(folder)) + "/"])["e"][0].params["path"] == "a.xyz"

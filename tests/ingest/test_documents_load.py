"""Documents → Document + Mention statements, through the one load loop.

Texts here are written for these tests (Spanish, English) plus the Indonesian
wire report from ../shared/samples; the store is real (both backends).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from email.message import EmailMessage
from pathlib import Path

import pytest
from nsids import nsid
from sqlalchemy import select
from test_ftm_load import task_force

from gugus import admin, reads
from gugus.errors import InvalidInput, NotFound
from gugus.ingest import dispatch
from gugus.ingest.documents import document_id
from gugus.ingest.textract import read_document
from gugus.store import statements as stmt_sql
from gugus.store.tables import statements

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "samples" / "news-id-task-force.txt"
SAMPLE_COPY = Path(__file__).parent / "fixtures" / "news-id-task-force.txt"

# A Mexican prosecutor's note: a CURP with a valid check digit, one with a bad
# one, a local phone without +52, a US number written with +1, an email.
NOTE_ES = """Ciudad de México, 14 de marzo de 2023.
Informe de la Fiscalía Especializada.
El martes 7 de marzo la víctima declaró que el reclutador Mario Alberto Gómez Ruiz
la contactó desde el teléfono 55 1234 5678 y que los pagos se enviaron a una cuenta
en Houston. Su contacto en Estados Unidos usaba el número +1 (713) 555-0142 y el
correo enganchador.tapachula@example.com.
CURP del reclutador: GORM800101HDFMZR02. Otra CURP anotada: GORM800101HDFMZR09.
"""

REPORT_EN = """HSI Houston — Report of investigation, June 3, 2022
Agent Laura Jenkins interviewed a witness at the Port of Brownsville on Monday, May 30.
The witness named a transporter who drove victims from Reynosa, Mexico to Houston, Texas.
Contact phone (956) 555-0199; email: driver.rgv@example.org.
"""


def sample_text() -> str:
    return (SAMPLE if SAMPLE.exists() else SAMPLE_COPY).read_text(encoding="utf-8")


@pytest.fixture
def tf(node):
    node = task_force(node)
    # A Mexican prosecutor's collection: phones written without +52 are Mexican.
    admin.add_collection(
        node, "fgr-mx", "MX-FGR", "amber", ["H1"], release_to=["US-HSI"], country="MX"
    )
    return node


@pytest.fixture
def docs(tmp_path) -> Path:
    root = tmp_path / "docs"
    (root / "es").mkdir(parents=True)
    (root / "es" / "nota.txt").write_text(NOTE_ES, encoding="utf-8")
    (root / "report.html").write_text(
        "<html lang='en'><head><title>ROI 2022-117</title>"
        "<script>var x = '+52 55 9999 9999';</script></head>"
        f"<body><p>{REPORT_EN.replace(chr(10), '</p><p>')}</p></body></html>",
        encoding="utf-8",
    )
    msg = EmailMessage()
    msg["From"] = "enlace@fgr.example.mx"
    msg["To"] = "liaison@hsi.example.gov"
    msg["Subject"] = "Seguimiento caso Tapachula"
    msg["Date"] = "Wed, 15 Mar 2023 10:00:00 -0600"
    msg.set_content("El sábado 11/3 se detectó un cruce en Ciudad Hidalgo. Tel. 962 123 4567.")
    (root / "mail.eml").write_bytes(msg.as_bytes())
    (root / ".hidden.txt").write_text("not loaded")
    return root


def doc_id(collection: str, doc) -> str:
    """A document's stored id: every collection here is MX-FGR's."""
    return nsid("MX-FGR", document_id(collection, doc))


def visible(node, reader, entity_id) -> dict:
    return reads.get_entity(node, reader, entity_id)


def props_of(node, reader, entity_id) -> dict:
    return visible(node, reader, entity_id)["properties"]


def test_documents_load_with_provenance_and_marking(tf, docs):
    summary = dispatch.load_paths(tf, "fgr-mx", [docs])
    assert (summary.lines, summary.skipped) == (3, 0)
    luis = tf.users["luis"]
    note = read_document(docs / "es" / "nota.txt")
    doc = props_of(tf, luis, doc_id("fgr-mx", note))
    assert doc["fileName"] == ["nota.txt"]
    assert doc["contentHash"] == [note.content_hash]
    assert doc["detectedLanguage"] == ["spa"]
    assert "+525512345678" in doc["phoneMentioned"]
    assert "+17135550142" in doc["phoneMentioned"]
    assert "enganchador.tapachula@example.com" in doc["emailMentioned"]
    assert "Mario Alberto Gómez Ruiz" in doc["peopleMentioned"]
    # Mentions point at the document: the valid CURP is one, the invalid is not.
    with tf.db.reader.connect() as conn:
        rows = conn.execute(
            select(
                statements.c.entity_id, statements.c.prop, statements.c.value, statements.c.origin
            )
        ).all()
    mentions = {
        r.entity_id for r in rows if r.prop == "document" and r.value == doc_id("fgr-mx", note)
    }
    names = {r.value for r in rows if r.entity_id in mentions and r.prop == "name"}
    assert "GORM800101HDFMZR02" in names
    assert "GORM800101HDFMZR09" not in names
    # Provenance: the file for what was read, the backend for what was extracted.
    origins = {r.origin for r in rows if r.entity_id == doc_id("fgr-mx", note)}
    assert "import:nota.txt" in origins
    assert any(o.startswith("extract:") and o.endswith(":nota.txt") for o in origins)
    # The collection's marking holds for every statement: US-HSI is on the
    # release list of "fgr" (AMBER), GT-MP is not.
    assert props_of(tf, tf.users["ana"], doc_id("fgr-mx", note))["fileName"] == ["nota.txt"]
    with pytest.raises(NotFound):
        visible(tf, tf.users["gabi"], doc_id("fgr-mx", note))


def test_email_date_is_the_reference_for_yearless_dates(tf, docs):
    dispatch.load_paths(tf, "fgr", [docs / "mail.eml"])
    doc = read_document(docs / "mail.eml")
    props = props_of(tf, tf.users["luis"], doc_id("fgr", doc))
    assert props["publishedAt"] == ["2023-03-15"]
    assert "2023-03-11" in props["date"]
    assert props["title"] == ["Seguimiento caso Tapachula"]
    # Header addresses are selectors too.
    assert {"enlace@fgr.example.mx", "liaison@hsi.example.gov"} <= set(props["emailMentioned"])


def test_reload_is_idempotent(tf, docs):
    dispatch.load_paths(tf, "fgr", [docs])
    with tf.db.reader.connect() as conn:
        before = stmt_sql.count(conn)
    summary = dispatch.load_paths(tf, "fgr", [docs])
    with tf.db.reader.connect() as conn:
        assert stmt_sql.count(conn) == before
    assert summary.statements > 0


def test_corrupt_file_aborts_whole_batch_by_default(tf, docs):
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> garbage")
    with pytest.raises(InvalidInput) as info:
        dispatch.load_paths(tf, "fgr", [docs])
    assert "broken.pdf" in info.value.message and "nothing was loaded" in info.value.message
    with tf.db.reader.connect() as conn:
        assert stmt_sql.count(conn) == 0


def test_corrupt_file_skipped_on_request(tf, docs):
    (docs / "broken.pdf").write_bytes(b"not a pdf at all")
    summary = dispatch.load_paths(tf, "fgr", [docs], on_error="skip")
    assert summary.skipped == 1
    assert "broken.pdf" in summary.errors[0]["where"]
    assert summary.lines == 4


def test_indonesian_wire_report_yields_people_countries_dates(tf, tmp_path):
    path = tmp_path / "xinhua.txt"
    path.write_text(sample_text(), encoding="utf-8")
    dispatch.load_paths(tf, "open", [path])
    doc = read_document(path)
    props = props_of(tf, tf.users["gabi"], doc_id("open", doc))  # CLEAR: everyone
    for person in ("Kamala Harris", "Andres Manuel Lopez Obrador", "Joe Biden"):
        assert person in props["peopleMentioned"]
    assert {"mx", "us", "gt", "hn", "sv"} <= set(props["detectedCountry"])
    assert "as" not in props["detectedCountry"]  # Indonesian "AS" is the United States
    assert {"2021-06-08", "2021-06-07"} <= set(props["date"])
    assert props["detectedLanguage"] == ["ind"]


def test_published_option_is_the_reference_date(tf, tmp_path):
    path = tmp_path / "nota.txt"
    path.write_text("El martes 8/6 la fiscalía recibió la denuncia.", encoding="utf-8")
    dispatch.load_paths(tf, "fgr", [path], published=dt.date(2021, 6, 10))
    props = props_of(tf, tf.users["luis"], doc_id("fgr", read_document(path)))
    assert props["publishedAt"] == ["2021-06-10"]
    assert "2021-06-08" in props["date"]


def test_format_detection_errors(tf, tmp_path):
    table = tmp_path / "people.csv"
    table.write_text("a,b\n1,2\n")
    with pytest.raises(InvalidInput, match="needs --mapping"):
        dispatch.load_paths(tf, "fgr", [table])
    with pytest.raises(InvalidInput, match="--format"):
        dispatch.load_paths(tf, "fgr", [table], fmt="xml")
    with pytest.raises(NotFound):
        dispatch.load_paths(tf, "fgr", [tmp_path / "missing.txt"])
    blob = tmp_path / "x.bin"
    blob.write_bytes(b"\x00\x01")
    with pytest.raises(InvalidInput, match="cannot tell the format"):
        dispatch.load_paths(tf, "fgr", [blob])


def test_unknown_names_backend_fails_before_loading(tf, docs):
    with pytest.raises(InvalidInput, match="heuristic"):
        dispatch.load_paths(tf, "fgr", [docs], names="no-such-backend")


def test_many_files_in_a_second_process_match_inline(tf, docs, tmp_path):
    many = tmp_path / "many"
    for i in range(12):
        shutil.copytree(docs, many / f"d{i}")
        (many / f"d{i}" / "extra.txt").write_text(f"Nota {i}: teléfono 55 1234 56{i:02d}.")
    summary = dispatch.load_paths(tf, "fgr", [many])  # > PARALLEL_FILES: second process
    assert summary.lines == 12 * 4 and summary.skipped == 0
    data = json.dumps(summary.to_dict())
    assert "errors" in data


def test_progress_is_told_the_total_and_every_file(tf, docs):
    seen = []

    def progress(record) -> None:
        seen.append(record.number)

    progress.set_total = lambda total: seen.append(("total", total))
    dispatch.load_paths(tf, "fgr", [docs], progress=progress)
    assert seen == [("total", 3), 1, 2, 3]


def test_htcds_case_file_is_recognised_by_its_header():
    fixtures = Path(__file__).parent / "fixtures" / "htcds"
    assert dispatch.detect_format([fixtures / "cases.csv"], None, None) == "htcds"

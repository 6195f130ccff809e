"""Issue #7, finding 10: memory per document is bounded whatever the file.

A 180 KB .docx expanding to 50 MB of XML took 523–835 MB through python-docx's
tree; it is now streamed.  Past each bound (text found, XML inflated, bytes of
a format read whole, an XLSX's shared strings) the file is refused with the
reason.  The memory bound itself is measured in a real subprocess (peak RSS,
not time); the refusals use lowered limits, so the tests stay small.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from test_ftm_load import task_force
from test_textract import make_docx, make_pdf, write

from gugus.errors import InvalidInput
from gugus.ingest import dispatch
from gugus.ingest.tabular import open_table
from gugus.ingest.textract import markup, pdf, read, read_document, word
from gugus.ingest.textract.document import MAX_TEXT, Unreadable

PARAGRAPH = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>"


def docx_bomb(path: Path, xml_bytes: int) -> Path:
    """A valid .docx whose document.xml inflates to ``xml_bytes`` (one-letter
    paragraphs: the densest tree per byte), a few hundred KB on disk."""
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    xml = source.read("word/document.xml")
    head, tail = xml.split(b"<w:body>", 1)
    body = head + b"<w:body>" + PARAGRAPH * (xml_bytes // len(PARAGRAPH)) + tail
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for item in source.infolist():
            name = item.filename
            out.writestr(name, body if name == "word/document.xml" else source.read(name))
    return path


# Peak memory of this process image: VmHWM (ru_maxrss would carry over the
# peak of the test process that forked it).
PEAK = """
import json, sys
from pathlib import Path
from gugus.ingest.textract import read_document
try:
    chars, refused = len(read_document(Path(sys.argv[1])).text), None
except Exception as exc:
    chars, refused = 0, str(exc)
status = Path("/proc/self/status").read_text().split("\\n")
peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) // 1024
print(json.dumps({"chars": chars, "refused": refused, "peak_mb": peak}))
"""


def test_docx_expanding_to_50_mb_of_xml_stays_small(tmp_path):
    bomb = docx_bomb(tmp_path / "bomba.docx", 50 * 1024 * 1024)
    assert bomb.stat().st_size < 400 * 1024
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(bomb)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    # python-docx's tree: 523–835 MB.  Streamed: the text and the interpreter;
    # its 3 million characters of text are beyond the bound, so it is refused
    # as soon as the reader has seen too much (never a tree of the whole).
    assert result["peak_mb"] < 250, result
    assert "bomba.docx: more than 2000000 characters of text" in result["refused"], result


def test_docx_text_past_the_bound_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(word, "MAX_TEXT", 1_000)
    path = docx_bomb(tmp_path / "largo.docx", 100_000)  # ~2,900 letters
    with pytest.raises(InvalidInput, match=r"largo.docx: more than 1000 characters of text"):
        read_document(path)


def test_docx_xml_past_the_bound_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(word, "MAX_XML_BYTES", 1024 * 1024)
    path = docx_bomb(tmp_path / "inflado.docx", 2 * 1024 * 1024)
    with pytest.raises(InvalidInput, match=r"inflado.docx: DOCX holds more XML than is read"):
        read_document(path)
    # Under the bound the same document reads whole.
    assert len(read_document(docx_bomb(tmp_path / "normal.docx", 512 * 1024)).text) > 10_000


def test_docx_entities_are_not_expanded(tmp_path):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>x&c;y</w:t></w:r></w:p></w:body></w:document>"
    )
    good = make_docx(tmp_path / "base.docx").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(buffer, "w") as out:
        for item in src.infolist():
            data = laughs if item.filename == "word/document.xml" else src.read(item.filename)
            out.writestr(item.filename, data)
    path = write(tmp_path / "risas.docx", buffer.getvalue())
    with pytest.raises(InvalidInput, match="risas.docx: not a DOCX \\(an XML part declares a DTD"):
        read_document(path)


def test_docx_read_streamed_matches_the_tree(tmp_path):
    # The streamed reader keeps the tree reader's rules (see test_textract).
    doc = read_document(make_docx(tmp_path / "informe.docx"))
    assert doc.text.startswith("CONFIDENCIAL — Fiscalía de Chiapas")
    assert "Nombre\tCURP\nJosé Núñez\tNUJJ800101HCSXXX01\nMaría Peña" in doc.text
    assert doc.text.endswith("Página 1")


def test_text_past_the_bound_is_refused_in_every_format(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "MAX_TEXT", 100)
    path = write(tmp_path / "largo.pdf", make_pdf(["Página uno " * 10, "Página dos " * 10]))
    with pytest.raises(InvalidInput, match="largo.pdf: more than"):
        read_document(path)
    monkeypatch.setattr(read, "MAX_TEXT", 100)
    for name, data in {
        "largo.txt": "palabra " * 50,
        "largo.html": "<p>" + "palabra " * 50 + "</p>",
    }.items():
        with pytest.raises(InvalidInput, match=f"{name}: more than"):
            read_document(write(tmp_path / name, data))


def test_formats_read_whole_have_a_byte_bound(tmp_path):
    assert read.FORMAT_MAX_BYTES[".html"] <= 16 * 1024 * 1024
    assert read.FORMAT_MAX_BYTES[".eml"] <= 64 * 1024 * 1024
    assert read.FORMAT_MAX_BYTES[".txt"] <= 4 * MAX_TEXT
    page = write(tmp_path / "pagina.html", b"<p>x</p>" * (11 * 1024 * 1024 // 8))
    with pytest.raises(InvalidInput, match=r"file is too large \(\d+ bytes; the limit for .html"):
        read_document(page)
    mail = tmp_path / "correo.eml"
    with mail.open("wb") as out:
        out.write(b"From: a@example.org\nSubject: x\n\n")
        out.truncate(41 * 1024 * 1024)
    with pytest.raises(InvalidInput, match=r"the limit for .eml files"):
        read_document(mail)


def test_html_inside_a_message_is_bounded_too(monkeypatch):
    monkeypatch.setattr(markup, "MAX_MARKUP", 1_000)
    with pytest.raises(Unreadable, match="HTML of more than 1000 characters"):
        markup.html_to_text("<div>" + "<b>x</b>" * 1_000 + "</div>")


def test_xlsx_shared_strings_bomb_is_refused(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["nombre"])
    workbook.active.append(["Ana"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    count = 40 * 1024 * 1024 // 16
    strings = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main">' + b"<si><t>a</t></si>" * count + b"</sst>"
    )
    shared = (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    path = tmp_path / "hoja.xlsx"
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", shared)
            out.writestr(item.filename, data)
        out.writestr("xl/sharedStrings.xml", strings)
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(InvalidInput, match=r"hoja.xlsx: part xl/sharedStrings.xml unpacks to"):
        open_table(path, "xlsx")


def test_a_refused_document_is_reported_by_the_load(node, tmp_path, monkeypatch):
    tf = task_force(node)
    monkeypatch.setattr(word, "MAX_XML_BYTES", 1024 * 1024)
    folder = tmp_path / "docs"
    folder.mkdir()
    docx_bomb(folder / "inflado.docx", 2 * 1024 * 1024)
    (folder / "nota.txt").write_text("Nota breve del caso.", encoding="utf-8")
    summary = dispatch.load_paths(tf, "fgr", [folder], on_error="skip")
    assert (summary.lines, summary.skipped) == (2, 1)
    assert "DOCX holds more XML than is read" in summary.errors[0]["error"]
    with pytest.raises(InvalidInput, match="nothing was loaded"):
        dispatch.load_paths(tf, "fgr", [folder])

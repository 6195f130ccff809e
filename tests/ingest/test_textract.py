"""gugus.ingest.textract: documents → normalised text, metadata and errors.

Every fixture is made here (fpdf2, pypdf, python-docx, email, plain bytes),
so each test states exactly what the file holds.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import random
import re
import unicodedata
import zipfile
from email.message import EmailMessage
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

import gugus.ingest.textract as textract
from gugus.errors import InvalidInput, NotFound
from gugus.ingest.textract import SUPPORTED, DocumentText, iter_document_paths, read_document
from gugus.ingest.textract.dates import date_from_pdf, date_from_text, pdf_date_iso
from gugus.ingest.textract.normalise import language_code, normalise_text


def sha1_hex(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()  # noqa: S324 - FtM contentHash is SHA-1


SPANISH = "El niño llegó a la estación de Tapachula. ¿Dónde está? Señora Peña, año 2021."
SPANISH_2 = "Según la Fiscalía, José Núñez Ibáñez reclutó a adolescentes en Comitán."
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# ---------------------------------------------------------------- fixtures


def make_pdf(
    pages: list[str],
    *,
    title: str | None = None,
    author: str | None = None,
    created: datetime.datetime | None = None,
) -> bytes:
    """A PDF with one text per page ("" = a page without text), core font
    Helvetica (Latin-1, so Spanish accents work)."""
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    if created:
        pdf.set_creation_date(created)
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def invalid(path: Path, *needles: str) -> InvalidInput:
    """read_document must refuse the file, naming it and the reason."""
    with pytest.raises(InvalidInput) as caught:
        read_document(path)
    message = caught.value.message
    assert message.startswith(f"{path}: "), message
    for needle in needles:
        assert needle in message, message
    return caught.value


def encrypt(data: bytes, *, user: str, algorithm: str = "RC4-128") -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password=user, owner_password="propietario", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------- API


def test_public_api_is_complete() -> None:
    assert sorted(textract.__all__) == sorted(
        ["SUPPORTED", "DocumentText", "Refused", "iter_document_paths", "read_document"]
    )
    assert {".txt", ".text", ".html", ".htm", ".pdf", ".docx", ".eml"} == SUPPORTED


def test_file_facts_hash_size_and_type(tmp_path: Path) -> None:
    raw = "Denuncia anónima\n".encode()
    path = write(tmp_path / "Denuncia.TXT", raw)
    doc = read_document(path)
    assert isinstance(doc, DocumentText)
    assert doc.path == path
    assert doc.content_hash == sha1_hex(raw)
    assert doc.size == len(raw)
    assert (doc.extension, doc.mime_type, doc.encoding) == (".txt", "text/plain", "utf-8")
    assert doc.text == "Denuncia anónima"


# ---------------------------------------------------------------- PDF


def test_pdf_spanish_text_metadata_and_empty_page(tmp_path: Path) -> None:
    created = datetime.datetime(
        2021, 6, 8, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    )
    data = make_pdf(
        [SPANISH, "", SPANISH_2], title="Informe de la Fiscalía", author="Ana Peña", created=created
    )
    doc = read_document(write(tmp_path / "informe.pdf", data))
    assert doc.text == f"{SPANISH}\n\n{SPANISH_2}"
    assert doc.title == "Informe de la Fiscalía"
    assert doc.author == "Ana Peña"
    assert doc.published == datetime.date(2021, 6, 8)
    assert doc.mime_type == "application/pdf"
    assert doc.metadata["pages"] == "3"
    assert doc.metadata["created"] == "2021-06-08T12:00:00+02:00"
    assert doc.warnings == ["page 2: no text layer (scanned?)"]
    assert doc.content_hash == sha1_hex(data)


def test_pdf_date_is_the_writers_calendar_day(tmp_path: Path) -> None:
    # 23:30 in Mexico City is already 9 June in UTC; the author wrote the 8th.
    late = datetime.datetime(
        2021, 6, 8, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))
    )
    doc = read_document(write(tmp_path / "late.pdf", make_pdf([SPANISH], created=late)))
    assert doc.published == datetime.date(2021, 6, 8)


def test_pdf_without_any_text_layer_lists_the_pages(tmp_path: Path) -> None:
    data = make_pdf(["", "", SPANISH, "", ""])
    doc = read_document(write(tmp_path / "scan.pdf", data))
    assert doc.text == SPANISH
    assert doc.warnings == ["pages 1-2, 4-5: no text layer (scanned?)"]


@pytest.mark.parametrize("cut", ["half", "end", "header"])
def test_truncated_pdf_is_refused(tmp_path: Path, cut: str) -> None:
    data = make_pdf([SPANISH, SPANISH_2])
    part = {"half": data[: len(data) // 2], "end": data[:-8], "header": data[:40]}[cut]
    invalid(write(tmp_path / "cortado.pdf", part), "truncated PDF")


def test_random_bytes_named_pdf_are_refused(tmp_path: Path) -> None:
    noise = random.Random(7).randbytes(5000)
    invalid(write(tmp_path / "ruido.pdf", noise), "not a PDF")


def test_pdf_with_garbage_between_header_and_eof_is_refused(tmp_path: Path) -> None:
    body = random.Random(11).randbytes(4000)
    path = write(tmp_path / "roto.pdf", b"%PDF-1.7\n" + body + b"\n%%EOF\n")
    invalid(path, "corrupt PDF")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_repaired_pdf_reads_with_a_warning_and_no_log_noise(tmp_path: Path) -> None:
    data = make_pdf([SPANISH])
    pointer = re.search(rb"startxref\s+(\d+)", data)
    assert pointer is not None
    broken = data[: pointer.start(1)] + b"17" + data[pointer.end(1) :]
    root = logging.getLogger()
    console = _Collect()
    root.addHandler(console)
    try:
        doc = read_document(write(tmp_path / "reparado.pdf", broken))
        assert console.messages == []  # the repair notes went to the document, not the console
        # Outside a read, pypdf's records still reach the application's logging.
        logging.getLogger("pypdf._reader").warning("fuera de una lectura")
    finally:
        root.removeHandler(console)
    assert console.messages == ["fuera de una lectura"]
    assert doc.text == SPANISH
    assert any(w.startswith("PDF repaired: incorrect startxref") for w in doc.warnings), (
        doc.warnings
    )


def test_encrypted_pdf_with_a_user_password_is_refused(tmp_path: Path) -> None:
    data = encrypt(make_pdf([SPANISH]), user="secreto")
    invalid(write(tmp_path / "cifrado.pdf", data), "encrypted PDF", "password")


def test_encrypted_pdf_with_empty_user_password_is_read(tmp_path: Path) -> None:
    data = encrypt(make_pdf([SPANISH], title="Permisos"), user="")
    doc = read_document(write(tmp_path / "permisos.pdf", data))
    assert doc.text == SPANISH
    assert doc.title == "Permisos"
    assert doc.metadata["encrypted"].startswith("yes")


def test_aes_encrypted_pdf_with_empty_user_password_is_read(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    data = encrypt(make_pdf([SPANISH]), user="", algorithm="AES-256")
    assert read_document(write(tmp_path / "aes.pdf", data)).text == SPANISH


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("D:20210608120000+02'00'", datetime.date(2021, 6, 8)),
        ("D:20210608", datetime.date(2021, 6, 8)),
        ("20211231235959Z", datetime.date(2021, 12, 31)),
        ("D:00000101000000Z", None),
        ("D:20211340", None),
        ("D:2021", None),
        ("Tuesday", None),
        (None, None),
    ],
)
def test_pdf_dates(raw: str | None, expected: datetime.date | None) -> None:
    assert date_from_pdf(raw) == expected


def test_pdf_date_to_iso() -> None:
    assert pdf_date_iso("D:20210608233000Z") == "2021-06-08T23:30:00+00:00"
    assert pdf_date_iso("D:20210608120000-05'30'") == "2021-06-08T12:00:00-05:30"
    assert pdf_date_iso("D:20210608126100") is None


# ---------------------------------------------------------------- DOCX


def make_docx(path: Path, *, extra_xml: str | None = None) -> Path:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "CONFIDENCIAL — Fiscalía de Chiapas"
    document.sections[0].footer.paragraphs[0].text = "Página 1"
    document.add_heading("Informe de inteligencia", level=1)
    document.add_paragraph("Primer párrafo antes de la tabla.")
    table = document.add_table(rows=3, cols=2)
    for row, (name, curp) in enumerate(
        [("Nombre", "CURP"), ("José Núñez", "NUJJ800101HCSXXX01"), ("María Peña", "")]
    ):
        table.cell(row, 0).text = name
        table.cell(row, 1).text = curp
    document.add_paragraph("Párrafo después de la tabla.")
    if extra_xml:
        document.element.body.insert(-1, parse_xml(extra_xml))
    core = document.core_properties
    core.title = "Informe  de inteligencia"
    core.author = "Unidad de Análisis"
    core.created = datetime.datetime(2021, 6, 8, 10, 30)
    core.language = "es-MX"
    core.keywords = "trata, Tapachula"
    document.save(path)
    return path


def test_docx_paragraphs_tables_headers_and_properties(tmp_path: Path) -> None:
    doc = read_document(make_docx(tmp_path / "informe.docx"))
    lines = doc.text.split("\n")
    assert lines[0] == "CONFIDENCIAL — Fiscalía de Chiapas"
    assert lines[-1] == "Página 1"
    body = [line for line in lines if line]
    start = body.index("Informe de inteligencia")
    assert body[start : start + 6] == [
        "Informe de inteligencia",
        "Primer párrafo antes de la tabla.",
        "Nombre\tCURP",
        "José Núñez\tNUJJ800101HCSXXX01",
        "María Peña",
        "Párrafo después de la tabla.",
    ]
    assert doc.title == "Informe de inteligencia"
    assert doc.author == "Unidad de Análisis"
    assert doc.published == datetime.date(2021, 6, 8)
    assert doc.language_hint == "es"
    assert doc.metadata["keywords"] == "trata, Tapachula"
    assert doc.mime_type.endswith("wordprocessingml.document")
    assert doc.encoding is None


def test_docx_reads_content_controls_and_insertions_not_deletions(tmp_path: Path) -> None:
    extra = (
        f'<w:sdt xmlns:w="{W_NS}"><w:sdtPr><w:alias w:val="Campo"/></w:sdtPr><w:sdtContent>'
        "<w:p><w:r><w:t>Alias: El Güero</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    path = make_docx(tmp_path / "campos.docx", extra_xml=extra)
    tracked = (
        f'<w:p xmlns:w="{W_NS}"><w:r><w:t xml:space="preserve">Teléfono </w:t></w:r>'
        '<w:ins w:id="1" w:author="A"><w:r><w:t>+52 962 123 4567</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="A"><w:r><w:delText>+52 000 000 0000</w:delText></w:r></w:del>'
        "<w:r><w:tab/><w:t>fin</w:t></w:r></w:p>"
    )
    document = docx.Document(str(path))
    document.element.body.insert(-1, parse_xml(tracked))
    document.save(path)
    text = read_document(path).text
    assert "Alias: El Güero" in text
    assert "Teléfono +52 962 123 4567\tfin" in text
    assert "000 0000" not in text


def test_docx_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    old_word = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)  # an OLE2 .doc
    invalid(write(tmp_path / "viejo.docx", old_word), "not a DOCX", "OLE2", ".doc")
    invalid(write(tmp_path / "texto.docx", SPANISH), "not a DOCX (not a ZIP archive)")


def test_zip_without_a_word_document_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    invalid(write(tmp_path / "hoja.docx", buffer.getvalue()), "word/document.xml")


def test_docx_with_damaged_xml_is_refused(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "bueno.docx").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "word/document.xml":
                content = content[: len(content) // 2]
            target.writestr(item, content)
    invalid(write(tmp_path / "danado.docx", buffer.getvalue()), "damaged DOCX")


# ---------------------------------------------------------------- EML


def base_message() -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "Reunión en Tapachula — niños no acompañados"
    message["From"] = "José Núñez <jose.nunez@example.mx>"
    message["To"] = "enlace@example.org, Peña <ana.pena@example.gob.mx>"
    message["Cc"] = "Señor Ibáñez <ibanez@example.mx>"
    message["Date"] = "Tue, 08 Jun 2021 23:30:00 -0500"
    message["Message-ID"] = "<20210608.abc@example.mx>"
    return message


def test_eml_html_only_body_headers_and_attachment(tmp_path: Path) -> None:
    message = base_message()
    message.set_content(
        "<html><head><script>var rastreo = 1;</script></head><body>"
        "<p>Hola <b>señor</b> Núñez,</p><p>el grupo cruzó el río Suchiate.</p></body></html>",
        subtype="html",
    )
    message["Content-Language"] = "es-MX"  # moves into the body part below
    message.add_attachment(
        b"PK\x03\x04datos", maintype="application", subtype="zip", filename="datos año.zip"
    )
    raw = message.as_bytes()
    assert b"=?utf-8?" in raw  # the headers really are RFC 2047 encoded
    doc = read_document(write(tmp_path / "correo.eml", raw))
    assert doc.text == "Hola señor Núñez,\n\nel grupo cruzó el río Suchiate."
    assert doc.title == "Reunión en Tapachula — niños no acompañados"
    assert doc.author == "José Núñez <jose.nunez@example.mx>"
    assert doc.published == datetime.date(2021, 6, 8)
    assert doc.language_hint == "es"
    assert doc.mime_type == "message/rfc822"
    assert doc.metadata["to"] == "enlace@example.org, Peña <ana.pena@example.gob.mx>"
    assert doc.metadata["cc"] == "Señor Ibáñez <ibanez@example.mx>"
    assert doc.metadata["message_id"] == "<20210608.abc@example.mx>"
    assert doc.metadata["attachments"] == "datos año.zip"
    assert doc.warnings == ["attachment 'datos año.zip' not read"]


def test_eml_prefers_plain_text_over_its_html_twin(tmp_path: Path) -> None:
    message = base_message()
    message.set_content("Texto plano: cita el jueves.")
    message.add_alternative("<p>Texto <i>HTML</i>: cita el jueves.</p>", subtype="html")
    forwarded = EmailMessage()
    forwarded["Subject"] = "Lista de pasajeros"
    forwarded.set_content("no se lee")
    message.add_attachment(forwarded)
    message["Content-Language"] = "en"
    doc = read_document(write(tmp_path / "alt.eml", message.as_bytes()))
    assert doc.text == "Texto plano: cita el jueves."
    assert doc.language_hint == "en"
    assert doc.metadata["attachments"] == "forwarded message: Lista de pasajeros"


def raw_eml(charset: str, body: bytes) -> bytes:
    return (
        b"From: a@example.mx\r\nSubject: prueba\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=" + charset.encode() + b"\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body
    )


@pytest.mark.parametrize(
    ("charset", "body", "text", "warning"),
    [
        ("us-ascii", SPANISH.encode("utf-8"), SPANISH, "does not fit; read as utf-8"),
        ("utf-8", SPANISH.encode("cp1252"), SPANISH, "does not fit; read as cp1252"),
        ("iso-8859-1", "“Peña” pagó 500 €".encode("cp1252"), "“Peña” pagó 500 €", None),
        ("x-no-such-charset", SPANISH.encode("utf-8"), SPANISH, "unknown charset"),
        ("utf-8", b"ni\xf1o\x00\xff", "ni\ufffdo\ufffd", "were replaced"),
    ],
)
def test_eml_declared_charset_mismatch(
    tmp_path: Path, charset: str, body: bytes, text: str, warning: str | None
) -> None:
    doc = read_document(write(tmp_path / "charset.eml", raw_eml(charset, body)))
    assert doc.text == text
    if warning is None:
        assert doc.warnings == []
    else:
        assert any(warning in w for w in doc.warnings), doc.warnings


def test_eml_with_messy_headers(tmp_path: Path) -> None:
    raw = (
        "From: =?iso-8859-1?q?Jos=E9_N=FA=F1ez?= <jose@example.mx>\r\n"
        "To: undisclosed-recipients:;\r\n"
        "Subject: Niño sin codificar\r\n"
        "Date: ayer por la tarde\r\n"
    ).encode() + "Cc: Peña <ana@example.mx>\r\n\r\nCuerpo.\r\n".encode("cp1252")
    doc = read_document(write(tmp_path / "sucio.eml", raw))
    assert doc.author == "José Núñez <jose@example.mx>"
    assert doc.title == "Niño sin codificar"
    assert doc.metadata["cc"] == "Peña <ana@example.mx>"
    assert doc.metadata["to"] == "undisclosed-recipients:;"
    assert doc.published is None
    assert doc.warnings == ["Date header not understood: 'ayer por la tarde'"]
    assert doc.text == "Cuerpo."


def test_text_without_headers_is_not_an_eml(tmp_path: Path) -> None:
    invalid(write(tmp_path / "nota.eml", "solo una nota\nsin cabeceras\n"), "not an e-mail")


# ---------------------------------------------------------------- HTML


def test_html_in_cp1252_with_meta_date_and_noise(tmp_path: Path) -> None:
    page = (
        '<!DOCTYPE html><html lang="es-MX"><head>'
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
        "<title>Rescatan a 12 menores en Chiapas</title>"
        '<meta property="og:title" content="Rescate en Chiapas">'
        '<meta property="article:published_time" content="2021-06-08T23:10:00-05:00">'
        '<meta name="author" content="Redacción">'
        "<style>p { color: red }</style></head><body>"
        "<nav><a href='/'>Inicio</a> | <a href='/mundo'>Mundo</a></nav>"
        "<script>window.dataLayer = [];</script>"
        "<h1>Rescatan a 12 menores</h1><p>La Fiscalía informó que “los niños” "
        "viajaban desde Honduras.</p><noscript>Active JavaScript</noscript>"
        "</body></html>"
    )
    doc = read_document(write(tmp_path / "nota.HTM", page.encode("cp1252")))
    assert doc.text == (
        "Rescatan a 12 menores\n\nLa Fiscalía informó que “los niños” viajaban desde Honduras."
    )
    assert doc.title == "Rescatan a 12 menores en Chiapas"
    assert doc.published == datetime.date(2021, 6, 8)
    assert doc.author == "Redacción"
    assert doc.language_hint == "es"
    assert doc.encoding == "cp1252"
    assert (doc.extension, doc.mime_type) == (".htm", "text/html")


def test_html_without_title_or_charset_uses_og_title_and_time(tmp_path: Path) -> None:
    page = (
        '<html><head><meta property="og:title" content="Operativo en Tijuana"></head>'
        "<body><article><time datetime='2022-03-01'>1 de marzo</time>"
        "<p>Detienen a tres personas.</p><table><tr><td>Nombre</td><td>Edad</td></tr>"
        "<tr><td>Luis Ángel</td><td>34</td></tr></table></article></body></html>"
    )
    doc = read_document(write(tmp_path / "operativo.html", page))
    assert doc.title == "Operativo en Tijuana"
    assert doc.published == datetime.date(2022, 3, 1)
    assert doc.encoding == "utf-8"
    assert "Detienen a tres personas." in doc.text
    assert re.search(r"Luis Ángel\s+34", doc.text)
    assert all(line == line.strip() for line in doc.text.split("\n"))


def test_html_declared_latin1_but_utf8_bytes(tmp_path: Path) -> None:
    page = f'<meta charset="iso-8859-1"><p>{SPANISH}</p>'
    doc = read_document(write(tmp_path / "mal.html", page))
    assert doc.text == SPANISH
    assert any("does not fit; read as utf-8" in w for w in doc.warnings)


def test_html_byte_order_mark_outranks_meta_charset(tmp_path: Path) -> None:
    page = f'<meta charset="windows-1252"><p>{SPANISH}</p>'
    doc = read_document(write(tmp_path / "bom.html", page.encode("utf-16")))
    assert doc.text == SPANISH
    assert (doc.encoding, doc.warnings) == ("utf-16", [])


def nested_html(depth: int) -> str:
    page = "<html><body><script>x()</script>" + "<div>" * depth + "<p>hola</p>" + "</div>" * depth
    return page + "</body></html>"


@pytest.mark.parametrize("depth", [300, 1500])
def test_deeply_nested_html_keeps_its_text(tmp_path: Path, depth: int) -> None:
    doc = read_document(write(tmp_path / "hondo.html", nested_html(depth)))
    assert doc.text == "hola"


def test_html_nested_beyond_the_parser_limit_is_refused(tmp_path: Path) -> None:
    invalid(write(tmp_path / "abismo.html", nested_html(3000)), "nested too deeply")


def test_xhtml_with_xml_declaration(tmp_path: Path) -> None:
    page = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en"><head><title>Report</title>'
        "</head><body><p>Señal de alerta</p></body></html>"
    )
    doc = read_document(write(tmp_path / "x.html", page.encode("latin-1")))
    assert doc.text == "Señal de alerta"
    assert doc.language_hint == "en"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2021-06-08", datetime.date(2021, 6, 8)),
        ("2021-06-08T23:10:00-05:00", datetime.date(2021, 6, 8)),
        (" 2021-6-8 ", datetime.date(2021, 6, 8)),
        ("20210608", datetime.date(2021, 6, 8)),
        ("Tue, 08 Jun 2021 12:00:00 -0500", datetime.date(2021, 6, 8)),
        ("2021-02-30", None),
        ("08/06/2021", None),
        ("ayer", None),
        ("", None),
    ],
)
def test_meta_dates(raw: str, expected: datetime.date | None) -> None:
    assert date_from_text(raw) == expected


# ---------------------------------------------------------------- text encodings

FRENCH = "Le garçon a mangé une crème brûlée à Noël."
RUSSIAN = "Привет, как дела? Это тестовое сообщение на русском языке о торговле людьми."


@pytest.mark.parametrize(
    ("text", "encoding", "reported"),
    [
        (SPANISH, "utf-8", "utf-8"),
        (SPANISH, "utf-8-sig", "utf-8-sig"),
        (SPANISH, "utf-16", "utf-16"),
        (SPANISH, "utf-16-le", "utf-16-le"),
        (SPANISH, "utf-16-be", "utf-16-be"),
        (SPANISH + " “Ojo” – 20 €", "cp1252", "cp1252"),
        (SPANISH, "latin-1", "cp1252"),
        (FRENCH, "cp1252", "cp1252"),
        ("Niño", "cp1252", "cp1252"),
        (RUSSIAN, "cp1251", "cp1251"),
    ],
)
def test_text_encodings(tmp_path: Path, text: str, encoding: str, reported: str) -> None:
    doc = read_document(write(tmp_path / "t.txt", text.encode(encoding)))
    assert doc.text == text
    assert doc.encoding == reported


SPANISH_WORDS = (
    "niño",
    "niña",
    "señor",
    "señora",
    "Peña",
    "Núñez",
    "Ibáñez",
    "acción",
    "información",
    "línea",
    "según",
    "está",
    "llegó",
    "también",
    "año",
    "camión",
    "pasó",
    "Güero",
    "pingüino",
    "¿dónde?",
    "¡alto!",
    "el",
    "la",
    "de",
    "que",
    "y",
    "en",
    "los",
    "para",
    "por",
    "con",
    "trata",
    "menores",
    "frontera",
    "Tapachula",
    "Ciudad",
    "Juárez",
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(st.sampled_from(SPANISH_WORDS), min_size=1, max_size=40),
    encoding=st.sampled_from(["cp1252", "latin-1", "utf-8", "utf-16"]),
)
def test_spanish_text_never_becomes_mojibake(
    tmp_path: Path, words: list[str], encoding: str
) -> None:
    text = " ".join(words)
    doc = read_document(write(tmp_path / "es.txt", text.encode(encoding)))
    assert doc.text == text


def test_mostly_utf8_with_stray_bytes_keeps_the_utf8(tmp_path: Path) -> None:
    # A UTF-8 export with one cp1252 line pasted in, cut inside a character.
    data = (SPANISH + "\n").encode() + "Peña pagó 20 €\n".encode("cp1252") + "Núñez ñ".encode()[:-1]
    doc = read_document(write(tmp_path / "mezcla.txt", data))
    assert doc.text.split("\n") == [SPANISH, "Peña pagó 20 €", "Núñez Ã"]
    assert doc.encoding == "utf-8"
    assert doc.warnings == ["4 bytes not valid UTF-8 were read as cp1252"]  # ñ ó € and the cut byte


def test_binary_file_named_txt_is_refused(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(3).randbytes(800)
    invalid(write(tmp_path / "foto.txt", png), "unreadable text encoding", "NUL")


def test_random_bytes_without_nul_named_txt_are_refused(tmp_path: Path) -> None:
    noise = bytes(b for b in random.Random(5).randbytes(4000) if b)
    invalid(write(tmp_path / "ruido.txt", noise), "unreadable text encoding")


@pytest.mark.parametrize("name", ["vacio.txt", "vacio.html"])
def test_empty_text_files_are_empty_not_errors(tmp_path: Path, name: str) -> None:
    doc = read_document(write(tmp_path / name, b""))
    assert doc.text == ""
    assert doc.size == 0
    assert doc.content_hash == sha1_hex(b"")


@pytest.mark.parametrize(
    ("name", "reason"), [("vacio.pdf", "not a PDF"), ("vacio.docx", "not a DOCX")]
)
def test_empty_binary_documents_are_errors(tmp_path: Path, name: str, reason: str) -> None:
    invalid(write(tmp_path / name, b""), reason)


# ---------------------------------------------------------------- normal form


def test_text_is_normalised(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "José Núñez")
    raw = f"\ufeff  {nfd}  \r\n\r\n\r\n\r\nalias\x07 \x1b[1mEl Güero\x1b[0m\x0bfin\r\tcolumna\u2028"
    doc = read_document(write(tmp_path / "sucio.txt", raw.encode("utf-8")))
    assert doc.text == "  José Núñez\n\nalias [1mEl Güero[0m\nfin\n\tcolumna"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normal_form_invariants(text: str) -> None:
    out = normalise_text(text)
    assert unicodedata.is_normalized("NFC", out)
    assert "\n\n\n" not in out
    assert not out.startswith("\n") and not out.endswith("\n")
    assert all(ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs") for ch in out), repr(
        out
    )
    assert normalise_text(out) == out


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("es-MX", "es"),
        ("EN_us", "en"),
        ("es, en;q=0.8", "es"),
        ("pt", "pt"),
        ("spa", None),
        ("", None),
        (None, None),
        ("x-klingon", None),
    ],
)
def test_language_hint(raw: str | None, expected: str | None) -> None:
    assert language_code(raw) == expected


# ---------------------------------------------------------------- refusals


def test_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "grande.txt", b"a" * 11)
    with pytest.raises(InvalidInput, match=r"too large \(11 bytes; the limit is 10\)"):
        read_document(path, max_bytes=10)
    assert read_document(path, max_bytes=11).text == "a" * 11


def test_unsupported_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_document(write(tmp_path / "hoja.xlsx", b"PK"))
    assert str(tmp_path / "hoja.xlsx") in caught.value.message
    assert ".docx" in caught.value.message and ".eml" in caught.value.message
    with pytest.raises(NotFound, match="no_existe.pdf"):
        read_document(tmp_path / "no_existe.pdf")
    (tmp_path / "carpeta.txt").mkdir()
    with pytest.raises(InvalidInput, match="is a directory"):
        read_document(tmp_path / "carpeta.txt")


# ---------------------------------------------------------------- paths


def test_directory_walk_sorted_filtered_and_loop_safe(tmp_path: Path) -> None:
    root = tmp_path / "caso"
    for name in [
        "b.PDF",
        "a.txt",
        "notas.xlsx",
        ".oculto.txt",
        ".git/config.txt",
        "~$informe.docx",
        "sub/C.Docx",
        "sub/d.eml",
        "sub/.cache/e.html",
        "sub/z/f.HTML",
        "sin_extension",
    ]:
        write(root / name, b"x")
    (root / "sub" / "bucle").symlink_to(root, target_is_directory=True)
    (root / "enlace.txt").symlink_to(root / "a.txt")
    (root / "roto.txt").symlink_to(root / "no_existe.txt")
    found = [p.relative_to(root).as_posix() for p in iter_document_paths([root])]
    assert found == ["a.txt", "b.PDF", "sub/C.Docx", "sub/d.eml", "sub/z/f.HTML"]


def test_explicit_files_are_taken_as_given(tmp_path: Path) -> None:
    hidden = write(tmp_path / ".oculto.txt", b"x")
    upper = write(tmp_path / "NOTA.EML", b"x")
    folder = tmp_path / "docs"
    write(folder / "uno.htm", b"x")
    found = list(iter_document_paths([hidden, folder, upper, hidden]))
    assert found == [hidden, folder / "uno.htm", upper]


def test_bad_arguments_fail_before_anything_is_yielded(tmp_path: Path) -> None:
    good = write(tmp_path / "a.txt", b"x")
    sheet = write(tmp_path / "hoja.xls", b"x")
    with pytest.raises(InvalidInput) as caught:
        iter_document_paths([good, sheet])  # raises on the call, not on iteration
    assert caught.value.message.startswith(f"{sheet}: unsupported file type '.xls'")
    assert ".pdf" in caught.value.message
    with pytest.raises(NotFound, match="falta.pdf"):
        iter_document_paths([good, tmp_path / "falta.pdf"])


# ---------------------------------------------------------------- damaged input, any kind


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """One valid file per format, to be damaged at random."""
    folder = tmp_path_factory.mktemp("seeds")
    message = base_message()
    message.set_content(f"<p>{SPANISH}</p>", subtype="html")
    message.add_attachment(b"x", maintype="application", subtype="zip", filename="a.zip")
    return {
        ".pdf": make_pdf([SPANISH, ""], title="Informe"),
        ".docx": make_docx(folder / "seed.docx").read_bytes(),
        ".eml": message.as_bytes(),
        ".html": f"<html lang=es><title>t</title><p>{SPANISH}</p><table><tr><td>a</td></tr></table>".encode(),
        ".txt": SPANISH.encode("cp1252"),
    }


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    extension=st.sampled_from([".pdf", ".docx", ".eml", ".html", ".txt"]),
    edits=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255), st.sampled_from("sdti")),
        min_size=1,
        max_size=8,
    ),
)
def test_damaged_files_are_read_or_refused_never_crash(
    tmp_path: Path, seeds: dict[str, bytes], extension: str, edits: list[tuple[float, int, str]]
) -> None:
    data = bytearray(seeds[extension])
    for where, byte, how in edits:
        at = int(where * len(data)) if data else 0
        if how == "s" and data:  # set a byte
            data[at] = byte
        elif how == "d":  # delete a stretch
            del data[at : at + byte]
        elif how == "t":  # truncate
            del data[at:]
        else:  # insert
            data[at:at] = bytes([byte]) * (byte % 7 + 1)
    path = write(tmp_path / f"danado{extension}", bytes(data))
    try:
        doc = read_document(path)
    except InvalidInput as exc:
        assert exc.message.startswith(f"{path}: ")
    else:
        assert "\x00" not in doc.text and "\r" not in doc.text
        assert doc.size == len(data)

"""Streaming row readers for mapped imports: CSV, XLSX and JSON lines.

A reader opens a file, reads its header (CSV, XLSX) and then yields one
:class:`Row` at a time, so a file of any size loads in bounded memory.  A row
keeps only the columns the mapping uses, with cell values as the file gives
them (text, numbers, dates, an Excel error): turning them into text is the
mapping's business, because only it knows which FtM type a value is for.

Rows carry their position for messages and provenance: the CSV physical line
on which the row starts (quoted cells may span lines), the XLSX sheet row, the
JSON line.  A row the reader cannot read (too many cells, invalid JSON) carries
the reason instead of values; the load reports it like any row error.  Damage
that makes the rest of the file unreadable (wrong encoding, an unterminated
quote) stops the whole load.
"""

from __future__ import annotations

import codecs
import csv
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from gugus.errors import InvalidInput, Msg, NotFound, no_such_file
from gugus.ingest.parsed import MAX_DEPTH, too_deep

FORMATS = ("csv", "xlsx", "jsonl")
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
DELIMITERS = (",", ";", "\t", "|")
SNIFF_BYTES = 64 * 1024
UTF8_CHECK_BYTES = 4 * 1024 * 1024  # how much of a file the mojibake check reads
# Codecs that decode any byte (or nearly): a UTF-8 file read with them
# becomes mojibake without an error.
SINGLE_BYTE = ("iso8859", "cp125", "cp850", "cp437", "mac-")
ABORTED = Msg("nothing was loaded")
UNCOMPUTED = Msg(
    "formula without a computed value — open and save the file in Excel or LibreOffice "
    "(so it computes its formulas), or type the value"
)


def _not_xlsx(path: Path, exc: Exception) -> Msg:
    return Msg("%(file)s: not an XLSX workbook (%(problem)s)", file=str(path), problem=str(exc))


@dataclass(frozen=True, slots=True)
class CellError:
    """An Excel error value (``#N/A``, ``#REF!`` …) in a cell, or a formula the
    file holds no computed value for: an error only if the mapping uses that
    cell (never read as empty: that would lose the value silently)."""

    code: str
    problem: str | None = None


@dataclass(slots=True)
class Row:
    number: int  # CSV/JSONL line, XLSX row — 1-based, as an editor shows it
    where: str  # "people.csv: line 12" — prefixes every message about the row
    origin: str  # provenance of the row's statements: "import:people.csv:12"
    values: dict  # column → cell value, only the columns the mapping uses
    error: str | None = None  # why the row could not be read (then values is empty)


def detect_format(path: Path, declared: str | None) -> str:
    """The declared format, else the one the file extension names."""
    if declared:
        return declared
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise InvalidInput(
            Msg(
                "%(file)s: cannot tell the format from the extension %(extension)r "
                "(known: %(known)s); set `format: csv | xlsx | jsonl` in the mapping",
                file=str(path),
                extension=path.suffix or "(none)",
                known=known,
            )
        )
    return fmt


class Table:
    """An open table: ``header`` (None for JSON lines) and :meth:`rows`."""

    header: list[str] | None = None
    header_where: str = ""
    first_keys: list[str] | None = None  # JSON lines: the (dotted) keys of the first object

    def __init__(self, path: Path) -> None:
        self.path = path
        self.display = str(path)  # messages name the file as given
        self.seen: set[str] = set()  # JSON lines: mapped columns present in some row

    def rows(self, columns: Iterable[str]) -> Iterator[Row]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_table(
    path: Path,
    fmt: str,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    header_row: int = 1,
) -> Table:
    if not path.exists():
        raise NotFound(no_such_file(path))
    if path.is_dir():
        raise InvalidInput(
            Msg("%(file)s: is a directory (a mapped load takes one file)", file=str(path))
        )
    if fmt == "csv":
        return CsvTable(path, encoding, delimiter, header_row)
    if fmt == "xlsx":
        return XlsxTable(path, sheet, header_row)
    return JsonlTable(path)


def header_names(cells: Iterable) -> list[str]:
    """Column names as text, stripped, in NFC (macOS tools write decomposed
    accents; mapping column names are NFC too); a number-like header cell
    keeps its digits."""
    names = []
    for cell in cells:
        if cell is None:
            names.append("")
        elif isinstance(cell, float) and cell.is_integer():
            names.append(str(int(cell)))
        else:
            name = str(cell).replace("\ufeff", "").strip()
            names.append(name if name.isascii() else unicodedata.normalize("NFC", name))
    return names


# -- CSV --------------------------------------------------------------------------------
def _codec(encoding: str | None) -> str:
    name = codecs.lookup(encoding or "utf-8").name
    return "utf-8-sig" if name == "utf-8" else name  # tolerate a byte-order mark


def sniff_delimiter(path: Path, encoding: str) -> str:
    """The candidate that splits the first lines into the same, largest number
    of cells (ties and single-column files: a comma)."""
    with open(path, "rb") as handle:
        sample = handle.read(SNIFF_BYTES)
    if len(sample) == SNIFF_BYTES and b"\n" in sample:
        sample = sample[: sample.rindex(b"\n")]
    text = sample.decode(encoding, errors="replace")
    best, best_score = ",", (0, 0)
    for candidate in DELIMITERS:
        widths = [len(r) for r in csv.reader(text.splitlines()[:50], delimiter=candidate) if r]
        if not widths or widths[0] < 2:
            continue
        score = (sum(w == widths[0] for w in widths), widths[0])
        if score > best_score:
            best, best_score = candidate, score
    return best


def check_not_utf8(path: Path, declared: str) -> None:
    """A file declared in a single-byte encoding (latin-1, cp1252 …) whose
    first megabytes are valid UTF-8 with non-ASCII characters is UTF-8: read
    as declared it would load as mojibake (``JOSÃ‰``) without any error."""
    with open(path, "rb") as handle:
        sample = handle.read(UTF8_CHECK_BYTES)
    if sample.isascii():
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=len(sample) < UTF8_CHECK_BYTES)
    except UnicodeDecodeError:
        return  # not UTF-8: the declared encoding may well be right
    # No word of the file in the message: its text may be personal data.
    raise InvalidInput(
        Msg(
            "%(file)s: the mapping declares `encoding: %(encoding)s` but the file is UTF-8 "
            "text; use `encoding: utf-8` (or remove `encoding:`)",
            file=str(path),
            encoding=declared,
        )
    )


class CsvTable(Table):
    def __init__(
        self, path: Path, encoding: str | None, delimiter: str | None, header_row: int
    ) -> None:
        super().__init__(path)
        self.encoding_name = encoding or "UTF-8"
        try:
            self.encoding = _codec(encoding)
        except LookupError:
            raise InvalidInput(
                Msg("%(file)s: unknown encoding %(encoding)r", file=str(path), encoding=encoding)
            ) from None
        if self.encoding.startswith(SINGLE_BYTE):
            check_not_utf8(path, encoding or "")
        self.delimiter = delimiter or sniff_delimiter(path, self.encoding)
        self._handle = open(path, encoding=self.encoding, newline="")  # noqa: SIM115 - closed by close()
        # strict: an unterminated quote is an error, not a cell swallowing the
        # rest of the file.
        self._reader = csv.reader(self._handle, delimiter=self.delimiter, strict=True)
        try:
            cells, line = None, 0
            for _ in range(header_row):
                cells, line = self._next(error_suffix="")
                if cells is None:
                    break
            if cells is None:
                raise InvalidInput(
                    Msg(
                        "%(file)s: no header row (the file has fewer than %(rows)s rows)",
                        file=str(path),
                        rows=header_row,
                    )
                )
        except BaseException:
            self.close()
            raise
        self.header = header_names(cells)
        self.header_where = Msg("%(source)s: line %(line)s", source=str(path), line=line)

    def _next(
        self, error_suffix: str = Msg(" — %(aborted)s", aborted=ABORTED)
    ) -> tuple[list[str] | None, int]:
        """The next non-blank record and the physical line it starts on."""
        while True:
            start = self._reader.line_num + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return None, start
            except csv.Error as exc:
                raise InvalidInput(
                    Msg(
                        "%(where)s: malformed CSV (%(problem)s); check the quoting%(suffix)s",
                        where=Msg("%(source)s: line %(line)s", source=self.display, line=start),
                        problem=str(exc),
                        suffix=error_suffix,
                    )
                ) from None
            except UnicodeDecodeError as exc:
                raise InvalidInput(
                    Msg(
                        "%(file)s: near line %(line)s: not %(encoding)s text (%(problem)s); "
                        "declare the file's encoding in the mapping, e.g. `encoding: latin-1`"
                        "%(suffix)s",
                        file=self.display,
                        line=start,
                        encoding=self.encoding_name,
                        problem=exc.reason,
                        suffix=error_suffix,
                    )
                ) from None
            if any(cells):
                return cells, start

    def rows(self, columns: Iterable[str]) -> Iterator[Row]:
        header = self.header or []
        index = [(name, header.index(name)) for name in columns if name in header]
        width = len(header)
        name = self.path.name
        while True:
            cells, line = self._next()
            if cells is None:
                return
            where = Msg("%(source)s: line %(line)s", source=self.display, line=line)
            origin = f"import:{name}:{line}"
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                yield Row(
                    line,
                    where,
                    origin,
                    {},
                    Msg(
                        "%(cells)s cells but the header (%(header)s) names %(width)s columns"
                        " — a delimiter %(delimiter)r inside an unquoted cell?",
                        cells=len(cells),
                        header=self.header_where,
                        width=width,
                        delimiter=self.delimiter,
                    ),
                )
                continue
            n = len(cells)
            yield Row(line, where, origin, {c: cells[i] if i < n else "" for c, i in index})

    def close(self) -> None:
        self._handle.close()


# -- XLSX -------------------------------------------------------------------------------
class XlsxTable(Table):
    def __init__(self, path: Path, sheet: str | None, header_row: int) -> None:
        super().__init__(path)
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        _check_xlsx_parts(path)
        try:
            with warnings.catch_warnings():
                # openpyxl warns about styles and extensions it ignores: not our concern.
                warnings.simplefilter("ignore")
                self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
            raise InvalidInput(_not_xlsx(path, exc)) from None
        try:
            names = self._book.sheetnames
            if sheet is None:
                ws = self._book.worksheets[0]
            elif sheet in names:
                ws = self._book[sheet]
            else:
                raise InvalidInput(
                    Msg(
                        "%(file)s: no sheet %(sheet)r (sheets: %(sheets)s)",
                        file=str(path),
                        sheet=sheet,
                        sheets=", ".join(names),
                    )
                )
            if not hasattr(ws, "reset_dimensions"):
                raise InvalidInput(
                    Msg(
                        "%(file)s: sheet %(sheet)r is a chart, not a table",
                        file=str(path),
                        sheet=ws.title,
                    )
                )
            # Stored dimensions can be wrong; read the rows that are really there.
            ws.reset_dimensions()
            self.sheet = ws.title
            self._rows = ws.iter_rows(min_row=header_row)
            # A formula written by a script (or LibreOffice without recalculation)
            # may have no cached value: with data_only it would read as empty.
            # Such files are read a second time, in step, to see the formulas.
            self._formulas = None
            if _has_formulas(path):
                self._formula_book = openpyxl.load_workbook(path, read_only=True)
                fws = self._formula_book[ws.title]
                fws.reset_dimensions()
                self._formulas = fws.iter_rows(min_row=header_row)
                next(self._formulas, None)
            cells = next(self._rows, None)
            if cells is None:
                raise InvalidInput(
                    Msg(
                        "%(file)s: sheet %(sheet)r has no header row (row %(row)s)",
                        file=str(path),
                        sheet=self.sheet,
                        row=header_row,
                    )
                )
        except BaseException:
            self.close()
            raise
        self.header = header_names(c.value for c in cells)
        self.header_where = Msg(
            "%(source)s: sheet %(sheet)s row %(row)s",
            source=str(path),
            sheet=self.sheet,
            row=header_row,
        )
        self._first = header_row + 1

    def rows(self, columns: Iterable[str]) -> Iterator[Row]:
        header = self.header or []
        index = [(name, header.index(name)) for name in columns if name in header]
        width = len(header)
        name = self.path.name
        formulas = self._formulas
        for number, cells in enumerate(self._rows, start=self._first):
            n = len(cells)
            raw = next(formulas, ()) if formulas is not None else ()
            if raw:
                cells = [
                    _Uncomputed(r.value) if c.value is None and r.data_type == "f" else c
                    for c, r in zip(cells, raw, strict=False)
                ] + list(cells[len(raw) :])
            if not any(c.value is not None for c in cells):
                continue
            where = Msg(
                "%(source)s: sheet %(sheet)s row %(row)s",
                source=self.display,
                sheet=self.sheet,
                row=number,
            )
            origin = f"import:{name}:{self.sheet}:{number}"
            if n > width and any(_filled(c.value) for c in cells[width:]):
                yield Row(
                    number,
                    where,
                    origin,
                    {},
                    Msg(
                        "%(cells)s filled cells but the header (%(header)s) names "
                        "%(width)s columns",
                        cells=n,
                        header=self.header_where,
                        width=width,
                    ),
                )
                continue
            values = {}
            for column, i in index:
                if i >= n:
                    values[column] = None
                    continue
                cell = cells[i]
                value = cell.value
                if isinstance(cell, _Uncomputed):
                    # not the formula itself: it may hold a value typed into it
                    values[column] = CellError(cell.formula, UNCOMPUTED)
                else:
                    values[column] = CellError(str(value)) if cell.data_type == "e" else value
            yield Row(number, where, origin, values)

    def close(self) -> None:
        # Row generators hold the sheet's file open until closed.
        for rows in (getattr(self, "_rows", None), getattr(self, "_formulas", None)):
            if rows is not None:
                rows.close()
        self._book.close()
        if getattr(self, "_formula_book", None) is not None:
            self._formula_book.close()


class _Uncomputed:
    """Stands for a formula cell that has no cached value."""

    data_type = "f"

    def __init__(self, formula) -> None:
        self.formula = str(formula)
        self.value = self  # not None: the row is not empty

    def __repr__(self) -> str:
        return f"<formula {self.formula!r}>"


# openpyxl streams worksheets (read-only mode) but reads the shared strings,
# styles and workbook parts whole: bounded here (ZIP members never inflate
# past their declared size), so a small file cannot expand into gigabytes.
MAX_SHARED_STRINGS = 32 * 1024 * 1024
MAX_OTHER_PART = 16 * 1024 * 1024


def _check_xlsx_parts(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput(_not_xlsx(path, exc)) from None
    for info in parts:
        name = info.filename
        if name.startswith("xl/worksheets/") or not name.endswith((".xml", ".rels")):
            continue  # worksheets are streamed; images and the like are not read
        limit = MAX_SHARED_STRINGS if name == "xl/sharedStrings.xml" else MAX_OTHER_PART
        if info.file_size > limit:
            raise InvalidInput(
                Msg(
                    "%(file)s: part %(part)s unpacks to %(size)s bytes (limit %(limit)s): not read",
                    file=str(path),
                    part=name,
                    size=info.file_size,
                    limit=limit,
                )
            )


def _has_formulas(path: Path) -> bool:
    """Whether any worksheet of the workbook holds a formula (``<f>`` element),
    scanning the decompressed XML in chunks (cheap next to parsing it)."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.startswith("xl/worksheets/") or not info.filename.endswith(".xml"):
                continue
            with archive.open(info) as handle:
                tail = b""
                while chunk := handle.read(1 << 20):
                    block = tail + chunk
                    if b"<f>" in block or b"<f " in block or b"<x:f" in block:
                        return True
                    tail = block[-8:]
    return False


def _filled(value) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


# -- JSON lines ---------------------------------------------------------------------------
class JsonlTable(Table):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.header_where = Msg("%(source)s: every line", source=str(path))
        self._handle = open(path, encoding="utf-8-sig")  # noqa: SIM115 - closed by close()

    def rows(self, columns: Iterable[str]) -> Iterator[Row]:
        # "a.b" names key "b" inside object "a", unless a key "a.b" exists as such.
        paths = [(c, c.split(".")) for c in columns]
        name = self.path.name
        seen = self.seen
        number = 0
        lines = iter(self._handle)
        while True:
            try:
                line = next(lines)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise InvalidInput(
                    Msg(
                        "%(file)s: near line %(line)s: not UTF-8 text (%(problem)s) — %(aborted)s",
                        file=self.display,
                        line=number + 1,
                        problem=exc.reason,
                        aborted=ABORTED,
                    )
                ) from None
            number += 1
            if not line.strip():
                continue
            where = Msg("%(source)s: line %(line)s", source=self.display, line=number)
            origin = f"import:{name}:{number}"
            try:
                data = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield Row(
                    number, where, origin, {}, Msg("invalid JSON (%(problem)s)", problem=str(exc))
                )
                continue
            if too_deep(data):  # before anything walks it recursively
                yield Row(
                    number,
                    where,
                    origin,
                    {},
                    Msg("invalid JSON (nested deeper than %(max)s levels)", max=MAX_DEPTH),
                )
                continue
            if not isinstance(data, dict):
                yield Row(
                    number,
                    where,
                    origin,
                    {},
                    Msg("expected a JSON object, got %(kind)s", kind=type(data).__name__),
                )
                continue
            if self.first_keys is None:
                self.first_keys = list(_dotted_keys(data))
            values = {}
            for column, parts in paths:
                found, value = _lookup(data, column, parts)
                if found:
                    seen.add(column)
                    values[column] = value
            yield Row(number, where, origin, values)

    def close(self) -> None:
        self._handle.close()


def _dotted_keys(data: dict, prefix: str = "") -> Iterator[str]:
    for key, value in data.items():
        yield prefix + key
        if isinstance(value, dict):
            yield from _dotted_keys(value, f"{prefix}{key}.")


def _lookup(data: dict, column: str, parts: list[str]) -> tuple[bool, object]:
    if column in data:
        return True, data[column]
    if len(parts) == 1:
        return False, None
    node: object = data
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node

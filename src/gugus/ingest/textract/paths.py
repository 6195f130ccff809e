"""``iter_document_paths``: the files ``gugus load`` reads from its arguments.

Every argument is checked before the first path is yielded, so a typo in the
last argument stops the load before anything is read.  Directories are
walked depth-first in sorted name order (the same order on every machine),
following symbolic links but never entering a directory twice, so a link
loop ends.  Inside directories, hidden entries (".git", ".DS_Store") and
Office lock files ("~$report.docx") are skipped, and only supported
extensions are taken; a file named explicitly must have one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from gugus.errors import NotFound
from gugus.ingest.textract.document import SUPPORTED
from gugus.ingest.textract.read import invalid, unsupported

_SKIPPED_PREFIXES = (".", "~$")


def iter_document_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files to read: files as given, directories expanded (see module doc)."""
    given = [Path(path) for path in paths]
    for path in given:
        if not path.exists():
            raise NotFound(f"{path}: no such file or directory")
        if not path.is_dir() and path.suffix.lower() not in SUPPORTED:
            raise unsupported(path)
    return _expand(given)


def _expand(given: list[Path]) -> Iterator[Path]:
    seen: set[tuple[int, int]] = set()
    for path in given:
        if path.is_dir():
            yield from _walk(path, seen)
        elif _first_visit(path, seen):
            yield path


def _walk(directory: Path, seen: set[tuple[int, int]]) -> Iterator[Path]:
    if not _first_visit(directory, seen):
        return
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as exc:
        raise invalid(directory, f"cannot list directory ({exc.strerror or exc})") from None
    for entry in entries:
        if entry.name.startswith(_SKIPPED_PREFIXES):
            continue
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()  # follows links; False for a dangling one
            is_file = entry.is_file()
        except OSError:
            continue
        if is_dir:
            yield from _walk(path, seen)
        elif is_file and path.suffix.lower() in SUPPORTED and _first_visit(path, seen):
            yield path


def _first_visit(path: Path, seen: set[tuple[int, int]]) -> bool:
    """True the first time a file or directory (by device and inode) is met."""
    try:
        info = path.stat()
    except OSError:
        return False
    key = (info.st_dev, info.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True

"""``iter_document_paths``: the files ``gugus load`` reads from its arguments.

Every argument is checked before the first path is yielded, so a typo in the
last argument stops the load before anything is read.  Directories are
walked depth-first in sorted name order (the same order on every machine),
never entering a directory twice.  Inside directories, hidden entries
(".git", ".DS_Store") and Office lock files ("~$report.docx") are skipped,
and only supported extensions are taken; a file named explicitly must have
one.

Inside a directory that was given, a symbolic link is followed only when its
target stays inside that directory: a link in an unpacked evidence archive
must not pull a private file into the collection.  Links leading out and
entries that are not regular files (FIFOs, devices, sockets: reading one
could block forever) are yielded as :class:`Refused` — reported by the load,
never read.  Broken links and link loops lead nowhere and are passed over.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from gugus.errors import Msg, NotFound
from gugus.ingest.textract.document import SUPPORTED
from gugus.ingest.textract.read import invalid, unsupported

_SKIPPED_PREFIXES = (".", "~$")


@dataclass(frozen=True, slots=True)
class Refused:
    """An entry of a given directory that is not read, and why."""

    path: Path
    reason: str


def iter_document_paths(paths: Iterable[Path | Refused]) -> Iterator[Path | Refused]:
    """Files to read: files as given, directories expanded (see module doc).
    A :class:`Refused` entry (from an earlier expansion) passes through."""
    given = [path if isinstance(path, Refused) else Path(path) for path in paths]
    for path in given:
        if isinstance(path, Refused):
            continue
        if not path.exists():
            raise NotFound(Msg("%(path)s: no such file or directory", path=str(path)))
        if not path.is_dir() and path.suffix.lower() not in SUPPORTED:
            raise unsupported(path)
    return _expand(given)


def _expand(given: list[Path | Refused]) -> Iterator[Path | Refused]:
    seen: set[tuple[int, int]] = set()
    for path in given:
        if isinstance(path, Refused):
            yield path
        elif path.is_dir():
            yield from _walk(path, seen, os.path.realpath(path))
        elif _first_visit(path, seen):
            yield path


def _walk(directory: Path, seen: set[tuple[int, int]], root: str) -> Iterator[Path | Refused]:
    if not _first_visit(directory, seen):
        return
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as exc:
        raise invalid(
            directory, Msg("cannot list directory (%(problem)s)", problem=exc.strerror or str(exc))
        ) from None
    for entry in entries:
        if entry.name.startswith(_SKIPPED_PREFIXES):
            continue
        path = Path(entry.path)
        wanted = path.suffix.lower() in SUPPORTED
        try:
            mode = entry.stat().st_mode  # follows links
        except OSError:  # a broken link or a link loop: nothing to read
            continue
        if entry.is_symlink() and not _inside(os.path.realpath(entry.path), root):
            if wanted or stat.S_ISDIR(mode):
                yield Refused(
                    path, Msg("symbolic link leading out of the loaded directory: not read")
                )
            continue
        if stat.S_ISDIR(mode):
            yield from _walk(path, seen, root)
        elif not wanted:
            continue
        elif not stat.S_ISREG(mode):
            yield Refused(path, Msg("not a regular file (a FIFO, device or socket): not read"))
        elif _first_visit(path, seen):
            yield path


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


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

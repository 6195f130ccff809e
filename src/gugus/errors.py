"""The one exception hierarchy of gugus.

    GugusError                 user-facing message + HTTP status
    ├── InvalidInput           400 bad input (names the file, line or field)
    ├── AuthError              401 unknown user, wrong password, bad/expired token
    ├── Forbidden              403 authenticated but not allowed
    ├── NotFound               404 unknown (or invisible) object
    ├── Conflict               409 already exists
    ├── IntegrityFailure       500 the audit chain or the store is damaged
    ├── StoreUnavailable       503 the database is busy or unreachable (try again)
    └── StorageFull            507 the disk holding the database is full

The API renders every GugusError in one JSON envelope; the CLI prints the same
message and exits non-zero.  Library errors are translated at the boundary
(``raise InvalidInput(...) from exc``); database and file-system errors are
translated once, in :func:`gugus.store.faults.translate`.

A message the web pages show in Spanish is a :class:`Msg`: its English
template (the message id of the web catalogue) and its parameters; it is the
English ``str`` everywhere else (the API, the CLI, the logs).
"""

from __future__ import annotations


def N_(template: str) -> str:
    """Marks a message template for the web catalogue where it is written
    apart from its :class:`Msg` (a table of messages); returns it as is."""
    return template


class Msg(str):
    """An English message that also carries its message id — the English
    template, which is the msgid of the web catalogue — and its parameters,
    so that a page can say it in the reader's language
    (:meth:`translated`).  Everywhere else it is the plain English ``str``.
    The parameters are what a message names (a line, a field, a property, a
    limit, the file's own name), never a stored value.  ``Msg`` is the
    keyword :mod:`gugus.web.catalogue` extracts: give the template as a
    literal."""

    id: str
    params: dict

    def __new__(cls, template: str, /, **params) -> Msg:
        text = super().__new__(cls, template % params if params else template)
        text.id = template
        text.params = params
        return text

    def __reduce__(self):  # a parsing process hands its errors back pickled
        return (_rebuild_text, (self.id, self.params))

    def with_params(self, **params) -> Msg:
        """The same message with some parameters replaced."""
        return Msg(self.id, **{**self.params, **params})

    def translated(self, gettext) -> str:
        """The message through ``gettext`` (parameters that are themselves
        ``Msg`` too); the English text if the translation does not fit its
        parameters."""
        params = {k: translated(v, gettext) for k, v in self.params.items()}
        try:
            return gettext(self.id) % params if params else gettext(self.id)
        except (KeyError, TypeError, ValueError):
            return str.__str__(self)


def _rebuild_text(template: str, params: dict) -> Msg:
    return Msg(template, **params)


def joined(items, sep: str = "; ") -> Msg:
    """Messages listed as one (each still translated on a page)."""
    params = {"i%d" % n: item for n, item in enumerate(items)}  # noqa: UP031
    template = sep.replace("%", "%%").join("%%(%s)s" % key for key in params)  # noqa: UP031
    return Msg(template, **params)


def alternatives(items) -> str:
    """``a or b or c``, the "or" translated on a page."""
    out = None
    for item in items:
        out = item if out is None else Msg("%(first)s or %(other)s", first=out, other=item)
    return out if out is not None else ""


def both(items) -> str:
    """``a and b and c``, the "and" translated on a page."""
    out = None
    for item in items:
        out = item if out is None else Msg("%(first)s and %(other)s", first=out, other=item)
    return out if out is not None else ""


def no_such_file(path) -> Msg:
    return Msg("%(file)s: no such file", file=str(path))


def not_utf8(path, exc: UnicodeDecodeError) -> InvalidInput:
    """A file that is not UTF-8 text, and where its first bad byte is."""
    return InvalidInput(
        Msg(
            "%(file)s: not UTF-8 text (%(reason)s at byte %(start)s)",
            file=str(path),
            reason=exc.reason,
            start=exc.start,
        )
    )


def translated(message, gettext):
    """``message`` in the language of ``gettext`` when it is a :class:`Msg`;
    any other value as it is."""
    return message.translated(gettext) if isinstance(message, Msg) else message


class GugusError(Exception):
    status = 500
    code = "error"

    def __init__(self, message: str | Msg, *, details: list[dict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def to_dict(self) -> dict:
        out: dict = {"error": {"code": self.code, "message": self.message}}
        if self.details:
            out["error"]["details"] = self.details
        return out


class InvalidInput(GugusError):
    status = 400
    code = "invalid_input"


class AuthError(GugusError):
    status = 401
    code = "unauthorized"


class Forbidden(GugusError):
    status = 403
    code = "forbidden"


class NotFound(GugusError):
    status = 404
    code = "not_found"


class Conflict(GugusError):
    status = 409
    code = "conflict"


class IntegrityFailure(GugusError):
    status = 500
    code = "integrity_failure"


class StoreUnavailable(GugusError):
    """Busy or unreachable storage: a retry later may succeed (HTTP 503 with
    ``Retry-After``)."""

    status = 503
    code = "unavailable"
    retry_after = 5  # seconds


class StorageFull(GugusError):
    status = 507
    code = "storage_full"
    retry_after = 60

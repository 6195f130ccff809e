"""The messages of errors that do not come from gugus's services — a query
parameter or form field that fails FastAPI's validation, an HTTP error of the
framework (unknown path, wrong method) — as :class:`gugus.errors.Msg`, so
the error page says them in the page's language.  Built from the error's
structured parts (pydantic's error ``type``, its limits, the field's name),
never from its English text, and never quoting the value that was sent."""

from __future__ import annotations

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from gugus.errors import N_, Msg

# pydantic error type → (the message, the error's limits it names); ``%(field)s``
# is the parameter's name, the others come from the error's ``ctx`` (never
# its ``input``).
_BY_TYPE = {
    "missing": (N_("%(field)s: required"), ()),
    "int_parsing": (N_("%(field)s: must be a whole number"), ()),
    "int_type": (N_("%(field)s: must be a whole number"), ()),
    "int_from_float": (N_("%(field)s: must be a whole number"), ()),
    "float_parsing": (N_("%(field)s: must be a number"), ()),
    "float_type": (N_("%(field)s: must be a number"), ()),
    "bool_parsing": (N_("%(field)s: must be true or false"), ()),
    "greater_than": (N_("%(field)s: must be greater than %(gt)s"), ("gt",)),
    "greater_than_equal": (N_("%(field)s: must be at least %(ge)s"), ("ge",)),
    "less_than": (N_("%(field)s: must be less than %(lt)s"), ("lt",)),
    "less_than_equal": (N_("%(field)s: must be at most %(le)s"), ("le",)),
    "string_too_short": (
        N_("%(field)s: must have at least %(min_length)s characters"),
        ("min_length",),
    ),
    "string_too_long": (
        N_("%(field)s: must have at most %(max_length)s characters"),
        ("max_length",),
    ),
    "literal_error": (N_("%(field)s: not one of the allowed values"), ()),
    "enum": (N_("%(field)s: not one of the allowed values"), ()),
}
NOT_VALID = N_("%(field)s: not a valid value")


def validation_message(exc: RequestValidationError) -> Msg:
    """The first failing field of a request, by the error's type."""
    errors = exc.errors()
    if not errors:
        return Msg(NOT_VALID, field="?")
    first = errors[0]
    names = [str(p) for p in first.get("loc", ()) if isinstance(p, str)]
    field = names[-1] if names else "?"
    template, limits = _BY_TYPE.get(first.get("type", ""), (NOT_VALID, ()))
    ctx = first.get("ctx") or {}
    if any(k not in ctx for k in limits):
        template, limits = NOT_VALID, ()
    return Msg(template, field=field, **{k: str(ctx[k]) for k in limits})


def http_message(exc: HTTPException) -> Msg:
    """The framework's own errors (an unknown path, a wrong method): their
    English ``detail`` is the status's phrase, said here by status."""
    if exc.status_code == 404:
        return Msg("There is no page at this address.")
    if exc.status_code == 405:
        return Msg("This page does not answer this kind of request.")
    return Msg("This request cannot be answered.")

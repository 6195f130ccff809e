"""Dates from document metadata (never guessed from the body).

The date kept is the calendar date as written in the file, in the writer's
own time zone: "D:20210608233000-05'00'" is 8 June, the day the author saw.
Anything that is not a real date (year 0000, month 13) gives None.
"""

from __future__ import annotations

import datetime
import email.utils
import re

_PDF_DATE = re.compile(r"\s*(?:D:)?(\d{4})(\d{2})(\d{2})")
_PDF_TIME = re.compile(
    r"\s*(?:D:)?(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?\s*(?:([+-])(\d{2})'?(\d{2})?'?|(Z))?"
)
_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?![\d])")
_COMPACT_DATE = re.compile(r"\s*(\d{4})(\d{2})(\d{2})(?:T|\s*$)")
MIN_YEAR = 1900


def _date(year: str, month: str, day: str) -> datetime.date | None:
    try:
        value = datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return value if value.year >= MIN_YEAR else None


def date_from_pdf(value: object) -> datetime.date | None:
    """PDF date string (ISO 32000 §7.9.4, "D:YYYYMMDDHHmmSSOHH'mm'")."""
    match = _PDF_DATE.match(str(value or ""))
    return _date(*match.groups()) if match else None


def pdf_date_iso(value: object) -> str | None:
    """A PDF date string as ISO 8601 ("2021-06-08T12:00:00+02:00"), None if
    it is not one; for metadata, where the raw "D:…" form helps nobody."""
    match = _PDF_TIME.match(str(value or ""))
    if not match or _date(*match.groups()[:3]) is None:
        return None
    year, month, day, hour, minute, second, sign, off_h, off_m, utc = match.groups()
    try:
        offset = datetime.UTC if utc else None
        if sign:
            delta = datetime.timedelta(hours=int(off_h), minutes=int(off_m or 0))
            offset = datetime.timezone(-delta if sign == "-" else delta)
        moment = datetime.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=offset,
        )
    except ValueError:
        return None
    return moment.isoformat()


def date_from_text(value: object) -> datetime.date | None:
    """ISO 8601 ("2021-06-08", "2021-06-08T12:00:00+02:00", "20210608") or
    RFC 2822 ("Tue, 08 Jun 2021 12:00:00 -0500"), as found in HTML <meta>."""
    text = str(value or "").strip()
    if not text:
        return None
    for pattern in (_ISO_DATE, _COMPACT_DATE):
        match = pattern.match(text)
        if match:
            return _date(*match.groups())
    return date_from_rfc2822(text)


def date_from_rfc2822(value: object) -> datetime.date | None:
    """An e-mail Date header."""
    try:
        parsed = email.utils.parsedate_to_datetime(str(value or ""))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed.date() if parsed.year >= MIN_YEAR else None

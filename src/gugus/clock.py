"""Time, in one place (UTC ISO-8601 strings, sortable as text)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_iso() -> str:
    return iso(now())


def in_days(days: float) -> str:
    return iso(now() + timedelta(days=days))


def today():
    """The load date (UTC), e.g. to pin the year of a year-less date."""
    return now().date()


def parse_moment(value: str, field: str, *, end_of_day: bool = False) -> str:
    """An ISO 8601 date or time given by a user → the stored form (UTC,
    sortable as text).  A time without an offset is UTC; a bare date is its
    first moment, or with ``end_of_day`` the first moment of the next day (so
    ``until=2026-12-06`` includes that whole day).  A bad value raises
    InvalidInput naming ``field``."""
    from gugus.errors import InvalidInput, Msg

    text = value.strip()
    try:
        if len(text) == 10:  # YYYY-MM-DD
            moment = datetime.combine(date.fromisoformat(text), time(), UTC)
            if end_of_day:
                moment += timedelta(days=1)
        else:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
        stored = iso(moment)
        if len(stored) != len("2026-12-06T09:30:00.000000Z"):  # a year before 1000
            raise ValueError(stored)
        return stored
    except (ValueError, OverflowError):
        raise InvalidInput(
            Msg(
                "%(field)s: %(value)r is not an ISO 8601 date or time "
                "(e.g. 2026-12-06 or 2026-12-06T09:30:00Z)",
                field=field,
                value=value[:40],
            )
        ) from None

"""Time, in one place (UTC ISO-8601 strings, sortable as text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


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

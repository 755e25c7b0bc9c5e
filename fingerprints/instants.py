"""Instants as UTC text of one fixed shape, so that the texts compare as the times do: registry
publication times (``scanner``) and commit dates (``direction``) are written by this one helper."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_text(moment: datetime) -> str:
    """A time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC (a time without a zone is taken as UTC).
    The year is always four digits: ``strftime`` writes the year 999 as ``999``, which sorts
    after ``2026``. Raises ``OverflowError`` for a time that leaves the years 1-9999 in UTC."""
    m = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    return (f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:"
            f"{m.second:02d}.{m.microsecond:06d}Z")  # fmt: skip


def iso_utc_text(text: str) -> str | None:
    """ISO 8601 text (``Z`` or an offset; none is UTC, as npm writes them) as ``utc_text``, or
    None when it is not a time or leaves the years 1-9999 once in UTC."""
    try:
        return utc_text(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        return None


def second_key(text: str) -> str:
    """ISO 8601 text as UTC text to the whole second, to compare or order instants as strings
    (``min(dates, key=second_key)``); the text itself when it is not a time. Git dates have
    whole seconds and registries' have milliseconds: a package published at ``00:00:00.500Z``
    is not later than a commit of ``00:00:00+00:00`` on evidence finer than the commit's own."""
    found = iso_utc_text(text)
    return f"{found[:19]}Z" if found else text

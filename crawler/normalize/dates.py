"""Dates to UTC ISO 8601 (``YYYY-MM-DDTHH:MM:SSZ``), fast paths before dateparser.

``dateparser`` costs 0.4-2.7 ms a call; ``datetime.fromisoformat`` about 0.4 µs.
So: numbers are epochs (seconds, or milliseconds when too large for seconds),
ISO strings go through ``fromisoformat``, and only what is left is handed to
dateparser, with relative phrases ("5 hours ago", "yesterday") resolved against
the ``now`` the caller passes (the crawl time), never a cached clock.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import dateparser

# Epochs beyond this many seconds (year 5138) must be milliseconds.
_MS_THRESHOLD = 10**11
_NUMERIC = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")
_MIN_YEAR, _MAX_YEAR = 1990, 2100


def iso_utc(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_epoch(value: float) -> datetime | None:
    if value > _MS_THRESHOLD:
        value = value / 1000
    try:
        dt = datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return dt if _MIN_YEAR <= dt.year <= _MAX_YEAR else None


def parse_datetime(value, now: datetime | None = None) -> datetime | None:
    """A timezone-aware UTC datetime from an epoch, ISO string or phrase; None if unreadable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return from_epoch(value)
    text = str(value).strip()
    if not text:
        return None
    if _NUMERIC.match(text):
        return from_epoch(float(text))
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        dt = None
    if dt is None:
        settings = {
            "TIMEZONE": "UTC",
            "TO_TIMEZONE": "UTC",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DAY_OF_MONTH": "first",
        }
        if now is not None:
            settings["RELATIVE_BASE"] = now.astimezone(UTC).replace(tzinfo=None)
        dt = dateparser.parse(text, settings=settings)
        if dt is None:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    dt = dt.astimezone(UTC)
    return dt if _MIN_YEAR <= dt.year <= _MAX_YEAR else None


def to_utc_iso(value, now: datetime | None = None) -> str | None:
    """``parse_datetime`` rendered as ``YYYY-MM-DDTHH:MM:SSZ`` (None if unreadable)."""
    dt = parse_datetime(value, now)
    return iso_utc(dt) if dt else None

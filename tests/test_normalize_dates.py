"""Dates: epochs, ISO with offsets, written dates, relative phrases against the crawl time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import crawler.normalize.dates as dates
from crawler.normalize.dates import parse_datetime, to_utc_iso

NOW = datetime(2026, 3, 16, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value, expected",
    [
        (1607472000, "2020-12-09T00:00:00Z"),  # epoch seconds
        (1607472000000, "2020-12-09T00:00:00Z"),  # epoch milliseconds (Lever createdAt)
        ("1779223091267", "2026-05-19T20:38:11Z"),
        ("2026-03-16T00:00:03+00:00", "2026-03-16T00:00:03Z"),
        ("2026-04-17T05:58:03-04:00", "2026-04-17T09:58:03Z"),  # offset honoured
        ("2021-04-27T20:13:45.158+00:00", "2021-04-27T20:13:45Z"),
        ("2026-03-16T10:00:00Z", "2026-03-16T10:00:00Z"),
        ("2026-08-28", "2026-08-28T00:00:00Z"),
        ("Dec 8, 2020", "2020-12-08T00:00:00Z"),
        ("December 8, 2020", "2020-12-08T00:00:00Z"),
        ("8 December 2020", "2020-12-08T00:00:00Z"),
        ("Dec 8th, 2020", "2020-12-08T00:00:00Z"),
        ("Posted: Dec 8, 2020", "2020-12-08T00:00:00Z"),
        ("2020/12/08", "2020-12-08T00:00:00Z"),
        ("Tue, 08 Dec 2020 10:00:00 +0100", "2020-12-08T09:00:00Z"),
        ("2024-06-14 16:11:01 UTC", "2024-06-14T16:11:01Z"),  # Recruitee: the zone as a word
        ("2024-06-14T16:11 gmt", "2024-06-14T16:11:00Z"),
        ("2024-13-14 16:11:01 UTC", None),  # no month 13, with or without the zone's name
    ],
)
def test_absolute_dates(value, expected):
    assert to_utc_iso(value, NOW) == expected


@pytest.mark.parametrize(
    "phrase, expected",
    [
        ("5 hours ago", "2026-03-16T07:00:00Z"),  # hours, not days
        ("3 days ago", "2026-03-13T12:00:00Z"),
        ("30+ days ago", "2026-02-14T12:00:00Z"),
        ("2 weeks ago", "2026-03-02T12:00:00Z"),
        ("1 month ago", "2026-02-16T12:00:00Z"),
        ("a year ago", "2025-03-16T12:00:00Z"),
        ("45 minutes ago", "2026-03-16T11:15:00Z"),
        ("yesterday", "2026-03-15T12:00:00Z"),
        ("Today", "2026-03-16T12:00:00Z"),
        ("just now", "2026-03-16T12:00:00Z"),
        ("Posted 3 days ago", "2026-03-13T12:00:00Z"),
        ("Reposted 2 hours ago", "2026-03-16T10:00:00Z"),
        ("Active 3 days ago", "2026-03-13T12:00:00Z"),
        ("5h ago", "2026-03-16T07:00:00Z"),
        ("2d ago", "2026-03-14T12:00:00Z"),
    ],
)
def test_relative_phrases_are_measured_from_the_crawl_time(phrase, expected):
    assert to_utc_iso(phrase, NOW) == expected


def test_the_same_phrase_means_another_instant_in_another_crawl():
    later = datetime(2026, 4, 1, tzinfo=UTC)
    assert to_utc_iso("3 days ago", NOW) == "2026-03-13T12:00:00Z"
    assert to_utc_iso("3 days ago", later) == "2026-03-29T00:00:00Z"
    assert to_utc_iso("3 days ago", NOW) == "2026-03-13T12:00:00Z"


def test_relative_phrases_without_a_crawl_time_are_unreadable_not_guessed():
    assert parse_datetime("3 days ago") is None
    assert parse_datetime("yesterday") is None


@pytest.mark.parametrize("value", [None, "", "soon", "not a date", True, 10**20, "1850-01-01"])
def test_unreadable_values_are_none(value):
    assert to_utc_iso(value, NOW) is None


def test_fast_paths_do_not_call_dateparser(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("dateparser called")

    monkeypatch.setattr(dates.dateparser, "parse", boom)
    for value in ("1607472000", "2026-03-16T00:00:03+00:00", "Dec 8, 2020", "5 hours ago"):
        assert to_utc_iso(value, NOW)


def test_dateparser_reads_what_the_fast_paths_do_not():
    assert to_utc_iso("le 8 décembre 2020", NOW) == "2020-12-08T00:00:00Z"

"""One crawl's Scrapy stats from its units' stats (pure), for the ``crawls`` row and health.

Counters add up (requests, responses by status, items, fill-rate counts, log counts), so
every ``crawler.store.health`` check reads the merged stats as it reads a one-process crawl's.
Per-listing facts (``jobcrawl/listings``) are merged per listing. ``start_time`` is the
earliest, ``finish_time`` the latest, maxima stay maxima. The crawl finished only if every
unit finished: otherwise ``finish_reason`` is the first other reason (a unit that never
reported makes it ``units_failed``, see ``crawler/distributed/writer.py``).

What differs from one process: each unit's crawl fetches its host's robots.txt itself, so
``robotstxt/request_count`` (and ``downloader/request_count``) count one per unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crawler.store.lifecycle import LISTINGS_STAT

_MAX = (
    "memusage/max",
    "memusage/startup",
    "elapsed_time_seconds",
    "jobcrawl/distributed/host_delay",
)
_DROP = ("jobcrawl/distributed/unit", "jobcrawl/distributed/attempt")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def merge_stats(units: Iterable[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    listings: dict[str, dict[str, Any]] = {}
    reasons: list[str] = []
    for stats in units:
        for key, value in stats.items():
            if key in _DROP:
                continue
            if key == LISTINGS_STAT:
                for name, facts in (value or {}).items():
                    into = listings.setdefault(
                        name, {"responses": 0, "failures": 0, "rejects": 0, "why": []}
                    )
                    for what in ("responses", "failures", "rejects"):
                        into[what] += int(facts.get(what, 0))
                    into["why"] = (into["why"] + list(facts.get("why", [])))[:5]
            elif key == "finish_reason":
                reasons.append(value)
            elif key == "start_time":
                merged[key] = min(merged.get(key, value), value)
            elif key == "finish_time":
                merged[key] = max(merged.get(key, value), value)
            elif key in _MAX:
                merged[key] = max(merged.get(key, value), value)
            elif _number(value) and _number(merged.get(key, 0)):
                merged[key] = merged.get(key, 0) + value
            elif _number(value) and merged.get(key) is None:
                merged[key] = value
            else:
                merged.setdefault(key, value)
    if listings:
        merged[LISTINGS_STAT] = listings
    others = [r for r in reasons if r != "finished"]
    merged["finish_reason"] = others[0] if others else "finished"
    return merged

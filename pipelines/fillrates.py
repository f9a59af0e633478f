"""800 · count which fields each posting about to be stored has, for per-crawl fill rates.

Runs after normalisation and in-crawl deduplication, so it measures what lands in
``jobs``: ``jobcrawl/fill/_items`` postings, ``jobcrawl/fill/<field>`` of them with
a value (not None, not an empty string, list or object). ``crawler/health.py``
turns the counts into ``crawls.fill_rates`` and notices a field that collapsed.
"""

from __future__ import annotations

from typing import Any

from crawler.health import FILL_FIELDS, FILL_ITEMS, FILL_PREFIX
from crawler.items import JobPosting


def filled_fields(item: JobPosting) -> list[str]:
    """The measured fields of ``item`` that hold a value."""
    return [name for name in FILL_FIELDS if has_value(getattr(item, name))]


def has_value(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | dict | tuple | set):
        return bool(value)
    return True


class FillRatePipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if isinstance(item, JobPosting):
            self.stats.inc_value(FILL_ITEMS)
            for name in filled_fields(item):
                self.stats.inc_value(FILL_PREFIX + name)
        return item

"""300 · normalise: dates to UTC ISO 8601, salary checked and annualised.

The rules live in ``crawler/normalize/`` as pure functions; this step only
applies them and counts what it did. Relative dates are resolved against the
item's ``scraped_at`` (the crawl time).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from crawler.items import JobPosting
from crawler.normalize.dates import parse_datetime, to_utc_iso
from crawler.normalize.salary import check_salary

logger = logging.getLogger(__name__)


def normalize_item(item: JobPosting, now: datetime) -> list[str]:
    """Fill the normalised fields of ``item`` in place; return notes on values set to null."""
    notes = []
    if item.posted_raw and not item.posted_at:
        item.posted_at = to_utc_iso(item.posted_raw, now)
        if item.posted_at is None:
            notes.append(f"unreadable posted date {item.posted_raw!r}")
    if item.valid_through_raw and not item.valid_through:
        item.valid_through = to_utc_iso(item.valid_through_raw, now)
    if item.salary_min is not None or item.salary_max is not None:
        pay = check_salary(
            item.salary_min, item.salary_max, item.salary_currency, item.salary_period
        )
        if pay.problem:
            notes.append(f"salary set to null: {pay.problem}")
        item.salary_min, item.salary_max = pay.min, pay.max
        item.salary_currency, item.salary_period = pay.currency, pay.period
        item.salary_year_min, item.salary_year_max = pay.year_min, pay.year_max
        if pay.min is None and pay.max is None:
            item.salary_source = None
    return notes


class NormalizePipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if not isinstance(item, JobPosting):
            return item
        now = parse_datetime(item.scraped_at) or datetime.now(UTC)
        for note in normalize_item(item, now):
            self.stats.inc_value("jobcrawl/normalize_nulled")
            logger.info("%s %s: %s", item.source, item.source_id, note)
        return item

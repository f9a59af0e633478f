"""Per-item pipeline counts reach the crawl stats whole when the spider closes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from scrapy.utils.test import get_crawler

from crawler.sources.items import REPORTED, JobPosting, Reject
from crawler.store.health import FILL_FIELDS
from crawler.tools.accuracy import BOARDS
from pipelines.clean import CleanTextPipeline
from pipelines.fillrates import FillRatePipeline, GivenFieldsPipeline, has_value
from pipelines.normalize import NormalizePipeline
from pipelines.validate import ValidatePipeline

SCRAPED = datetime(2026, 11, 23, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _postings() -> list[JobPosting]:
    items = []
    for source, load in BOARDS.items():
        for item in load():
            item.source, item.scraped_at = item.source or source, SCRAPED
            items.append(item)
    bad = JobPosting(source="lever", source_id="", url="https://jobs.lever.co/x/1")
    return [*items, bad]


def _expected(postings: list[JobPosting]) -> Counter:
    """What one ``inc_value`` per counted thing adds up to, computed field by field."""
    expected: Counter = Counter()
    for item in postings:
        if not (item.source_id or "").strip():
            expected["jobcrawl/invalid"] += 1
            continue
        for name in REPORTED:
            expected[f"jobcrawl/missing/{name}"] += not getattr(item, name)
        expected["jobcrawl/given/_items"] += 1
        for name in FILL_FIELDS:
            expected[f"jobcrawl/given/{name}"] += has_value(getattr(item, name))
    return +expected


def test_counts_are_the_per_item_counts_once_the_spider_closes():
    crawler = get_crawler()
    stats = crawler.stats
    stats.open_spider()
    steps = [
        cls.from_crawler(crawler)
        for cls in (ValidatePipeline, GivenFieldsPipeline, CleanTextPipeline, NormalizePipeline)
    ]
    fill = FillRatePipeline.from_crawler(crawler)
    postings = _postings()
    expected = _expected(postings)
    stored: list[JobPosting] = []
    for item in postings:
        for step in steps:
            item = step.process_item(item)
            if isinstance(item, Reject):
                break
        else:
            stored.append(fill.process_item(item))
    for step in [*steps, fill]:
        step.close_spider()
        step.close_spider()  # a second close adds nothing
    got = stats.get_stats()
    for key, value in expected.items():
        assert got.get(key) == value, key
    assert got["jobcrawl/cleaned"] == len(stored) == got["jobcrawl/fill/_items"]
    for name in FILL_FIELDS:
        filled = sum(has_value(getattr(item, name)) for item in stored)
        assert got.get(f"jobcrawl/fill/{name}", 0) == filled, name
    assert got["jobcrawl/normalized/posted_at"] == sum(bool(i.posted_at) for i in stored)
    assert got["jobcrawl/normalized/remote"] == sum(bool(i.remote) for i in stored)

"""The in-crawl dedupe step (pipeline 400): one posting per (source, source_id) per crawl."""

from __future__ import annotations

import pytest
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.sources.items import JobPosting, Reject
from pipelines.dedupe import DedupePipeline, DuplicateInCrawl, identity_digest


def pipeline() -> DedupePipeline:
    return DedupePipeline(MemoryStatsCollector(get_crawler()))


def posting(source, source_id, title="Engineer") -> JobPosting:
    return JobPosting(source=source, source_id=source_id, title=title)


def test_a_posting_repeated_in_a_crawl_is_dropped_and_counted():
    dedupe = pipeline()
    first = posting("lever", "acme/1")
    assert dedupe.process_item(first) is first
    with pytest.raises(DuplicateInCrawl, match="acme/1"):
        dedupe.process_item(posting("lever", "acme/1", title="Engineer (office list repeat)"))
    assert dedupe.stats.get_value("jobcrawl/duplicates_in_crawl") == 1


def test_postings_that_differ_in_source_or_id_are_all_kept():
    dedupe = pipeline()
    items = [
        posting("lever", "acme/1"),
        posting("greenhouse", "acme/1"),
        posting("lever", "acme/2"),
        # Pairs that join to the same text must stay apart.
        posting("ab", "c"),
        posting("a", "bc"),
        posting(None, "x"),
        posting("None", "x"),
        posting("remoteok", "1\ud83d"),  # a lone surrogate: an id cut mid-emoji
        posting("remoteok", "1"),
    ]
    assert [dedupe.process_item(item) for item in items] == items
    assert dedupe.stats.get_value("jobcrawl/duplicates_in_crawl") is None


def test_rejects_pass_through_untouched():
    dedupe = pipeline()
    reject = Reject(source="lever", url="https://x", reason="no id", raw={})
    assert dedupe.process_item(reject) is reject
    assert dedupe.process_item(reject) is reject


def test_identity_digest_is_sixteen_bytes_and_stable():
    assert len(identity_digest("lever", "acme/1")) == 16
    assert identity_digest("lever", "acme/1") == identity_digest("lever", "acme/1")
    assert identity_digest("lever", "acme/1") != identity_digest("lever", "acme/2")

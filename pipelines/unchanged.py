"""160 · unchanged: a posting the board sent exactly as last time skips the steps that follow.

The raw posting is fingerprinted before any cleaning and compared with the stored fingerprint
(``crawler/store/fingerprint.py`` states the rule). An unchanged posting is flagged: the clean
(200) and normalise (300) steps pass it by, the fill-rate count (800) reads the stored row's
filled fields, and the store (900) only marks it seen. In-crawl deduplication (400) sees it
like any other posting. Counted as ``jobcrawl/unchanged_skipped`` (and
``jobcrawl/fingerprinted``).

Skipping is off, and every posting processed in full, when the store step is not in
``ITEM_PIPELINES`` (a ``scrapy worker`` ships cleaned postings to the writer) or items are
exported (``-o``/``FEEDS``: an exported item must be the cleaned one), or with
``SKIP_UNCHANGED = False``.
"""

from __future__ import annotations

import logging

from crawler.sources.items import JobPosting
from crawler.store.fingerprint import Fingerprints
from pipelines.counts import CountingPipeline

logger = logging.getLogger(__name__)

STORE_STEP = "pipelines.store.StorePipeline"


def skipping_allowed(settings) -> str | None:
    """None when unchanged postings may skip their steps, else why not."""
    if not settings.getbool("SKIP_UNCHANGED", True):
        return "SKIP_UNCHANGED is off"
    if STORE_STEP not in settings.getdict("ITEM_PIPELINES"):
        return "no store step in ITEM_PIPELINES"
    if settings.getdict("FEEDS"):
        return "items are exported (FEEDS)"
    return None


class UnchangedPipeline(CountingPipeline):
    def __init__(self, stats, path, why_not: str | None):
        super().__init__(stats)
        self.why_not = why_not
        self.fingerprints = Fingerprints(None if why_not else path)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(crawler.stats, settings.get("JOBS_DB"), skipping_allowed(settings))

    def open_spider(self):
        if self.why_not:
            logger.info("unchanged postings are processed in full: %s", self.why_not)

    def process_item(self, item):
        if not isinstance(item, JobPosting):
            return item
        seen = self.fingerprints.see(item)
        self.counts["jobcrawl/fingerprinted"] += 1
        if seen.unchanged:
            # The one cleaning an identity needs (as pipelines/clean.py does): deduplication
            # and the store read the id.
            item.source_id = item.source_id.strip()
            self.counts["jobcrawl/unchanged_skipped"] += 1
        return item

    def close_spider(self):
        super().close_spider()
        self.fingerprints.close()

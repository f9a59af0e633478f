"""900 · store: hands postings and rejects to the store in batches (``crawler/store/store.py``).

Items are buffered and written in batches (``STORE_BATCH_SIZE`` items or
``STORE_BATCH_SECONDS`` seconds, whichever comes first, and on close), each one transaction,
off the reactor thread and retried (``crawler/runtime/storethread.py``). The database path is
the ``JOBS_DB`` setting. A batch that still cannot be written is counted as lost
(``jobcrawl/store_errors`` batches, ``jobcrawl/store_lost`` records) and the crawl is failed:
``store_errors`` in ``health_problems``, and it closes nothing (a posting missing from the
database because its batch was lost must never look absent). While a batch is being written,
new items wait for it (Scrapy holds at most ``CONCURRENT_ITEMS`` in flight).
"""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import defer, task

from crawler.runtime.incremental import posting_listed
from crawler.runtime.listings import note_rejected_posting, posting_gone
from crawler.runtime.storethread import StoreThread, StoreWriteFailed
from crawler.sources.items import JobPosting, Reject
from crawler.store.dedupe import DedupeRules
from crawler.store.health import HealthRules
from crawler.store.lifecycle import LifecycleRules
from crawler.store.schema import BUSY_TIMEOUT_MS

logger = logging.getLogger(__name__)


class RejectedItem(DropItem):
    """A ``Reject`` that has been queued for the ``rejects`` table."""


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.path = settings.get("JOBS_DB")
        self.batch_size = settings.getint("STORE_BATCH_SIZE", 500)
        self.batch_seconds = settings.getfloat("STORE_BATCH_SECONDS", 2.0)
        self.db = StoreThread.from_settings(settings, crawler.stats)
        self.items: list[JobPosting] = []
        self.rejects: list[Reject] = []
        self.listed: list[tuple[str, str, bool]] = []
        self.last_flush = time.monotonic()
        self.timer: task.LoopingCall | None = None
        # One flush at a time: the crawl's end waits for a flush in flight (the timer's), so
        # that a batch that fails is counted before the lifecycle decides what to close.
        self.flushing = defer.DeferredLock()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.posting_listed, signal=posting_listed)
        crawler.signals.connect(self.posting_gone, signal=posting_gone)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def store(self):
        return self.db.store

    async def open_spider(self):
        spider, settings = self.crawler.spider, self.crawler.settings
        store = await self.db.open(
            self.path,
            spider.name,
            complete_listing=bool(getattr(spider, "complete_listing", False)),
            lifecycle_evidence=bool(getattr(spider, "lifecycle_evidence", True)),
            lifecycle_rules=LifecycleRules.from_settings(settings),
            dedupe_rules=DedupeRules.from_settings(settings),
            health_rules=HealthRules.from_settings(settings),
            busy_timeout_ms=settings.getint("STORE_BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS),
            max_db_mb=settings.getfloat("JOBS_DB_MAX_MB", 0),
        )
        self.crawler.stats.set_value("jobcrawl/crawl_id", store.crawl_id)
        self.crawler.stats.set_value("jobcrawl/db", str(self.path))
        logger.info("crawl %s of %s writes to %s", store.crawl_id, spider.name, self.path)
        self.timer = task.LoopingCall(self._flush_if_due)
        self.timer.start(self.batch_seconds, now=False)

    async def process_item(self, item):
        if isinstance(item, JobPosting):
            self.items.append(item)
        elif isinstance(item, Reject):
            self.rejects.append(item)
            note_rejected_posting(self.crawler.stats, self.crawler.spider.name, item)
        else:
            return item
        if len(self.items) + len(self.rejects) >= self.batch_size:
            await self.flush()
        if isinstance(item, Reject):
            # Kept in ``rejects``; dropping it here logs the reason and keeps it
            # out of feed exports (``-O out.jsonl``) and the scraped count.
            raise RejectedItem(f"rejected {item.source} record at {item.url}: {item.reason}")
        return item

    def _flush_if_due(self):
        if time.monotonic() - self.last_flush >= self.batch_seconds:
            # LoopingCall waits for the returned Deferred: batches never overlap.
            return deferred_from_coro(self.flush())
        return None

    def posting_listed(self, source, url, skipped):
        self.listed.append((source, url, skipped))
        if len(self.listed) >= self.batch_size:
            # Sent with send_catch_log, which takes no Deferred: the flush runs on its own
            # (it never raises: a failed write is counted in ``_lost``).
            deferred_from_coro(self.flush())

    def posting_gone(self, source, url, status):
        if self.store is not None:
            self.store.gone.append((source, url))

    def _lost(self, error: StoreWriteFailed, records: int) -> None:
        stats = self.crawler.stats
        stats.inc_value("jobcrawl/store_errors")
        stats.inc_value("jobcrawl/store_lost", records)
        logger.error(
            "crawl %s: %s; %d records not stored: the crawl is failed and closes nothing",
            self.store.crawl_id if self.store else "?", error, records,
        )  # fmt: skip

    async def flush(self):
        await maybe_deferred_to_future(self.flushing.acquire())
        try:
            await self._flush()
        finally:
            self.flushing.release()

    async def _flush(self):
        self.last_flush = time.monotonic()
        if self.store is None:
            return
        if self.listed:
            listed, self.listed = self.listed, []
            try:
                await self.db.write("listed postings", self.store.mark_listed, listed)
            except StoreWriteFailed as exc:
                self._lost(exc, len(listed))
        if not (self.items or self.rejects):
            return
        items, rejects, self.items, self.rejects = self.items, self.rejects, [], []
        what = f"a batch of {len(items) + len(rejects)}"
        try:
            counts = await self.db.write(what, self.store.write_batch, items, rejects)
        except StoreWriteFailed as exc:
            self._lost(exc, len(items) + len(rejects))
            return
        for key, value in counts.items():
            self.crawler.stats.inc_value(f"jobcrawl/stored/{key}", value)
        self.crawler.stats.inc_value("jobcrawl/batches")

    async def close_spider(self):
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        await self.flush()

    async def spider_closed(self, spider, reason):
        if self.store is None:
            return
        stats = self.crawler.stats.get_stats()
        try:
            outcome = await self.db.write("the crawl's end", self.store.finish, reason, stats)
        except StoreWriteFailed as exc:
            # The row keeps finished_at null: the crawl reads as unfinished, closes nothing.
            logger.error("crawl %s: could not be finished: %s", self.store.crawl_id, exc)
        else:
            self.store.log_outcome(reason, outcome)
        await self.db.close()

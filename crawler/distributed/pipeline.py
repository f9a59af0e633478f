"""900 · report (workers only): what a one-process crawl would store goes into the report stream.

``scrapy worker`` puts this step where ``pipelines.store.StorePipeline`` stands; every
step before it (validate, clean, normalise, in-crawl dedupe, fill rates) runs unchanged on
the worker. Items and rejects, the ``posting_listed``/``posting_gone`` signals and, when
the spider closes, the unit's stats go to the stream (``crawler/distributed/stream.py``)
in batches (``STORE_BATCH_SIZE`` entries or ``STORE_BATCH_SECONDS``).

Redis unreachable: each send waits up to ``REDIS_WAIT_SECONDS``; past that the unit is
abandoned: the spider is closed with ``redis_unavailable``, no ``end`` is sent (the
writer never applies a unit without its end), and the lease is left to expire so the
unit runs again.
"""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler.distributed import stream
from crawler.distributed.redisconn import RedisGone, connect, patient
from crawler.runtime.incremental import posting_listed
from crawler.runtime.listings import note_rejected_posting, posting_gone
from crawler.sources.items import JobPosting, Reject
from pipelines.store import RejectedItem

logger = logging.getLogger(__name__)


class ReportPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        lease = settings.getdict("DISTRIBUTED_LEASE")
        self.run, self.unit, self.attempt = lease["run"], lease["unit"], int(lease["attempt"])
        self.key = stream.stream_key(settings.get("REDIS_PREFIX"))
        self.wait = settings.getfloat("REDIS_WAIT_SECONDS")
        self.batch_size = settings.getint("STORE_BATCH_SIZE", 500)
        self.batch_seconds = settings.getfloat("STORE_BATCH_SECONDS", 2.0)
        self.redis = connect(settings)
        self.buffer: list[tuple[int, str, str]] = []
        self.seq = 0  # entries of this attempt, numbered: a re-sent batch is recognised
        self.sent = dict.fromkeys(stream.KINDS, 0)
        self.broken: str | None = None
        self.timer: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.posting_listed, signal=posting_listed)
        crawler.signals.connect(self.posting_gone, signal=posting_gone)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.crawler.stats.set_value("jobcrawl/distributed/unit", self.unit)
        self.crawler.stats.set_value("jobcrawl/distributed/attempt", self.attempt)
        self.timer = task.LoopingCall(self.flush)
        self.timer.start(self.batch_seconds, now=False)

    def _add(self, kind: str, value) -> None:
        if self.broken:
            return
        self.seq += 1
        self.buffer.append((self.seq, kind, stream.encode(kind, value)))
        self.sent[kind] += 1
        if len(self.buffer) >= self.batch_size:
            self.flush()

    def process_item(self, item):
        if isinstance(item, JobPosting):
            self._add("item", item)
            return item
        if isinstance(item, Reject):
            self._add("reject", item)
            note_rejected_posting(self.crawler.stats, self.crawler.spider.name, item)
            raise RejectedItem(f"rejected {item.source} record at {item.url}: {item.reason}")
        return item

    def posting_listed(self, source, url, skipped):
        self._add("listed", [source, url, bool(skipped)])

    def posting_gone(self, source, url, status):
        self._add("gone", [source, url])

    def _xadd(self, entries: list[tuple[int, str, str]]) -> None:
        # A batch that timed out may still have been added: the writer drops repeated seqs.
        pipe = self.redis.pipeline(transaction=False)
        for seq, kind, data in entries:
            fields = {"run": self.run, "unit": self.unit, "attempt": self.attempt, "seq": seq,
                      "kind": kind, "data": data}  # fmt: skip
            pipe.xadd(self.key, fields)
        pipe.execute()

    def flush(self) -> None:
        if self.broken or not self.buffer:
            return
        entries, self.buffer = self.buffer, []
        started = time.monotonic()
        try:
            patient(lambda: self._xadd(entries), self.wait, f"reporting unit {self.unit}")
        except RedisGone as exc:
            self.broken = str(exc)
            logger.error("%s: %s; abandoning the unit (its lease will expire)", self.unit, exc)
            self.crawler.stats.set_value("jobcrawl/distributed/broken", str(exc))
            if self.crawler.engine is not None and self.crawler.engine.running:
                deferred_from_coro(
                    self.crawler.engine.close_spider_async(reason="redis_unavailable")
                )
            return
        self.crawler.stats.inc_value("jobcrawl/distributed/report_seconds",
                                     time.monotonic() - started)  # fmt: skip

    def close_spider(self):
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush()

    def spider_closed(self, spider, reason):
        # The delay the unit kept with its host(s), for the host's rest before the next unit.
        slots = getattr(getattr(self.crawler.engine, "downloader", None), "slots", {}) or {}
        delays = [getattr(slot, "delay", 0) or 0 for slot in slots.values()]
        delay = max([self.crawler.settings.getfloat("DOWNLOAD_DELAY"), *delays])
        self.crawler.stats.set_value("jobcrawl/distributed/host_delay", delay)
        self.flush()
        if self.broken or reason == "shutdown":
            # Stopped (SIGTERM) or cut off: the unit did not run whole; the worker puts it back.
            return
        stats = self.crawler.stats.get_stats()
        end = {"stats": stats, "sent": self.sent, "reason": reason}
        self.seq += 1
        self.buffer.append((self.seq, "end", stream.encode("end", end)))
        self.flush()

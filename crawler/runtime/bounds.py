"""Bounds on one crawl, so that cron always finishes: a crawl that hits one is unhealthy and
closes nothing (``crawler/store/health.py``, check ``bounds``; its finish reason is not
``finished`` either).

``CrawlBounds`` (extension)
    Stops the crawl when the bodies it downloaded exceed ``CRAWL_MAX_BYTES`` (default
    2 GiB; 0: no bound): a board that keeps serving pages cannot fill the disk or the
    night. The crawl's time is bounded by Scrapy's own ``CLOSESPIDER_TIMEOUT`` (default
    here 6 hours; finish reason ``closespider_timeout``).

Sitemaps are bounded where they are read (``crawler/sources/structured.py``): an index nested
deeper than ``SITEMAP_MAX_DEPTH`` or naming more than ``SITEMAP_MAX_COUNT`` sitemaps in one
crawl is not followed further, and a sitemap listing more than ``SITEMAP_MAX_ENTRIES``
entries is not read further (``jobcrawl/bounds/sitemap_depth``, ``.../sitemap_count``,
``.../sitemap_entries``).

Each bound hit is counted under ``jobcrawl/bounds/<name>`` in the crawl stats.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.signals import hit

logger = logging.getLogger(__name__)


class CrawlBounds:
    def __init__(self, crawler):
        self.crawler = crawler
        self.max_bytes = crawler.settings.getint("CRAWL_MAX_BYTES", 0)
        if self.max_bytes <= 0:
            raise NotConfigured("CRAWL_MAX_BYTES is 0")
        self.bytes = 0
        self.closing = False
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def response_received(self, response, request, spider):
        self.bytes += len(response.body)
        if self.bytes > self.max_bytes and not self.closing:
            self.closing = True
            hit(self.crawler, "bytes", f"{self.bytes} bytes downloaded, over CRAWL_MAX_BYTES")
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="bounds_bytes"))

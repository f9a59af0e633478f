"""Scrapy's ``log_count/<LEVEL>`` stats per unit, when a worker crawls several units at once.

Scrapy's ``LogCount`` extension counts every log record of the process into the crawl's
stats, which is right for one crawl per process and wrong for a worker running
``WORKER_UNITS`` crawls side by side: each would count the others' lines. This one counts
a record for the crawl whose spider it names (Scrapy's own records and spiders' loggers
carry ``spider``); a record naming no spider is counted by every crawl running at that
moment (it could be any of them: the error count may be too high, never too low).
"""

from __future__ import annotations

import logging

from scrapy import signals


class _UnitCounter(logging.Handler):
    def __init__(self, crawler, level):
        super().__init__(level)
        self.crawler = crawler

    def emit(self, record: logging.LogRecord) -> None:
        spider = getattr(record, "spider", None)
        if spider is None or spider is self.crawler.spider:
            self.crawler.stats.inc_value(f"log_count/{record.levelname}")


class UnitLogCount:
    def __init__(self, crawler):
        self.crawler = crawler
        self.handler: _UnitCounter | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        self.handler = _UnitCounter(self.crawler, self.crawler.settings.get("LOG_LEVEL"))
        logging.root.addHandler(self.handler)

    def spider_closed(self, spider, reason) -> None:
        if self.handler is not None:
            logging.root.removeHandler(self.handler)
            self.handler = None

"""Scrapy extensions for unattended runs: a health verdict per crawl, a progress line per board.

``HealthCheck``
    When a crawl's engine stops (after the store has closed its ``crawls`` row),
    judges the crawl with ``crawler.store.health`` against the board's last healthy
    crawl and stores ``healthy``, ``health_problems`` and ``fill_rates`` on the
    row. Each failing check is logged as a warning naming the board and the check.
    Runs for ``scrapy crawl`` and ``scrapy crawlall`` alike.

``BoardLogStats``
    Scrapy's periodic stats line (every ``LOGSTATS_INTERVAL`` seconds), naming the
    board and adding what the store did so far, so a long ``crawlall`` shows
    which board it is on and how it is going.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.extensions.logstats import LogStats

from crawler.store.health import HealthRules, record_health
from crawler.store.schema import open_db

logger = logging.getLogger(__name__)


class HealthCheck:
    def __init__(self, crawler):
        self.crawler = crawler
        self.rules = HealthRules.from_settings(crawler.settings)
        self.problems: dict[str, str] | None = None
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def engine_stopped(self):
        stats = self.crawler.stats
        crawl_id = stats.get_value("jobcrawl/crawl_id")
        if crawl_id is None:  # the store never opened a crawls row: nothing to judge
            return
        db = open_db(self.crawler.settings.get("JOBS_DB"), fts=False)
        try:
            row, self.problems = record_health(db.conn, crawl_id, self.rules)
        finally:
            db.close()
        board = row["spider"]
        if not self.problems:
            logger.info("%s: crawl %s is healthy", board, crawl_id)
            return
        for check, why in self.problems.items():
            logger.warning("%s: crawl %s unhealthy: %s: %s", board, crawl_id, check, why)


class BoardLogStats(LogStats):
    def log(self, spider) -> None:
        self.calculate_stats()
        stats = self.stats
        logger.info(
            "%(board)s: crawled %(pages)d pages (at %(pagerate)d pages/min), scraped %(items)d "
            "items (at %(itemrate)d items/min); stored %(new)d new, %(updated)d updated, "
            "%(rejected)d rejected; %(errors)d errors",
            {
                "board": spider.name,
                "pages": self.pages,
                "pagerate": self.prate,
                "items": self.items,
                "itemrate": self.irate,
                "new": stats.get_value("jobcrawl/stored/new", 0),
                "updated": stats.get_value("jobcrawl/stored/updated", 0),
                "rejected": stats.get_value("jobcrawl/stored/rejected", 0),
                "errors": stats.get_value("log_count/ERROR", 0),
            },
            extra={"spider": spider},
        )

"""What the crawl's parts tell one another through the crawl stats: the names the health
checks read (``crawler/store/health.py``), and the two signals the spider bases raise or
count without knowing who set them up.

``hit(crawler, name, why)``
    A crawl stopped at a bound (``crawler/runtime/bounds.py``, the sitemap bounds of
    ``crawler/sources/structured.py``): counted under ``jobcrawl/bounds/<name>``, logged once.
``Unreachable``
    A request that could not reach its host (``crawler/runtime/network.py`` raises it, having
    written its one log line), counted under ``jobcrawl/unreachable/<kind>``.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)

# Requests that never got an answer: per kind under UNREACHABLE/.
UNREACHABLE = "jobcrawl/unreachable"
UNREACHABLE_ROBOTS = "jobcrawl/unreachable_robots"
# Bounds a crawl hit: what it did not read is unknown, so it closes nothing.
BOUNDS_PREFIX = "jobcrawl/bounds/"


def hit(crawler, name: str, why: str) -> None:
    """Count a bound hit and log it once per bound."""
    stats = crawler.stats
    if not stats.get_value(BOUNDS_PREFIX + name):
        logger.error("crawl stopped at a bound: %s: %s", name, why)
    stats.inc_value(BOUNDS_PREFIX + name)


class Unreachable(IgnoreRequest):
    """A request that could not reach its host; the one log line has been written."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind

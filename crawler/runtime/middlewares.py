"""Downloader middlewares that make jobcrawl a polite client.

``CrawlDelayMiddleware``
    Honours robots.txt ``Crawl-delay`` (RemoteOK and Lever declare 1 s), which
    Scrapy parses but does not apply. When a host's robots.txt is parsed, its
    delay for our user agent is remembered; every request to that host then
    raises the host's download slot delay to at least that (capped at
    ``CRAWL_DELAY_MAX``), without Scrapy's random jitter that would sometimes
    wait less. AutoThrottle may *raise* the delay further but never lowers it
    below the host's wish: the floor is re-applied after every response. Off
    with ``CRAWL_DELAY_ENABLED=0`` (the test suite's replay server has no
    wishes). Stats: ``jobcrawl/crawl_delay/<host>`` (the wish),
    ``jobcrawl/crawl_delay_applied/<slot>`` (set on the download slot).

``BackoffRetryMiddleware``
    Scrapy's ``RetryMiddleware`` (same ``RETRY_*`` settings: 429 and 5xx are
    retried ``RETRY_TIMES`` times) plus waiting before each retry: the answer's
    ``Retry-After`` (seconds or an HTTP date) when it gives one, else an
    exponential back-off ``RETRY_BACKOFF_BASE * 2**(n-1)`` seconds capped at
    ``RETRY_BACKOFF_MAX``. A ``Retry-After`` longer than ``RETRY_AFTER_MAX`` is
    not retried early behind the server's back: the request gives up and counts
    as failed. Waiting holds back only the request being retried (the download
    slot is free meanwhile). Stats: ``jobcrawl/retry_after/count``,
    ``jobcrawl/retry_after/seconds``, ``jobcrawl/retry_after/too_long``,
    ``jobcrawl/backoff/seconds``. A network failure's give-up line is logged at DEBUG:
    ``crawler/runtime/network.py`` writes its one line instead.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message

from crawler.runtime.network import failure_kind

logger = logging.getLogger(__name__)


def retry_after_seconds(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header value, or None when absent or unreadable.

    ``"120"`` -> 120.0; an HTTP date -> seconds from ``now`` until it (0 if past).
    """
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max((when - now).total_seconds(), 0.0)


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """Exponential back-off before retry number ``attempt`` (1, 2, ...): base, 2 base, 4 base..."""
    if base <= 0 or attempt < 1:
        return 0.0
    return min(base * 2 ** (attempt - 1), cap)


class CrawlDelayMiddleware:
    def __init__(self, crawler):
        settings = crawler.settings
        if not (settings.getbool("ROBOTSTXT_OBEY") and settings.getbool("CRAWL_DELAY_ENABLED")):
            raise NotConfigured
        self.crawler = crawler
        self.max_delay = settings.getfloat("CRAWL_DELAY_MAX", 60.0)
        self.useragent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        self.delays: dict[str, float] = {}
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)
        # Connected after AutoThrottle's handler (extensions are built before the
        # downloader), so this runs after it has adjusted the slot.
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def robots_parsed(self, robotparser, request):
        try:
            delay = robotparser.crawl_delay(self.useragent)
        except Exception:  # a parser without crawl-delay support: nothing to honour
            logger.debug("robots.txt parser cannot tell a crawl delay", exc_info=True)
            return
        host = urlparse_cached(request).hostname or ""
        if not delay or delay <= 0:
            return
        if delay > self.max_delay:
            logger.warning(
                "%s asks for Crawl-delay %gs; using CRAWL_DELAY_MAX %gs",
                host, delay, self.max_delay,
            )  # fmt: skip
            delay = self.max_delay
        else:
            logger.info("%s asks for Crawl-delay %gs: honoured", host, delay)
        self.delays[host] = float(delay)
        self.crawler.stats.set_value(f"jobcrawl/crawl_delay/{host}", float(delay))

    def _apply(self, request) -> None:
        delay = self.delays.get(urlparse_cached(request).hostname or "")
        if not delay:
            return
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is None:
            return
        # Scrapy randomises each wait (0.5-1.5 x the delay by default): with a
        # Crawl-delay the wait must never drop under it, so no jitter on this host.
        slot.jitter = 0.0
        if slot.delay < delay:
            slot.delay = delay
            self.crawler.stats.max_value(f"jobcrawl/crawl_delay_applied/{key}", delay)

    def process_request(self, request):
        self._apply(request)

    def response_downloaded(self, response, request, spider):
        self._apply(request)


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 0.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 300.0)

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        stats = self.crawler.stats
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is not None and wait > self.retry_after_max:
            stats.inc_value("jobcrawl/retry_after/too_long")
            logger.error(
                "%s answered %s with Retry-After %.0fs, over RETRY_AFTER_MAX %.0fs: not retried",
                request.url, response.status, wait, self.retry_after_max,
            )  # fmt: skip
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if wait is not None:
            stats.inc_value("jobcrawl/retry_after/count")
            stats.inc_value("jobcrawl/retry_after/seconds", wait)
            logger.info(
                "%s answered %s: retrying after %gs as its Retry-After asks",
                request.url, response.status, wait,
            )  # fmt: skip
        else:
            wait = backoff_seconds(retry.meta["retry_times"], self.backoff_base, self.backoff_max)
            stats.inc_value("jobcrawl/backoff/seconds", wait)
        if wait > 0:
            await asyncio.sleep(wait)
        return retry

    async def process_exception(self, request, exception):
        quiet = failure_kind(exception) is not None and "give_up_log_level" not in request.meta
        if quiet:  # NetworkErrorMiddleware says it in one line once the retries are spent
            request.meta["give_up_log_level"] = logging.DEBUG
        try:
            retry = super().process_exception(request, exception)
        finally:
            if quiet:
                request.meta.pop("give_up_log_level", None)
        if retry is not None:
            if quiet:
                retry.meta.pop("give_up_log_level", None)
            wait = backoff_seconds(retry.meta["retry_times"], self.backoff_base, self.backoff_max)
            if wait > 0:
                self.crawler.stats.inc_value("jobcrawl/backoff/seconds", wait)
                await asyncio.sleep(wait)
        return retry

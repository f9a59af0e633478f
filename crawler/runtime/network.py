"""Network failures in one line each: the board, the host and what went wrong, in words.

A cron run with no network used to mail hundreds of lines: for every request Scrapy
logs the retry middleware's "Gave up retrying", then the scraper's "Error downloading"
with a 60-line traceback (and the robots.txt middleware does the same for robots.txt).
A DNS failure is not a programming error: it deserves one line a person can read.

``NetworkErrorMiddleware`` (downloader middleware, the outermost one: it sees a
request's *final* failure, after the retries) turns a failure to reach a host into

    ERROR: remoteok: cannot reach remoteok.com: DNS lookup failed (GET https://remoteok.com/api)

and ends the request with ``Unreachable`` (an ``IgnoreRequest``: Scrapy logs no
traceback for it, and the request's errback still runs). A robots.txt fetch that fails
is counted but not logged: the host's own requests fail next and say it. Anything that
is not a network failure (a bug, an unexpected exception) keeps Scrapy's traceback.

Stats: ``jobcrawl/unreachable`` (requests that could not connect, robots.txt left
out), ``jobcrawl/unreachable/<kind>`` per kind, ``jobcrawl/unreachable_robots``. The
health check ``unreachable`` reads them apart from ``http_errors`` (error statuses).
``BackoffRetryMiddleware`` lowers the give-up line of a network failure to DEBUG, so
the line here is the only one.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import error as tx
from twisted.web.client import ResponseFailed, ResponseNeverReceived

from crawler.signals import UNREACHABLE, UNREACHABLE_ROBOTS, Unreachable

logger = logging.getLogger(__name__)

# (exception classes, words), first match wins; the cause chain is searched too.
_KINDS: list[tuple[tuple[type[BaseException], ...], str]] = [
    ((CannotResolveHostError, tx.DNSLookupError), "DNS lookup failed"),
    ((DownloadConnectionRefusedError, tx.ConnectionRefusedError), "connection refused"),
    ((DownloadTimeoutError, tx.TimeoutError, tx.TCPTimedOutError), "timed out"),
    ((tx.NoRouteError,), "no route to host"),
    (
        (
            DownloadFailedError,
            ResponseDataLossError,
            ResponseFailed,
            ResponseNeverReceived,
            tx.ConnectionLost,
            tx.ConnectionDone,
        ),
        "connection lost",
    ),
    ((tx.ConnectError,), "could not connect"),
]
_TLS_WORDS = ("ssl", "tls", "certificate", "handshake")
# A TLS failure surfaces as one of these, with the OpenSSL error inside.
_MAY_BE_TLS = (
    tx.ConnectError,
    DownloadFailedError,
    ResponseFailed,
    ResponseNeverReceived,
    tx.ConnectionLost,
)


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _mentions_tls(exc: BaseException) -> bool:
    texts = [type(exc).__module__, type(exc).__name__, str(exc)]
    for reason in getattr(exc, "reasons", None) or []:  # ResponseFailed wraps Failures
        value = getattr(reason, "value", reason)
        texts += [type(value).__module__, type(value).__name__, str(value)]
    return any(word in text.lower() for text in texts for word in _TLS_WORDS)


def failure_kind(exc: BaseException) -> str | None:
    """Words for a failure to reach a host (``"DNS lookup failed"``...), None if it is not one."""
    for link in _chain(exc):
        if _mentions_tls(link) and isinstance(link, _MAY_BE_TLS):
            return "TLS handshake failed"
        for classes, words in _KINDS:
            if isinstance(link, classes):
                return words
        if type(link).__module__.startswith("OpenSSL"):
            return "TLS handshake failed"
    return None


def _is_robots(request) -> bool:
    return bool(request.meta.get("dont_obey_robotstxt")) and (
        urlparse_cached(request).path == "/robots.txt"
    )


def _board(spider, request) -> str:
    board = request.meta.get("board") or {}
    name = board.get("source") or getattr(spider, "name", "?")
    company = board.get("company_slug")
    return f"{name}/{company}" if company else name


class NetworkErrorMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_exception(self, request, exception):
        if isinstance(exception, IgnoreRequest):
            return None
        kind = failure_kind(exception)
        if kind is None:
            return None  # not the network: Scrapy logs it with its traceback
        stats = self.crawler.stats
        if _is_robots(request):
            stats.inc_value(UNREACHABLE_ROBOTS)
            logger.debug("robots.txt of %s unreachable: %s", urlparse_cached(request).netloc, kind)
        else:
            stats.inc_value(UNREACHABLE)
            stats.inc_value(f"{UNREACHABLE}/{kind.replace(' ', '_')}")
            logger.error(
                "%s: cannot reach %s: %s (%s %s)",
                _board(self.crawler.spider, request),
                urlparse_cached(request).hostname,
                kind,
                request.method,
                request.url,
            )
        raise Unreachable(kind, str(exception)) from exception

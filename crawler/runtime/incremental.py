"""Incremental recrawls: fetch only what may have changed; ``-a full=1`` refetches everything.

``SkipUnchangedPagesMiddleware`` (spider middleware; sitemap boards such as RemoteWLB
and the configured JobPosting sites)
    Looks at every posting page a sitemap lists (see ``crawler.runtime.listings.is_posting_page``)
    before it is requested. When the posting is already stored (same source and URL) and
    the sitemap's ``lastmod`` is not newer than the stored one, the page is not fetched:
    it is counted (``jobcrawl/pages_skipped``, ``crawls.pages_skipped``). For every stored
    posting the sitemap lists, skipped or not, it sends ``posting_listed`` so that the
    store refreshes ``last_seen_at`` (the sitemap is the evidence the posting is still
    there). A page without ``lastmod`` is always fetched. The stored lastmods are read
    from ``JOBS_DB`` through a read-only connection, one query per board: spiders never
    touch the database. Off with ``INCREMENTAL_SKIP_UNCHANGED = False``.

``ConditionalCacheMiddleware`` (downloader middleware; API boards and sitemaps)
    Scrapy's HTTP cache with a policy that **always revalidates**: a 200 answer that
    carries ``ETag`` or ``Last-Modified`` is stored; every later crawl asks the board again
    with ``If-None-Match``/``If-Modified-Since``, and only a 304 hands the stored copy to
    the spider (``httpcache/revalidate``, ``crawls.pages_not_modified``). ``max-age``,
    ``Expires`` and an old ``Last-Modified`` never let the copy answer without asking, and
    a redirect or an error is never stored. A stored copy never stands in for a server
    error or a download error either:
    such a failure must reach the crawl (the listing is then incomplete and closes
    nothing). The cache lives in ``CONDITIONAL_CACHE_DIR``, default ``httpcache/`` next
    to ``JOBS_DB``, so each database has its own. Off with ``CONDITIONAL_REQUESTS =
    False``, or per spider with ``conditional_requests = False``.

``-a full=1`` (any spider): no lastmod skipping and no conditional request (fresh
copies are stored for next time).
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from pathlib import Path

from scrapy import Request
from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.extensions.httpcache import RFC2616Policy

from crawler.normalize.dates import is_future
from crawler.normalize.text import canonical_url
from crawler.runtime.listings import is_posting_page, listing_of

logger = logging.getLogger(__name__)

# Signal: a stored posting is listed by a sitemap. Arguments: source, url, skipped.
posting_listed = object()


def is_full(spider) -> bool:
    """True when the crawl was asked to refetch everything (``-a full=1``)."""
    return str(getattr(spider, "full", "") or "").strip().lower() in {"1", "true", "yes", "on"}


def url_digest(url: str) -> bytes:
    """16 bytes that stand for a posting page's URL in ``StoredPostings``."""
    return hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class StoredPostings:
    """Read-only ``url -> lastmod`` of the stored postings of each board, loaded on first use.

    A big sitemap board has every posting it ever listed stored: each URL is kept as a
    16-byte digest and each distinct lastmod once (they repeat: a day's postings share
    one), ~90 bytes a posting instead of ~250 for the URL and lastmod texts. Two stored
    URLs sharing a digest is a 1-in-2^100 event for a million postings."""

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path else None
        self.by_source: dict[str, dict[bytes, str | None]] = {}

    def _load(self, source: str) -> dict[bytes, str | None]:
        if self.path is None or not self.path.is_file():
            return {}
        conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = conn.execute(
                "SELECT url, lastmod FROM jobs WHERE source = ? AND url IS NOT NULL", (source,)
            ).fetchall()
        except sqlite3.OperationalError as exc:  # a database from before the jobs table
            logger.warning("no stored lastmods in %s: %s", self.path, exc)
            rows = []
        finally:
            conn.close()
        lastmods: dict[str, str] = {}
        return {url_digest(url): lastmods.setdefault(lastmod, lastmod) if lastmod else lastmod
                for url, lastmod in rows if isinstance(url, str)}  # fmt: skip

    def lookup(self, source: str, url: str) -> tuple[bool, str | None]:
        """(stored?, stored lastmod) of a posting page."""
        if source not in self.by_source:
            self.by_source[source] = self._load(source)
        known = self.by_source[source]
        key = url_digest(url)
        return key in known, known.get(key)


class SkipUnchangedPagesMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.skip = crawler.settings.getbool("INCREMENTAL_SKIP_UNCHANGED", True)
        self.stored = StoredPostings(crawler.settings.get("JOBS_DB"))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _keep(self, element) -> bool:
        if not isinstance(element, Request) or not is_posting_page(element):
            return True
        spider = self.crawler.spider
        source, _listing = listing_of(spider, element)
        url = canonical_url(element.url)
        stored, stored_lastmod = self.stored.lookup(source, url)
        if not stored:
            return True
        lastmod = element.meta.get("lastmod")
        # A stored lastmod in the future (stored before such dates were refused) proves nothing.
        unchanged = bool(
            lastmod
            and stored_lastmod
            and lastmod <= stored_lastmod
            and not is_future(stored_lastmod)
        )
        skipped = unchanged and self.skip and not is_full(spider)
        self.crawler.signals.send_catch_log(
            signal=posting_listed, source=source, url=url, skipped=skipped
        )
        if skipped:
            self.crawler.stats.inc_value("jobcrawl/pages_skipped")
        return not skipped

    def process_spider_output(self, response, result):
        for element in result:
            if self._keep(element):
                yield element

    async def process_spider_output_async(self, response, result):
        async for element in result:
            if self._keep(element):
                yield element


class ConditionalPolicy(RFC2616Policy):
    """Revalidate always; keep only whole 200 answers that can be revalidated.

    Scrapy's RFC 2616 policy answers from disk while a response is "fresh": a 301 for a
    year, ``max-age``, or a heuristic from an old ``Last-Modified``. A cache that answers
    for the board hides new postings, keeps gone ones open, and once stored another
    company's postings under this one (a 301 to its board). Here the board is asked every
    time, and only a 304 lets the stored copy stand in for its answer.
    """

    def should_cache_response(self, response, request) -> bool:
        # Never a redirect or an error; never an answer that cannot be revalidated.
        if response.status != 200:
            return False
        if b"ETag" not in response.headers and b"Last-Modified" not in response.headers:
            return False
        return super().should_cache_response(response, request)

    def is_cached_response_fresh(self, cachedresponse, request) -> bool:
        if cachedresponse.status == 200:  # an entry stored by an older policy may not be
            self._set_conditional_validators(request, cachedresponse)
        return False

    def is_cached_response_valid(self, cachedresponse, response, request) -> bool:
        # Only a 304 confirms the stored copy. RFC 2616 would also serve it for a 5xx, which
        # would let a board outage look like an unchanged listing.
        return response.status == 304 and cachedresponse.status == 200


class ConditionalCacheMiddleware(HttpCacheMiddleware):
    def __init__(self, settings, stats):
        settings = settings.copy()
        settings.frozen = False  # a private copy: the crawler's settings stay untouched
        settings.set("HTTPCACHE_ENABLED", True)
        settings.set("HTTPCACHE_POLICY", "crawler.runtime.incremental.ConditionalPolicy")
        settings.set("HTTPCACHE_STORAGE", "scrapy.extensions.httpcache.FilesystemCacheStorage")
        settings.set("HTTPCACHE_GZIP", True)
        cache_dir = settings.get("CONDITIONAL_CACHE_DIR") or str(
            Path(settings.get("JOBS_DB") or "data/jobs.db").resolve().parent / "httpcache"
        )
        settings.set("HTTPCACHE_DIR", str(Path(cache_dir).resolve()))
        super().__init__(settings, stats)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("CONDITIONAL_REQUESTS", True):
            raise NotConfigured("CONDITIONAL_REQUESTS is off")
        return super().from_crawler(crawler)

    def process_request(self, request):
        spider = self.crawler.spider
        if not getattr(spider, "conditional_requests", True):
            request.meta["dont_cache"] = True
            return None
        if is_full(spider):
            # No lookup: the request goes out unconditionally; the fresh answer is stored.
            self.stats.inc_value("httpcache/full_refetch")
            return None
        return super().process_request(request)

    def process_exception(self, request, exception):
        # Never stand in for a failed download with the stored copy (see the module doc).
        request.meta.pop("cached_response", None)
        return None

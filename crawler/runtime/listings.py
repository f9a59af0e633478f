"""What a crawl saw of each *listing*, for the posting lifecycle (``crawler/store/lifecycle.py``).

A **listing** is what a spider reads to learn which postings exist: one
company's board on a platform (Lever, Greenhouse, Ashby: ``meta["board"]
["company_slug"]``), or a whole board (RemoteWLB's sitemap; ``meta["board"]
["source"]`` names the board when one spider crawls several). A spider says
whether its listings list *every* open posting with the class attribute
``complete_listing`` (default False: absence then means nothing).

A **posting page** is a page one sitemap entry lists (it carries
``meta["sitemap_entry"]`` and is not itself parsed as a sitemap): its fate says
something about that posting only, never about the listing.

``ListingTrackerMiddleware`` (downloader middleware, engine side of the retry and
robots middlewares, so it sees each request's final outcome once): counts per
listing the requests answered (2xx, or a 304 that confirmed the stored copy)
and those that finally failed (an error status, a download error, a request
robots.txt forbids); robots.txt fetches are not counted. A posting page that
answers 404/410 sends the ``posting_gone`` signal (the store closes it).

A listing request **redirected away from itself** (to another company's board, a login
page, another site) is a failed listing, never a smaller one: it is counted as a failure
(``jobcrawl/redirected_away``, the ``unreadable`` health check) and dropped before the
spider reads it, so another board's postings are never stored under this one. A redirect
that keeps the host and path (``http`` to ``https``, a trailing slash, another query)
is the same listing.

``ListingRejectsMiddleware`` (spider middleware): counts the ``Reject`` items
and callback errors coming out of a listing's responses; an unreadable record
might be a posting that would otherwise look absent.

The counts live in the crawl stats under ``jobcrawl/listings`` (kept in
``crawls.stats``), where the store reads them when the crawl closes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest

from crawler.normalize.text import canonical_url
from crawler.sources.items import Reject
from crawler.store.lifecycle import note_listing

# Signal: a posting page answered 404/410. Arguments: source, url, status.
posting_gone = object()


def listing_of(spider, request: Request) -> tuple[str, str]:
    """(source, listing) of a request: the board's source and its company handle or ''."""
    board = request.meta.get("board") or {}
    return board.get("source") or spider.name, board.get("company_slug") or ""


def is_posting_page(request: Request | None) -> bool:
    """A page one sitemap entry lists (one posting), not a listing (an API page, a sitemap)."""
    if request is None or "sitemap_entry" not in request.meta:
        return False
    # Sitemap shards carry their index entry too; they are parsed as sitemaps.
    return getattr(request.callback, "__name__", "") != "_parse_sitemap"


def _is_robots(request: Request) -> bool:
    return bool(request.meta.get("dont_obey_robotstxt")) and (
        urlsplit(request.url).path == "/robots.txt"
    )


def _place(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    return host, parts.path.rstrip("/") or "/"


def redirected_away(request: Request) -> str | None:
    """The URL a listing request was redirected to when it is not the same listing."""
    asked = (request.meta.get("redirect_urls") or [None])[0]
    if asked and _place(asked) != _place(request.url):
        return request.url
    return None


def note_rejected_posting(stats, spider_name: str, reject: Reject) -> None:
    """A posting the validate step turned down: its listing did not read fully.

    Counted by the step that stores (or forwards) rejects, the local store and the
    distributed pipeline alike.
    """
    raw = reject.raw
    if isinstance(raw, dict) and "source_id" in raw and "scraped_at" in raw:
        note_listing(stats, raw.get("source") or spider_name, raw.get("company_slug"), "rejects")


class ListingTrackerMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if _is_robots(request):
            return response
        source, listing = listing_of(self.crawler.spider, request)
        if is_posting_page(request):
            if response.status in (404, 410):
                self.crawler.stats.inc_value("jobcrawl/pages_gone")
                self.crawler.signals.send_catch_log(
                    signal=posting_gone,
                    source=source,
                    url=canonical_url(request.url),
                    status=response.status,
                )
            return response
        stats = self.crawler.stats
        away = redirected_away(request)
        if away is not None:
            asked = request.meta["redirect_urls"][0]
            stats.inc_value("jobcrawl/redirected_away")
            note_listing(stats, source, listing, "failures", f"redirected away to {away}")
            self.crawler.spider.logger.error(
                "%s was redirected away to %s: the listing failed (nothing read from it)",
                asked, away,
            )  # fmt: skip
            raise IgnoreRequest(f"listing {asked} redirected away to {away}")
        if 200 <= response.status < 300:
            note_listing(stats, source, listing, "responses")
        else:
            note_listing(stats, source, listing, "failures", f"HTTP {response.status}")
        return response

    def process_exception(self, request, exception):
        if not _is_robots(request) and not is_posting_page(request):
            source, listing = listing_of(self.crawler.spider, request)
            note_listing(self.crawler.stats, source, listing, "failures", type(exception).__name__)
        return None


class ListingRejectsMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _note(self, response, element) -> None:
        if isinstance(element, Reject):
            request = getattr(response, "request", None)
            if request is not None and not is_posting_page(request):
                source, listing = listing_of(self.crawler.spider, request)
                note_listing(self.crawler.stats, source, listing, "rejects")

    def process_spider_output(self, response, result):
        for element in result:
            self._note(response, element)
            yield element

    async def process_spider_output_async(self, response, result):
        async for element in result:
            self._note(response, element)
            yield element

    def process_spider_exception(self, response, exception):
        request = getattr(response, "request", None)
        if request is not None and not is_posting_page(request):
            source, listing = listing_of(self.crawler.spider, request)
            note_listing(
                self.crawler.stats, source, listing, "failures", f"callback raised {exception!r}"
            )
        return None

"""Base spider for pages that embed schema.org ``JobPosting`` (JSON-LD), found through sitemaps.

Many boards and career sites describe each job in a ``<script type="application/ld+json">``
block (Google for Jobs asks for it). A spider for such a site subclasses
``StructuredDataSpider`` and sets, at most:

``sitemap_urls``
    Sitemaps (or an index of sitemaps, or ``robots.txt``) listing the job pages.
``sitemap_follow``
    Regexes: which sitemaps of an index to fetch (default: all).
``sitemap_rules``
    ``[(regex, callback name)]``: which page URLs of a ``<urlset>`` to fetch; default
    ``[("", "parse")]`` (every page). A ``board["job_url_pattern"]`` (below) narrows it.
``sitemap_filter(entries)``
    Scrapy's hook: drop sitemap entries (dicts with ``loc``, ``lastmod``...) before they are
    requested, e.g. shards older than a date. Applies to index and urlset entries alike.
``start_urls``
    Listing pages: their JobPostings are read and their links matching
    ``board["job_url_pattern"]`` are followed to ``parse``.
``start_requests()``
    A plain generator building the start requests from data (see ``spiders/jobposting.py``);
    ``meta["board"]`` holds per-site context and is carried from a sitemap to its shards and
    pages: ``source`` (the item's ``source``; default the spider's ``name``) and
    ``job_url_pattern`` (a regex a page URL must match to be fetched).
``map_posting``
    A **pure function** ``(posting: dict, page: dict) -> JobPosting | None`` (assign with
    ``staticmethod``); ``page`` is ``{"url": page URL, "count": postings on the page,
    "index": this posting's position}``. Default: ``map_jobposting``
    (``crawler/sources/jsonld.py``). Wrap it to add a board's quirks (see
    ``spiders/remotewlb.py``). Raise ``ValueError``/``KeyError``/``TypeError`` for a posting
    that cannot be mapped; return ``None`` to skip one.
``patch_item(item, posting, response)``
    Optional last touch with access to the response; default: none.

What the base does for every site:

* every request made from a sitemap entry carries the entry: ``meta["sitemap_entry"]`` (the
  raw dict: ``loc``, ``lastmod``...) and ``meta["lastmod"]`` (its ``lastmod`` as UTC ISO 8601,
  or ``None``). Items from that page get ``lastmod`` too, so an incremental crawl can skip
  pages whose ``lastmod`` has not moved. Scrapy's own ``SitemapSpider`` drops both, which is
  why ``_parse_sitemap`` is re-implemented here (same rules, same body handling);
* reads every JSON-LD block of a page on its own (``crawler/sources/jsonld.py``, pure): a
  block that is not JSON is counted (``jobcrawl/bad_jsonld``) and skipped, the other blocks
  still count;
* a job page (one matched by the sitemap rules or the job URL pattern) without any JobPosting
  becomes a ``Reject`` with the reason, counted as ``jobcrawl/no_jobposting``; a listing page
  without one is normal;
* a posting whose mapping raises becomes a ``Reject`` (source, URL, reason, the posting);
* stamps ``source``, ``scraped_at`` and ``lastmod`` on each item.

Spiders never normalise, clean or store: ``map_jobposting`` (``crawler/sources/jsonld.py``)
hands over raw values and the pipelines do the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import scrapy
from scrapy.http import TextResponse
from scrapy.spiders import SitemapSpider
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.normalize.dates import is_future, to_utc_iso
from crawler.signals import Unreachable, hit
from crawler.sources.boards import job_url_regex
from crawler.sources.items import JobPosting, Reject
from crawler.sources.jsonld import extract_jobpostings, map_jobposting
from crawler.sources.mapping import map_records


def matches_job_pattern(pattern: str, url: str) -> bool:
    return job_url_regex(pattern).search(url) is not None


# The end of a whole sitemap document: its root element closed (any namespace prefix),
# then only whitespace, comments (Yoast signs its sitemaps after the root) or PIs.
_SITEMAP_END = re.compile(
    rb"</(?:[\w.-]+:)?(?:urlset|sitemapindex)\s*>(?:\s|<!--.*?-->|<\?.*?\?>)*$", re.S
)


_SITEMAP_ROOT = re.compile(rb"<(?:([\w.-]+):)?(?:urlset|sitemapindex)[\s>/]")


def _read_sitemap(body: bytes | None) -> Sitemap | None:
    """The sitemap in ``body``, or None when it is not one or was cut short.

    Scrapy's parser recovers from a truncated document and lists the entries before the
    cut as if they were all: a complete listing that silently lost its tail would close
    every posting after the cut. A document whose root element is never closed is
    therefore no sitemap at all (``jobcrawl/bad_sitemap``: nothing closes). A parser that
    stops early *inside* a whole document is caught by ``raw_entry_count`` below.
    """
    if not body or not _SITEMAP_END.search(body[-2000:]):
        return None
    try:
        return Sitemap(body)
    except Exception:  # Scrapy's parser raises assorted errors (StopIteration...) on garbage
        return None


def raw_entry_count(body: bytes) -> int:
    """How many ``<loc>`` elements of the sitemap's own namespace prefix ``body`` holds, by a
    plain byte scan (no XML parser): the proof that a parse read every entry.

    lxml's recovering parser stops quietly at several malformations (an undefined entity,
    a stray ``<``, a broken tag) and the document still ends in ``</urlset>``; the entries
    after the break would look absent. ``<image:loc>`` and other prefixed extensions are
    not entries and are not counted.
    """
    root = _SITEMAP_ROOT.search(body)
    prefix = re.escape(root.group(1) + b":") if root and root.group(1) else b""
    return len(re.findall(rb"<" + prefix + rb"loc[\s>]", body))


class _Counted:
    """Iterate a sitemap, counting the entries the parser produced (``n``) and noting an error
    the parser raised part-way (``error``)."""

    def __init__(self, entries: Iterable[dict]):
        self.entries = entries
        self.n = 0
        self.error: str | None = None

    def __iter__(self) -> Iterator[dict]:
        try:
            for entry in self.entries:
                self.n += 1
                yield entry
        except Exception as exc:  # lxml's parser can still raise mid-document
            self.error = f"{type(exc).__name__}: {exc}"


class StructuredDataSpider(SitemapSpider):
    """Discover pages through sitemaps or listings and map their JobPosting JSON-LD (see module)."""

    map_posting: Any = staticmethod(map_jobposting)

    async def start(self):
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterable[scrapy.Request]:
        for url in self.sitemap_urls:
            yield self.sitemap_request(url, {"board": {}})
        for url in getattr(self, "start_urls", ()):
            yield scrapy.Request(url, self.parse_listing, meta={"board": {}})

    def patch_item(self, item: JobPosting, posting: dict, response) -> JobPosting:
        return item

    # -- discovery --

    def sitemap_request(self, url: str, meta: dict) -> scrapy.Request:
        return scrapy.Request(url, self._parse_sitemap, errback=self.sitemap_failed, meta=meta)

    def sitemap_failed(self, failure) -> None:
        # A sitemap that cannot be fetched hides every job it lists: say so loudly.
        self.crawler.stats.inc_value("jobcrawl/sitemap_errors")
        if not failure.check(Unreachable):  # that one is already said in one line
            self.logger.error("sitemap %s failed: %s", failure.request.url, failure.value)

    def _entry_meta(self, board: dict, entry: dict) -> dict:
        lastmod = to_utc_iso(entry.get("lastmod"))
        if lastmod and is_future(lastmod):
            # A lastmod in the future (2099) would mark the page unchanged until then: it is
            # no evidence of anything, and the page is fetched as if it had none.
            self.crawler.stats.inc_value("jobcrawl/future_lastmod")
            lastmod = None
        return {"board": board, "sitemap_entry": entry, "lastmod": lastmod}

    def page_callback(self, url: str, board: dict):
        """The callback for a page URL listed in a sitemap, or ``None`` to skip it."""
        pattern = board.get("job_url_pattern")
        if pattern and not matches_job_pattern(pattern, url):
            return None
        return next((cb for regex, cb in self._cbs if regex.search(url)), None)

    def _parse_sitemap(self, response) -> Iterator[scrapy.Request]:
        board = response.meta.get("board", {})
        if response.url.endswith("/robots.txt"):
            for url in sitemap_urls_from_robots(response.body, base_url=response.url):
                yield self.sitemap_request(url, {"board": board})
            return
        body = self._get_sitemap_body(response) or b""
        sitemap = _read_sitemap(body)
        if sitemap is None or sitemap.type not in ("sitemapindex", "urlset"):
            self.crawler.stats.inc_value("jobcrawl/bad_sitemap")
            self.logger.error(
                "%s is not a sitemap (empty, cut short or not XML); nothing listed"
                " in it is crawled",
                response.url,
            )
            return
        stats = self.crawler.stats
        counted = _Counted(sitemap)
        max_entries = self.crawler.settings.getint("SITEMAP_MAX_ENTRIES", 50_000)
        for entry in self.sitemap_filter(counted):
            if counted.n > max_entries:
                # The sitemaps protocol allows 50,000 entries a file: one holding more is not
                # read further (each entry becomes a queued request, held in memory).
                hit(self.crawler, "sitemap_entries", f"{response.url} lists over {max_entries}")
                return
            loc = (entry.get("loc") or "").strip()
            if not loc:
                continue
            meta = self._entry_meta(board, entry)
            if sitemap.type == "sitemapindex":
                if any(regex.search(loc) for regex in self._follow) and self._within_bounds(
                    response, loc
                ):
                    stats.inc_value("jobcrawl/sitemaps_followed")
                    meta["sitemap_depth"] = response.meta.get("sitemap_depth", 0) + 1
                    yield self.sitemap_request(loc, meta)
                continue
            callback = self.page_callback(loc, board)
            if callback is not None:
                stats.inc_value("jobcrawl/sitemap_pages")
                yield scrapy.Request(loc, callback, meta=meta)
        for _rest in counted:  # a filter that stopped early: count the rest
            pass
        expected = raw_entry_count(body)
        if counted.error or counted.n != expected:
            # Not provably complete: what was listed is still fetched, but nothing closes.
            stats.inc_value("jobcrawl/bad_sitemap")
            self.logger.error(
                "%s: the XML parser read %d of the %d <loc> entries%s; the sitemap counts as"
                " unreadable",
                response.url, counted.n, expected,
                f" ({counted.error})" if counted.error else "",
            )  # fmt: skip

    def _within_bounds(self, response, loc: str) -> bool:
        """May the sitemap ``loc``, named by the index ``response``, be followed? An index
        that keeps naming new sitemaps (or indexes of indexes) must not hold cron forever:
        past ``SITEMAP_MAX_DEPTH`` levels of indexes or ``SITEMAP_MAX_COUNT`` sitemaps in
        one crawl, it is not, and the crawl is unhealthy (``bounds``) and closes nothing."""
        settings = self.crawler.settings
        depth = response.meta.get("sitemap_depth", 0) + 1
        if depth > settings.getint("SITEMAP_MAX_DEPTH", 3):
            hit(self.crawler, "sitemap_depth", f"{loc} is {depth} sitemap indexes deep")
            return False
        followed = self.crawler.stats.get_value("jobcrawl/sitemaps_followed", 0)
        if followed >= settings.getint("SITEMAP_MAX_COUNT", 2000):
            hit(self.crawler, "sitemap_count", f"{loc}: over {followed} sitemaps followed")
            return False
        return True

    def parse_listing(self, response) -> Iterator[Any]:
        """A listing page: its own JobPostings, and its links to job pages followed."""
        board = response.meta.get("board", {})
        if not isinstance(response, TextResponse):
            self.logger.error("%s: listing is not a text page", response.url)
            return
        yield from self.items(response, job_page=False)
        pattern = board.get("job_url_pattern")
        if not pattern:
            return
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href.strip())
            if url.startswith(("http://", "https://")) and matches_job_pattern(pattern, url):
                yield scrapy.Request(url, self.parse, meta={"board": board})

    # -- pages --

    def parse(self, response, **kwargs) -> Iterator[Any]:
        yield from self.items(response, job_page=True)

    def items(self, response, job_page: bool) -> Iterator[Any]:
        board = response.meta.get("board", {})
        source = board.get("source") or self.name
        stats = self.crawler.stats
        if not isinstance(response, TextResponse):
            stats.inc_value("jobcrawl/no_jobposting")
            yield Reject(source, response.url, "page is not text/HTML", None)
            return
        try:
            postings, errors = extract_jobpostings(response.text)
        except RecursionError:
            # JSON-LD nested deeper than it can be walked: this page's reject, not a lost page.
            postings, errors = [], ["JSON-LD nested too deeply to read"]
        for error in errors:
            stats.inc_value("jobcrawl/bad_jsonld")
            self.logger.warning("%s: %s", response.url, error)
        if not postings:
            if job_page:
                stats.inc_value("jobcrawl/no_jobposting")
                reason = "; ".join(["no JobPosting JSON-LD on the page", *errors])
                self.logger.warning("%s: %s", response.url, reason)
                yield Reject(source, response.url, reason, response.text[:5000])
            return
        pages = [
            (posting, {"url": response.url, "count": len(postings), "index": index}, response.url)
            for index, posting in enumerate(postings)
        ]
        yield from map_records(
            self,
            self.map_posting,
            pages,
            where=response.url,
            what="cannot map JobPosting",
            source=source,
            patch=lambda item, posting: self.patch_item(item, posting, response),
            lastmod=response.meta.get("lastmod"),
        )

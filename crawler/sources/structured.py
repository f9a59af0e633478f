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
    "index": this posting's position}``. Default: ``map_jobposting`` below. Wrap it to add a
    board's quirks (see ``spiders/remotewlb.py``). Raise ``ValueError``/``KeyError``/
    ``TypeError`` for a posting that cannot be mapped; return ``None`` to skip one.
``patch_item(item, posting, response)``
    Optional last touch with access to the response; default: none.

What the base does for every site:

* every request made from a sitemap entry carries the entry: ``meta["sitemap_entry"]`` (the
  raw dict: ``loc``, ``lastmod``...) and ``meta["lastmod"]`` (its ``lastmod`` as UTC ISO 8601,
  or ``None``). Items from that page get ``lastmod`` too, so an incremental crawl can skip
  pages whose ``lastmod`` has not moved. Scrapy's own ``SitemapSpider`` drops both, which is
  why ``_parse_sitemap`` is re-implemented here (same rules, same body handling);
* reads every JSON-LD block of a page on its own: a block that is not JSON (truncated,
  trailing commas, HTML comments) is counted (``jobcrawl/bad_jsonld``) and skipped, the other
  blocks still count. JobPostings are found at the top level, in lists, in ``@graph`` and
  nested in other objects (``mainEntity``, ``ItemList``); ``@type`` may be a list or a full
  IRI (``http://schema.org/JobPosting``). extruct is not used for this because one broken
  block makes it drop the whole page;
* a job page (one matched by the sitemap rules or the job URL pattern) without any JobPosting
  becomes a ``Reject`` with the reason, counted as ``jobcrawl/no_jobposting``; a listing page
  without one is normal;
* a posting whose mapping raises becomes a ``Reject`` (source, URL, reason, the posting);
* stamps ``source``, ``scraped_at`` and ``lastmod`` on each item.

Spiders never normalise, clean or store: ``map_jobposting`` hands over raw values
(``posted_raw``, ``location_raw``, ``remote_raw`` = ``jobLocationType`` as given,
``employment_type_raw``, structured salary with ``salary_period`` = ``unitText`` as given) and
the pipelines do the rest.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import pycountry
import re2
import scrapy
from scrapy.http import TextResponse
from scrapy.spiders import SitemapSpider
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.normalize.dates import is_future, to_utc_iso
from crawler.runtime.bounds import hit
from crawler.runtime.network import Unreachable
from crawler.sources.items import JobPosting, Reject
from crawler.sources.jsonapi import MAPPING_ERRORS, utc_now_iso

JSONLD_XPATH = (
    "//script[contains(translate(@type, 'APPLICATIONLDJSON', 'applicationldjson'),"
    " 'application/ld+json')]/text()"
)
# Wrappers CMSs put around JSON-LD that are not JSON: HTML comments, CDATA, // comment lines.
_WRAPPERS = re.compile(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$")
_LINE_COMMENT = re.compile(r"^\s*//.*$", re.M)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_ISO2 = re.compile(r"^[A-Za-z]{2}$")


# --- reading JSON-LD ------------------------------------------------------------------------


def load_jsonld(text: str) -> Any:
    """Parse one JSON-LD block; raise ``ValueError`` if it is not JSON even after the usual repairs.

    ``strict=False`` accepts raw newlines and tabs inside strings (common in descriptions).
    """
    text = _WRAPPERS.sub("", text.strip())
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    except RecursionError:
        raise ValueError("nested too deeply to parse") from None
    repaired = _TRAILING_COMMA.sub(r"\1", _LINE_COMMENT.sub("", text))
    try:
        return json.loads(repaired, strict=False)
    except RecursionError:
        raise ValueError("nested too deeply to parse") from None


def jsonld_blocks(page_html: str) -> tuple[list[Any], list[str]]:
    """Every parseable JSON-LD block of a page, and one message per block that is not JSON."""
    selector = scrapy.Selector(text=page_html)
    blocks, errors = [], []
    for n, text in enumerate(selector.xpath(JSONLD_XPATH).getall(), start=1):
        if not text.strip():
            continue
        try:
            blocks.append(load_jsonld(text))
        except ValueError as exc:
            errors.append(f"JSON-LD block {n} is not JSON: {exc}")
    return blocks, errors


def _is_jobposting(obj: dict) -> bool:
    types = obj.get("@type")
    types = types if isinstance(types, list) else [types]
    return any(isinstance(t, str) and t.rsplit("/", 1)[-1] == "JobPosting" for t in types)


def find_jobpostings(data: Any) -> list[dict]:
    """All JobPosting objects in parsed JSON-LD: top level, lists, ``@graph``, nested objects."""
    found: list[dict] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if _is_jobposting(node):
                found.append(node)  # a JobPosting does not nest another one
                return
            for child in node.values():
                if isinstance(child, dict | list):
                    walk(child)

    walk(data)
    return found


def _nodes_by_id(data: Any, index: dict[str, dict]) -> dict[str, dict]:
    if isinstance(data, list):
        for child in data:
            _nodes_by_id(child, index)
    elif isinstance(data, dict):
        if isinstance(data.get("@id"), str) and set(data) - {"@id", "@type"}:
            index.setdefault(data["@id"], data)
        for child in data.values():
            _nodes_by_id(child, index)
    return index


def inline_references(posting: dict, index: dict[str, dict]) -> dict:
    """Replace ``{"@id": X}`` values of a posting by the page's node ``X`` (one level).

    ``@graph`` pages (Yoast and other SEO plugins) name the hiring organisation once and
    refer to it by ``@id`` from the JobPosting.
    """

    def resolve(value: Any) -> Any:
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict) and not set(value) - {"@id", "@type"}:
            return index.get(value.get("@id"), value)
        return value

    return {key: resolve(value) for key, value in posting.items()}


def extract_jobpostings(page_html: str) -> tuple[list[dict], list[str]]:
    """The JobPostings of a page (references inlined) and the errors of its unreadable blocks."""
    blocks, errors = jsonld_blocks(page_html)
    index = _nodes_by_id(blocks, {})
    return [inline_references(p, index) for p in find_jobpostings(blocks)], errors


# --- mapping one JobPosting -------------------------------------------------------------------


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return next((v for v in value if v not in (None, "", [], {})), None)
    return value


def _text(value: Any) -> str | None:
    """A scalar as text (``None`` for empty values, objects and lists of objects)."""
    value = _first(value)
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    return text or None


def _name(value: Any) -> str | None:
    """``"X"`` or ``{"name": "X"}`` (first of a list) -> ``"X"``."""
    value = _first(value)
    if isinstance(value, dict):
        return _text(value.get("name"))
    return _text(value)


def _joined(value: Any, sep: str = ", ") -> str | None:
    values = value if isinstance(value, list) else [value]
    texts = [t for t in (_text(v) for v in values) if t]
    return sep.join(dict.fromkeys(texts)) or None


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _country_code(value: Any) -> str | None:
    """An ISO 3166-1 alpha-2 code when the value *is* one (``"US"``, ``{"name": "DE"}``)."""
    text = _name(value)
    if text and _ISO2.match(text) and pycountry.countries.get(alpha_2=text.upper()):
        return text.upper()
    return None


def _address_text(address: Any) -> str | None:
    if isinstance(address, dict):
        parts = [
            _text(address.get("addressLocality")),
            _text(address.get("addressRegion")),
            _name(address.get("addressCountry")),
        ]
        return ", ".join(p for p in parts if p) or _text(address.get("name"))
    return _text(address)


def _place_text(place: Any) -> str | None:
    if isinstance(place, dict):
        return _address_text(place.get("address")) or _text(place.get("name"))
    return _text(place)


def locations(posting: dict) -> tuple[list[str], list[str]]:
    """(location texts, ISO country codes given structurally) of a posting, in page order."""
    texts: list[str] = []
    codes: list[str] = []
    for place in _as_list(posting.get("jobLocation")):
        texts.append(_place_text(place))
        address = place.get("address") if isinstance(place, dict) else None
        if isinstance(address, dict):
            codes.append(_country_code(address.get("addressCountry")))
    for area in _as_list(posting.get("applicantLocationRequirements")):
        texts.append(_name(area))
        codes.append(_country_code(area))
    return list(dict.fromkeys(t for t in texts if t)), sorted({c for c in codes if c})


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", "").strip())
    except ValueError:
        return None


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def salary(base: Any) -> dict[str, Any]:
    """Structured salary fields from ``baseSalary`` (``MonetaryAmount`` + ``QuantitativeValue``).

    ``value`` may be a QuantitativeValue (``minValue``/``maxValue``/``value``/``unitText``), a
    bare number or numeric string. ``unitText`` (``HOUR``, ``YEAR``...) is handed over as
    ``salary_period`` untouched; the currency only when stated. A ``baseSalary`` without
    numbers is kept as ``salary_raw`` text for the normaliser.
    """
    base = _first(base)
    if base is None:
        return {}
    if not isinstance(base, dict):
        return {"salary_raw": _text(base)}
    value = base.get("value")
    unit = base.get("unitText")
    if isinstance(value, dict):
        unit = value.get("unitText") or unit
        lo = _number(value.get("minValue"))
        hi = _number(value.get("maxValue"))
        if lo is None and hi is None:
            lo = hi = _number(value.get("value"))
    else:
        lo = hi = _number(value)
    currency = _text(base.get("currency"))
    unit = _text(unit)
    if lo is None and hi is None:
        return {"salary_raw": _text(value) if not isinstance(value, dict) else None}
    if lo is not None and hi is not None and lo != hi:
        amount = f"{_fmt(lo)}-{_fmt(hi)}"
    else:
        amount = _fmt(lo if lo is not None else hi)
    raw = " ".join(p for p in (amount, currency, f"per {unit}" if unit else None) if p)
    return {
        "salary_min": lo,
        "salary_max": hi,
        "salary_currency": currency,
        "salary_period": unit,
        "salary_raw": raw,
        "salary_source": "structured",
    }


def identifier(posting: dict) -> str | None:
    """``identifier`` as text: a string/number, or a ``PropertyValue``'s ``value``."""
    ident = _first(posting.get("identifier"))
    if isinstance(ident, dict):
        return _text(ident.get("value")) or _text(ident.get("@id"))
    return _text(ident)


def description_html(value: Any) -> str | None:
    text = _text(value)
    # Some sites entity-escape the HTML once more (``&lt;p&gt;``): unescape that layer only.
    if text and "<" not in text and re.search(r"&lt;\s*/?\s*[a-zA-Z]", text):
        text = html.unescape(text)
    return text


def map_jobposting(posting: dict, page: dict) -> JobPosting:
    """Map one schema.org ``JobPosting`` object to a ``JobPosting`` item (pure).

    Identity: ``identifier`` when given, else the posting's own ``url``, else the page URL
    (with ``#<n>`` when the page holds several postings without either). ``url`` is the page
    the posting was read from (so it matches the sitemap's page URL), except on a page of
    several postings, where each posting's own ``url`` is preferred.
    """
    if not isinstance(posting, dict):
        raise TypeError(f"a JobPosting must be an object, got {type(posting).__name__}")
    page_url = page["url"]
    own_url = _text(posting.get("url"))
    if own_url and not own_url.startswith(("http://", "https://")):
        own_url = None
    url = page_url if page.get("count", 1) <= 1 else own_url or page_url
    source_id = identifier(posting) or own_url
    if source_id is None:
        source_id = page_url if page.get("count", 1) <= 1 else f"{page_url}#{page['index']}"
    org = _first(posting.get("hiringOrganization"))
    company_url = _text(org.get("sameAs") or org.get("url")) if isinstance(org, dict) else None
    texts, codes = locations(posting)
    extras = {
        "identifier": posting.get("identifier"),
        "directApply": posting.get("directApply"),
        "industry": _joined(posting.get("industry")),
        "occupationalCategory": _joined(posting.get("occupationalCategory")),
        "company_url": company_url,
    }
    return JobPosting(
        source_id=source_id,
        url=url,
        title=_text(posting.get("title")) or _text(posting.get("name")),
        company=_name(org),
        description_html=description_html(posting.get("description")),
        location_raw=" | ".join(texts) or None,
        countries=codes,
        remote_raw=_joined(posting.get("jobLocationType")),
        employment_type_raw=_joined(posting.get("employmentType")),
        posted_raw=_text(posting.get("datePosted")),
        valid_through_raw=_text(posting.get("validThrough")),
        **salary(posting.get("baseSalary")),
        extras={k: v for k, v in extras.items() if v is not None},
    )


# --- the spider -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def job_url_regex(pattern: str):
    """A configured ``job_url_pattern``, compiled for RE2: matching runs in time linear in the
    URL, so a site-supplied URL can never make a pattern backtrack for hours (Python's ``re``
    took minutes on ``(a+)+$`` against 30 characters, and ignored SIGTERM meanwhile).
    Backreferences and lookarounds, which need backtracking, are refused (``re2.error``)."""
    options = re2.Options()
    options.log_errors = False
    return re2.compile(pattern, options)


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
        scraped_at = utc_now_iso()
        lastmod = response.meta.get("lastmod")
        for index, posting in enumerate(postings):
            page = {"url": response.url, "count": len(postings), "index": index}
            try:
                item = self.map_posting(posting, page)
            except MAPPING_ERRORS as exc:
                reason = f"cannot map JobPosting: {type(exc).__name__}: {exc}"
                stats.inc_value("jobcrawl/mapping_errors")
                self.logger.warning("%s: %s", response.url, reason)
                yield Reject(source, response.url, reason, posting)
                continue
            if item is None:
                stats.inc_value("jobcrawl/records_skipped")
                continue
            item.source = source
            item.scraped_at = scraped_at
            item.lastmod = lastmod
            yield self.patch_item(item, posting, response)

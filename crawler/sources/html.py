"""Base spider for boards with neither an API nor JSON-LD: declared CSS selectors, pure mapping.

The last resort (prefer a board's API, then its JobPosting JSON-LD). A spider subclasses
``HtmlSpider`` and declares:

``start_urls``
    Listing pages.
``listing_item``
    CSS selector of one posting on a listing page (a row, a card).
``listing_fields``
    ``{field: css}`` read inside each posting of the listing. ``url`` (a link, made absolute)
    is needed to fetch a detail page; any ``JobPosting`` field name may be given (``title``,
    ``company``, ``location_raw``, ``posted_raw``...), plus ``id``.
``detail_fields``
    ``{field: css}`` read on the posting's own page (fetched when given). ``description_html``
    takes the *outer HTML* of what its selector matches, every other field its text.
``list_fields``
    Names of fields (of either table) whose matches are kept apart, as a list of texts (a
    posting's tag chips), instead of joined.
``next_page``
    Optional CSS selector of the link to the next listing page.
``map_fields``
    A **pure function** ``(fields: dict, page: dict) -> JobPosting`` (``page``: ``{"url": ...}``
    of the page the fields come from). Default: ``map_fields`` below (identity = ``id``, else
    the posting URL's path). Wrap it to undo a board's quirks.

Selectors use Scrapy's CSS dialect: ``::text`` and ``::attr(name)`` pick text and attributes;
a selector without them takes the element's whole text. Several matches are joined with a
space (text) or kept whole (``description_html``).

What the base does: a listing page without any ``listing_item`` is logged with the selector
and counted (``jobcrawl/html/empty_listing``); a posting with no link and no ``id`` (a
placeholder row, an advert) is skipped and counted (``jobcrawl/html/rows_without_link``); a
posting whose mapping raises becomes a ``Reject`` with the reason, and the crawl goes on.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import fields as dataclass_fields
from typing import Any
from urllib.parse import urlsplit

import scrapy
from parsel import Selector

from crawler.sources.items import JobPosting
from crawler.sources.mapping import map_records

_ITEM_FIELDS = {f.name for f in dataclass_fields(JobPosting)} - {"source", "scraped_at"}


def select_fields(
    node: Selector, selectors: dict[str, str], lists: Collection[str] = ()
) -> dict[str, Any]:
    """Read ``{field: css}`` inside ``node`` (pure): text, attribute, or outer HTML.

    A field named in ``lists`` is the list of its matches' texts (one per matched element,
    blank ones dropped); any other field is their text joined by single spaces.
    """
    out: dict[str, Any] = {}
    for name, css in selectors.items():
        if name == "description_html":
            out[name] = "".join(node.css(css).getall()) or None
            continue
        if name in lists and "::" not in css:
            found = ("".join(el.xpath(".//text()").getall()) for el in node.css(css))
            out[name] = [" ".join(text.split()) for text in found if text.strip()]
            continue
        query = css if "::" in css else f"{css} ::text"
        parts = [p.strip() for p in node.css(query).getall() if p and p.strip()]
        out[name] = parts if name in lists else " ".join(" ".join(parts).split()) or None
    return out


def map_fields(fields: dict[str, Any], page: dict[str, Any]) -> JobPosting:
    """Default mapping (pure): fields named like ``JobPosting`` fields go to them.

    Identity: the ``id`` field, else the posting URL's path (a board's URL is its stable
    name for a posting). No link and no id is an error (``ValueError``).
    """
    url = fields.get("url") or page.get("url")
    ident = fields.get("id")
    if not ident and fields.get("url"):
        ident = urlsplit(fields["url"]).path.strip("/") or None
    if not ident:
        raise ValueError("posting has neither an id nor a link")
    values = {k: v for k, v in fields.items() if k in _ITEM_FIELDS and k != "url"}
    return JobPosting(source_id=str(ident), url=url, **values)


class HtmlSpider(scrapy.Spider):
    """Listing pages -> (detail pages) -> items, all by declared selectors (see module doc)."""

    listing_item: str = ""
    listing_fields: dict[str, str] = {}  # noqa: RUF012 - declarations, never mutated
    detail_fields: dict[str, str] = {}  # noqa: RUF012
    next_page: str | None = None
    list_fields: frozenset[str] = frozenset()
    map_fields: Any = staticmethod(map_fields)
    complete_listing = False  # True only when the listing pages show every open posting

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response, **kwargs) -> Iterator[Any]:
        stats = self.crawler.stats
        rows = response.css(self.listing_item)
        if not rows:
            stats.inc_value("jobcrawl/html/empty_listing")
            self.logger.warning(
                "%s: no posting matches %r on this listing page", response.url, self.listing_item
            )
        for row in rows:
            found = select_fields(row, self.listing_fields, self.list_fields)
            if found.get("url"):
                found["url"] = response.urljoin(found["url"])
            if not found.get("url") and not found.get("id"):
                stats.inc_value("jobcrawl/html/rows_without_link")
                continue
            if self.detail_fields and found.get("url"):
                yield scrapy.Request(found["url"], self.parse_detail, meta={"listed": found})
            else:
                yield from self._item(found, response)
        link = response.css(self.next_page).attrib.get("href") if self.next_page else None
        if link:
            yield response.follow(link, callback=self.parse)
        if rows and not stats.get_value("jobcrawl/html/postings"):
            skipped = stats.get_value("jobcrawl/html/rows_without_link") or 0
            if skipped == len(rows):
                self.logger.warning(
                    "%s: all %d postings matching %r have no link (placeholders filled by"
                    " JavaScript?): nothing to read",
                    response.url,
                    len(rows),
                    self.listing_item,
                )

    def parse_detail(self, response) -> Iterator[Any]:
        read = select_fields(response, self.detail_fields, self.list_fields)
        found = {**response.meta.get("listed", {}), **read}
        found["url"] = found.get("url") or response.url
        yield from self._item(found, response)

    def _item(self, found: dict, response) -> Iterator[Any]:
        yield from map_records(
            self,
            self.map_fields,
            [(found, {"url": response.url}, found.get("url") or response.url)],
            where=response.url,
            what="cannot map posting",
            source=self.name,
            patch=self._counted,
        )

    def _counted(self, item: JobPosting, found: dict) -> JobPosting:
        self.crawler.stats.inc_value("jobcrawl/html/postings")
        return item

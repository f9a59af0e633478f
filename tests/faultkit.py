"""Function-level crawl harness for the fault tests: a spider's real ``parse`` and the real
pipelines, without a reactor, so thousands of generated records run in seconds.

``Harness("lever", db)`` builds the spider from the project settings (as ``scrapy crawl``
would), every item pipeline of ``ITEM_PIPELINES`` except the store, and a ``Store`` on
``db``. ``harness.run(records)`` wraps the records in the board's real response shape
(a JSON answer, or one JSON-LD page each for a JSON-LD board), hands the response to
the spider's ``parse``, takes every item through the pipelines in order and writes
the survivors with ``Store.write_batch``: the same path a crawl takes, minus the network.

Nothing here is per board: a JSON board's answer is its recorded answer with other records
in it (``crawler.tools.registry.RecordedShape``, derived from the spider and its fixture), a
JSON-LD board's page is one of its recorded pages with another JobPosting in it
(``jsonld_template``), an HTML board's listing is its recorded listing page with other rows
in place of its own (a record is then one row's HTML; ``listing_rows``).
``fault_boards()`` lists every board the kit can feed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lxml.html
import scrapy
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.sources.html import HtmlSpider
from crawler.sources.items import JobPosting, Reject
from crawler.sources.jsonapi import JsonApiSpider
from crawler.sources.platform import PlatformSpider
from crawler.store.store import Store
from crawler.tools.registry import RecordedShape
from tests.conftest import MIRROR

COMPANY = "acme"
_JSONLD = re.compile(r'(<script type="application/ld\+json">)(.*?)(</script>)', re.S)


def _spider_class(name: str):
    from scrapy.spiderloader import SpiderLoader

    return SpiderLoader.from_settings(get_project_settings()).load(name)


def jsonld_pages(name: str) -> list[Path]:
    """The recorded pages of a JSON-LD board: mirror files under its domains holding a
    JobPosting block."""
    cls = _spider_class(name)
    pages = []
    for domain in getattr(cls, "allowed_domains", None) or []:
        for path in sorted((MIRROR / domain).rglob("*")):
            if not path.is_file() or path.name.endswith(".meta.json"):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if _JSONLD.search(text) and '"JobPosting"' in text:
                pages.append(path)
    return pages


def jsonld_template(name: str = "remotewlb") -> str:
    """A recorded job page of a JSON-LD board, the shell generated postings are put into."""
    return jsonld_pages(name)[0].read_text(encoding="utf-8")


def html_listing(name: str) -> tuple[str, str] | None:
    """(URL, HTML) of an HTML board's recorded listing page (its first start URL)."""
    from crawler.tools.registry import local_response

    cls = _spider_class(name)
    if not issubclass(cls, HtmlSpider) or not cls.start_urls:
        return None
    response = local_response(scrapy.Request(cls.start_urls[0]))
    if response.status != 200 or not response.css(cls.listing_item):
        return None
    return response.url, response.text


def listing_rows(name: str) -> list[str]:
    """The HTML of each posting row of an HTML board's recorded listing (adverts included)."""
    url, page = html_listing(name)
    doc = lxml.html.fromstring(page)
    return [lxml.html.tostring(row, encoding="unicode") for row in _rows(doc, name)]


def _rows(doc, name: str) -> list:
    return doc.cssselect(_spider_class(name).listing_item)


def fault_boards() -> list[str]:
    """Every board of ``scrapy list`` the kit can feed: JSON API boards with a recorded
    answer, JSON-LD boards with a recorded page, HTML boards with a recorded listing
    (derived, never listed by hand)."""
    from crawler.sources.structured import StructuredDataSpider
    from crawler.tools.registry import json_boards, spider_classes

    jsonld = [
        name for name, cls in spider_classes().items()
        if issubclass(cls, StructuredDataSpider) and jsonld_pages(name)
    ]  # fmt: skip
    html = [name for name in spider_classes() if html_listing(name)]
    return sorted({*json_boards(), *jsonld, *html})


@dataclass
class Outcome:
    """What became of one ``run``: stored postings, rejects, and what was dropped or skipped."""

    stored: list[JobPosting] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    skipped: int = 0
    counts: dict[str, int] = field(default_factory=dict)


class Harness:
    def __init__(self, spider_name: str, db: Path):
        settings = get_project_settings()
        spidercls = _spider_class(spider_name)
        # The project's settings minus the reactor choice: no reactor runs here.
        values = settings.copy_to_dict()
        for key in (
            "TWISTED_REACTOR",
            "TWISTED_REACTOR_ENABLED",
            "ASYNCIO_EVENT_LOOP",
            "DOWNLOAD_HANDLERS",
        ):
            values.pop(key, None)
        # The fingerprint step (pipelines/unchanged.py) reads the store's own database.
        values["JOBS_DB"] = str(db)
        self.crawler = get_crawler(spidercls, values)
        kwargs = {"companies": COMPANY} if hasattr(spidercls, "company_url") else {}
        self.spider = spidercls.from_crawler(self.crawler, **kwargs)
        self.shape = RecordedShape(spider_name) if issubclass(spidercls, JsonApiSpider) else None
        self.listing = html_listing(spider_name)
        if self.shape is None and self.listing is None:
            self.template = jsonld_pages(spider_name)[0]
        self.crawler.spider = self.spider
        self.stats = self.crawler.stats
        order = sorted(settings.getdict("ITEM_PIPELINES").items(), key=lambda kv: kv[1])
        self.pipelines = []
        for path, _number in order:
            cls = load_object(path)
            if cls.__name__ == "StorePipeline":
                continue
            pipeline = build_from_crawler(cls, self.crawler)
            if hasattr(pipeline, "open_spider"):
                pipeline.open_spider()
            self.pipelines.append(pipeline)
        self.store = Store(db, spider_name)
        self.name = spider_name
        self.pages = 0  # page URLs stay unique across runs (a page URL is a posting's id)

    def close(self) -> None:
        self.store.close()

    # -- responses in each board's real shape --

    def responses(self, records: list[Any]) -> list[TextResponse]:
        if self.listing is not None:
            return [self._listing(records)]
        if self.shape is None:
            return [self._page(record) for record in records]
        if isinstance(self.spider, PlatformSpider):
            request = next(iter(self.spider.company_requests(self.spider.companies[0])))
        else:
            request = scrapy.Request(self.shape.response_url(), meta={"board": {}})
        body = json.dumps(self.shape.envelope(records)).encode()
        return [TextResponse(request.url, body=body, request=request)]

    def page_url(self, number: int) -> str:
        """The address of generated page ``number``: beside the recorded page it is made from."""
        rel = self.template.relative_to(MIRROR).parent.as_posix()
        return f"https://{rel}/generated-posting-{number}"

    def _listing(self, rows: list[str]) -> HtmlResponse:
        """The recorded listing page with ``rows`` (HTML strings) in place of its own rows."""
        url, page = self.listing
        doc = lxml.html.fromstring(page)
        old = _rows(doc, self.name)
        parent, at = old[0].getparent(), old[0].getparent().index(old[0])
        for row in old:
            row.getparent().remove(row)
        for offset, row in enumerate(rows):
            parent.insert(at + offset, lxml.html.fragment_fromstring(row, create_parent="li"))
        body = lxml.html.tostring(doc, encoding="unicode")
        request = scrapy.Request(url, meta={"board": {}})
        return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=request)

    def _page(self, posting: Any) -> HtmlResponse:
        page = self.template.read_text(encoding="utf-8")
        block = json.dumps(posting).replace("</", "<\\/")
        match = _JSONLD.search(page)
        page = page[: match.start(2)] + block + page[match.end(2) :]
        self.pages += 1
        url = self.page_url(self.pages)
        request = scrapy.Request(url, meta={"board": {}, "lastmod": None})
        return HtmlResponse(url, body=page.encode(), encoding="utf-8", request=request)

    # -- the crawl path --

    def run(self, records: list[Any]) -> Outcome:
        out = Outcome()
        before = self.stats.get_value("jobcrawl/records_skipped", 0)
        before_rows = self.stats.get_value("jobcrawl/html/rows_without_link", 0)
        for response in self.responses(records):
            for result in self.spider.parse(response):
                if isinstance(result, scrapy.Request):
                    continue
                self._through_pipelines(result, out)
        out.skipped = self.stats.get_value("jobcrawl/records_skipped", 0) - before
        # An HTML row without a link (an advert, a damaged row) is skipped and counted.
        out.skipped += self.stats.get_value("jobcrawl/html/rows_without_link", 0) - before_rows
        out.counts = self.store.write_batch(out.stored, out.rejects)
        return out

    def _through_pipelines(self, item: Any, out: Outcome) -> None:
        for pipeline in self.pipelines:
            try:
                item = pipeline.process_item(item)
            except DropItem as exc:
                out.dropped.append(str(exc))
                return
        if isinstance(item, JobPosting):
            out.stored.append(item)
        elif isinstance(item, Reject):
            out.rejects.append(item)
        else:
            raise AssertionError(f"a pipeline returned {item!r}")

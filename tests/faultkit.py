"""Function-level crawl harness for the fault tests: a spider's real ``parse`` and the real
pipelines, without a reactor, so thousands of generated records run in seconds.

``Harness("lever", db)`` builds the spider from the project settings (as ``scrapy crawl``
would), every item pipeline of ``ITEM_PIPELINES`` except the store, and a ``Store`` on
``db``. ``harness.run(records)`` wraps the records in the board's real response shape
(a JSON answer, or one JSON-LD page each for a sitemap board), hands the response to
the spider's ``parse``, takes every item through the pipelines in order and writes
the survivors with ``Store.write_batch``: the same path a crawl takes, minus the network.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import scrapy
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.sources.items import JobPosting, Reject
from crawler.store.store import Store
from tests.conftest import MIRROR

COMPANY = "acme"
_JSONLD = re.compile(r'(<script type="application/ld\+json">)(.*?)(</script>)', re.S)


def _spider_class(name: str):
    from scrapy.spiderloader import SpiderLoader

    return SpiderLoader.from_settings(get_project_settings()).load(name)


def jsonld_template() -> str:
    """A recorded RemoteWLB job page, the shell generated postings are put into."""
    return (MIRROR / "remotewlb.com" / "job" / "senior-automation-qa-engineer-140084").read_text(
        encoding="utf-8"
    )


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
        self.crawler = get_crawler(spidercls, values)
        kwargs = {"companies": COMPANY} if hasattr(spidercls, "company_url") else {}
        self.spider = spidercls.from_crawler(self.crawler, **kwargs)
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
        if self.name == "remotewlb":
            return [self._page(record) for record in records]
        if self.name == "remoteok":
            url, body = (
                "https://remoteok.com/api",
                [{"last_updated": 0, "legal": "terms"}, *records],
            )
        elif self.name == "lever":
            url, body = f"https://api.lever.co/v0/postings/{COMPANY}?mode=json", records
        elif self.name == "greenhouse":
            url = f"https://boards-api.greenhouse.io/v1/boards/{COMPANY}/jobs?content=true"
            body = {"jobs": records, "meta": {"total": len(records)}}
        elif self.name == "ashby":
            url = f"https://api.ashbyhq.com/posting-api/job-board/{COMPANY}"
            body = {"jobs": records, "apiVersion": "1"}
        else:
            raise ValueError(f"no response shape for {self.name}")
        board = self.spider.board_for(self.spider.companies[0]) if self.name != "remoteok" else {}
        request = scrapy.Request(url, meta={"board": board})
        return [TextResponse(url, body=json.dumps(body).encode(), request=request)]

    def _page(self, posting: Any) -> HtmlResponse:
        page = jsonld_template()
        block = json.dumps(posting).replace("</", "<\\/")
        match = _JSONLD.search(page)
        page = page[: match.start(2)] + block + page[match.end(2) :]
        self.pages += 1
        url = f"https://remotewlb.com/job/generated-posting-{self.pages}"
        request = scrapy.Request(url, meta={"board": {}, "lastmod": None})
        return HtmlResponse(url, body=page.encode(), encoding="utf-8", request=request)

    # -- the crawl path --

    def run(self, records: list[Any]) -> Outcome:
        out = Outcome()
        before = self.stats.get_value("jobcrawl/records_skipped", 0)
        for response in self.responses(records):
            for result in self.spider.parse(response):
                if isinstance(result, scrapy.Request):
                    continue
                self._through_pipelines(result, out)
        out.skipped = self.stats.get_value("jobcrawl/records_skipped", 0) - before
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

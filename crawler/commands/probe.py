"""``scrapy probe TARGET``: which supported source a careers page is, and the line to add.

TARGET is a careers page URL, a company domain (``acme.com``: ``/careers``, ``/jobs`` and the
home page are tried in that order) or a saved HTML file. The answer (``crawler/sources/probe.py``):

* a supported platform (from the address, or from links, iframes and embed scripts on the
  page) with the exact ``data/boards/<platform>.txt`` line; the platform's API is then asked
  for that company's board and its answer is reported (postings found, or "unknown");
* or the page's JobPosting JSON-LD, with a ready ``data/boards/jobposting.toml`` entry;
* or neither, and why (what was looked for, what JSON-LD there was, JavaScript-filled pages).

Pages are fetched with the project's politeness and User-Agent (robots.txt obeyed). Exit
status 0 when a source was found, 1 when neither holds or nothing could be read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import scrapy
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import SpiderLoader

from crawler.sources.boards import Company
from crawler.sources.probe import Finding, examine, platform_of_url


def candidates(target: str) -> list[str]:
    """The URLs to try for a target: itself, or a bare domain's careers pages."""
    if "//" in target:
        return [target]
    host, _, path = target.partition("/")
    if path:
        return [f"https://{target}"]
    return [f"https://{host}/careers", f"https://{host}/jobs", f"https://{host}/"]


def count_postings(body: bytes) -> int | None:
    """Postings in a platform API's answer (a list, or the list under its usual key)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict):
        for key in ("jobs", "offers", "result", "data", "content"):
            if isinstance(data.get(key), list):
                return len(data[key])
    return None


def api_url(settings, platform: str, handle: str) -> str | None:
    """The first request the platform's spider makes for ``handle``."""
    try:
        cls = SpiderLoader.from_settings(settings).load(platform)
        spider = cls(companies=handle)
        return next(iter(spider.company_requests(Company(handle)))).url
    except (KeyError, ValueError, StopIteration):
        return None


class ProbeSpider(scrapy.Spider):
    name = "probe"
    custom_settings: ClassVar[dict] = {
        "ITEM_PIPELINES": {},
        "EXTENSIONS": {"crawler.runtime.extensions.HealthCheck": None},
        "CONDITIONAL_REQUESTS": False,
        "INCREMENTAL_SKIP_UNCHANGED": False,
    }

    def __init__(self, urls: list[str], report: dict, **kw):
        super().__init__(**kw)
        self.urls, self.report = urls, report

    async def start(self):
        url = self.report.get("direct_api")
        if url:
            yield self._request(url, self.confirm)
        else:
            yield self._request(self.urls[0], self.page, index=0)

    def _request(self, url, callback, **meta):
        return scrapy.Request(url, callback, errback=self.failed, dont_filter=True,
                              meta={"handle_httpstatus_all": True, **meta})  # fmt: skip

    def page(self, response):
        index = response.meta["index"]
        if response.status != 200 or not hasattr(response, "text"):
            self.report.setdefault("tried", []).append(f"{response.url}: HTTP {response.status}")
            if index + 1 < len(self.urls):
                yield self._request(self.urls[index + 1], self.page, index=index + 1)
            return
        finding = examine(response.url, response.text)
        self.report["finding"] = finding
        if finding.kind == "platform":
            url = api_url(self.settings, finding.platform, finding.handle)
            if url:
                yield self._request(url, self.confirm)

    def confirm(self, response):
        count = count_postings(response.body) if response.status == 200 else None
        if response.status == 200 and count is not None:
            line = f"Its API ({response.url}) answers with {count} posting(s)."
        elif response.status == 404:
            line = f"But its API ({response.url}) answers HTTP 404: the platform does not know it."
        else:
            line = f"Its API ({response.url}) answers HTTP {response.status}."
        self.report["api"] = line

    def failed(self, failure):
        self.report.setdefault("tried", []).append(
            f"{failure.request.url}: {failure.getErrorMessage()}"
        )
        index = failure.request.meta.get("index")
        if index is not None and index + 1 < len(self.urls):
            return self._request(self.urls[index + 1], self.page, index=index + 1)
        return None


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = True
    default_settings: ClassVar[dict] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "[options] URL|DOMAIN|FILE"

    def short_desc(self) -> str:
        return "Say which supported platform or JSON-LD a careers page has, and the line to add"

    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give one careers page URL, company domain or saved page")
        target = args[0]
        if Path(target).is_file():
            finding = examine("", Path(target).read_text(encoding="utf-8", errors="replace"))
            self._print(finding, {})
            return
        urls = candidates(target)
        report: dict = {}
        direct = platform_of_url(urls[0]) if "//" in target or "/" in target else None
        if direct:
            report["finding"] = examine(urls[0], None)
            report["direct_api"] = api_url(self.settings, *direct)
        if report.get("direct_api") or not direct:
            self.crawler_process.crawl(ProbeSpider, urls=urls, report=report)
            self.crawler_process.start()
        finding = report.get("finding") or Finding(
            "neither", lines=[f"{target}: no page could be read:", *report.get("tried", [])]
        )
        self._print(finding, report)

    def _print(self, finding: Finding, report: dict) -> None:
        for line in finding.lines:
            print(line)
        if report.get("api"):
            print(report["api"])
        if finding.kind == "neither":
            self.exitcode = 1

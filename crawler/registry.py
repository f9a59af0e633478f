"""One registry of boards, derived from the spiders and their recorded fixtures.

Nothing here is kept by hand: the boards are what ``scrapy list`` lists, a platform's recorded
companies are the files of ``tests/fixtures/mirror`` that its own company URL points at, and a
board's recorded postings are what its own spider makes of those files. The tools read their
per-board tables from here (``make demo``'s boards, ``make accuracy``'s inputs for boards it
has no special reader for), so adding a board is its spider, its fixture and its test.

``recorded_items`` runs a JSON spider's real callbacks over the mirror without the engine or
the network (a request's file is read from the mirror, its status from a ``.meta.json``
sidecar): the fast, pure path the accuracy table needs. The engine path is the conformance
test's (``tests/test_conformance.py``).
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import scrapy
from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.boards import Company
from crawler.html import HtmlSpider
from crawler.items import JobPosting, Reject
from crawler.jsonapi import JsonApiSpider
from crawler.platform import PlatformSpider

ROOT = Path(__file__).resolve().parent.parent
MIRROR = ROOT / "tests" / "fixtures" / "mirror"
_SENTINEL = "zzhandlezz"


@cache
def spider_classes() -> dict[str, type[scrapy.Spider]]:
    """Every spider of the project by name (what ``scrapy list`` shows)."""
    loader = SpiderLoader.from_settings(get_project_settings())
    return {name: loader.load(name) for name in sorted(loader.list())}


def demo_boards() -> list[str]:
    """Boards that crawl their recorded fixture with no argument (``make demo`` runs them)."""
    return [
        name for name, cls in spider_classes().items() if not getattr(cls, "recorded_args", None)
    ]


def _first_url(cls: type[PlatformSpider], handle: str) -> str:
    spider = cls(companies=handle)
    return next(iter(spider.company_requests(Company(handle)))).url


def _mirror_urls(mirror: Path) -> Iterator[str]:
    for path in sorted(mirror.rglob("*")):
        if not path.is_file() or path.name.endswith(".meta.json"):
            continue
        rel = path.relative_to(mirror).as_posix()
        rel = rel.removesuffix("/index") + "/" if rel.endswith("/index") else rel
        yield f"https://{rel}"


def recorded_companies(name: str, mirror: Path = MIRROR) -> list[str]:
    """Handles of a platform whose board answers are recorded under ``mirror``.

    The platform's own first request for a sentinel handle is the pattern: every mirror file
    whose address fits it (the query aside) is one company's recorded board.
    """
    cls = spider_classes()[name]
    if not issubclass(cls, PlatformSpider):
        return []
    template = urlsplit(_first_url(cls, _SENTINEL))
    pattern = re.escape(f"{template.netloc}{template.path}").replace(_SENTINEL, "([^/?]+)")
    regex = re.compile(rf"^https://{pattern}(?:\?.*)?$", re.I)
    handles = []
    for url in _mirror_urls(mirror):
        match = regex.match(url)
        if match and unquote(match.group(1)) not in handles:
            handles.append(unquote(match.group(1)))
    return handles


def local_response(request: scrapy.Request, mirror: Path = MIRROR) -> Response:
    """The recorded answer to ``request`` read from the mirror (404 when not recorded)."""
    parts = urlsplit(request.url)
    rel = unquote(parts.path).lstrip("/")
    folder = mirror / parts.netloc.lower()
    names = ([f"{rel}?{unquote(parts.query)}"] if parts.query else []) + [rel]
    path = next((p for p in (folder / n for n in names) if p.is_file()), None)
    if path is None and (folder / rel).is_dir():
        path = folder / rel / "index" if (folder / rel / "index").is_file() else None
    if path is None:
        return Response(request.url, status=404, body=b"not recorded", request=request)
    meta_path = path.with_name(path.name + ".meta.json")
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    headers = {"Content-Type": meta.get("content_type") or "application/json"}
    cls = responsetypes.from_args(headers=headers, url=request.url, body=path.read_bytes())
    return cls(request.url, status=meta.get("status", 200), headers=headers,
               body=path.read_bytes(), request=request)  # fmt: skip


def recorded_items(name: str, mirror: Path = MIRROR, **kwargs) -> Iterator[JobPosting | Reject]:
    """What a JSON or HTML board's spider makes of its recorded fixture, without engine or network.

    Platforms crawl every recorded company (``recorded_companies``) unless ``companies=`` is
    given. Follow-up requests (pages) are read from the mirror too.
    """
    cls = spider_classes()[name]
    if not issubclass(cls, JsonApiSpider | HtmlSpider):
        raise TypeError(f"{name} is neither a JSON API nor an HTML spider")
    if issubclass(cls, PlatformSpider) and "companies" not in kwargs:
        kwargs["companies"] = ",".join(recorded_companies(name, mirror))
    crawler = get_crawler(cls)
    spider = crawler._create_spider(**kwargs)
    if isinstance(spider, PlatformSpider):
        queue = deque(r for c in spider.companies for r in spider.company_requests(c))
    elif isinstance(spider, HtmlSpider):
        queue = deque(scrapy.Request(url, callback=spider.parse) for url in spider.start_urls)
    else:
        queue = deque(spider.start_requests())
    while queue:
        request = queue.popleft()
        callback = request.callback or spider.parse
        for out in callback(local_response(request, mirror)) or ():
            if isinstance(out, scrapy.Request):
                queue.append(out)
            elif isinstance(out, JobPosting | Reject):
                yield out

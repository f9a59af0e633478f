"""One registry of boards, derived from the spiders and their recorded fixtures.

Nothing here is kept by hand: the boards are what ``scrapy list`` lists, a platform's recorded
companies are the files of ``data/mirror`` that its own company URL points at, and a
board's recorded postings are what its own spider makes of those files. The tools read their
per-board tables from here (``make demo``'s boards, ``make accuracy``'s inputs for boards it
has no special reader for), so adding a board is its spider, its fixture and its test.

``recorded_items`` runs a JSON spider's real callbacks over the mirror without the engine or
the network (a request's file is read from the mirror, its status from a ``.meta.json``
sidecar): the fast, pure path the accuracy table needs. The engine path is the conformance
test's (``tests/test_conformance.py``).
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections import deque
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.sources.boards import Company
from crawler.sources.html import HtmlSpider
from crawler.sources.items import JobPosting, Reject
from crawler.sources.jsonapi import JsonApiSpider
from crawler.sources.platform import PlatformSpider

ROOT = Path(__file__).resolve().parents[2]
MIRROR = ROOT / "data" / "mirror"
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


# --- a JSON board's recorded answer as a template (the fault kit and the bench corpus) -------

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_NAMESPACE = uuid.UUID("6f1c1e0a-5b7d-4c55-9a55-0b3e3c2d9b11")
_COUNT_WORDS = ("total", "count", "found")


def json_boards() -> list[str]:
    """Every JSON API board of ``scrapy list`` with a recorded answer in the mirror (boards
    of the same base that read an XML feed, ``body_format = "XML"``, are not JSON boards)."""
    out = []
    for name, cls in spider_classes().items():
        if not issubclass(cls, JsonApiSpider) or cls.body_format != "JSON":
            continue
        if issubclass(cls, PlatformSpider) and not recorded_companies(name):
            continue
        out.append(name)
    return out


def _board_request(name: str, handle: str | None) -> tuple[scrapy.Spider, scrapy.Request]:
    cls = spider_classes()[name]
    crawler = get_crawler(cls)
    if issubclass(cls, PlatformSpider):
        spider = crawler._create_spider(companies=handle)
        return spider, next(iter(spider.company_requests(spider.companies[0])))
    spider = crawler._create_spider()
    return spider, scrapy.Request(spider.start_urls[0], callback=spider.parse)


class RecordedShape:
    """A JSON board's recorded answer taken apart, derived from its spider alone.

    ``records`` are what the board's own ``records`` hook picks from the answer of its first
    recorded company (or its start URL); ``envelope(records)`` puts other records back in the
    same answer (around them: a list's other elements, an object's other keys, with a count
    that equalled the number of records set to the new number); ``ident`` is the record key
    whose value the board's own mapper puts in ``source_id``; ``fresh(record, n)`` gives a
    copy with a new id of the same kind, written also into the URLs that carried the old one.
    ``all_records()`` are the records of every recorded company.
    """

    def __init__(self, name: str, mirror: Path = MIRROR):
        self.name, self.mirror = name, mirror
        cls = spider_classes()[name]
        self.platform = issubclass(cls, PlatformSpider)
        handles = recorded_companies(name, mirror) if self.platform else [None]
        if not handles:
            raise ValueError(f"{name}: no recorded answer under {mirror}")
        # The first recorded answer that holds records (a recorded 404 or empty board is not one).
        answers = ((h, self._read(h)) for h in handles)
        first = next(((h, a) for h, a in answers if a[1]), None)
        if first is None:
            raise ValueError(f"{name}: no recorded answer holds a record")
        self.handles = [first[0]] + [h for h in handles if h != first[0]]
        self.data, self.records, self.key, self.spider = first[1]
        board = {"company_slug": "acme", "company_name": None}
        item = cls.map_record(self.records[0], board)
        suffix = item.source_id.split("/", 1)[1] if self.platform else item.source_id
        self.ident = next(k for k, v in self.records[0].items() if str(v) == suffix)
        # The key whose change changes the mapped title (a twin such as Recruitee's
        # ``sharing_title`` holds the same text but is not read).
        self.title_key = next(
            (k for k, v in self.records[0].items() if item.title and v == item.title
             and cls.map_record({**self.records[0], k: f"{v} (x)"}, board).title != item.title),
            None,
        )  # fmt: skip

        # The key the mapper takes the description from: of the keys whose text (a marker put
        # before it) comes out in the description, one named so, else the longest (Lever
        # appends ``additional`` to ``description``, Pinpoint its sections).
        def description(record: dict) -> str:
            try:
                mapped = cls.map_record(record, board)
            except Exception:  # noqa: BLE001 - a key the mapper cannot take is not the one
                return ""
            return (mapped.description_html or "") if isinstance(mapped, JobPosting) else ""

        marked = [
            k for k, v in self.records[0].items()
            if isinstance(v, str) and v and k not in (self.ident, self.title_key)
            and "zqxmark" in description({**self.records[0], k: "zqxmark " + v})
        ]  # fmt: skip
        named = [k for k in marked if "description" in k.lower()] or marked
        self.description_key = max(named, key=lambda k: len(self.records[0][k]), default=None)
        old = str(self.records[0][self.ident])
        self.bound = {k for k, v in self.records[0].items() if isinstance(v, str) and old in v} | {
            self.ident
        }

    def _read(self, handle: str | None) -> tuple[Any, list[dict], Any, scrapy.Spider]:
        spider, request = _board_request(self.name, handle)
        response = local_response(request, self.mirror)
        if response.status != 200:
            return None, [], None, spider
        data = json.loads(response.body)
        picked = [r for r in spider.records(data, response) if isinstance(r, dict)]
        key = None
        if isinstance(data, dict):
            key = next(
                (k for k, v in data.items() if isinstance(v, list) and picked
                 and any(x is picked[0] for x in v)),
                None,
            )  # fmt: skip
        return data, picked, key, spider

    def all_records(self) -> list[dict]:
        out = list(self.records)
        for handle in self.handles[1:]:
            out += self._read(handle)[1]
        return out

    def envelope(self, records: list[Any]) -> Any:
        if isinstance(self.data, list):
            return [e for e in self.data if not any(e is r for r in self.records)] + records
        if self.key is None:
            raise ValueError(f"{self.name}: cannot find the records in the recorded answer")
        out = {**self.data, self.key: records}
        for name, value in self.data.items():
            counted = any(word in name.lower() for word in _COUNT_WORDS)
            if counted and value == len(self.data[self.key]) and not isinstance(value, bool):
                out[name] = len(records)
            elif isinstance(value, dict):  # {"meta": {"total": N}}
                out[name] = {
                    k: len(records)
                    if any(w in k.lower() for w in _COUNT_WORDS) and v == len(self.data[self.key])
                    else v
                    for k, v in value.items()
                }  # fmt: skip
        return out

    def new_id(self, old: Any, n: int) -> Any:
        """An id of the same kind as ``old`` that no recorded record has (stable in ``n``)."""
        if isinstance(old, int) and not isinstance(old, bool):
            return 9_000_000_000 + n
        text = str(old)
        if text.isdigit():
            return str(3_000_000 + n)
        if _UUID.match(text):
            return str(uuid.uuid5(_NAMESPACE, f"{self.name}/{n}"))
        return f"{text}{n}"

    def fresh(self, record: dict, n: int) -> dict:
        record = copy.deepcopy(record)
        old = record.get(self.ident)
        if old is None:
            return record
        new = self.new_id(old, n)
        record[self.ident] = new
        for key in self.bound - {self.ident}:
            value = record.get(key)
            if isinstance(value, str):
                record[key] = value.replace(str(old), str(new))
        return record

    def response_url(self, handle: str | None = None) -> str:
        """The address the board's spider asks for ``handle`` (its start URL for one API)."""
        return _board_request(self.name, handle if self.platform else None)[1].url

    def keeps(self, record: dict) -> bool:
        """Whether the board's own ``records`` hook and mapper take ``record`` as a posting."""
        if not hasattr(self, "_probe"):
            request = _board_request(self.name, self.handles[0])[1]
            self._probe = TextResponse(request.url, body=b"{}", request=request)
        response = self._probe
        picked = list(self.spider.records(self.envelope([record]), response))
        if len(picked) != 1:
            return False
        try:
            item = self.spider.map_record(picked[0], response.meta.get("board", {}))
        except Exception:  # noqa: BLE001 - any mapping failure: not a clean posting
            return False
        return isinstance(item, JobPosting)

"""``scrapy record URL [URL...]``: fetch real responses into the fixture mirror.

Each URL is fetched once through the project's own downloader stack, so with its politeness
(robots.txt obeyed, ``Crawl-delay`` and ``DOWNLOAD_DELAY`` between requests, retries with
back-off) and its User-Agent, and the body is written where the replay server serves it
(``crawler/tools/replay.py``)::

    data/mirror/HOST/PATH          (a path ending in "/" is PATH/index)
    data/mirror/HOST/PATH?QUERY    (when the URL has a query)

beside a sidecar ``FILE.meta.json`` holding the ``status``, the ``content_type`` and the
headers the incremental logic revalidates with (``ETag``, ``Last-Modified``), plus the URL
and when it was recorded. A non-200 answer is recorded too (with its status): a 404 is a
fixture for "unknown company". An existing file is kept unless ``--force``.

Options: ``--mirror DIR`` (default ``data/mirror``). Exit status 1 when a URL could
not be fetched (refused by robots.txt, network error) or its file already existed.

No posting is parsed or stored: nothing opens the database. Redirects are followed and the
body is recorded under the URL asked for, which is the URL a spider will ask for.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlsplit

import scrapy
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

ROOT = Path(__file__).resolve().parent.parent.parent
REVALIDATION_HEADERS = ("ETag", "Last-Modified")


def mirror_path(url: str, mirror: Path) -> Path:
    """Where the replay server looks for ``url`` (host lower-cased, port kept)."""
    parts = urlsplit(url)
    rel = unquote(parts.path) or "/"
    if rel.endswith("/"):
        rel += "index"
    name = rel.lstrip("/") + (f"?{unquote(parts.query)}" if parts.query else "")
    path = (mirror / parts.netloc.lower() / name).resolve()
    if not path.is_relative_to(mirror.resolve()):
        raise ValueError(f"{url}: path leaves the mirror folder")
    return path


class RecordSpider(scrapy.Spider):
    name = "record"
    custom_settings: ClassVar[dict] = {
        # Recording is not crawling: no pipeline (no database), no health gate, no cache.
        "ITEM_PIPELINES": {},
        "EXTENSIONS": {"crawler.runtime.extensions.HealthCheck": None},
        "CONDITIONAL_REQUESTS": False,
        "INCREMENTAL_SKIP_UNCHANGED": False,
    }

    def __init__(self, urls: list[str], mirror: Path, force: bool, results: dict, **kw):
        super().__init__(**kw)
        self.urls, self.mirror, self.force, self.results = urls, mirror, force, results

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, self.save, errback=self.failed, dont_filter=True,
                                 meta={"asked": url, "handle_httpstatus_all": True})  # fmt: skip

    def save(self, response):
        url = response.meta["asked"]
        path = mirror_path(url, self.mirror)
        if path.exists() and not self.force:
            self.results[url] = f"not written: {path} exists (use --force)"
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(response.body)
        kept = {h: response.headers.get(h).decode("latin-1")
                for h in REVALIDATION_HEADERS if response.headers.get(h)}  # fmt: skip
        ctype = response.headers.get("Content-Type")
        meta = {
            "status": response.status,
            "content_type": ctype.decode("latin-1") if ctype else None,
            "headers": kept,
            "url": url,
            "recorded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        path.with_name(path.name + ".meta.json").write_text(json.dumps(meta, indent=1) + "\n")
        self.results[url] = f"HTTP {response.status}, {len(response.body)} bytes -> {path}"

    def failed(self, failure):
        url = failure.request.meta.get("asked", failure.request.url)
        self.results[url] = f"not recorded: {failure.getErrorMessage()}"


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = True
    default_settings: ClassVar[dict] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "[options] URL [URL ...]"

    def short_desc(self) -> str:
        return "Record real responses into the fixture mirror (data/mirror/HOST/PATH)"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--mirror", default=str(ROOT / "data" / "mirror"),
                            help="mirror folder (default: data/mirror)")  # fmt: skip
        parser.add_argument("--force", action="store_true", help="overwrite existing files")

    def run(self, args, opts) -> None:
        if not args:
            raise UsageError("give at least one URL")
        bad = [u for u in args if urlsplit(u).scheme not in ("http", "https")]
        if bad:
            raise UsageError(f"not an http(s) URL: {', '.join(bad)}")
        results: dict[str, str] = {}
        mirror = Path(opts.mirror)
        self.crawler_process.crawl(RecordSpider, urls=args, mirror=mirror, force=opts.force,
                                   results=results)  # fmt: skip
        self.crawler_process.start()
        for url in args:
            outcome = results.get(url, "not recorded: no answer (refused by robots.txt?)")
            print(f"{url}: {outcome}")
        if any(not r.startswith("HTTP") for r in (results.get(u, "") for u in args)):
            self.exitcode = 1

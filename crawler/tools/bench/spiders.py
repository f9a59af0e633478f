"""Bench-only spiders: product spiders made to take many responses, and their arguments
from a setting so that ``scrapy crawlall`` (which passes no ``-a``) can run them.

RemoteOK's API has one page, so the bench serves many (``remoteok.com/api?page=K``)
and this subclass asks for them; its mapper and every other behaviour are
RemoteOK's own. ``lever_bench`` and ``greenhouse_bench`` are Lever and Greenhouse as they
are, with their companies given by the bench. Each takes its spider arguments from the
``BENCH_SPIDER_ARGS`` setting (``{"lever_bench": {"companies": "a,b"}, ...}``), under any
given with ``-a``. Loaded only when ``crawler.tools.bench.spiders`` is in ``SPIDER_MODULES`` (the
bench and the fault suite add it), so ``scrapy list`` never shows them.
"""

from __future__ import annotations

from spiders.greenhouse import GreenhouseSpider
from spiders.lever import LeverSpider
from spiders.remoteok import RemoteOkSpider


class BenchArguments:
    """Spider arguments from ``BENCH_SPIDER_ARGS[name]``; always runnable by ``crawlall``."""

    name: str

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        given = crawler.settings.getdict("BENCH_SPIDER_ARGS").get(cls.name) or {}
        return super().from_crawler(crawler, *args, **{**given, **kwargs})

    @classmethod
    def unrunnable_reason(cls) -> str | None:
        return None


class BenchRemoteOkSpider(BenchArguments, RemoteOkSpider):
    name = "remoteok_bench"

    def __init__(self, *args, pages: str = "1", **kwargs):
        super().__init__(*args, **kwargs)
        self.start_urls = [
            f"https://remoteok.com/api?page={page.strip()}"
            for page in pages.split(",")
            if page.strip()
        ]


class BenchLeverSpider(BenchArguments, LeverSpider):
    name = "lever_bench"


class BenchGreenhouseSpider(BenchArguments, GreenhouseSpider):
    name = "greenhouse_bench"

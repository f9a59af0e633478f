"""Bench-only spiders: the project's JSON API spiders made to take many responses, and their
arguments from a setting so that ``scrapy crawlall`` (which passes no ``-a``) can run them.

An API board with one address (RemoteOK's ``/api``) has one page, so the bench serves many
(``<address>?page=K``) and a subclass ``<name>_bench`` asks for them; its mapper and every
other behaviour are the board's own. A platform (Lever, Greenhouse...) gets a ``<name>_bench``
subclass too, as it is, with its companies given by the bench. Both are made here for every
JSON API spider of the project (derived from the ``spiders`` package, never listed by hand).
Each takes its spider arguments from the ``BENCH_SPIDER_ARGS`` setting
(``{"lever_bench": {"companies": "a,b"}, ...}``), under any given with ``-a``. Loaded only
when ``crawler.tools.bench.spiders`` is in ``SPIDER_MODULES`` (the bench and the fault suite
add it), so ``scrapy list`` never shows them.
"""

from __future__ import annotations

from scrapy.utils.misc import walk_modules_iter
from scrapy.utils.spider import iter_spider_classes

from crawler.sources.jsonapi import JsonApiSpider
from crawler.sources.platform import PlatformSpider


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


def _bench(base: type[JsonApiSpider]) -> type[JsonApiSpider]:
    attrs = {"name": f"{base.name}_bench", "__module__": __name__}
    if not issubclass(base, PlatformSpider):

        def __init__(self, *args, pages: str = "1", **kwargs):
            base.__init__(self, *args, **kwargs)
            self.start_urls = [
                f"{url}?page={page.strip()}"
                for url in base.start_urls
                for page in pages.split(",")
                if page.strip()
            ]

        attrs["__init__"] = __init__
    return type(f"Bench{base.__name__}", (BenchArguments, base), attrs)


def _bench_spiders() -> dict[str, type]:
    out = {}
    for module in walk_modules_iter("spiders"):
        for cls in iter_spider_classes(module):
            if issubclass(cls, JsonApiSpider):
                out[f"Bench{cls.__name__}"] = _bench(cls)
    return out


globals().update(_bench_spiders())

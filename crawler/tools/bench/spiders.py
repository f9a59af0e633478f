"""Bench-only spiders: product spiders made to take many responses.

An API board with one address (RemoteOK's ``/api``) has one page, so the bench serves many
(``<address>?page=K``) and a subclass ``<name>_bench`` asks for them; its mapper and every
other behaviour are the board's own. One such subclass is made here for every JSON API spider
of the project that is not a platform (derived from the ``spiders`` package, never listed by
hand). Loaded only when ``crawler.tools.bench.spiders`` is in ``SPIDER_MODULES`` (the bench and the
fault suite add it), so ``scrapy list`` never shows them.
"""

from __future__ import annotations

from scrapy.utils.misc import walk_modules_iter
from scrapy.utils.spider import iter_spider_classes

from crawler.sources.jsonapi import JsonApiSpider
from crawler.sources.platform import PlatformSpider


def _paged(base: type[JsonApiSpider]) -> type[JsonApiSpider]:
    def __init__(self, *args, pages: str = "1", **kwargs):
        base.__init__(self, *args, **kwargs)
        self.start_urls = [
            f"{url}?page={page.strip()}"
            for url in base.start_urls
            for page in pages.split(",")
            if page.strip()
        ]

    name = f"{base.name}_bench"
    attrs = {"name": name, "__init__": __init__, "__module__": __name__}
    return type(f"Bench{base.__name__}", (base,), attrs)


def _bench_spiders() -> dict[str, type]:
    out = {}
    for module in walk_modules_iter("spiders"):
        for cls in iter_spider_classes(module):
            if issubclass(cls, JsonApiSpider) and not issubclass(cls, PlatformSpider):
                out[f"Bench{cls.__name__}"] = _paged(cls)
    return out


globals().update(_bench_spiders())

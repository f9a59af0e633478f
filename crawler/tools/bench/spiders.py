"""Bench-only spiders: product spiders made to take many responses.

RemoteOK's API has one page, so the bench serves many (``remoteok.com/api?page=K``)
and this subclass asks for them; its mapper and every other behaviour are
RemoteOK's own. Loaded only when ``crawler.tools.bench.spiders`` is in ``SPIDER_MODULES``
(the bench and the fault suite add it), so ``scrapy list`` never shows it.
"""

from __future__ import annotations

from spiders.remoteok import RemoteOkSpider


class BenchRemoteOkSpider(RemoteOkSpider):
    name = "remoteok_bench"

    def __init__(self, *args, pages: str = "1", **kwargs):
        super().__init__(*args, **kwargs)
        self.start_urls = [
            f"https://remoteok.com/api?page={page.strip()}"
            for page in pages.split(",")
            if page.strip()
        ]

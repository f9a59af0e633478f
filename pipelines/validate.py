"""100 · validate: an item that cannot be identified becomes a ``Reject``; gaps are counted.

Any item Scrapy knows (a ``dict``, a ``scrapy.Item``, a dataclass or attrs object: what
``itemadapter.ItemAdapter`` reads) is read into a ``JobPosting`` here, so a spider from
elsewhere that yields plain dicts is stored like ours: its keys that name ``JobPosting``
fields fill them, other keys go into ``extras``, and a missing ``source`` is the spider's
name. The steps after this one see only ``JobPosting`` and ``Reject``. Anything else is
kept as a ``Reject`` (``not an item``), never passed by silently.

Soft validation: only what makes a row unusable (no identity, no link to the
posting, a field of the wrong type) is rejected, with a reason. Missing optional
fields are counted per field in the crawl stats (``jobcrawl/missing/<field>``)
for fill-rate reports. The rules (``as_posting``, ``problems``) are the item's own, in
``crawler/sources/items.py``.
"""

from __future__ import annotations

from dataclasses import asdict

from crawler.sources.items import REPORTED, JobPosting, Reject, as_posting, problems
from pipelines.counts import CountingPipeline


class ValidatePipeline(CountingPipeline):
    def __init__(self, stats, spider_name: str | None = None):
        super().__init__(stats)
        self.spider_name = spider_name

    @classmethod
    def from_crawler(cls, crawler):
        spider = getattr(crawler, "spider", None)
        return cls(crawler.stats, getattr(spider, "name", None) or crawler.spidercls.name)

    def process_item(self, item):
        if not isinstance(item, JobPosting):
            if isinstance(item, Reject):
                return item
            self.counts["jobcrawl/adapted_items"] += 1
            item = as_posting(item, self.spider_name)
            if isinstance(item, Reject):
                self.counts["jobcrawl/invalid"] += 1
                return item
        reasons = problems(item)
        if reasons:
            self.counts["jobcrawl/invalid"] += 1
            # url/apply_url may be the very problem (not text): the reject keeps text only.
            url = next((u for u in (item.url, item.apply_url) if isinstance(u, str) and u), None)
            return Reject(item.source, url, "; ".join(reasons), asdict(item))
        for name in REPORTED:
            if not getattr(item, name):
                self.counts[f"jobcrawl/missing/{name}"] += 1
        return item

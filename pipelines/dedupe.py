"""400 · drop in-crawl duplicates: the same (source, source_id) twice in one crawl.

Boards repeat a posting across pages or list it under several offices; the
first one wins and the repeats are counted (``jobcrawl/duplicates_in_crawl``).
Cross-board duplicates are a different matter, handled without dropping anything.
"""

from __future__ import annotations

from scrapy.exceptions import DropItem

from crawler.items import JobPosting


class DuplicateInCrawl(DropItem):
    """Dropped because this crawl already produced the same posting."""


class DedupePipeline:
    def __init__(self, stats):
        self.stats = stats
        self.seen: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if not isinstance(item, JobPosting):
            return item
        key = (item.source, item.source_id)
        if key in self.seen:
            self.stats.inc_value("jobcrawl/duplicates_in_crawl")
            raise DuplicateInCrawl(f"{key} already seen in this crawl")
        self.seen.add(key)
        return item

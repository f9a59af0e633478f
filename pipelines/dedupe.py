"""400 · drop in-crawl duplicates: the same (source, source_id) twice in one crawl.

Boards repeat a posting across pages or list it under several offices; the
first one wins and the repeats are counted (``jobcrawl/duplicates_in_crawl``).
Cross-board duplicates are a different matter, handled without dropping anything.

A crawl remembers each posting it produced as a 128-bit digest of its identity (a
16-byte object instead of a tuple and its id text: ~100 bytes less a posting, 10 MB at
100,000 postings); two distinct postings sharing a digest is a 1-in-2^100 event at that size.
"""

from __future__ import annotations

import hashlib

from scrapy.exceptions import DropItem

from crawler.sources.items import JobPosting


class DuplicateInCrawl(DropItem):
    """Dropped because this crawl already produced the same posting."""


def identity_digest(source: str | None, source_id: str | None) -> bytes:
    """16 bytes that stand for (``source``, ``source_id``). Digested as the pair's repr,
    which tells ("ab", "c") from ("a", "bc") and None from "None", and escapes a lone
    surrogate (an id cut mid-emoji)."""
    return hashlib.blake2b(repr((source, source_id)).encode(), digest_size=16).digest()


class DedupePipeline:
    def __init__(self, stats):
        self.stats = stats
        self.seen: set[bytes] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if not isinstance(item, JobPosting):
            return item
        key = identity_digest(item.source, item.source_id)
        if key in self.seen:
            self.stats.inc_value("jobcrawl/duplicates_in_crawl")
            raise DuplicateInCrawl(f"{(item.source, item.source_id)} already seen in this crawl")
        self.seen.add(key)
        return item

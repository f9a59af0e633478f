"""200 · clean text: mojibake repair, sanitised HTML, HTML to text, folded whitespace.

The rule is ``crawler/normalize/posting.clean_item``; this step applies and counts it.
"""

from __future__ import annotations

from crawler.normalize.posting import clean_item
from crawler.sources.items import JobPosting
from crawler.store.fingerprint import is_unchanged
from pipelines.counts import CountingPipeline


class CleanTextPipeline(CountingPipeline):
    def process_item(self, item):
        # An unchanged posting's stored row is already clean (pipelines/unchanged.py).
        if isinstance(item, JobPosting) and not is_unchanged(item):
            clean_item(item)
            self.counts["jobcrawl/cleaned"] += 1
        return item

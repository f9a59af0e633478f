"""200 · clean text: mojibake repair, sanitised HTML, HTML to text, folded whitespace.

The rule is ``crawler/normalize/posting.clean_item``; this step applies and counts it.
"""

from __future__ import annotations

from crawler.normalize.posting import clean_item
from crawler.sources.items import JobPosting
from pipelines.counts import CountingPipeline


class CleanTextPipeline(CountingPipeline):
    def process_item(self, item):
        if isinstance(item, JobPosting):
            clean_item(item)
            self.counts["jobcrawl/cleaned"] += 1
        return item

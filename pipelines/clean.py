"""200 · clean text: mojibake repair, sanitised HTML, HTML to text, folded whitespace."""

from __future__ import annotations

from crawler.normalize.text import (
    canonical_url,
    clean_line,
    html_to_text,
    normalize_tags,
    sanitize_html,
)
from crawler.sources.items import JobPosting
from pipelines.counts import CountingPipeline

LINE_FIELDS = ("title", "company", "department", "location_raw", "employment_type_raw")


def clean_item(item: JobPosting) -> JobPosting:
    """Clean every text field of ``item`` in place and return it."""
    for name in LINE_FIELDS:
        setattr(item, name, clean_line(getattr(item, name)))
    item.source_id = item.source_id.strip()
    item.url = canonical_url(item.url)
    item.apply_url = canonical_url(item.apply_url)
    item.description_html = sanitize_html(item.description_html)
    if item.description_html:
        item.description_text = html_to_text(item.description_html, sanitized=True)
    item.tags = normalize_tags(item.tags)
    return item


class CleanTextPipeline(CountingPipeline):
    def process_item(self, item):
        if isinstance(item, JobPosting):
            clean_item(item)
            self.counts["jobcrawl/cleaned"] += 1
        return item

"""100 · validate: an item that cannot be identified becomes a ``Reject``; gaps are counted.

Soft validation: only what makes a row unusable (no identity, no link to the
posting, a field of the wrong type) is rejected, with a reason. Missing optional
fields are counted per field in the crawl stats (``jobcrawl/missing/<field>``)
for fill-rate reports.
"""

from __future__ import annotations

from dataclasses import asdict

from crawler.items import JobPosting, Reject
from pipelines.counts import CountingPipeline

REQUIRED = ("source", "source_id", "url")
REPORTED = ("title", "company", "posted_raw", "description_html", "location_raw", "salary_raw")


def problems(item: JobPosting) -> list[str]:
    """Reasons the item cannot be stored; empty when it can."""
    reasons = []
    for name in REQUIRED:
        value = getattr(item, name)
        if not isinstance(value, str) or not value.strip():
            reasons.append(f"missing {name}")
    for name in ("title", "company", "location_raw", "description_html"):
        value = getattr(item, name)
        if value is not None and not isinstance(value, str):
            reasons.append(f"{name} is {type(value).__name__}, not text")
    for name in ("tags",):
        if not isinstance(getattr(item, name), list):
            reasons.append(f"{name} is not a list")
    return reasons


class ValidatePipeline(CountingPipeline):
    def process_item(self, item):
        if not isinstance(item, JobPosting):
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

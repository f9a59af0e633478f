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
for fill-rate reports.
"""

from __future__ import annotations

from dataclasses import asdict, fields

from itemadapter import ItemAdapter

from crawler.sources.items import JobPosting, Reject
from pipelines.counts import CountingPipeline

FIELDS = frozenset(f.name for f in fields(JobPosting))

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


def as_posting(item, spider_name: str | None = None) -> JobPosting | Reject:
    """Read any Scrapy item into a ``JobPosting`` (see module doc); ours pass unchanged."""
    if isinstance(item, JobPosting | Reject):
        return item
    if not ItemAdapter.is_item(item):
        return Reject(spider_name, None, f"not an item: {type(item).__name__}", repr(item)[:2000])
    data = ItemAdapter(item).asdict()
    known = {k: v for k, v in data.items() if k in FIELDS}
    others = {k: v for k, v in data.items() if k not in FIELDS}
    if others:
        extras = known.get("extras")
        if extras is None or isinstance(extras, dict):
            known["extras"] = {**(extras or {}), **others}
        else:  # keep what the spider gave beside the other keys
            known["extras"] = {"extras": extras, **others}
    known.setdefault("source", spider_name)
    return JobPosting(**known)


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

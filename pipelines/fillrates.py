"""150 and 800 · count which fields postings have, for per-crawl fill rates.

The same count at two points of the pipeline, hence two small classes here
rather than one module each:

* ``GivenFieldsPipeline`` (150, after validation, before any cleaning): the
  fields as the spider handed them over (``jobcrawl/given/*``). A board that
  stops sending a field shows here even when the normaliser fills the field
  from the description text afterwards.
* ``FillRatePipeline`` (800, after normalisation and in-crawl deduplication):
  what lands in ``jobs`` (``jobcrawl/fill/*``).

Each counts ``<prefix>_items`` postings and ``<prefix><field>`` of them with a
value (not None, not an empty string, list or object). ``crawler/store/health.py``
turns the counts into ``crawls.fill_rates`` and notices a field that collapsed.
"""

from __future__ import annotations

from typing import Any

from crawler.sources.items import JobPosting
from crawler.store.health import FILL_FIELDS, FILL_PREFIX, GIVEN_PREFIX, ITEMS
from pipelines.counts import CountingPipeline


def filled_fields(item: JobPosting) -> list[str]:
    """The measured fields of ``item`` that hold a value."""
    return [name for name in FILL_FIELDS if has_value(getattr(item, name))]


def has_value(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | dict | tuple | set):
        return bool(value)
    return True


class FillRatePipeline(CountingPipeline):
    prefix = FILL_PREFIX

    def __init__(self, stats):
        super().__init__(stats)
        self.keys = {name: self.prefix + name for name in FILL_FIELDS}

    def process_item(self, item):
        if isinstance(item, JobPosting):
            counts, keys = self.counts, self.keys
            counts[self.prefix + ITEMS] += 1
            for name in filled_fields(item):
                counts[keys[name]] += 1
        return item


class GivenFieldsPipeline(FillRatePipeline):
    prefix = GIVEN_PREFIX

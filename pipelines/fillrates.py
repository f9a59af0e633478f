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

from crawler.sources.items import JobPosting
from crawler.store.fingerprint import sighting
from crawler.store.health import (
    FILL_FIELDS,
    FILL_PREFIX,
    GIVEN_PREFIX,
    ITEMS,
    filled_from_mask,
    has_value,
)
from pipelines.counts import CountingPipeline


def filled_fields(item: JobPosting) -> list[str]:
    """The measured fields of ``item`` that hold a value."""
    return [name for name in FILL_FIELDS if has_value(getattr(item, name))]


class FillRatePipeline(CountingPipeline):
    prefix = FILL_PREFIX
    # An unchanged posting (pipelines/unchanged.py) was neither cleaned nor normalised: what
    # lands in ``jobs`` is its stored row, so its filled fields are the stored row's.
    stored_when_unchanged = True

    def __init__(self, stats):
        super().__init__(stats)
        self.keys = {name: self.prefix + name for name in FILL_FIELDS}

    def process_item(self, item):
        if isinstance(item, JobPosting):
            counts, keys = self.counts, self.keys
            counts[self.prefix + ITEMS] += 1
            seen = sighting(item) if self.stored_when_unchanged else None
            names = filled_from_mask(seen.filled_mask) if seen and seen.unchanged else None
            for name in filled_fields(item) if names is None else names:
                counts[keys[name]] += 1
        return item


class GivenFieldsPipeline(FillRatePipeline):
    prefix = GIVEN_PREFIX
    stored_when_unchanged = False  # runs before the fingerprint step; the raw item is the truth

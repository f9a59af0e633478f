"""300 · normalise: every analyst-facing value read from its raw twin, in one step.

The rules live in ``crawler/normalize/`` (``posting.normalize_item`` applies them in order);
this step applies it to each posting, logs and counts what it set to null, and keeps those
notes on the row (``value_problems``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from crawler.normalize.dates import parse_datetime
from crawler.normalize.posting import normalize_item
from crawler.sources.items import JobPosting
from crawler.store.fingerprint import is_unchanged
from pipelines.counts import CountingPipeline

logger = logging.getLogger(__name__)


class NormalizePipeline(CountingPipeline):
    def process_item(self, item):
        # An unchanged posting's stored row is already normalised (pipelines/unchanged.py).
        if not isinstance(item, JobPosting) or is_unchanged(item):
            return item
        self.counts["jobcrawl/normalized_items"] += 1
        now = parse_datetime(item.scraped_at) or datetime.now(UTC)
        notes = normalize_item(item, now)
        for note in notes:
            self.counts["jobcrawl/normalize_nulled"] += 1
            logger.info("%s %s: %s", item.source, item.source_id, note)
        # Kept on the row too: a value left null is never dropped without its reason.
        item.value_problems = notes
        for name in ("remote", "employment_type", "salary_source", "posted_at"):
            if getattr(item, name):
                self.counts[f"jobcrawl/normalized/{name}"] += 1
        return item

"""The "tutorial" baseline: jobcrawl's own cleaning and normalising, done the naive way.

Bench only
(``ITEM_PIPELINES = {validate: 100, "crawler.tools.bench.tutorial.TutorialPipeline": 300}``).
Same work as the full pipeline, so the comparison measures *how* it is done:

* every text value goes through ``ftfy.fix_text`` (no cheap check for whether it needs it);
* every date value (``posted_raw``, ``valid_through_raw``) through ``dateparser.parse``
  (no ISO/epoch fast path). Only date values: ``dateparser`` on a job title costs about
  100 ms, which would make the comparison say nothing;
* then the same ``clean_item`` and ``normalize_item`` as the pipeline;
* one ``INSERT OR REPLACE`` and one ``COMMIT`` per item, in SQLite's default
  rollback-journal mode with ``synchronous=FULL`` (an fsync per item), no batching.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, fields
from datetime import UTC, datetime

import dateparser
import ftfy

from crawler.sources.items import JobPosting, item_fields
from pipelines.clean import clean_item
from pipelines.normalize import normalize_item

DATE_FIELDS = {"posted_raw": "posted_at", "valid_through_raw": "valid_through"}
TEXT_FIELDS = [f.name for f in fields(JobPosting) if f.name not in DATE_FIELDS]


class TutorialPipeline:
    def __init__(self, path: str):
        self.path = path
        self.conn: sqlite3.Connection | None = None
        self.columns = [name for name, _t, _d in item_fields()]

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("JOBS_DB"))

    def open_spider(self):
        self.conn = sqlite3.connect(self.path)
        cols = ", ".join(f'"{c}"' for c in self.columns)
        self.conn.execute(
            f"CREATE TABLE IF NOT EXISTS tutorial_jobs ({cols}, PRIMARY KEY (source, source_id))"
        )
        self.conn.commit()

    def process_item(self, item):
        if not isinstance(item, JobPosting):
            return item
        for name in TEXT_FIELDS:
            value = getattr(item, name)
            if isinstance(value, str):
                setattr(item, name, ftfy.fix_text(value))
        for raw, name in DATE_FIELDS.items():
            value = getattr(item, raw)
            if value:
                parsed = dateparser.parse(str(value), settings={"TO_TIMEZONE": "UTC"})
                setattr(item, name, parsed.strftime("%Y-%m-%dT%H:%M:%SZ") if parsed else None)
        clean_item(item)
        normalize_item(item, datetime.now(UTC))
        row = asdict(item)
        values = [json.dumps(v) if isinstance(v, list | dict) else v for v in row.values()]
        marks = ", ".join("?" * len(values))
        self.conn.execute(f"INSERT OR REPLACE INTO tutorial_jobs VALUES ({marks})", values)
        self.conn.commit()
        return item

    def close_spider(self):
        if self.conn is not None:
            self.conn.close()

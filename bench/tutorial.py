"""The "tutorial" baseline: the pipeline a first Scrapy + SQLite tutorial would write.

Bench only (``ITEM_PIPELINES={"bench.tutorial.TutorialPipeline": 300}``). It does
what jobcrawl's pipeline does in the naive way, so the bench can show what the
fast paths and batching are worth:

* every text value goes through ``ftfy.fix_text`` (no check for whether it needs it);
* every date value goes through ``dateparser.parse`` (no ISO/epoch fast path);
* the description's text through ``html_text`` (as jobcrawl does);
* one ``INSERT OR REPLACE`` and one ``COMMIT`` per item, in SQLite's default
  rollback-journal mode with ``synchronous=FULL`` (an fsync per item).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict

import dateparser
import ftfy
import html_text

from crawler.items import JobPosting, item_fields

DATE_FIELDS = {"posted_raw": "posted_at", "valid_through_raw": "valid_through"}


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
        row = asdict(item)
        for name, value in row.items():
            if isinstance(value, str):
                row[name] = ftfy.fix_text(value)
        for raw, name in DATE_FIELDS.items():
            if row[raw]:
                parsed = dateparser.parse(str(row[raw]))
                row[name] = parsed.isoformat() if parsed else None
        if row["description_html"]:
            row["description_text"] = html_text.extract_text(row["description_html"])
        values = [json.dumps(v) if isinstance(v, list | dict) else v for v in row.values()]
        marks = ", ".join("?" * len(values))
        self.conn.execute(f"INSERT OR REPLACE INTO tutorial_jobs VALUES ({marks})", values)
        self.conn.commit()
        return item

    def close_spider(self):
        if self.conn is not None:
            self.conn.close()

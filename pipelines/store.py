"""900 · store: batched upserts into SQLite (the database path is the ``JOBS_DB`` setting).

* One ``crawls`` row per run, opened when the spider opens and closed with its
  finish reason and counts when it closes. A crawl that was killed keeps
  ``finished_at`` null: it visibly did not finish.
* Items are buffered and written in batches (``STORE_BATCH_SIZE`` items or
  ``STORE_BATCH_SECONDS`` seconds, whichever comes first, and on close). Each
  batch, with its ``crawls`` counters, is one transaction: a kill loses at most
  the batch in flight and never leaves half a batch.
* Upsert by (``source``, ``source_id``) comparing ``content_hash``: a new
  posting is inserted; a changed one is updated; an unchanged one only gets
  ``last_seen_at`` / ``last_crawl_id``. Re-running a crawl therefore adds no row.
* ``Reject`` items go to ``rejects`` with the crawl id, source, URL, reason and
  the raw record (truncated).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem
from twisted.internet import task

from crawler.items import JobPosting, Reject, item_fields
from crawler.schema import open_db

logger = logging.getLogger(__name__)

RAW_LIMIT = 20_000
# Fields that say when/how we saw a posting rather than what it says.
NOT_CONTENT = {"scraped_at", "lastmod"}
FIELDS = [name for name, _t, _d in item_fields()]
CONTENT_FIELDS = [f for f in FIELDS if f not in NOT_CONTENT | {"source", "source_id"}]


class RejectedItem(DropItem):
    """A ``Reject`` that has been queued for the ``rejects`` table."""


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_sql(value: Any) -> Any:
    """Lists and dicts as JSON text; everything else as is."""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def content_hash(row: dict) -> str:
    payload = json.dumps([row.get(f) for f in CONTENT_FIELDS], ensure_ascii=False, default=str)
    return hashlib.sha1(payload.encode()).hexdigest()


def job_row(item: JobPosting) -> dict:
    row = {name: to_sql(value) for name, value in asdict(item).items()}
    row["content_hash"] = content_hash(row)
    return row


def raw_text(raw: Any) -> str | None:
    if raw is None:
        return None
    text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str)
    return text[:RAW_LIMIT]


class Store:
    """The write side of the database, usable without Scrapy (tests, commands)."""

    def __init__(self, path, spider_name: str):
        self.db = open_db(path)
        self.conn = self.db.conn
        self.spider_name = spider_name
        self.counts = {"new": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        cur = self.conn.execute(
            "INSERT INTO crawls (spider, started_at) VALUES (?, ?)", (spider_name, now_iso())
        )
        self.crawl_id = cur.lastrowid

    def write_batch(self, items: list[JobPosting], rejects: list[Reject]) -> dict[str, int]:
        """Upsert ``items`` and insert ``rejects`` in one transaction; return the batch's counts."""
        counts = {"new": 0, "updated": 0, "unchanged": 0, "rejected": len(rejects)}
        rows = [job_row(item) for item in items]
        seen_at = now_iso()
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            existing = self._existing_hashes(rows)
            new, changed, same = [], [], []
            for row in rows:
                row["last_seen_at"] = row.get("scraped_at") or seen_at
                row["last_crawl_id"] = self.crawl_id
                old = existing.get((row["source"], row["source_id"]))
                if old is None:
                    row["first_seen_at"] = row["last_seen_at"]
                    new.append(row)
                elif old != row["content_hash"]:
                    changed.append(row)
                else:
                    same.append(row)
            self._insert(new)
            self._update(changed)
            self.conn.executemany(
                "UPDATE jobs SET last_seen_at = ?, last_crawl_id = ?, scraped_at = ?, lastmod = ?"
                " WHERE source = ? AND source_id = ?",
                [
                    (r["last_seen_at"], r["last_crawl_id"], r["scraped_at"], r["lastmod"],
                     r["source"], r["source_id"])
                    for r in same
                ],
            )  # fmt: skip
            self.conn.executemany(
                "INSERT INTO rejects (crawl_id, source, url, reason, raw, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (self.crawl_id, r.source, r.url, r.reason, raw_text(r.raw), seen_at)
                    for r in rejects
                ],
            )
            counts.update(new=len(new), updated=len(changed), unchanged=len(same))
            self.conn.execute(
                "UPDATE crawls SET items_new = items_new + ?, items_updated = items_updated + ?,"
                " items_unchanged = items_unchanged + ?, items_rejected = items_rejected + ?,"
                " items_scraped = items_scraped + ? WHERE id = ?",
                (counts["new"], counts["updated"], counts["unchanged"], counts["rejected"],
                 len(rows), self.crawl_id),
            )  # fmt: skip
        for key, value in counts.items():
            self.counts[key] += value
        return counts

    def _existing_hashes(self, rows: list[dict]) -> dict[tuple[str, str], str]:
        found: dict[tuple[str, str], str] = {}
        by_source: dict[str, list[str]] = {}
        for row in rows:
            by_source.setdefault(row["source"], []).append(row["source_id"])
        for source, ids in by_source.items():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for sid, digest in self.conn.execute(
                    f"SELECT source_id, content_hash FROM jobs WHERE source = ?"
                    f" AND source_id IN ({marks})",
                    [source, *chunk],
                ):
                    found[(source, sid)] = digest
        return found

    def _insert(self, rows: list[dict]) -> None:
        if not rows:
            return
        cols = [*FIELDS, "content_hash", "first_seen_at", "last_seen_at", "last_crawl_id"]
        sql = f"INSERT INTO jobs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        self.conn.executemany(sql, [[r.get(c) for c in cols] for r in rows])

    def _update(self, rows: list[dict]) -> None:
        if not rows:
            return
        cols = [*CONTENT_FIELDS, "scraped_at", "lastmod", "content_hash", "last_seen_at",
                "last_crawl_id"]  # fmt: skip
        sets = ", ".join(f"{c} = ?" for c in cols)
        sql = f"UPDATE jobs SET {sets} WHERE source = ? AND source_id = ?"
        self.conn.executemany(
            sql, [[r.get(c) for c in cols] + [r["source"], r["source_id"]] for r in rows]
        )

    def finish(self, reason: str, stats: dict[str, Any]) -> None:
        errors = int(stats.get("log_count/ERROR", 0))
        requests = int(stats.get("downloader/request_count", 0))
        with self.conn:
            self.conn.execute(
                "UPDATE crawls SET finished_at = ?, finish_reason = ?, errors = ?, requests = ?,"
                " stats = ? WHERE id = ?",
                (now_iso(), reason, errors, requests,
                 json.dumps(stats, default=str, sort_keys=True), self.crawl_id),
            )  # fmt: skip

    def close(self) -> None:
        self.db.close()


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.path = settings.get("JOBS_DB")
        self.batch_size = settings.getint("STORE_BATCH_SIZE", 500)
        self.batch_seconds = settings.getfloat("STORE_BATCH_SECONDS", 2.0)
        self.items: list[JobPosting] = []
        self.rejects: list[Reject] = []
        self.last_flush = time.monotonic()
        self.store: Store | None = None
        self.timer: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        spider = self.crawler.spider
        self.store = Store(self.path, spider.name)
        self.crawler.stats.set_value("jobcrawl/crawl_id", self.store.crawl_id)
        self.crawler.stats.set_value("jobcrawl/db", str(self.path))
        logger.info("crawl %s of %s writes to %s", self.store.crawl_id, spider.name, self.path)
        self.timer = task.LoopingCall(self._flush_if_due)
        self.timer.start(self.batch_seconds, now=False)

    def process_item(self, item):
        if isinstance(item, JobPosting):
            self.items.append(item)
        elif isinstance(item, Reject):
            self.rejects.append(item)
        else:
            return item
        if len(self.items) + len(self.rejects) >= self.batch_size:
            self.flush()
        if isinstance(item, Reject):
            # Kept in ``rejects``; dropping it here logs the reason and keeps it
            # out of feed exports (``-O out.jsonl``) and the scraped count.
            raise RejectedItem(f"rejected {item.source} record at {item.url}: {item.reason}")
        return item

    def _flush_if_due(self):
        if time.monotonic() - self.last_flush >= self.batch_seconds:
            self.flush()

    def flush(self):
        self.last_flush = time.monotonic()
        if not (self.items or self.rejects) or self.store is None:
            return
        items, rejects, self.items, self.rejects = self.items, self.rejects, [], []
        counts = self.store.write_batch(items, rejects)
        stats = self.crawler.stats
        for key, value in counts.items():
            stats.inc_value(f"jobcrawl/stored/{key}", value)
        stats.inc_value("jobcrawl/batches")

    def close_spider(self):
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush()

    def spider_closed(self, spider, reason):
        if self.store is None:
            return
        stats = self.crawler.stats.get_stats()
        self.store.finish(reason, stats)
        c = self.store.counts
        logger.info(
            "crawl %s done (%s): %d new, %d updated, %d unchanged, %d rejected",
            self.store.crawl_id, reason, c["new"], c["updated"], c["unchanged"], c["rejected"],
        )  # fmt: skip
        self.store.close()
        self.store = None

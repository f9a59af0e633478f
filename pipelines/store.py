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

After each batch, in the same transaction (each step is its own module):

* **history** (``crawler/store/history.py``): a changed posting's previous values go
  to ``job_versions``;
* **lifecycle** (``crawler/store/lifecycle.py``): postings seen again are reopened if
  they were closed; stored postings a sitemap still lists (the
  ``posting_listed`` signal of ``crawler/runtime/incremental.py``) are refreshed;
* **cross-board duplicates** (``crawler/store/dedupe.py``): new postings, and postings
  whose match key changed, are grouped with their duplicates on other boards.

When the crawl closes, the lifecycle decides what it closes (absent from
healthy complete listings, pages gone, closing dates, age limits) and records
its evidence on the ``crawls`` row and in ``crawl_listings``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import reprlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import defer, task, threads

from crawler.runtime.incremental import posting_listed
from crawler.runtime.listings import note_rejected_posting, posting_gone
from crawler.sources.items import JobPosting, Reject, item_fields
from crawler.store import history, lifecycle
from crawler.store.dedupe import DedupeRules, DuplicateGroups, match_key
from crawler.store.health import HealthRules
from crawler.store.lifecycle import LifecycleRules
from crawler.store.schema import BUSY_TIMEOUT_MS, open_db

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


def start_after_last_finish(conn: sqlite3.Connection, spider: str, wait_max: float = 2.0) -> str:
    """A ``started_at`` in a later second than the last finished crawl of ``spider``.

    Timestamps have whole seconds, and the lifecycle tells another crawl's sightings from
    this one's by ``last_seen_at < started_at`` (``crawler/store/lifecycle.py``). A crawl that
    starts in the very second the previous one finished (back-to-back crawls of a board)
    would take the previous crawl's sightings for its own and miss nothing; so it waits for
    the next second (under 1 s; ``wait_max`` bounds it should the clock have gone back).
    """
    last = conn.execute(
        "SELECT MAX(finished_at) FROM crawls WHERE spider = ?", (spider,)
    ).fetchone()[0]
    deadline = time.monotonic() + wait_max
    now = now_iso()
    while last and now <= last and time.monotonic() < deadline:
        time.sleep(0.05)
        now = now_iso()
    return now


# A JSON "\ud83d" escape without its pair (a string cut mid-emoji) decodes to a lone
# surrogate, which SQLite's UTF-8 cannot hold: one such character must not fail a batch.
_SURROGATE = re.compile("[\ud800-\udfff]")


def sql_text(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD, so that it can be stored."""
    if text.isascii():
        return text
    try:
        # Strict UTF-8 fails on surrogates only, and is far cheaper than the regex scan.
        text.encode()
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


# The encoders ``json.dumps`` would build on each call with these options.
_JSON_SQL = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
_JSON_HASH = json.JSONEncoder(ensure_ascii=False, default=str)


def to_sql(value: Any) -> Any:
    """Lists and dicts as JSON text; text made storable; everything else as is."""
    if value is None:
        return None
    if type(value) is str:
        return sql_text(value)
    if isinstance(value, list | dict):
        value = _JSON_SQL.encode(value)
    if isinstance(value, str):
        return sql_text(value)
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        # SQLite integers are 64-bit; a raw value beyond that (a junk epoch) is kept as text.
        return str(value)
    return value


def content_hash(row: dict) -> str:
    payload = _JSON_HASH.encode([row.get(f) for f in CONTENT_FIELDS])
    return hashlib.sha1(payload.encode()).hexdigest()


def item_row(item: JobPosting) -> dict:
    """The item's columns as stored, and its ``content_hash`` (no ``match_key``)."""
    values = item.__dict__
    try:
        # Shallow: to_sql turns lists and dicts into JSON text anyway, so asdict's deep copy
        # (the dearest part of a row) only matters for a dataclass nested in a value.
        row = {name: to_sql(values[name]) for name in FIELDS}
    except (KeyError, TypeError):
        row = {name: to_sql(value) for name, value in asdict(item).items()}
    row["content_hash"] = content_hash(row)
    return row


def item_match_key(item: JobPosting) -> str | None:
    return match_key(item.company, item.company_slug, item.title, item.location_raw)


def job_row(item: JobPosting) -> dict:
    row = item_row(item)
    row["match_key"] = item_match_key(item)
    return row


# Columns an update always writes besides the changed content fields.
_UPDATE_ALWAYS = ("scraped_at", "lastmod", "content_hash", "match_key", "last_seen_at",
                  "last_crawl_id")  # fmt: skip
# What the duplicate matcher reads of a row (crawler/store/dedupe.py); all TEXT columns.
_DEDUPE_TEXT = ("source", "title", "company", "location_raw", "remote", "countries", "regions",
                "description_text", "first_seen_at", "match_key")  # fmt: skip


def _as_stored(rows: dict[int, dict]) -> dict[int, dict]:
    """The rows whose matcher fields read back exactly as written (text or null: a number in
    a TEXT column would come back as text, so such a row is read from the database)."""
    return {
        job_id: row
        for job_id, row in rows.items()
        if all(type(row.get(c)) is str or row.get(c) is None for c in _DEDUPE_TEXT)
    }


_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel, _SHORT_REPR.maxstring, _SHORT_REPR.maxother = 20, 2000, 200


def raw_text(raw: Any) -> str | None:
    if raw is None:
        return None
    try:
        text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str)
    except (RecursionError, ValueError):
        # Nested too deep (or circular) for JSON: its start as Python shows it, still kept.
        text = f"(not JSON-serialisable) {_SHORT_REPR.repr(raw)}"
    return sql_text(text[:RAW_LIMIT])


class Store:
    """The write side of the database, usable without Scrapy (tests, commands)."""

    def __init__(
        self,
        path,
        spider_name: str,
        *,
        complete_listing: bool = False,
        lifecycle_evidence: bool = True,
        lifecycle_rules: LifecycleRules | None = None,
        dedupe_rules: DedupeRules | None = None,
        health_rules: HealthRules | None = None,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        max_db_mb: float = 0,
        crawl_id: int | None = None,
    ):
        """``crawl_id``: carry on an existing ``crawls`` row (the distributed writer's, which
        outlives a writer process) instead of opening a new one."""
        self.db = open_db(path)
        self.conn = self.db.conn
        # How long one write waits for another connection's lock before it fails (and is
        # retried by ``StorePipeline``). Set after the schema is ready: that waits longer.
        self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if max_db_mb and max_db_mb > 0:
            # A write that would grow the file past the cap fails like a full disk does.
            page = self.conn.execute("PRAGMA page_size").fetchone()[0]
            self.conn.execute(f"PRAGMA max_page_count = {int(max_db_mb * 2**20 // page)}")
        self.spider_name = spider_name
        self.complete_listing = complete_listing
        self.lifecycle_evidence = lifecycle_evidence
        self.lifecycle_rules = lifecycle_rules or LifecycleRules()
        self.health_rules = health_rules
        self.counts = {"new": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        self.counts.update(reopened=0, versions=0, grouped=0, closed=0)
        # Postings whose page answered 404/410: closed when the crawl closes, if healthy.
        self.gone: list[tuple[str, str]] = []
        if crawl_id is None:
            cur = self.conn.execute(
                "INSERT INTO crawls (spider, started_at) VALUES (?, ?)",
                (spider_name, start_after_last_finish(self.conn, spider_name)),
            )
            crawl_id = cur.lastrowid
        self.crawl_id = crawl_id
        self.groups = DuplicateGroups(self.conn, dedupe_rules or DedupeRules(), self.crawl_id)

    def write_batch(
        self, items: list[JobPosting], rejects: list[Reject], *, also: Callable | None = None
    ) -> dict[str, int]:
        """Upsert ``items`` and insert ``rejects`` in one transaction; return the batch's counts
        (new, updated, unchanged, rejected; ``self.counts`` also totals versions, reopened and
        grouped postings). ``also(conn)`` runs last in the same transaction (the distributed
        writer records there which stream entries the batch applied)."""
        rows, storable, rejects = [], [], list(rejects)
        for item in items:
            try:
                rows.append(item_row(item))
            except (RecursionError, ValueError, TypeError) as exc:
                # A value nested too deep to store as JSON: this posting is rejected with its
                # reason; the batch goes on.
                url = item.url if isinstance(item.url, str) else None
                why = f"cannot store posting: {type(exc).__name__}: {exc}"
                rejects.append(Reject(item.source, url, why, item.source_id))
                continue
            storable.append(item)
        items = storable
        counts = {"new": 0, "updated": 0, "unchanged": 0, "rejected": len(rejects), "reopened": 0}
        seen_at = now_iso()
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            existing = self._existing(rows)
            new, changed, same, kept = [], [], [], []
            for item, row in zip(items, rows, strict=True):
                row["last_seen_at"] = row.get("scraped_at") or seen_at
                row["last_crawl_id"] = self.crawl_id
                old = existing.get((row["source"], row["source_id"]))
                if old is None:
                    row["first_seen_at"] = row["last_seen_at"]
                    row["match_key"] = item_match_key(item)
                    new.append(row)
                elif not self.lifecycle_evidence and old["last_spider"] != self.spider_name:
                    # An archived copy never overwrites (nor marks as seen) a posting that a
                    # live crawl of its board stored: the live row is newer and richer.
                    kept.append(row)
                elif old["content_hash"] != row["content_hash"]:
                    # The key is computed only here and for new rows: the hash covers the
                    # fields it is made of, so an unchanged posting keeps its stored key.
                    row["match_key"] = item_match_key(item)
                    changed.append(row)
                else:
                    same.append(row)
            self._insert(new)
            changed_ids = [existing[(r["source"], r["source_id"])]["id"] for r in changed]
            previous = self._stored_rows(changed_ids)
            diffs = [
                history.changes(previous[i], r, CONTENT_FIELDS)
                for i, r in zip(changed_ids, changed, strict=True)
            ]
            self._update(changed_ids, changed, diffs)
            same_ids = [existing[(r["source"], r["source_id"])]["id"] for r in same]
            self.conn.executemany(
                "UPDATE jobs SET last_seen_at = ?, last_crawl_id = ?, scraped_at = ?, lastmod = ?"
                " WHERE id = ?",
                [
                    (r["last_seen_at"], r["last_crawl_id"], r["scraped_at"], r["lastmod"], i)
                    for i, r in zip(same_ids, same, strict=True)
                ],
            )
            self.conn.executemany(
                "INSERT INTO rejects (crawl_id, source, url, reason, raw, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        self.crawl_id,
                        r.source,
                        to_sql(r.url),
                        sql_text(r.reason),
                        raw_text(r.raw),
                        seen_at,
                    )
                    for r in rejects
                ],
            )
            counts["versions"] = history.record_versions(
                self.conn,
                self.crawl_id,
                seen_at,
                [(previous[i], r) for i, r in zip(changed_ids, changed, strict=True)],
                CONTENT_FIELDS,
                diffs,
            )
            if self.lifecycle_evidence:
                # Only closed postings and postings with missed listings have anything to
                # reset (as read above, in this transaction): the others need no UPDATE.
                stale = {
                    old["id"]
                    for old in existing.values()
                    if old["status"] == "closed" or old["missed_listings"] != 0
                }
                counts["reopened"] = lifecycle.reopen_seen(
                    self.conn,
                    [i for i in changed_ids + same_ids if i in stale],
                    self.lifecycle_rules.now_iso(),
                )
            # The rows just written stand in for re-reading them (same order as before:
            # new postings in the order the id lookup returns them, then re-keyed ones).
            written = {}
            new_ids = self._ids(new)
            by_key = {(r["source"], r["source_id"]): r for r in new}
            for key, job_id in new_ids.items():
                written[job_id] = {**by_key[key], "id": job_id}
            rekeyed = []
            for job_id, r in zip(changed_ids, changed, strict=True):
                if existing[(r["source"], r["source_id"])]["match_key"] != r["match_key"]:
                    rekeyed.append(job_id)
                    written[job_id] = {**previous[job_id], **r, "id": job_id}
            counts["grouped"] = self.groups.assign(
                [*new_ids.values(), *rekeyed], _as_stored(written)
            )
            counts.update(new=len(new), updated=len(changed), unchanged=len(same) + len(kept))
            self.conn.execute(
                "UPDATE crawls SET items_new = items_new + ?, items_updated = items_updated + ?,"
                " items_unchanged = items_unchanged + ?, items_rejected = items_rejected + ?,"
                " items_scraped = items_scraped + ?, items_reopened = items_reopened + ?,"
                " versions_written = versions_written + ? WHERE id = ?",
                (counts["new"], counts["updated"], counts["unchanged"], counts["rejected"],
                 len(rows), counts["reopened"], counts["versions"], self.crawl_id),
            )  # fmt: skip
            if also is not None:
                also(self.conn)
        for key, value in counts.items():
            self.counts[key] += value
        return {key: counts[key] for key in ("new", "updated", "unchanged", "rejected")}

    def mark_listed(
        self, listed: list[tuple[str, str, bool]], *, also: Callable | None = None
    ) -> int:
        """Stored postings a sitemap still lists, as (source, url, page skipped): refresh them
        (``crawler.store.lifecycle.touch_listed``); a skipped page counts as an unchanged posting.
        Returns how many were found. ``also(conn)``: as for ``write_batch``."""
        if not listed:
            return 0
        skipped = {(s, u) for s, u, skip in listed if skip}
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            ids, reopened = lifecycle.touch_listed(
                self.conn, self.crawl_id, [(s, u) for s, u, _skip in listed], now_iso(), skipped
            )
            self.conn.execute(
                "UPDATE crawls SET items_unchanged = items_unchanged + ?,"
                " items_scraped = items_scraped + ?, items_reopened = items_reopened + ?"
                " WHERE id = ?",
                (len(skipped), len(skipped), reopened, self.crawl_id),
            )
            if also is not None:
                also(self.conn)
        self.counts["unchanged"] += len(skipped)
        self.counts["reopened"] += reopened
        return len(ids)

    def _lookup(self, rows: list[dict], columns: str):
        """``(source, source_id, *columns)`` of the stored postings among ``rows``, looked up
        through the (source, source_id) index, 500 ids a query."""
        by_source: dict[str, list[str]] = {}
        for row in rows:
            by_source.setdefault(row["source"], []).append(row["source_id"])
        for source, ids in by_source.items():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for found in self.conn.execute(
                    f"SELECT source_id, {columns} FROM jobs"
                    f" WHERE source = ? AND source_id IN ({marks})",
                    [source, *chunk],
                ):
                    yield (source, *found)

    def _existing(self, rows: list[dict]) -> dict[tuple[str, str], dict[str, Any]]:
        """(source, source_id) -> {id, content_hash, match_key, last_spider, status,
        missed_listings} of stored postings."""
        columns = (
            "id, content_hash, match_key,"
            " (SELECT spider FROM crawls WHERE crawls.id = jobs.last_crawl_id),"
            " status, missed_listings"
        )
        return {
            (source, sid): {
                "id": job_id,
                "content_hash": digest,
                "match_key": key,
                "last_spider": spider,
                "status": status,
                "missed_listings": missed,
            }
            for source, sid, job_id, digest, key, spider, status, missed in self._lookup(
                rows, columns
            )
        }

    def _stored_rows(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cur = self.conn.execute(
                f"SELECT * FROM jobs WHERE id IN ({','.join('?' * len(chunk))})", chunk
            )
            names = [c[0] for c in cur.description]
            for values in cur.fetchall():
                row = dict(zip(names, values, strict=True))
                found[row["id"]] = row
        return found

    def _ids(self, rows: list[dict]) -> dict[tuple[str, str], int]:
        """(source, source_id) -> id of stored ``rows``, in the order of the index lookup."""
        return {(source, sid): job_id for source, sid, job_id in self._lookup(rows, "id")}

    def _insert(self, rows: list[dict]) -> None:
        if not rows:
            return
        cols = [*FIELDS, "content_hash", "match_key", "first_seen_at", "last_seen_at",
                "last_crawl_id"]  # fmt: skip
        sql = f"INSERT INTO jobs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        self.conn.executemany(sql, [[r.get(c) for c in cols] for r in rows])

    def _update(self, ids: list[int], rows: list[dict], diffs: list[dict]) -> None:
        """Write the content fields that changed (``diffs``, from ``history.changes``) and the
        bookkeeping columns. Naming only changed fields keeps the full-text trigger, which
        re-indexes the whole row, from firing when no indexed column changed."""
        statements: dict[tuple[str, ...], list[list]] = {}
        for job_id, row, diff in zip(ids, rows, diffs, strict=True):
            cols = (*(c for c in CONTENT_FIELDS if c in diff), *_UPDATE_ALWAYS)
            statements.setdefault(cols, []).append([row.get(c) for c in cols] + [job_id])
        for cols, params in statements.items():
            sets = ", ".join(f"{c} = ?" for c in cols)
            self.conn.executemany(f"UPDATE jobs SET {sets} WHERE id = ?", params)

    def finish(self, reason: str, stats: dict[str, Any]) -> lifecycle.LifecycleOutcome:
        errors = int(stats.get("log_count/ERROR", 0))
        # Requests answered from the cache without asking the board were not sent.
        requests = int(stats.get("downloader/request_count", 0)) - int(
            stats.get("httpcache/hit", 0)
        )
        with self.conn:
            self.conn.execute(
                "UPDATE crawls SET finished_at = ?, finish_reason = ?, errors = ?, requests = ?,"
                " stats = ?, pages_skipped = ?, pages_not_modified = ? WHERE id = ?",
                (now_iso(), reason, errors, requests,
                 json.dumps(stats, default=str, sort_keys=True),
                 int(stats.get("jobcrawl/pages_skipped", 0)),
                 int(stats.get("httpcache/revalidate", 0)), self.crawl_id),
            )  # fmt: skip
        outcome = lifecycle.apply_closing(
            self.conn,
            self.crawl_id,
            complete_listing=self.complete_listing,
            evidence=self.lifecycle_evidence,
            rules=self.lifecycle_rules,
            gone=self.gone,
            health_rules=self.health_rules,
        )
        self.counts["closed"] = outcome.closed_total
        return outcome

    def rollback(self) -> None:
        """End a transaction a failed write left open (a failed COMMIT may leave one)."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                logger.exception("crawl %s: rollback failed", self.crawl_id)

    def close(self) -> None:
        self.db.close()


class StoreWriteFailed(Exception):
    """A store write that still failed after its retries (its records are not stored)."""


class StorePipeline:
    """The Scrapy side of ``Store``: buffers items, writes batches off the reactor thread.

    Every database call runs in a worker thread, one at a time, so that SQLite's busy wait
    (another connection holding the write lock: an analyst's transaction, a ``VACUUM``, a
    backup) never freezes downloads, timers or signal handling. A write that fails (the lock
    held past ``STORE_BUSY_TIMEOUT_MS``, a full disk, an I/O error) is rolled back and
    retried ``STORE_WRITE_RETRIES`` times, ``STORE_RETRY_DELAY`` seconds apart (doubling).
    If it still fails, its records are counted as lost (``jobcrawl/store_errors`` batches,
    ``jobcrawl/store_lost`` records) and the crawl is *failed*: ``store_errors`` in
    ``health_problems``, and it closes nothing (a posting missing from the database because
    its batch was lost must never look absent). While a batch is being written, new items
    wait for it (Scrapy holds at most ``CONCURRENT_ITEMS`` in flight).
    """

    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.path = settings.get("JOBS_DB")
        self.batch_size = settings.getint("STORE_BATCH_SIZE", 500)
        self.batch_seconds = settings.getfloat("STORE_BATCH_SECONDS", 2.0)
        self.retries = max(settings.getint("STORE_WRITE_RETRIES", 3), 0)
        self.retry_delay = settings.getfloat("STORE_RETRY_DELAY", 1.0)
        self.busy_timeout_ms = settings.getint("STORE_BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS)
        self.items: list[JobPosting] = []
        self.rejects: list[Reject] = []
        self.last_flush = time.monotonic()
        self.store: Store | None = None
        self.timer: task.LoopingCall | None = None
        self.listed: list[tuple[str, str, bool]] = []
        self.lock = defer.DeferredLock()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.posting_listed, signal=posting_listed)
        crawler.signals.connect(self.posting_gone, signal=posting_gone)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def _in_thread(self, fn, *args, **kwargs):
        """``fn(*args)`` in a worker thread, one database call at a time."""
        await maybe_deferred_to_future(self.lock.acquire())
        try:
            return await maybe_deferred_to_future(threads.deferToThread(fn, *args, **kwargs))
        finally:
            self.lock.release()

    async def _write(self, what: str, fn, *args):
        """Run a store write, retried on a database error; raise ``StoreWriteFailed`` at last."""
        delay = self.retry_delay
        for attempt in range(self.retries + 1):
            try:
                return await self._in_thread(fn, *args)
            except Exception as exc:
                if not isinstance(exc, sqlite3.Error):
                    # Not the database's doing: retrying would fail the same way.
                    logger.exception("crawl %s: writing %s failed", self.store.crawl_id, what)
                    await self._in_thread(self.store.rollback)
                    raise StoreWriteFailed(f"{what}: {type(exc).__name__}: {exc}") from exc
                await self._in_thread(self.store.rollback)
                if attempt == self.retries:
                    raise StoreWriteFailed(f"{what}: {type(exc).__name__}: {exc}") from exc
                self.crawler.stats.inc_value("jobcrawl/store_retries")
                logger.warning(
                    "crawl %s: writing %s failed (%s: %s); retry %d of %d in %gs",
                    self.store.crawl_id, what, type(exc).__name__, exc, attempt + 1,
                    self.retries, delay,
                )  # fmt: skip
                from twisted.internet import reactor  # the running one (not installed at import)

                await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))
                delay *= 2
        raise AssertionError("unreachable")

    async def open_spider(self):
        spider = self.crawler.spider
        settings = self.crawler.settings
        self.store = await self._in_thread(
            Store,
            self.path,
            spider.name,
            complete_listing=bool(getattr(spider, "complete_listing", False)),
            lifecycle_evidence=bool(getattr(spider, "lifecycle_evidence", True)),
            lifecycle_rules=LifecycleRules.from_settings(settings),
            dedupe_rules=DedupeRules.from_settings(settings),
            health_rules=HealthRules.from_settings(settings),
            busy_timeout_ms=self.busy_timeout_ms,
            max_db_mb=self.crawler.settings.getfloat("JOBS_DB_MAX_MB", 0),
        )
        self.crawler.stats.set_value("jobcrawl/crawl_id", self.store.crawl_id)
        self.crawler.stats.set_value("jobcrawl/db", str(self.path))
        logger.info("crawl %s of %s writes to %s", self.store.crawl_id, spider.name, self.path)
        self.timer = task.LoopingCall(self._flush_if_due)
        self.timer.start(self.batch_seconds, now=False)

    async def process_item(self, item):
        if isinstance(item, JobPosting):
            self.items.append(item)
        elif isinstance(item, Reject):
            self.rejects.append(item)
            note_rejected_posting(self.crawler.stats, self.crawler.spider.name, item)
        else:
            return item
        if len(self.items) + len(self.rejects) >= self.batch_size:
            await self.flush()
        if isinstance(item, Reject):
            # Kept in ``rejects``; dropping it here logs the reason and keeps it
            # out of feed exports (``-O out.jsonl``) and the scraped count.
            raise RejectedItem(f"rejected {item.source} record at {item.url}: {item.reason}")
        return item

    def _flush_if_due(self):
        if time.monotonic() - self.last_flush >= self.batch_seconds:
            # LoopingCall waits for the returned Deferred: batches never overlap.
            return deferred_from_coro(self.flush())
        return None

    def posting_listed(self, source, url, skipped):
        self.listed.append((source, url, skipped))
        if len(self.listed) >= self.batch_size:
            # Sent with send_catch_log, which takes no Deferred: the flush runs on its own
            # (it never raises: a failed write is counted in ``_lost``).
            deferred_from_coro(self.flush())

    def posting_gone(self, source, url, status):
        if self.store is not None:
            self.store.gone.append((source, url))

    def _lost(self, error: StoreWriteFailed, records: int) -> None:
        stats = self.crawler.stats
        stats.inc_value("jobcrawl/store_errors")
        stats.inc_value("jobcrawl/store_lost", records)
        logger.error(
            "crawl %s: %s; %d records not stored: the crawl is failed and closes nothing",
            self.store.crawl_id if self.store else "?", error, records,
        )  # fmt: skip

    async def flush(self):
        self.last_flush = time.monotonic()
        if self.store is None:
            return
        if self.listed:
            listed, self.listed = self.listed, []
            try:
                await self._write("listed postings", self.store.mark_listed, listed)
            except StoreWriteFailed as exc:
                self._lost(exc, len(listed))
        if not (self.items or self.rejects):
            return
        items, rejects, self.items, self.rejects = self.items, self.rejects, [], []
        try:
            counts = await self._write(
                f"a batch of {len(items) + len(rejects)}", self.store.write_batch, items, rejects
            )
        except StoreWriteFailed as exc:
            self._lost(exc, len(items) + len(rejects))
            return
        stats = self.crawler.stats
        for key, value in counts.items():
            stats.inc_value(f"jobcrawl/stored/{key}", value)
        stats.inc_value("jobcrawl/batches")

    async def close_spider(self):
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        await self.flush()

    def spider_closed(self, spider, reason):
        return deferred_from_coro(self._spider_closed(reason))

    async def _spider_closed(self, reason):
        if self.store is None:
            return
        stats = self.crawler.stats.get_stats()
        try:
            outcome = await self._write("the crawl's end", self.store.finish, reason, stats)
        except StoreWriteFailed as exc:
            # The row keeps finished_at null: the crawl reads as unfinished, closes nothing.
            logger.error("crawl %s: could not be finished: %s", self.store.crawl_id, exc)
            await self._in_thread(self.store.close)
            self.store = None
            return
        c = self.store.counts
        logger.info(
            "crawl %s done (%s): %d new, %d updated, %d unchanged, %d rejected; "
            "%d reopened, %d closed %s",
            self.store.crawl_id, reason, c["new"], c["updated"], c["unchanged"], c["rejected"],
            c["reopened"], c["closed"], outcome.closed or "",
        )  # fmt: skip
        if outcome.problems:
            logger.warning(
                "crawl %s closes nothing: %s", self.store.crawl_id,
                "; ".join(f"{k}: {v}" for k, v in outcome.problems.items()),
            )  # fmt: skip
        for listing in outcome.listings:
            if not listing["healthy"]:
                logger.info(
                    "%s listing %r counts no absences: %s", listing["source"],
                    listing["listing"], "; ".join(json.loads(listing["problems"])),
                )  # fmt: skip
        await self._in_thread(self.store.close)
        self.store = None

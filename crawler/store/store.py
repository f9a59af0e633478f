"""The write side of the database: one crawl's batched upserts into SQLite, usable without Scrapy
(the store pipeline, the distributed writer, the bench and the tests all use it).

* One ``crawls`` row per run, opened with the store and closed by ``finish`` with its finish
  reason and counts. A crawl that was killed keeps ``finished_at`` null: it visibly did not
  finish.
* ``write_batch`` is one transaction, with its ``crawls`` counters: a kill loses at most the
  batch in flight and never leaves half a batch.
* Upsert by (``source``, ``source_id``) comparing ``content_hash``: a new posting is
  inserted; a changed one is updated; an unchanged one only gets ``last_seen_at`` /
  ``last_crawl_id``. Re-running a crawl therefore adds no row.
* ``Reject`` records go to ``rejects`` with the crawl id, source, URL, reason and the raw
  record (truncated).

After each batch, in the same transaction (each step is its own module):

* **history** (``crawler/store/history.py``): a changed posting's previous values go to
  ``job_versions``;
* **lifecycle** (``crawler/store/lifecycle.py``): postings seen again are reopened if they were
  closed; stored postings a sitemap still lists (``mark_listed``) are refreshed;
* **cross-board duplicates** (``crawler/store/dedupe.py``): new postings, and postings whose
  match key changed, are grouped with their duplicates on other boards.

``finish`` lets the lifecycle decide what the crawl closes (absent from healthy complete
listings, pages gone, closing dates, age limits) and record its evidence on the ``crawls``
row and in ``crawl_listings``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from crawler.sources.items import JobPosting, Reject
from crawler.store import history, lifecycle
from crawler.store.dedupe import DedupeRules, DuplicateGroups
from crawler.store.health import HealthRules
from crawler.store.lifecycle import LifecycleRules
from crawler.store.rows import (
    CONTENT_FIELDS,
    FIELDS,
    item_match_key,
    item_row,
    now_iso,
    raw_text,
    sql_text,
    to_sql,
)
from crawler.store.schema import BUSY_TIMEOUT_MS, open_db

logger = logging.getLogger(__name__)

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
        items, rows, rejects = self._encode(items, list(rejects))
        counts = {"new": 0, "updated": 0, "unchanged": 0, "rejected": len(rejects), "reopened": 0}
        seen_at = now_iso()
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            existing = self._existing(rows)
            new, changed, same, kept = self._sort(items, rows, existing, seen_at)
            self._insert(new)
            changed_ids = [existing[(r["source"], r["source_id"])]["id"] for r in changed]
            previous = self._stored_rows(changed_ids)
            diffs = [
                history.changes(previous[i], r, CONTENT_FIELDS)
                for i, r in zip(changed_ids, changed, strict=True)
            ]
            self._update(changed_ids, changed, diffs)
            same_ids = [existing[(r["source"], r["source_id"])]["id"] for r in same]
            self._mark_seen(same_ids, same)
            self._insert_rejects(rejects, seen_at)
            counts["versions"] = history.record_versions(
                self.conn,
                self.crawl_id,
                seen_at,
                [(previous[i], r) for i, r in zip(changed_ids, changed, strict=True)],
                CONTENT_FIELDS,
                diffs,
            )
            if self.lifecycle_evidence:
                counts["reopened"] = self._reopen(existing, changed_ids + same_ids)
            counts["grouped"] = self._group(new, changed_ids, changed, existing, previous)
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

    @staticmethod
    def _encode(items: list[JobPosting], rejects: list[Reject]):
        """The storable items, their rows, and the rejects (with the items that cannot be
        stored: a value nested too deep for JSON is rejected with its reason; the batch goes
        on)."""
        storable, rows = [], []
        for item in items:
            try:
                rows.append(item_row(item))
            except (RecursionError, ValueError, TypeError) as exc:
                url = item.url if isinstance(item.url, str) else None
                why = f"cannot store posting: {type(exc).__name__}: {exc}"
                rejects.append(Reject(item.source, url, why, item.source_id))
                continue
            storable.append(item)
        return storable, rows, rejects

    def _sort(self, items, rows, existing, seen_at):
        """``rows`` as new, changed, unchanged, and kept (an archived copy of a live row)."""
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
        return new, changed, same, kept

    def _mark_seen(self, ids: list[int], rows: list[dict]) -> None:
        self.conn.executemany(
            "UPDATE jobs SET last_seen_at = ?, last_crawl_id = ?, scraped_at = ?, lastmod = ?"
            " WHERE id = ?",
            [
                (r["last_seen_at"], r["last_crawl_id"], r["scraped_at"], r["lastmod"], i)
                for i, r in zip(ids, rows, strict=True)
            ],
        )

    def _insert_rejects(self, rejects: list[Reject], seen_at: str) -> None:
        self.conn.executemany(
            "INSERT INTO rejects (crawl_id, source, url, reason, raw, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (self.crawl_id, r.source, to_sql(r.url), sql_text(r.reason), raw_text(r.raw),
                 seen_at)
                for r in rejects
            ],
        )  # fmt: skip

    def _reopen(self, existing: dict, seen_ids: list[int]) -> int:
        """Reopen the postings seen again. Only closed postings and postings with missed
        listings have anything to reset (as read in this transaction): the others need no
        UPDATE."""
        stale = {
            old["id"]
            for old in existing.values()
            if old["status"] == "closed" or old["missed_listings"] != 0
        }
        return lifecycle.reopen_seen(
            self.conn, [i for i in seen_ids if i in stale], self.lifecycle_rules.now_iso()
        )

    def _group(self, new, changed_ids, changed, existing, previous) -> int:
        """Group new and re-keyed postings with their duplicates. The rows just written stand
        in for re-reading them (same order as before: new postings in the order the id lookup
        returns them, then re-keyed ones)."""
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
        return self.groups.assign([*new_ids.values(), *rekeyed], _as_stored(written))

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

    def log_outcome(self, reason: str, outcome: lifecycle.LifecycleOutcome) -> None:
        """The crawl's end in the log: its counts, what it closed, and why it closes nothing."""
        c = self.counts
        logger.info(
            "crawl %s done (%s): %d new, %d updated, %d unchanged, %d rejected; "
            "%d reopened, %d closed %s",
            self.crawl_id, reason, c["new"], c["updated"], c["unchanged"], c["rejected"],
            c["reopened"], c["closed"], outcome.closed or "",
        )  # fmt: skip
        if outcome.problems:
            logger.warning(
                "crawl %s closes nothing: %s", self.crawl_id,
                "; ".join(f"{k}: {v}" for k, v in outcome.problems.items()),
            )  # fmt: skip
        for listing in outcome.listings:
            if not listing["healthy"]:
                logger.info(
                    "%s listing %r counts no absences: %s", listing["source"],
                    listing["listing"], "; ".join(json.loads(listing["problems"])),
                )  # fmt: skip

    def rollback(self) -> None:
        """End a transaction a failed write left open (a failed COMMIT may leave one)."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                logger.exception("crawl %s: rollback failed", self.crawl_id)

    def close(self) -> None:
        self.db.close()

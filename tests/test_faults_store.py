"""Store faults: a batch that cannot be written fails the crawl, never closes a posting.

Two real ways a write fails, each through the real engine against the replay server:

* **a full disk**: ``JOBS_DB_MAX_MB`` caps the file with SQLite's ``max_page_count``, so a
  batch that would grow it fails with SQLite's own "database or disk is full" (the error a
  full disk raises). The crawl retries, then is failed: ``store_errors`` on its ``crawls``
  row, nothing closed, every row committed before intact, and ``crawlall`` exits 1.
* **the write lock held by another connection** (an analyst's ``BEGIN IMMEDIATE``, a
  ``VACUUM``, a backup) for longer than ``STORE_BUSY_TIMEOUT_MS``: the batches written
  while it is held fail. Two such crawls used to close the postings of the lost batches
  (they looked absent twice). Now both crawls are failed and close nothing, and the crawl
  keeps downloading while the store waits for the lock: the busy wait runs off the
  reactor thread.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from crawler.store.schema import open_db
from crawler.tools.bench.corpus import derived_records
from tests.conftest import FAST, run_scrapy

LEVER = "api.lever.co/v0/postings"
COMPANIES = [f"co{n:02d}" for n in range(12)]
PER_COMPANY = 8


def lever_board(root: Path, *, delay: float = 0, variant: int = 0) -> None:
    """Every company's board; ``variant`` changes each description (every row is rewritten);
    ``delay`` slows each answer (the crawl then lasts about 12 x delay seconds)."""
    folder = root / LEVER
    folder.mkdir(parents=True, exist_ok=True)
    for seed, company in enumerate(COMPANIES):
        records = derived_records("lever", PER_COMPANY, seed=300 + seed)
        for record in records:
            record["descriptionPlain"] = f"{record.get('descriptionPlain') or ''} v{variant}"
            record["description"] = f"{record.get('description') or ''}<p>v{variant}</p>"
        (folder / company).write_text(json.dumps(records))
        meta = folder / f"{company}.meta.json"
        if delay:
            meta.write_text(json.dumps({"delay": delay}))
        elif meta.exists():
            meta.unlink()


SETTINGS = {
    "STORE_BATCH_SIZE": "4",
    "STORE_WRITE_RETRIES": "1",
    "STORE_RETRY_DELAY": "0.1",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
    "CONCURRENT_REQUESTS": "1",
}


def crawl_lever(crawl, server, db, **settings):
    return crawl(
        "lever",
        server=server,
        db=db,
        args=["-a", f"companies={','.join(COMPANIES)}"],
        settings={**SETTINGS, **settings},
    )


def last_crawl(result):
    row = result.rows("SELECT * FROM crawls ORDER BY id DESC LIMIT 1")[0]
    return row, json.loads(row["health_problems"] or "{}"), json.loads(row["stats"] or "{}")


def snapshot(db: Path) -> dict[tuple, tuple]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT source_id, content_hash, status FROM jobs").fetchall()
    finally:
        conn.close()
    return {r[0]: r[1:] for r in rows}


def test_a_full_disk_fails_the_crawl_keeps_committed_rows_and_closes_nothing(
    crawl, make_replay, tmp_path
):
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    lever_board(root)
    first = crawl_lever(crawl, make_replay(root), db)
    assert first.returncode == 0, first.output[-3000:]
    row, problems, _ = last_crawl(first)
    assert row["healthy"] == 1, problems
    before = snapshot(db)
    assert len(before) == len(COMPANIES) * PER_COMPANY

    # Every description changes: each batch must grow the file, which may not grow any more.
    lever_board(root, variant=1)
    size_mb = db.stat().st_size / 2**20
    full = crawl_lever(crawl, make_replay(root), db, JOBS_DB_MAX_MB=f"{size_mb:.4f}")
    row, problems, stats = last_crawl(full)
    assert row["finish_reason"] == "finished"
    assert row["healthy"] == 0
    assert "store_errors" in problems, problems
    assert "disk is full" in full.output
    assert stats["jobcrawl/store_errors"] >= 1 and stats["jobcrawl/store_lost"] >= 1
    assert stats.get("jobcrawl/store_retries", 0) >= 1
    # The closing decision could not be written either (the file is full): no closing ran.
    closing = json.loads(row["closing_problems"] or '{"store_errors": "not written"}')
    assert closing.get("store_errors")
    assert not row["items_closed"]
    after = snapshot(db)
    # No committed row lost, none closed; a lost batch leaves its postings as they were.
    assert set(after) == set(before)
    assert {status for _h, status in after.values()} == {"open"}
    assert conn_check(db)


def test_crawlall_exits_1_when_a_board_could_not_store_its_postings(replay, tmp_path):
    db = tmp_path / "jobs.db"
    open_db(db).close()  # the schema only: every posting must grow the file
    proc = run_scrapy(
        ["crawlall", "--only", "remoteok", "-L", "WARNING"],
        env={
            "JOBCRAWL_JOBS_DB": str(db),
            "JOBCRAWL_LOG_DIR": str(tmp_path / "logs"),
            "JOBCRAWL_MIRROR_URL": replay.url,
            "JOBCRAWL_JOBS_DB_MAX_MB": f"{db.stat().st_size / 2**20:.4f}",
            "JOBCRAWL_STORE_WRITE_RETRIES": "0",
            **{f"JOBCRAWL_{k}": v for k, v in FAST.items()},
        },
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "store_errors" in out, out
    conn = sqlite3.connect(db)
    row = conn.execute("SELECT healthy, health_problems FROM crawls").fetchone()
    conn.close()
    assert row[0] == 0 and "store_errors" in json.loads(row[1])


def conn_check(db: Path) -> bool:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


class LockHolder(threading.Thread):
    """Holds the database's write lock (``BEGIN IMMEDIATE``) for ``hold`` seconds, as soon as
    the crawl has committed its first batch; notes the server's hit count at both ends."""

    def __init__(self, db: Path, server, hold: float):
        super().__init__(daemon=True)
        self.db, self.server, self.hold = db, server, hold
        self.crawls_before = self._crawls()
        self.hits_at: list[int] = []
        self.error: BaseException | None = None

    def _crawls(self) -> int:
        conn = sqlite3.connect(self.db, timeout=30)
        try:
            return conn.execute("SELECT COUNT(*) FROM crawls").fetchone()[0]
        finally:
            conn.close()

    def run(self):
        try:
            conn = sqlite3.connect(self.db, timeout=30, isolation_level=None)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                found = conn.execute(
                    "SELECT items_scraped FROM crawls WHERE id > ? ORDER BY id DESC LIMIT 1",
                    (self.crawls_before,),
                ).fetchone()
                if found and found[0]:
                    break
                time.sleep(0.02)
            conn.execute("BEGIN IMMEDIATE")
            self.hits_at.append(sum(self.server.hits.values()))
            time.sleep(self.hold)
            self.hits_at.append(sum(self.server.hits.values()))
            conn.execute("ROLLBACK")
            conn.close()
        except BaseException as exc:  # reported by the test
            self.error = exc


def test_a_lock_held_past_the_busy_timeout_fails_the_crawl_and_two_such_crawls_close_nothing(
    crawl, make_replay, tmp_path
):
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    lever_board(root)
    first = crawl_lever(crawl, make_replay(root), db)
    assert first.returncode == 0, first.output[-3000:]
    before = snapshot(db)

    for attempt in range(2):
        # Each answer takes 0.5 s: the crawl lasts ~6 s; the lock is held for 2.5 s of it.
        lever_board(root, delay=0.5)
        server = make_replay(root)
        holder = LockHolder(db, server, hold=2.5)
        holder.start()
        result = crawl_lever(crawl, server, db, STORE_BUSY_TIMEOUT_MS="300")
        holder.join(timeout=60)
        assert holder.error is None, holder.error
        row, problems, stats = last_crawl(result)
        assert row["finish_reason"] == "finished", result.output[-3000:]
        assert "store_errors" in problems, (attempt, problems, result.output[-3000:])
        assert stats["jobcrawl/store_errors"] >= 1
        assert row["healthy"] == 0 and row["items_closed"] == 0
        assert "database is locked" in result.output
        # The reactor kept downloading while the store waited for the lock.
        assert holder.hits_at[1] > holder.hits_at[0], holder.hits_at

    after = snapshot(db)
    assert set(after) == set(before)
    assert {status for _h, status in after.values()} == {"open"}, "a live posting was closed"
    missed = sqlite3.connect(db).execute("SELECT MAX(missed_listings) FROM jobs").fetchone()[0]
    assert missed == 0


def damaged_database(path: Path) -> None:
    """A real database whose first page (header and schema) is whole and whose table pages
    are overwritten: it opens, and would lose every batch written to it."""
    db = open_db(path)
    db.conn.executemany(
        "INSERT INTO rejects (crawl_id, source, url, reason, raw) VALUES (NULL, 's', 'u', 'r', ?)",
        [("x" * 3000,) for _ in range(200)],
    )
    db.close()
    page = 4096
    with path.open("r+b") as fh:
        size = fh.seek(0, 2)
        for offset in range(page * 8, size, page * 3):
            fh.seek(offset)
            fh.write(b"\xa5" * page)


@pytest.mark.parametrize("where", ["under_a_file", "unwritable_place", "garbage", "damaged"])
def test_crawlall_on_an_unusable_database_location_exits_2_with_one_clear_line(
    replay, tmp_path, where
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    db = {
        "under_a_file": blocker / "sub" / "jobs.db",
        "unwritable_place": Path("/proc/jobcrawl-test/jobs.db"),  # procfs: nothing is created
        "garbage": tmp_path / "garbage.db",
        "damaged": tmp_path / "damaged.db",
    }[where]
    if where == "garbage":
        db.write_bytes(bytes(range(256)) * 64)
    elif where == "damaged":
        damaged_database(db)
    proc = run_scrapy(
        ["crawlall", "--only", "remoteok"],
        env={
            "JOBCRAWL_JOBS_DB": str(db),
            "JOBCRAWL_LOG_DIR": str(tmp_path / "logs"),
            "JOBCRAWL_MIRROR_URL": replay.url,
        },
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("crawlall:")]
    assert len(lines) == 1 and str(db) in lines[0], proc.stderr
    assert "no_items" not in proc.stdout + proc.stderr

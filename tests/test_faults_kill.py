"""kill -9 a crawl at random points: the database stays whole and a rerun completes it.

A RemoteOK response of 300 derived postings (``crawler.tools.bench.corpus``: real records, new
ids) is crawled with ``STORE_BATCH_SIZE=4``, so a crawl commits 75 batches.
Each round starts a real ``scrapy crawl`` on the same database and SIGKILLs it at
a random point: mostly once a random number of postings is committed, sometimes
at a random moment from the start (start-up, schema creation, first request).
After every kill:

* ``PRAGMA integrity_check`` and the full-text index's own integrity check pass;
* the killed crawl's ``crawls`` row (when it got one) has no ``finished_at`` and
  no ``finish_reason`` (a kill that lands after the crawl committed its finish, while
  the process shuts down, counts as a complete crawl: it must have counted every posting);
* the counters committed with the batches add up (``jobs`` rows = sum of
  ``items_new``; rows last touched by the killed crawl = its ``items_scraped``);
* no posting is closed: closing is decided only when a crawl finishes.

Then one more crawl runs to the end: it finishes, every posting is stored exactly
once, and every row any killed crawl had committed is identical, column for
column, to what the complete crawl stores (which updated none of them): every
committed batch was intact. 10 kill points by default, 50 with
``pytest --heavy``. ``JOBCRAWL_FAULT_SEED`` replays a failing sequence.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.store.rows import CONTENT_FIELDS
from crawler.tools.bench.corpus import derived_records, write_sitemap_board
from tests.conftest import FAST, MIRROR, ROOT

POSTINGS = 300
BATCH = 4
COMPARED = [*CONTENT_FIELDS, "content_hash", "source", "source_id"]
PAGES = 150  # the sitemap board: RemoteWLB's layout, 6 shards of 25 job pages
SITEMAP_COMPARED = [*COMPARED, "url", "lastmod", "status"]
# Before the recorded pages' validThrough, so that nothing but a kill could close a posting.
SITEMAP_SETTINGS = {"LIFECYCLE_NOW": "2026-09-25T00:00:00Z"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("kill") / "mirror"
    (root / "remoteok.com").mkdir(parents=True)
    (root / "remoteok.com" / "robots.txt").write_bytes(
        (MIRROR / "remoteok.com" / "robots.txt").read_bytes()
    )
    records = derived_records("remoteok", POSTINGS, seed=11)
    legal = {"last_updated": 0, "legal": "API terms"}
    (root / "remoteok.com" / "api").write_text(json.dumps([legal, *records]))
    return root


def crawl_command(db: Path, server_url: str, spider: str = "remoteok") -> list[str]:
    extra = SITEMAP_SETTINGS if spider == "remotewlb" else {}
    settings = {
        **FAST,
        "LOG_LEVEL": "WARNING",
        "JOBS_DB": str(db),
        "MIRROR_URL": server_url,
        "STORE_BATCH_SIZE": str(BATCH),
        "STORE_BATCH_SECONDS": "3600",  # batches by size only: many, and at known sizes
        **extra,
    }
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def start(db: Path, server_url: str, spider: str = "remoteok") -> subprocess.Popen:
    return subprocess.Popen(
        crawl_command(db, server_url, spider),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def read(db: Path, sql: str, *params):
    """Query a database another process is writing (read-only, never creates the file)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def committed(db: Path, after_crawl: int) -> int | None:
    """Postings the crawl newer than ``after_crawl`` has committed; None before it has a row."""
    try:
        rows = read(db, "SELECT items_scraped FROM crawls WHERE id > ?", after_crawl)
    except sqlite3.OperationalError:  # no file or no table yet: still starting up
        return None
    return rows[0][0] if rows else None


def last_crawl(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        return read(db, "SELECT COALESCE(MAX(id), 0) FROM crawls")[0][0]
    except sqlite3.OperationalError:
        return 0


def kill_at(proc: subprocess.Popen, db: Path, after_crawl: int, point: tuple[str, float]) -> bool:
    """SIGKILL ``proc`` at ``point``: ("time", seconds) or ("items", committed postings).

    Returns whether the crawl was still running when killed (False: it finished first).
    """
    kind, value = point
    started = time.monotonic()
    while proc.poll() is None:
        if kind == "time" and time.monotonic() - started >= value:
            break
        if kind == "items" and (committed(db, after_crawl) or 0) >= value:
            break
        if time.monotonic() - started > 120:
            proc.kill()
            pytest.fail("crawl neither finished nor reached its kill point in 120 s")
        time.sleep(0.003)
    if proc.poll() is not None:
        return False
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return True


def completed(
    proc: subprocess.Popen, landed: bool, db: Path, after_crawl: int, postings: int, where: str
) -> bool:
    """Whether the crawl ran to its end: it exited by itself, or the kill came only after
    it had committed its finish (while the process was shutting down). Either way it must
    then have finished normally, with every posting counted."""
    if landed:
        sql = "SELECT finished_at, finish_reason, items_scraped FROM crawls WHERE id > ?"
        try:
            rows = read(db, sql, after_crawl)
        except sqlite3.OperationalError:  # no file or no table yet: killed while starting
            return False
        if not rows or rows[0][0] is None:
            return False  # killed mid-crawl
        assert rows[0][1:] == ("finished", postings), f"{where}: {rows[0]}"
        return True
    assert proc.returncode == 0, f"{where}: {proc.stderr.read()}"
    return True


def rows_by_id(db: Path, compared: list[str] = COMPARED) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        cols = ", ".join(f'"{c}"' for c in compared)
        return {r["source_id"]: dict(r) for r in conn.execute(f"SELECT {cols} FROM jobs")}
    finally:
        conn.close()


def check_after_kill(
    db: Path, killed_crawl: int | None, where: str, compared: list[str] = COMPARED
) -> dict[str, dict]:
    """The invariants a kill must never break; returns the stored postings by id."""
    conn = sqlite3.connect(db, timeout=10)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], where
        # FTS5's own consistency check raises if the index disagrees with ``jobs``.
        conn.execute("INSERT INTO jobs_fts(jobs_fts) VALUES ('integrity-check')")
        crawls = conn.execute(
            "SELECT id, finished_at, finish_reason, items_new, items_scraped FROM crawls"
        ).fetchall()
        jobs = conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
        if killed_crawl is not None:
            row = next(c for c in crawls if c[0] == killed_crawl)
            assert row[1] is None and row[2] is None, f"{where}: killed crawl looks finished"
            touched = conn.execute(
                "SELECT COUNT(*) FROM jobs WHERE last_crawl_id = ?", (killed_crawl,)
            ).fetchone()[0]
            assert touched == row[4], f"{where}: {touched} rows touched, {row[4]} counted"
        assert jobs == sum(c[3] for c in crawls), f"{where}: rows and items_new disagree"
        assert conn.execute("SELECT COUNT(*) FROM rejects").fetchone()[0] == 0, where
        closed = conn.execute("SELECT COUNT(*) FROM jobs WHERE status != 'open'").fetchone()[0]
        assert closed == 0, f"{where}: {closed} postings closed"
    finally:
        conn.close()
    return rows_by_id(db, compared)


def kill_points(
    rng: random.Random, count: int, postings: int = POSTINGS
) -> list[tuple[str, float]]:
    """Mostly after a random number of committed postings, one in five at a random moment."""
    points: list[tuple[str, float]] = []
    for _ in range(count):
        if rng.random() < 0.2:
            points.append(("time", rng.uniform(0.0, 2.5)))
        else:
            points.append(("items", rng.randint(0, postings)))
    return points


def test_kill_9_at_random_points_loses_no_committed_batch_and_a_rerun_completes(
    corpus, make_replay, tmp_path, heavy
):
    seed = int(os.environ.get("JOBCRAWL_FAULT_SEED") or random.randrange(2**32))
    rng = random.Random(seed)
    wanted = 50 if heavy else 10
    server = make_replay(corpus)
    db = tmp_path / "jobs.db"
    kills, attempts, killed_crawls = 0, 0, set()
    snapshots: list[tuple[str, dict[str, dict]]] = []
    points = kill_points(rng, wanted * 3)
    while kills < wanted:
        assert attempts < len(points), f"seed {seed}: only {kills} kills landed mid-crawl"
        point = points[attempts]
        attempts += 1
        before = last_crawl(db)
        proc = start(db, server.url)
        landed = kill_at(proc, db, before, point)
        where = f"seed {seed}, attempt {attempts}, kill point {point}"
        if completed(proc, landed, db, before, POSTINGS, where):
            continue
        kills += 1
        if not db.exists():
            continue  # killed before the database was created: nothing to check
        after = last_crawl(db)
        if after > before:
            killed_crawls.add(after)
        snapshots.append((where, check_after_kill(db, after if after > before else None, where)))

    final = subprocess.run(
        crawl_command(db, server.url), cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert final.returncode == 0, final.stderr
    where = f"seed {seed}, after {kills} kills, the complete rerun"
    reference = check_after_kill(db, None, where)
    assert len(reference) == POSTINGS, where
    # What the killed crawls had committed is exactly what the complete crawl stores.
    for when, rows in snapshots:
        for source_id, row in rows.items():
            assert row == reference[source_id], f"{when}: posting {source_id} differs"
    conn = sqlite3.connect(db)
    try:
        last = conn.execute(
            "SELECT finished_at, finish_reason, items_scraped, items_updated FROM crawls"
            " ORDER BY id DESC LIMIT 1"
        ).fetchone()
        unfinished = {r[0] for r in conn.execute("SELECT id FROM crawls WHERE finished_at IS NULL")}
        distinct = conn.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT source, source_id FROM jobs)"
        ).fetchone()[0]
    finally:
        conn.close()
    assert last[0] and last[1] == "finished" and last[2] == POSTINGS, where
    assert last[3] == 0, f"{where}: the rerun had to correct {last[3]} committed rows"
    assert distinct == POSTINGS, where
    # Every killed crawl that got as far as a crawls row still says it never finished.
    assert killed_crawls and unfinished == killed_crawls, where


@pytest.fixture(scope="module")
def sitemap_board(tmp_path_factory):
    root = tmp_path_factory.mktemp("kill-sitemap") / "mirror"
    manifest = write_sitemap_board(root, PAGES, seed=11, shard_size=25)
    assert manifest.postings == PAGES and len(manifest.handles) == 6
    return root


def test_kill_9_a_sitemap_crawl_at_random_points_and_the_lastmod_skipping_rerun_completes_it(
    sitemap_board, make_replay, tmp_path, heavy
):
    """The same for RemoteWLB's shape: a sitemap index, shards, one JSON-LD page a posting.

    A rerun does not fetch a page already stored with the same ``lastmod``: it only
    refreshes it (``posting_listed``), and counts it as scraped and unchanged. So "what the
    complete crawl stores" is an uninterrupted crawl into a fresh database: every committed
    row, and in the end every row, equals that one column for column (``lastmod`` and
    ``url`` included); the final crawl skips exactly the pages stored before it, fetches
    and inserts the rest, updates none, and lists every posting (all carry its crawl id).
    5 kill points by default, 25 with ``pytest --heavy``.
    """
    seed = int(os.environ.get("JOBCRAWL_FAULT_SEED") or random.randrange(2**32))
    rng = random.Random(seed)
    wanted = 25 if heavy else 5
    server = make_replay(sitemap_board)

    clean_db = tmp_path / "clean.db"
    clean = subprocess.run(
        crawl_command(clean_db, server.url, "remotewlb"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert clean.returncode == 0, clean.stderr
    complete = check_after_kill(clean_db, None, "the uninterrupted crawl", SITEMAP_COMPARED)
    assert len(complete) == PAGES

    db = tmp_path / "jobs.db"
    kills, attempts, killed_crawls = 0, 0, set()
    points = kill_points(rng, wanted * 3, PAGES)
    while kills < wanted:
        assert attempts < len(points), f"seed {seed}: only {kills} kills landed mid-crawl"
        point = points[attempts]
        attempts += 1
        before = last_crawl(db)
        proc = start(db, server.url, "remotewlb")
        landed = kill_at(proc, db, before, point)
        where = f"seed {seed}, attempt {attempts}, kill point {point}"
        if completed(proc, landed, db, before, PAGES, where):
            continue
        kills += 1
        if not db.exists():
            continue
        after = last_crawl(db)
        if after > before:
            killed_crawls.add(after)
        killed = after if after > before else None
        rows = check_after_kill(db, killed, where, SITEMAP_COMPARED)
        for source_id, row in rows.items():
            assert row == complete[source_id], f"{where}: posting {source_id} differs"

    stored_before = len(rows_by_id(db))
    final = subprocess.run(
        crawl_command(db, server.url, "remotewlb"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert final.returncode == 0, final.stderr
    where = f"seed {seed}, after {kills} kills, the complete rerun"
    assert check_after_kill(db, None, where, SITEMAP_COMPARED) == complete, where
    conn = sqlite3.connect(db)
    try:
        last = conn.execute(
            "SELECT id, finished_at, finish_reason, items_scraped, items_new, items_updated,"
            " items_unchanged, pages_skipped FROM crawls ORDER BY id DESC LIMIT 1"
        ).fetchone()
        unfinished = {r[0] for r in conn.execute("SELECT id FROM crawls WHERE finished_at IS NULL")}
        distinct = conn.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT source, source_id FROM jobs)"
        ).fetchone()[0]
        listed = conn.execute(
            "SELECT COUNT(*) FROM jobs WHERE last_crawl_id = ?", (last[0],)
        ).fetchone()[0]
    finally:
        conn.close()
    crawl_id, finished_at, reason, scraped, new, updated, unchanged, skipped = last
    assert finished_at and reason == "finished" and scraped == PAGES, f"{where}: {last}"
    assert distinct == PAGES, where
    # Pages stored with their lastmod were skipped, not refetched, and still counted as seen.
    assert skipped == stored_before and unchanged == stored_before, f"{where}: {last}"
    assert new == PAGES - stored_before, f"{where}: {last}"
    assert updated == 0, f"{where}: the rerun had to correct {updated} committed rows"
    assert listed == PAGES, f"{where}: only {listed} postings refreshed by the rerun"
    assert killed_crawls and unfinished == killed_crawls, where

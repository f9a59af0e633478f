"""Two processes at once: schema creation and upgrade take turns; two crawls of the same
listing never count a posting both saw as missed.

* Several processes open a new database, or one a few migrations behind, at the same
  moment: every one succeeds and the schema is complete (the version used to be read
  before the lock was taken, and all but one crashed on "table ... already exists").
* Two ``scrapy crawl lever`` processes (not through ``crawlall``'s lock) crawl the same
  companies at the same time, twice: no posting either of them saw is counted as missed,
  so none is closed (each crawl took over ``last_crawl_id`` of the postings both saw, and
  the other then counted them missed: two such rounds closed live postings).
"""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import threading
from pathlib import Path

import sqlite_utils

from crawler.store.schema import MIGRATIONS, open_db
from crawler.tools.bench.corpus import derived_records
from tests.conftest import FAST, run_scrapy


def _open(path: str, barrier) -> None:
    barrier.wait()
    open_db(path).close()


def open_at_once(path: Path, processes: int = 4) -> list[int]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    procs = [ctx.Process(target=_open, args=(str(path), barrier)) for _ in range(processes)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
    return [proc.exitcode for proc in procs]


def schema_of(path: Path) -> tuple[int, set[str]]:
    conn = sqlite3.connect(path)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()
    return version, names


def test_processes_creating_or_upgrading_the_schema_at_once_all_succeed(tmp_path):
    fresh = tmp_path / "fresh.db"
    assert open_at_once(fresh) == [0, 0, 0, 0]
    version, names = schema_of(fresh)
    assert version == len(MIGRATIONS)
    assert {"jobs", "crawls", "rejects", "jobs_fts", "jobs_ai", "jobs_au"} <= names

    older = tmp_path / "older.db"
    conn = sqlite3.connect(older, isolation_level=None)
    db = sqlite_utils.Database(conn)
    for step in MIGRATIONS[:2]:
        step(db)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO jobs (source, source_id) VALUES ('board', '1')")
    conn.close()
    assert open_at_once(older) == [0, 0, 0, 0]
    version, names = schema_of(older)
    assert version == len(MIGRATIONS) and "jobs_fts" in names
    conn = sqlite3.connect(older)
    assert conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM jobs_fts").fetchone()[0] == 1
    conn.close()


LEVER = "api.lever.co/v0/postings"
COMPANIES = ["alpha", "beta", "gamma"]


def test_two_crawls_of_the_same_listing_at_once_count_no_posting_both_saw_as_missed(
    make_replay, tmp_path
):
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    folder = root / LEVER
    folder.mkdir(parents=True)
    for n, company in enumerate(COMPANIES):
        records = derived_records("lever", 8, seed=900 + n)
        for record in records:
            record["id"] = f"{company}-{record['id']}"
        (folder / company).write_text(json.dumps(records))
        # Slow answers: the two crawls overlap for their whole length.
        (folder / f"{company}.meta.json").write_text(json.dumps({"delay": 1.0}))
    server = make_replay(root)
    env = {
        "JOBCRAWL_JOBS_DB": str(db),
        "JOBCRAWL_MIRROR_URL": server.url,
        "JOBCRAWL_LIFECYCLE_MISSES_TO_CLOSE": "2",
        **{f"JOBCRAWL_{k}": v for k, v in FAST.items()},
    }
    args = ["crawl", "lever", "-a", f"companies={','.join(COMPANIES)}"]
    first = run_scrapy(args, env=env)
    assert first.returncode == 0, first.stderr[-3000:]

    for _round in range(2):
        results: list = []

        def run(into: list = results) -> None:
            into.append(run_scrapy(args, env=env))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert [r.returncode for r in results] == [0, 0], [r.stderr[-2000:] for r in results]

    conn = sqlite3.connect(db)
    try:
        crawls = conn.execute("SELECT started_at, finished_at FROM crawls ORDER BY id").fetchall()
        # The two crawls of each round overlapped.
        for a, b in (crawls[1:3], crawls[3:5]):
            assert a[0] <= b[1] and b[0] <= a[1], crawls
        jobs = conn.execute("SELECT status, missed_listings FROM jobs").fetchall()
    finally:
        conn.close()
    assert len(jobs) == 24
    assert {status for status, _missed in jobs} == {"open"}
    assert max(missed for _status, missed in jobs) == 0


def test_of_two_crawls_at_once_only_one_counts_absences(make_replay, tmp_path):
    """A posting that left the board is absent from both crawls of a round: one moment's
    evidence, counted once (two rounds of two concurrent crawls = two misses, not four)."""
    root, db = tmp_path / "mirror", tmp_path / "jobs.db"
    folder = root / LEVER
    folder.mkdir(parents=True)
    records = derived_records("lever", 8, seed=950)
    for record in records:
        record["id"] = f"solo-{record['id']}"
    (folder / "solo").write_text(json.dumps(records))
    (folder / "solo.meta.json").write_text(json.dumps({"delay": 2.0}))
    env = {
        "JOBCRAWL_JOBS_DB": str(db),
        "JOBCRAWL_MIRROR_URL": make_replay(root).url,
        "JOBCRAWL_LIFECYCLE_MISSES_TO_CLOSE": "3",
        **{f"JOBCRAWL_{k}": v for k, v in FAST.items()},
    }
    args = ["crawl", "lever", "-a", "companies=solo"]
    assert run_scrapy(args, env=env).returncode == 0
    (folder / "solo").write_text(json.dumps(records[1:]))  # one posting leaves the board
    results: list = []

    def run(into: list = results) -> None:
        into.append(run_scrapy(args, env=env))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    conn = sqlite3.connect(db)
    try:
        gone = conn.execute(
            "SELECT missed_listings, status FROM jobs WHERE source_id = ?",
            (f"solo/{records[0]['id']}",),
        ).fetchone()
        problems = [
            json.loads(r[0])
            for r in conn.execute("SELECT problems FROM crawl_listings WHERE crawl_id > 1")
        ]
    finally:
        conn.close()
    assert gone == (1, "open"), gone
    assert sum(any("at the same time" in p for p in found) for found in problems) == 1, problems

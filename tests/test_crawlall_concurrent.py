"""``crawlall`` with boards side by side, through real processes and the real engine.

The corpus is the recorded mirror of every enabled board, with RemoteOK, Lever and
Greenhouse answering hundreds of derived postings (``crawler.tools.bench.corpus``: real records,
new ids), written in batches of 7, so that five board processes commit many small
transactions into one file at the same time.

* A concurrent ``crawlall`` stores exactly what a sequential one (``--jobs 1``) stores,
  row for row, in every table (all columns but ids, crawl ids and timestamps; duplicate
  groups compared through the postings they name), with the same per-board counts and
  verdicts; the boards' crawls overlapped, and no write failed or was retried.
* ``kill -9`` of a concurrent ``crawlall`` mid-crawl: its board processes die with it, the
  file is whole, each killed crawl is unfinished and closes nothing, every committed batch
  is whole; a re-run completes the database to exactly the sequential result.
* SIGTERM: the running boards stop gracefully (batches in flight written, crawls closed
  ``shutdown``), the boards not yet started are not started, exit status 1.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.tools.bench.corpus import derived_records
from tests.conftest import FAST, MIRROR, ROOT

BOARDS = ["remoteok", "remotewlb", "lever", "greenhouse", "ashby"]
DERIVED = {  # response file -> (shape, postings, id prefix)
    "remoteok.com/api": ("remoteok", 240, None),
    "api.lever.co/v0/postings/matchgroup": ("lever", 120, "m"),
    "api.lever.co/v0/postings/palantir": ("lever", 90, "p"),
    "boards-api.greenhouse.io/v1/boards/gitlab/jobs": ("greenhouse", 160, None),
}
BATCH = 7
# Columns that say when or in which crawl something was stored, not what.
VOLATILE = {"id", "crawl_id", "last_crawl_id", "previous_crawl_id", "stats", "requests"}


def is_volatile(column: str) -> bool:
    return column in VOLATILE or column.endswith("_at") or column == "scraped_at"


def write_mirror(root: Path, delay: float = 0.0) -> Path:
    """The recorded mirror of every enabled board, with the derived postings in place.

    ``delay``: each derived response answers this many seconds late (a crawl long enough to
    be interrupted)."""
    for host in ("remoteok.com", "remotewlb.com", "api.lever.co", "boards-api.greenhouse.io",
                 "api.ashbyhq.com"):  # fmt: skip
        shutil.copytree(MIRROR / host, root / host)
    for rel, (shape, count, prefix) in DERIVED.items():
        records = derived_records(shape, count, seed=len(rel))
        if prefix:
            for record in records:
                record["id"] = f"{prefix}-{record['id']}"
        if shape == "remoteok":
            body: object = [{"legal": "terms", "last_updated": 0}, *records]
        elif shape == "greenhouse":
            body = {"jobs": records, "meta": {"total": len(records)}}
        else:
            body = records
        path = root / rel
        path.unlink()
        path.write_text(json.dumps(body))
        if delay:
            path.with_name(path.name + ".meta.json").write_text(json.dumps({"delay": delay}))
    return root


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mirror(tmp_path_factory.mktemp("concurrent") / "mirror")


def crawlall_command(db: Path, server_url: str, *args: str, settings: dict | None = None):
    merged = {
        **FAST,
        "JOBS_DB": str(db),
        "MIRROR_URL": server_url,
        "LOG_DIR": str(db.parent / "logs"),
        "STORE_BATCH_SIZE": str(BATCH),
        "STORE_BATCH_SECONDS": "3600",
        # The recorded RemoteWLB pages are valid until 2026-10; nothing but a kill may close.
        "LIFECYCLE_NOW": "2026-09-25T00:00:00Z",
        **(settings or {}),
    }
    cmd = [sys.executable, "-m", "scrapy", "crawlall", *args]
    for key, value in merged.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def crawlall(db: Path, server_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        crawlall_command(db, server_url, *args), cwd=ROOT, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip


def tables(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'jobs_fts%'"
                " AND name NOT LIKE 'sqlite_%' AND name NOT IN ('data_dictionary', 'crawls')"
            )
        ]
    finally:
        conn.close()
    return sorted(names)


def contents(db: Path) -> dict[str, list[tuple]]:
    """Every table as a sorted list of rows without volatile columns; postings named by
    (source, source_id) where a table points at them, crawls by their board."""
    conn = sqlite3.connect(db)
    try:
        posting = {
            job_id: f"{source}/{source_id}"
            for job_id, source, source_id in conn.execute("SELECT id, source, source_id FROM jobs")
        }
        board = dict(conn.execute("SELECT id, spider FROM crawls"))
        out = {}
        for table in [*tables(db), "crawls"]:
            cur = conn.execute(f'SELECT * FROM "{table}"')
            names = [c[0] for c in cur.description]
            rows = []
            for values in cur.fetchall():
                row = []
                for name, value in zip(names, values, strict=True):
                    if name in ("job_id", "matched_job_id", "group_id"):
                        row.append((name, posting.get(value, value)))
                    elif name == "crawl_id" and table in ("crawl_listings", "rejects"):
                        row.append((name, board.get(value)))
                    elif not is_volatile(name):
                        row.append((name, value))
                rows.append(tuple(row))
            out[table] = sorted(rows, key=repr)
    finally:
        conn.close()
    return out


def crawl_rows(db: Path) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM crawls ORDER BY id")]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def sequential(mirror, tmp_path_factory):
    """The reference: the same corpus crawled one board after another."""
    from crawler.tools.replay import ReplayServer

    server = ReplayServer(mirror).start()
    try:
        db = tmp_path_factory.mktemp("sequential") / "jobs.db"
        done = crawlall(db, server.url, "--jobs", "1")
    finally:
        server.stop()
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return db


def test_concurrent_crawlall_stores_exactly_what_a_sequential_one_stores(
    mirror, sequential, make_replay, tmp_path
):
    db = tmp_path / "jobs.db"
    done = crawlall(db, make_replay(mirror).url)
    output = done.stdout + done.stderr

    assert done.returncode == 0, output[-3000:]
    assert "database is locked" not in output
    crawls = crawl_rows(db)
    assert sorted(c["spider"] for c in crawls) == sorted(BOARDS)
    # The boards ran side by side: the longest crawl overlapped every other one.
    spans = {c["spider"]: (c["started_at"], c["finished_at"]) for c in crawls}
    longest = max(spans.values(), key=lambda s: (s[1], s[0]))
    for start, end in spans.values():
        assert start <= longest[1] and longest[0] <= end, spans
    for crawl in crawls:
        stats = json.loads(crawl["stats"])
        assert "jobcrawl/store_retries" not in stats, crawl["spider"]
        assert "jobcrawl/store_errors" not in stats, crawl["spider"]
        # Batches of 7 (larger when items queue while a write waits for another board's).
        assert crawl["items_scraped"] <= BATCH or stats["jobcrawl/batches"] >= 2
    # Many batches, from several boards, interleaved.
    assert sum(json.loads(c["stats"])["jobcrawl/batches"] for c in crawls) > 30

    ours, theirs = contents(db), contents(sequential)
    assert set(ours) == set(theirs)
    for table in theirs:
        assert ours[table] == theirs[table], f"{table} differs"
    assert len(ours["jobs"]) == 240 + 120 + 90 + 160 + 3 + 2


def board_pids(parent: int) -> list[int]:
    """The PIDs of ``parent``'s children (its board processes)."""
    found = []
    for task in Path(f"/proc/{parent}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_for_committed(db: Path, postings: int, proc: subprocess.Popen, limit=240) -> None:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        assert proc.poll() is None, "crawlall ended before its interruption"
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
            try:
                done = conn.execute("SELECT COALESCE(SUM(items_scraped), 0) FROM crawls")
                if done.fetchone()[0] >= postings:
                    return
            finally:
                conn.close()
        except sqlite3.OperationalError:  # not created yet
            pass
        time.sleep(0.05)
    pytest.fail(f"fewer than {postings} postings committed in {limit} s")


@pytest.fixture(scope="module")
def slow_mirror(tmp_path_factory):
    # Each derived response answers 3 s late: the crawl is interrupted while boards run.
    return write_mirror(tmp_path_factory.mktemp("slow") / "mirror", delay=3.0)


def test_kill_9_of_a_concurrent_crawlall_loses_at_most_the_batches_in_flight(
    slow_mirror, sequential, make_replay, tmp_path
):
    server = make_replay(slow_mirror)
    db = tmp_path / "jobs.db"
    proc = subprocess.Popen(
        crawlall_command(db, server.url), cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    boards: list[int] = []
    try:
        wait_for_committed(db, 40, proc)
        boards = board_pids(proc.pid)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert len(boards) >= 2, "the boards did not run side by side"
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in boards) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in boards), "board processes outlived crawlall"

    conn = sqlite3.connect(db, timeout=10)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        conn.execute("INSERT INTO jobs_fts(jobs_fts) VALUES ('integrity-check')")
        crawls = conn.execute(
            "SELECT id, finished_at, finish_reason, items_new, items_scraped FROM crawls"
        ).fetchall()
        killed = [c for c in crawls if c[1] is None]
        assert killed, "no crawl was running when crawlall was killed"
        for crawl_id, _f, reason, _new, scraped in killed:
            assert reason is None
            touched = conn.execute(
                "SELECT COUNT(*) FROM jobs WHERE last_crawl_id = ?", (crawl_id,)
            ).fetchone()[0]
            assert touched == scraped, f"crawl {crawl_id}: half a batch"
        jobs = conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
        assert jobs == sum(c[3] for c in crawls)
        assert conn.execute("SELECT COUNT(*) FROM jobs WHERE status != 'open'").fetchone()[0] == 0
        assert conn.execute("SELECT COALESCE(SUM(items_closed), 0) FROM crawls").fetchone()[0] == 0
    finally:
        conn.close()
    reference = contents(sequential)
    committed = {r for r in contents(db)["jobs"]}
    assert committed <= set(reference["jobs"]), "a committed posting differs from the reference"

    # The re-run takes over the stale lock and completes the database.
    rerun = crawlall(db, make_replay(mirror_of(slow_mirror, tmp_path)).url)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr[-3000:]
    assert "took over a stale lock" in rerun.stderr
    after = contents(db)
    for table in ("jobs", "rejects", "duplicate_groups", "job_versions"):
        assert after[table] == reference[table], f"{table} differs after the re-run"


def mirror_of(slow: Path, tmp_path: Path) -> Path:
    """``slow`` without its delays (the re-run need not wait)."""
    root = tmp_path / "fast-mirror"
    shutil.copytree(slow, root)
    for meta in root.rglob("*.meta.json"):
        if json.loads(meta.read_text()) == {"delay": 3.0}:
            meta.unlink()
    return root


def test_sigterm_stops_the_running_boards_gracefully_and_starts_no_other(
    slow_mirror, make_replay, tmp_path
):
    server = make_replay(slow_mirror)
    db = tmp_path / "jobs.db"
    # Two at a time, in board order: remoteok and lever run, greenhouse and ashby wait.
    only = "remoteok,lever,greenhouse,ashby"
    proc = subprocess.Popen(
        crawlall_command(db, server.url, "--only", only, "--jobs", "2"), cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    boards: list[int] = []
    try:
        wait_for_committed(db, 20, proc)
        boards = board_pids(proc.pid)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, out + err[-3000:]
    assert not any(alive(pid) for pid in boards)
    assert "received SIGTERM" in err
    crawls = crawl_rows(db)
    started = {c["spider"] for c in crawls}
    assert started == {"remoteok", "lever"}, started
    for crawl in crawls:
        # Stopped gracefully: closed, its last batch written, its counts whole.
        assert crawl["finish_reason"] in ("shutdown", "finished"), crawl
        assert crawl["finished_at"] is not None
    conn = sqlite3.connect(db)
    try:
        for crawl in crawls:
            touched = conn.execute(
                "SELECT COUNT(*) FROM jobs WHERE last_crawl_id = ?", (crawl["id"],)
            ).fetchone()[0]
            assert touched == crawl["items_scraped"]
        assert conn.execute("SELECT COUNT(*) FROM jobs WHERE status != 'open'").fetchone()[0] == 0
    finally:
        conn.close()
    assert any(c["finish_reason"] == "shutdown" for c in crawls)
    for board in ("greenhouse", "ashby"):
        assert f"{board}: failed: not run: crawlall was stopped" in out


def test_a_writer_kept_waiting_past_its_busy_timeout_retries_and_loses_no_batch(
    slow_mirror, sequential, make_replay, tmp_path
):
    """Short transactions with a proven retry: an outside connection (a backup, an analyst's
    write) holds the write lock for 2 s while five boards write, with a 0.3 s busy
    timeout. The writers that meet it are refused, roll back and retry (``STORE_WRITE_RETRIES``,
    1 s doubling): every batch lands, every crawl is healthy, the database is the
    sequential one."""
    server = make_replay(slow_mirror)
    db = tmp_path / "jobs.db"
    settings = {"STORE_BUSY_TIMEOUT_MS": "300"}
    proc = subprocess.Popen(
        crawlall_command(db, server.url, settings=settings), cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for_committed(db, 30, proc)
        conn = sqlite3.connect(db, timeout=30, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        time.sleep(2.0)
        conn.execute("ROLLBACK")
        conn.close()
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out + err[-3000:]
    crawls = crawl_rows(db)
    stats = [json.loads(c["stats"]) for c in crawls]
    assert sum(s.get("jobcrawl/store_retries", 0) for s in stats) >= 1, "no writer was refused"
    assert not any(s.get("jobcrawl/store_errors") for s in stats)
    assert all(c["healthy"] == 1 for c in crawls)
    ours, theirs = contents(db), contents(sequential)
    for table in theirs:
        assert ours[table] == theirs[table], f"{table} differs"


def test_boards_sharing_a_host_never_run_together(replay, tmp_path):
    """``remoteok`` and ``remoteok_bench`` both crawl remoteok.com: the second starts only once
    the first has ended (one host, one crawl at a time: its politeness as for one crawl),
    while ``lever``, on its own host, runs beside the first."""
    db = tmp_path / "jobs.db"
    settings = {"SPIDER_MODULES": "spiders,crawler.tools.bench.spiders"}
    done = subprocess.run(
        crawlall_command(db, replay.url, "--only", "remoteok,remoteok_bench,lever",
                         settings=settings),
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    lines = done.stderr.splitlines()

    def at(text: str) -> int:
        return next(i for i, line in enumerate(lines) if text in line)

    assert at("crawlall: remoteok ends") < at("crawlall: remoteok_bench starts")
    assert at("crawlall: lever starts") < at("crawlall: remoteok ends")
    spans = {c["spider"]: (c["started_at"], c["finished_at"]) for c in crawl_rows(db)}
    assert spans["remoteok"][1] <= spans["remoteok_bench"][0]


def test_board_domains_and_their_overlaps():
    from crawler.commands.crawlall import board_domains, domains_overlap
    from spiders.greenhouse import GreenhouseSpider
    from spiders.jobposting import JobPostingSpider
    from spiders.lever import LeverSpider

    assert board_domains(LeverSpider) == {"lever.co"}
    assert not domains_overlap(board_domains(LeverSpider), board_domains(GreenhouseSpider))
    # A JobPosting site on a platform's hosted pages shares the platform's host.
    assert domains_overlap(frozenset({"boards.greenhouse.io"}), board_domains(GreenhouseSpider))
    assert not domains_overlap(frozenset({"notgreenhouse.io"}), frozenset({"greenhouse.io"}))
    # Hosts that cannot be told before the crawl overlap everything: such a board runs alone.
    assert domains_overlap(None, frozenset({"lever.co"}))
    assert isinstance(JobPostingSpider.crawl_domains(), list)

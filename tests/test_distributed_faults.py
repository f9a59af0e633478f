"""Distributed mode under faults: kill -9 a worker or the writer, stop Redis; never a silent loss.

Each test crawls a many-host JobPosting corpus (``crawler/tools/bench/sites.py``) with real
worker and writer processes against a real redis-server, and compares the database with
one ``scrapy crawl jobposting`` of the same corpus, row for row (``tests/distkit.py``).
"""

from __future__ import annotations

import json
import shutil
import sqlite3

from crawler.distributed.queue import WorkQueue
from crawler.tools.bench.sites import host, write_sites
from tests import distkit
from tests.distkit import dist_settings, finish, kill9, scrapy, snapshot, start, wait_for

redis_server = distkit.redis_server  # the fixture


def corpus(tmp_path, make_replay, sites: int, pages: int):
    root = tmp_path / "mirror"
    config = write_sites(root, sites, pages)
    return make_replay(root), config


def reference(crawl, server, config, db):
    """What one process stores for the corpus."""
    done = crawl("jobposting", server=server, db=db, args=["-a", f"config={config}"])
    assert done.returncode == 0, done.output[-3000:]
    return snapshot(db)


def units_stored(db) -> int:
    try:
        conn = sqlite3.connect(db)
        try:
            return conn.execute(
                "SELECT COUNT(*) FROM distributed_units WHERE stage = 'done'"
            ).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:  # not created yet
        return 0


def assert_stream_drained(client, prefix="jobcrawl"):
    """Every report was stored and acknowledged: nothing left in the stream or pending."""
    assert client.xlen(f"{prefix}:stream") == 0
    assert client.xpending(f"{prefix}:stream", "writer")["pending"] == 0


def enqueue(settings, config):
    done = scrapy(["enqueue", "--only", "jobposting", "-a", f"config={config}"], settings)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_worker_killed_mid_unit_loses_its_lease_and_the_unit_runs_again(
    tmp_path, redis_server, make_replay, crawl
):
    server, config = corpus(tmp_path, make_replay, sites=3, pages=6)
    # One page of the first site answers slowly: the worker is killed while it waits,
    # after it reported the site's other postings.
    slow = next((tmp_path / "mirror" / host(0) / "jobs").iterdir())
    slow.with_name(slow.name + ".meta.json").write_text(json.dumps({"delay": 4}))
    expected = reference(crawl, server, config, tmp_path / "one.db")

    db = tmp_path / "dist" / "jobs.db"
    settings = dist_settings(
        db, server.url, redis_server.url, UNIT_LEASE_SECONDS=3, STORE_BATCH_SIZE=1
    )
    enqueue(settings, config)
    client = redis_server.client()
    queue = WorkQueue(client)
    victim = start(["worker", "--name", "victim"], settings, tmp_path / "victim.log")

    def reported_part_of_site_0():
        entries = client.xrange("jobcrawl:stream")
        return [e for _, e in entries if e["unit"] == "jobposting/site-000" and e["kind"] == "item"]

    wait_for(reported_part_of_site_0, timeout=120, what="the victim's first reports")
    assert {lease["worker"] for lease in queue.leases()} == {"victim"}
    kill9(victim)

    worker = start(["worker", "--exit-when-idle"], settings, tmp_path / "worker.log")
    writer = start(["writer", "--until-done"], settings, tmp_path / "writer.log")
    code, log = finish(worker)
    assert code == 0, log[-3000:]
    code, log = finish(writer)
    assert code == 0, log[-3000:]

    conn = sqlite3.connect(db)
    attempts = dict(conn.execute("SELECT unit_id, attempt FROM distributed_units"))
    conn.close()
    assert attempts["jobposting/site-000"] == 2  # re-leased after the lease expired
    assert "expired" in "".join(queue.expired())
    assert snapshot(db) == expected  # the first attempt's partial reports were not stored
    assert_stream_drained(client)


def test_a_writer_killed_mid_stream_and_restarted_loses_nothing_and_counts_nothing_twice(
    tmp_path, redis_server, make_replay, crawl
):
    sites = 40
    server, config = corpus(tmp_path, make_replay, sites=sites, pages=10)
    expected = reference(crawl, server, config, tmp_path / "one.db")
    db = tmp_path / "dist" / "jobs.db"
    settings = dist_settings(db, server.url, redis_server.url)
    enqueue(settings, config)
    code, log = finish(start(["worker", "--exit-when-idle"], settings, tmp_path / "worker.log"))
    assert code == 0, log[-3000:]

    # Killed twice at different points of the stream, then left to finish.
    for round_, at_least in enumerate((2, 15)):
        writer = start(["writer"], settings, tmp_path / f"writer{round_}.log")
        stored = wait_for(
            lambda n=at_least: units_stored(db) >= n and units_stored(db),
            timeout=120, step=0.005, what=f"{at_least} units stored",
        )  # fmt: skip
        kill9(writer)
        assert stored < sites, "the writer was killed only after it had stored everything"
    code, log = finish(start(["writer", "--until-done"], settings, tmp_path / "writer.log"))
    assert code == 0, log[-3000:]
    assert "stored unit" in log  # it still had work after the kills

    assert snapshot(db) == expected
    assert_stream_drained(redis_server.client())


def test_redis_stopped_for_seconds_mid_crawl_workers_and_writer_wait_and_resume(
    tmp_path, redis_server, make_replay, crawl
):
    server, config = corpus(tmp_path, make_replay, sites=30, pages=5)
    expected = reference(crawl, server, config, tmp_path / "one.db")
    db = tmp_path / "dist" / "jobs.db"
    settings = dist_settings(db, server.url, redis_server.url, REDIS_SOCKET_TIMEOUT=1,
                             DOWNLOAD_DELAY=0.1)  # fmt: skip
    enqueue(settings, config)
    procs = [start(["worker", "--exit-when-idle"], settings, tmp_path / f"w{i}.log")
             for i in range(2)]  # fmt: skip
    writer = start(["writer", "--until-done"], settings, tmp_path / "writer.log")
    wait_for(lambda: units_stored(db) >= 2, timeout=120, step=0.02, what="2 units stored")
    redis_server.pause()
    try:
        import time

        time.sleep(4)
    finally:
        redis_server.resume()
    logs = []
    for proc in [*procs, writer]:
        code, log = finish(proc)
        assert code == 0, log[-3000:]
        logs.append(log)
    assert units_stored(db) == 30
    assert any("Redis unreachable" in log for log in logs)
    assert any("Redis reachable again" in log for log in logs)
    assert snapshot(db) == expected
    assert_stream_drained(redis_server.client())


def test_redis_restarted_empty_mid_crawl_fails_loudly_and_closes_nothing(
    tmp_path, redis_server, make_replay, crawl
):
    server, config = corpus(tmp_path, make_replay, sites=30, pages=5)
    db = tmp_path / "dist" / "jobs.db"
    settings = dist_settings(db, server.url, redis_server.url, DOWNLOAD_DELAY=0.1)
    enqueue(settings, config)
    procs = [start(["worker", "--exit-when-idle"], settings, tmp_path / f"w{i}.log")
             for i in range(2)]  # fmt: skip
    writer = start(["writer", "--until-done"], settings, tmp_path / "writer.log")
    wait_for(lambda: units_stored(db) >= 2, timeout=120, step=0.02, what="2 units stored")
    redis_server.restart_empty()
    code, log = finish(writer)
    for proc in procs:
        finish(proc)
    assert code == 1, log[-3000:]
    assert "gone from Redis" in log
    conn = sqlite3.connect(db)
    row = conn.execute(
        "SELECT finish_reason, healthy, items_closed, closing_problems FROM crawls"
    ).fetchone()
    closed = conn.execute("SELECT COUNT(*) FROM jobs WHERE status = 'closed'").fetchone()[0]
    conn.close()
    assert row[0] == "run_lost" and row[1] == 0 and row[2] == 0
    assert "unfinished" in json.loads(row[3])
    assert closed == 0


def test_a_unit_that_never_reports_is_a_failed_listing_and_its_crawl_closes_nothing(
    tmp_path, redis_server, make_replay
):
    from tests.conftest import MIRROR

    first = make_replay(MIRROR)
    changed = tmp_path / "mirror2"
    shutil.copytree(MIRROR, changed)
    boards = changed / "api.lever.co" / "v0" / "postings"
    # Match Group's board lost a posting (a healthy crawl would close it) and Palantir's
    # answers so slowly that its worker is killed first; no lease is left to retry it.
    matchgroup = json.loads((boards / "matchgroup").read_text())
    (boards / "matchgroup").write_text(json.dumps(matchgroup[:1]))
    (boards / "palantir.meta.json").write_text(json.dumps({"delay": 8}))
    second = make_replay(changed)
    db = tmp_path / "dist" / "jobs.db"
    rules = {"LIFECYCLE_MISSES_TO_CLOSE": 1, "UNIT_MAX_ATTEMPTS": 1, "UNIT_LEASE_SECONDS": 2}

    settings = dist_settings(db, first.url, redis_server.url, **rules)
    assert scrapy(["enqueue", "--only", "lever"], settings).returncode == 0
    code, log = finish(start(["worker", "--exit-when-idle"], settings, tmp_path / "w1.log"))
    assert code == 0, log[-2000:]
    code, log = finish(start(["writer", "--until-done"], settings, tmp_path / "writer1.log"))
    assert code == 0, log[-2000:]

    settings = dist_settings(db, second.url, redis_server.url, **rules)
    assert scrapy(["enqueue", "--only", "lever"], settings).returncode == 0
    queue = WorkQueue(redis_server.client())
    victim = start(["worker", "--name", "victim"], settings, tmp_path / "victim.log")
    wait_for(lambda: [x for x in queue.leases() if x["unit"] == "lever/palantir"],
             timeout=120, what="the victim on Palantir")  # fmt: skip
    kill9(victim)
    code, log = finish(start(["writer", "--until-done"], settings, tmp_path / "writer2.log"))
    assert code == 1, log[-3000:]
    assert "lever/palantir failed" in log and "UNHEALTHY" in log

    conn = sqlite3.connect(db)
    crawl = conn.execute(
        "SELECT id, finish_reason, healthy, items_closed FROM crawls ORDER BY id DESC"
    ).fetchone()
    listings = {
        listing: (failures, json.loads(problems))
        for listing, failures, problems in conn.execute(
            "SELECT listing, failures, problems FROM crawl_listings WHERE crawl_id = ?",
            (crawl[0],),
        )
    }
    closed = conn.execute("SELECT COUNT(*) FROM jobs WHERE status = 'closed'").fetchone()[0]
    conn.close()
    assert crawl[1:] == ("units_failed", 0, 0)
    assert listings["palantir"][0] == 1
    assert any("never reported" in p for p in listings["palantir"][1])
    assert any("crawl not healthy" in p for p in listings["matchgroup"][1])
    assert closed == 0  # Match Group's missing posting stays open: no evidence


def test_sigterm_stops_a_worker_within_seconds_and_its_unit_goes_back_to_the_queue(
    tmp_path, redis_server, make_replay, crawl
):
    import signal
    import time

    server, config = corpus(tmp_path, make_replay, sites=1, pages=6)
    slow = next((tmp_path / "mirror" / host(0) / "jobs").iterdir())
    # Scrapy's graceful stop lets requests in flight finish (a second SIGTERM would not wait):
    # the slow page answers within 6 s of being asked.
    slow.with_name(slow.name + ".meta.json").write_text(json.dumps({"delay": 6}))
    db = tmp_path / "dist" / "jobs.db"
    settings = dist_settings(db, server.url, redis_server.url, STORE_BATCH_SIZE=1)
    enqueue(settings, config)
    client = redis_server.client()
    queue = WorkQueue(client)
    worker = start(["worker"], settings, tmp_path / "worker.log")
    wait_for(lambda: client.xlen("jobcrawl:stream") > 0, timeout=120, what="first reports")
    worker.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    code, log = finish(worker, timeout=60)
    assert code == 0, log[-3000:]
    assert time.monotonic() - sent < 15, "SIGTERM took too long"
    assert "queued again" in log
    assert queue.waiting() and not queue.leases()
    # Started again without the slow page, the unit runs whole as its first counted attempt.
    slow.with_name(slow.name + ".meta.json").unlink()
    expected = reference(crawl, server, config, tmp_path / "one.db")
    code, log = finish(start(["worker", "--exit-when-idle"], settings, tmp_path / "w2.log"))
    assert code == 0, log[-3000:]
    code, log = finish(start(["writer", "--until-done"], settings, tmp_path / "writer.log"))
    assert code == 0, log[-3000:]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT attempt FROM distributed_units").fetchall() == [(1,)]
    conn.close()
    assert snapshot(db) == expected  # the stopped attempt's partial reports were not stored
    assert_stream_drained(client)

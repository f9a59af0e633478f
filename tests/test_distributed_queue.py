"""The leased work queue on a real redis-server: host affinity, host rest, expiry, giving up;
work units; the merge of unit stats; ``scrapy queue``; the test kit's missing-server failure."""

from __future__ import annotations

import shutil
import time

import pytest

from crawler.distributed.queue import WorkQueue
from crawler.distributed.stats import merge_stats
from crawler.distributed.units import Unit, units_for
from crawler.store.lifecycle import LISTINGS_STAT
from spiders.jobposting import JobPostingSpider
from spiders.lever import LeverSpider
from spiders.remotewlb import RemoteWlbSpider
from tests import distkit
from tests.distkit import RedisServer, dist_settings, scrapy

redis_server = distkit.redis_server  # the fixture


def units(*specs: tuple[str, str]) -> list[Unit]:
    return [Unit("lever", name, {"companies": name}, host) for name, host in specs]


def test_a_host_is_leased_to_one_worker_at_a_time(redis_server):
    queue = WorkQueue(redis_server.client())
    queue.enqueue(["lever"], units(("a", "x.test"), ("b", "x.test"), ("c", "y.test")))
    first = queue.lease("w1", ttl=30, max_attempts=3)
    second = queue.lease("w2", ttl=30, max_attempts=3)
    assert (first.unit.listing, second.unit.listing) == ("a", "c")  # b waits for x.test
    assert queue.lease("w3", ttl=30, max_attempts=3) is None
    assert queue.release(first)
    third = queue.lease("w3", ttl=30, max_attempts=3)
    assert third.unit.listing == "b" and third.attempt == 1
    assert not queue.release(first)  # a stale token releases nothing


def test_a_released_host_rests_for_the_units_delay(redis_server):
    queue = WorkQueue(redis_server.client())
    queue.enqueue(["lever"], units(("a", "x.test"), ("b", "x.test")))
    first = queue.lease("w1", ttl=30, max_attempts=3)
    queue.release(first, cooldown=0.6)
    assert queue.lease("w1", ttl=30, max_attempts=3) is None
    time.sleep(0.7)
    assert queue.lease("w1", ttl=30, max_attempts=3).unit.listing == "b"


def test_an_expired_lease_goes_back_to_the_queue_then_fails_into_the_stream(redis_server):
    client = redis_server.client()
    queue = WorkQueue(client)
    run = queue.enqueue(["lever"], units(("a", "x.test")))
    first = queue.lease("w1", ttl=0.2, max_attempts=2)
    assert queue.renew(first, ttl=0.2)
    time.sleep(0.3)
    queue.reap(max_attempts=2)
    assert queue.waiting() == [f"{run}\tlever/a"]
    second = queue.lease("w2", ttl=0.2, max_attempts=2)
    assert second.attempt == 2 and not queue.renew(first, ttl=0.2)
    time.sleep(0.3)
    queue.reap(max_attempts=2)
    assert queue.waiting() == [] and queue.idle()
    entries = client.xrange("jobcrawl:stream")
    assert [(e["unit"], e["kind"], e["attempt"]) for _, e in entries] == [
        ("lever/a", "failed", "2")
    ]
    assert "given up after 2 leases" in entries[0][1]["data"]
    assert len(queue.expired()) == 2


def test_shutdown_puts_a_unit_back_without_counting_an_attempt(redis_server):
    queue = WorkQueue(redis_server.client())
    queue.enqueue(["lever"], units(("a", "x.test")))
    lease = queue.lease("w1", ttl=30, max_attempts=3)
    queue.release(lease, requeue=True)
    assert queue.lease("w1", ttl=30, max_attempts=3).attempt == 1


def test_units_are_listings_with_their_host():
    lever = units_for(LeverSpider, {"companies": 'acme name="Acme Inc",globex region=eu'})
    assert [(u.id, u.host, u.listing_key) for u in lever] == [
        ("lever/acme", "lever.co", "lever/acme"),
        ("lever/globex", "lever.co", "lever/globex"),
    ]
    assert lever[0].args == {"companies": "acme name='Acme Inc'"}
    [board] = units_for(RemoteWlbSpider)
    assert (board.id, board.host, board.args) == ("remotewlb/", "remotewlb.com", {})
    [site] = units_for(JobPostingSpider, {"sites": "demo"})
    assert (site.id, site.host, site.listing_key) == (
        "jobposting/demo", "careers.example.test", "demo/"
    )  # fmt: skip


def test_unit_stats_merge_into_one_crawls_stats():
    one = {
        "downloader/request_count": 2,
        "finish_reason": "finished",
        "memusage/max": 10,
        "start_time": "2026-01-01 10:00:00",
        "jobcrawl/fill/title": 3,
        "odd": None,
        LISTINGS_STAT: {"lever/a": {"responses": 1, "failures": 0, "rejects": 0, "why": []}},
    }
    failed = {"responses": 0, "failures": 1, "rejects": 0, "why": ["HTTP 500"]}
    listing = {"responses": 1, "failures": 0, "rejects": 0, "why": []}
    two = {"downloader/request_count": 3, "finish_reason": "finished", "memusage/max": 30,
           "start_time": "2026-01-01 09:00:00", "odd": 1.5,
           LISTINGS_STAT: {"lever/a": failed, "lever/b": listing}}  # fmt: skip
    merged = merge_stats([one, two])
    assert merged["downloader/request_count"] == 5 and merged["memusage/max"] == 30
    assert merged["start_time"] == "2026-01-01 09:00:00" and merged["odd"] == 1.5
    assert merged["jobcrawl/fill/title"] == 3 and merged["finish_reason"] == "finished"
    assert merged[LISTINGS_STAT]["lever/a"] == {
        "responses": 1, "failures": 1, "rejects": 0, "why": ["HTTP 500"]
    }  # fmt: skip
    assert (
        merge_stats([one, {**two, "finish_reason": "closespider_timeout"}])["finish_reason"]
        == "closespider_timeout"
    )


def test_queue_command_shows_runs_waiting_units_leases_and_the_stream(tmp_path, redis_server):
    settings = dist_settings(tmp_path / "jobs.db", "http://127.0.0.1:9", redis_server.url)
    queued = scrapy(["enqueue", "--only", "lever"], settings)
    assert queued.returncode == 0, queued.stderr
    queue = WorkQueue(redis_server.client())
    queue.lease("worker-7", ttl=30, max_attempts=3)
    shown = scrapy(["queue"], settings)
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert (
        "open runs: 1" in out and "lever: 2 units, 0 stored, 0 failed, 1 leased, 1 waiting" in out
    )
    assert "lever/palantir  (run" in out  # waiting: lever.co is held by the lease
    assert "lever/matchgroup  worker worker-7, attempt 1, host lever.co" in out
    assert "stream: 0 entries" in out
    again = scrapy(["enqueue"], settings)
    assert again.returncode == 3 and "still open" in again.stderr


def test_distributed_commands_need_redis_url(tmp_path):
    settings = dist_settings(tmp_path / "jobs.db", "http://127.0.0.1:9", "")
    for command in (["queue"], ["worker"], ["writer"], ["enqueue"]):
        done = scrapy(command, settings)
        assert done.returncode == 2 and "REDIS_URL is not set" in done.stderr, command


def test_without_redis_server_the_distributed_tests_fail_saying_how_to_install_it(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="apt-get install redis-server"):
        RedisServer(tmp_path)

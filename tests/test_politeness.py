"""Polite defaults through the real engine: Retry-After, back-off, Crawl-delay, User-Agent."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime

import pytest

from crawler.runtime.middlewares import backoff_seconds, retry_after_seconds
from tests.conftest import MIRROR, run_scrapy


def remoteok_mirror(tmp_path, meta=None, robots=None):
    root = tmp_path / "mirror"
    shutil.copytree(MIRROR / "remoteok.com", root / "remoteok.com")
    if meta is not None:
        (root / "remoteok.com" / "api.meta.json").write_text(json.dumps(meta))
    if robots is not None:
        (root / "remoteok.com" / "robots.txt").unlink()
        (root / "remoteok.com" / "robots.txt").write_text(robots)
    return root


def final_stats(result) -> dict:
    return json.loads(result.scalar("SELECT stats FROM crawls ORDER BY id DESC LIMIT 1"))


def test_429_with_retry_after_is_retried_after_the_wait_and_succeeds(crawl, make_replay, tmp_path):
    slow_down = {"status": 429, "headers": {"Retry-After": "1"}, "body": "Too Many Requests"}
    server = make_replay(remoteok_mirror(tmp_path, {"sequence": [slow_down, {}]}))

    result = crawl("remoteok", server=server)

    assert result.returncode == 0, result.output
    assert server.count("/remoteok.com/api") == 2
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 97
    stats = final_stats(result)
    assert stats["jobcrawl/retry_after/count"] == 1
    assert stats["jobcrawl/retry_after/seconds"] == 1.0
    assert "retrying after 1s as its Retry-After asks" in result.output
    assert result.scalar("SELECT healthy FROM crawls") == 1  # a retried 429 is no failure


def test_a_retry_after_beyond_the_limit_is_not_retried_early(crawl, make_replay, tmp_path):
    wait_an_hour = {"status": 503, "headers": {"Retry-After": "3600"}, "body": "maintenance"}
    server = make_replay(remoteok_mirror(tmp_path, wait_an_hour))

    result = crawl("remoteok", server=server)

    assert server.count("/remoteok.com/api") == 1
    assert "Retry-After 3600s, over RETRY_AFTER_MAX 300s: not retried" in result.output
    assert final_stats(result)["jobcrawl/retry_after/too_long"] == 1
    problems = json.loads(result.scalar("SELECT health_problems FROM crawls"))
    assert problems["http_errors"] == "1 of 1 requests failed"


def test_5xx_without_retry_after_backs_off_exponentially(crawl, make_replay, tmp_path):
    failing = {"sequence": [{"status": 502, "body": "bad gateway"}] * 3 + [{}]}
    server = make_replay(remoteok_mirror(tmp_path, failing))

    result = crawl("remoteok", server=server, settings={"RETRY_BACKOFF_BASE": "0.05"})

    assert result.returncode == 0, result.output
    assert server.count("/remoteok.com/api") == 4
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 97
    assert final_stats(result)["jobcrawl/backoff/seconds"] == pytest.approx(0.05 + 0.1 + 0.2)


def test_robots_crawl_delay_sets_the_host_delay(crawl, make_replay, tmp_path):
    server = make_replay(remoteok_mirror(tmp_path))  # robots.txt: Crawl-delay: 1

    result = crawl("remoteok", server=server, settings={"CRAWL_DELAY_ENABLED": "1"})

    assert result.returncode == 0, result.output
    stats = final_stats(result)
    assert stats["jobcrawl/crawl_delay/remoteok.com"] == 1.0
    assert stats["jobcrawl/crawl_delay_applied/remoteok.com"] == 1.0
    assert "remoteok.com asks for Crawl-delay 1s: honoured" in result.output


def test_an_extreme_crawl_delay_is_capped(crawl, make_replay, tmp_path):
    robots = "User-agent: *\nCrawl-delay: 120\n"
    server = make_replay(remoteok_mirror(tmp_path, robots=robots))

    result = crawl(
        "remoteok", server=server, settings={"CRAWL_DELAY_ENABLED": "1", "CRAWL_DELAY_MAX": "0.5"}
    )

    assert result.returncode == 0, result.output
    assert final_stats(result)["jobcrawl/crawl_delay_applied/remoteok.com"] == 0.5
    assert "asks for Crawl-delay 120s; using CRAWL_DELAY_MAX 0.5s" in result.output


def test_crawl_delay_for_another_robot_does_not_apply_to_us(crawl, make_replay, tmp_path):
    robots = "User-agent: slowbot\nCrawl-delay: 5\n\nUser-agent: *\nDisallow: /cdn-cgi/\n"
    server = make_replay(remoteok_mirror(tmp_path, robots=robots))

    result = crawl("remoteok", server=server, settings={"CRAWL_DELAY_ENABLED": "1"})

    assert result.returncode == 0, result.output
    assert not any(k.startswith("jobcrawl/crawl_delay") for k in final_stats(result))


def test_retry_after_reads_seconds_and_http_dates():
    now = datetime(2026, 3, 16, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds(b" 5 ", now) == 5.0
    assert retry_after_seconds("Mon, 16 Mar 2026 12:01:30 GMT", now) == 90.0
    assert retry_after_seconds("Mon, 16 Mar 2026 11:00:00 GMT", now) == 0.0  # already past
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds("", now) is None
    assert retry_after_seconds(None, now) is None


def test_backoff_doubles_up_to_its_cap():
    assert [backoff_seconds(n, 2.0, 60.0) for n in (1, 2, 3, 4, 5, 6)] == [2, 4, 8, 16, 32, 60]
    assert backoff_seconds(3, 0, 60.0) == 0.0


def settings_value(name: str, env: dict | None = None) -> str:
    proc = run_scrapy(["settings", "--get", name], env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_user_agent_names_jobcrawl_and_the_configured_contact(tmp_path):
    assert settings_value("USER_AGENT").startswith("jobcrawl/")
    env = {"JOBCRAWL_CONTACT_URL": "https://ops.example.org/crawler"}
    assert settings_value("USER_AGENT", env) == "jobcrawl/0.1 (+https://ops.example.org/crawler)"
    assert settings_value("ROBOTSTXT_OBEY") == "True"


def test_settings_layers_local_file_then_environment(tmp_path):
    local = tmp_path / "jobcrawl.local.toml"
    local.write_text('CONTACT_URL = "https://local.example"\nDOWNLOAD_DELAY = 3\n')
    env = {"JOBCRAWL_LOCAL_SETTINGS_FILE": str(local)}
    assert settings_value("DOWNLOAD_DELAY", env) == "3.0"
    assert settings_value("USER_AGENT", env) == "jobcrawl/0.1 (+https://local.example)"
    env["JOBCRAWL_DOWNLOAD_DELAY"] = "4"  # the environment wins over the file
    assert settings_value("DOWNLOAD_DELAY", env) == "4.0"
    assert settings_value("ENABLED_SPIDERS", {"JOBCRAWL_ENABLED_SPIDERS": "remoteok, lever"}) == (
        "['remoteok', 'lever']"
    )

"""Health rules on crawls rows (pure), and the verdict the engine stores on each crawl."""

from __future__ import annotations

import json
import sqlite3

import pytest
from scrapy.settings import Settings

from crawler.sources.items import JobPosting
from crawler.store.health import (
    FILL_ITEMS,
    GIVEN_ITEMS,
    HealthRules,
    evaluate,
    fill_rates_from_stats,
    is_healthy,
    previous_healthy_crawl,
    record_health,
    request_outcomes,
)
from crawler.store.schema import open_db
from pipelines.fillrates import filled_fields

OK_STATS = {
    "downloader/request_count": 2,
    "downloader/response_status_count/200": 2,
    "robotstxt/request_count": 1,
    "robotstxt/response_status_count/200": 1,
}


def crawl(items=100, *, reason="finished", rejected=0, stats=None, fill=None, id=2):  # noqa: A002
    fill = {"title": 1.0, "salary_min": 0.6} if fill is None else fill
    return {
        "id": id,
        "spider": "board",
        "finish_reason": reason,
        "items_scraped": items,
        "items_rejected": rejected,
        "stats": json.dumps(stats if stats is not None else OK_STATS),
        "fill_rates": json.dumps(fill),
    }


BASE = crawl(100, id=1)


def test_a_normal_crawl_is_healthy_with_or_without_a_baseline():
    assert evaluate(crawl(), BASE) == {}
    assert evaluate(crawl(), None) == {}
    assert is_healthy(crawl(95), BASE)


def test_zero_items_and_an_unfinished_crawl_are_named():
    problems = evaluate(crawl(0, reason="shutdown"), BASE)
    assert problems == {
        "unfinished": "finish reason 'shutdown', not 'finished'",
        "no_items": "no posting stored",
    }
    assert not is_healthy(crawl(0), None)  # empty is unhealthy even the first time


def test_a_count_under_half_the_last_healthy_crawl_is_a_drop():
    assert evaluate(crawl(50), BASE) == {}
    problems = evaluate(crawl(49), BASE)
    assert problems == {"count_drop": "49 postings stored, under 0.5 x the 100 of healthy crawl 1"}
    assert evaluate(crawl(49), BASE, HealthRules(min_count_fraction=0.4)) == {}


def test_a_collapsed_field_is_named_but_a_sparse_or_small_one_is_not():
    problems = evaluate(crawl(fill={"title": 1.0, "salary_min": 0.0}), BASE)
    assert problems == {
        "fill:salary_min": "salary_min filled on 0% of postings, 60% in healthy crawl 1"
    }
    assert evaluate(crawl(fill={"title": 1.0, "salary_min": 0.3}), BASE) == {}  # halved: ok
    sparse = crawl(id=1, fill={"title": 1.0, "salary_min": 0.05})
    assert evaluate(crawl(fill={"title": 1.0, "salary_min": 0.0}), sparse) == {}
    # 60% of 6 postings is under 5 expected: too few to tell a change from chance.
    assert evaluate(crawl(6, fill={"title": 1.0, "salary_min": 0.0}), crawl(6, id=1)) == {}


def test_a_field_the_board_stopped_giving_is_named_even_when_the_stored_one_survives():
    before = {"title": 1.0, "salary_min": 0.34, "given:title": 1.0, "given:salary_min": 0.19}
    after = {"title": 1.0, "salary_min": 0.21, "given:title": 1.0, "given:salary_min": 0.0}
    assert evaluate(crawl(97, fill=after), crawl(97, id=1, fill=before)) == {
        "given:salary_min": "salary_min given by the board on 0% of postings, "
        "19% in healthy crawl 1"
    }


def test_only_the_postings_that_went_through_the_pipelines_make_the_sample():
    # 300 stored, but a sitemap board fetched only 6 changed pages: 6 x 60% < 5 expected.
    stats = {**OK_STATS, FILL_ITEMS: 6, GIVEN_ITEMS: 6}
    row = crawl(300, stats=stats, fill={"title": 1.0, "salary_min": 0.0})
    assert evaluate(row, crawl(300, id=1)) == {}
    stats = {**OK_STATS, FILL_ITEMS: 60, GIVEN_ITEMS: 60}
    row = crawl(300, stats=stats, fill={"title": 1.0, "salary_min": 0.0})
    assert set(evaluate(row, crawl(300, id=1))) == {"fill:salary_min"}


def test_fill_rates_come_from_the_stats_when_the_column_is_empty():
    stats = {**OK_STATS, FILL_ITEMS: 4, "jobcrawl/fill/title": 4, "jobcrawl/fill/salary_min": 1}
    rates = fill_rates_from_stats(stats)
    assert rates["title"] == 1.0 and rates["salary_min"] == 0.25 and rates["posted_at"] == 0.0
    assert "scraped_at" not in rates and "source" not in rates
    assert fill_rates_from_stats(OK_STATS) == {}
    given = fill_rates_from_stats({GIVEN_ITEMS: 2, "jobcrawl/given/salary_min": 1})
    assert given["given:salary_min"] == 0.5 and "salary_min" not in given
    row = {**crawl(4), "fill_rates": None, "stats": json.dumps(stats)}
    base = {**crawl(4, id=1), "fill_rates": None, "stats": json.dumps({**stats, FILL_ITEMS: 4})}
    assert evaluate(row, base) == {}


def test_retried_successes_and_robots_txt_are_not_errors():
    retried = {
        "downloader/request_count": 3,
        "downloader/response_status_count/200": 2,
        "downloader/response_status_count/429": 1,
        "retry/count": 1,
        "robotstxt/request_count": 1,
        "robotstxt/response_status_count/200": 1,
    }
    assert request_outcomes(retried) == (1, 0)
    no_robots = {
        "downloader/request_count": 2,
        "downloader/response_status_count/200": 1,
        "downloader/response_status_count/404": 1,
        "robotstxt/request_count": 1,
        "robotstxt/response_status_count/404": 1,
    }
    assert request_outcomes(no_robots) == (1, 0)


def test_requests_that_finally_failed_over_the_threshold_are_http_errors():
    gave_up = {
        "downloader/request_count": 5,
        "downloader/response_status_count/500": 4,
        "downloader/response_status_count/404": 1,
        "retry/count": 3,
        "retry/max_reached": 1,
        "robotstxt/request_count": 1,
        "robotstxt/response_status_count/404": 1,
    }
    assert request_outcomes(gave_up) == (1, 1)
    assert evaluate(crawl(0, stats=gave_up), None) == {
        "no_items": "no posting stored",
        "http_errors": "1 of 1 requests failed",
    }
    # One unknown company among twenty is within the 10% allowed.
    twenty = {
        "downloader/request_count": 20,
        "downloader/response_status_count/200": 19,
        "downloader/response_status_count/404": 1,
    }
    assert request_outcomes(twenty) == (20, 1)
    assert evaluate(crawl(stats=twenty), BASE) == {}
    timeouts = {**twenty, "downloader/exception_count": 2, "downloader/request_count": 22}
    assert evaluate(crawl(stats=timeouts), BASE) == {"http_errors": "3 of 22 requests failed"}


def test_rejects_over_the_threshold_are_named():
    assert evaluate(crawl(90, rejected=10), BASE) == {}
    assert evaluate(crawl(89, rejected=11), BASE) == {"rejects": "11 of 100 records rejected"}


def test_rules_read_their_settings():
    settings = Settings({"HEALTH_MIN_COUNT_FRACTION": "0.8", "HEALTH_FILL_MIN_EXPECTED": "2"})
    rules = HealthRules.from_settings(settings)
    assert rules.min_count_fraction == 0.8 and rules.fill_min_expected == 2
    assert rules.max_reject_fraction == HealthRules().max_reject_fraction


def test_the_verdict_is_stored_and_only_healthy_crawls_become_the_baseline(tmp_path):
    db = open_db(tmp_path / "jobs.db")
    conn = db.conn

    def add(items, fill_salary):
        stats = {**OK_STATS, FILL_ITEMS: items, "jobcrawl/fill/salary_min": fill_salary,
                 "finish_reason": "finished"}  # fmt: skip
        cur = conn.execute(
            "INSERT INTO crawls (spider, started_at, finish_reason, items_scraped, stats)"
            " VALUES ('board', '2026-01-01T00:00:00Z', 'finished', ?, ?)",
            (items, json.dumps(stats)),
        )
        return cur.lastrowid

    first = add(100, 60)
    assert record_health(conn, first)[1] == {}
    broken = add(100, 0)
    assert set(record_health(conn, broken)[1]) == {"fill:salary_min"}
    again = add(100, 0)
    assert previous_healthy_crawl(conn, "board", again)["id"] == first
    assert set(record_health(conn, again)[1]) == {"fill:salary_min"}
    stored = conn.execute("SELECT healthy, health_problems, fill_rates FROM crawls ORDER BY id")
    rows = stored.fetchall()
    assert [r[0] for r in rows] == [1, 0, 0]
    assert json.loads(rows[0][1]) == {} and json.loads(rows[0][2])["salary_min"] == 0.6
    with pytest.raises(LookupError):
        record_health(conn, 999)
    db.close()


def test_fill_counting_ignores_empty_values():
    item = JobPosting(source="b", source_id="1", url="https://x.test/1", title="  ", tags=[],
                      salary_min=0.0, extras={"a": 1})  # fmt: skip
    filled = filled_fields(item)
    assert "source_id" in filled and "url" in filled and "salary_min" in filled
    assert "title" not in filled and "tags" not in filled and "source" not in filled
    assert "extras" in filled


def test_count_drop_compares_with_the_largest_recent_healthy_crawl_until_one_is_accepted():
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE crawls (id INTEGER PRIMARY KEY, spider TEXT, healthy INTEGER,"
        " items_scraped INTEGER, health_problems TEXT, finish_reason TEXT, stats TEXT)"
    )
    rows = [(1, 20, "{}"), (2, 11, "{}")]
    for crawl_id, items, problems in rows:
        conn.execute(
            "INSERT INTO crawls VALUES (?, 'board', 1, ?, ?, 'finished', '{}')",
            (crawl_id, items, problems),
        )
    base = previous_healthy_crawl(conn, "board", 3)
    assert base["id"] == 2 and base["baseline_items"] == 20
    assert "count_drop" in evaluate(crawl(6), base)
    # Crawl 3 (6 postings) was accepted by hand over its count drop: a new memory starts.
    conn.execute(
        "INSERT INTO crawls VALUES (3, 'board', 1, 6, ?, 'finished', '{}')",
        (json.dumps({"count_drop": "accepted"}),),
    )
    base = previous_healthy_crawl(conn, "board", 4)
    assert base["id"] == 3 and base["baseline_items"] == 6
    assert "count_drop" not in evaluate(crawl(5), base)

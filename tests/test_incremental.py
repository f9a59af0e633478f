"""Incremental recrawls through the real engine: sitemap lastmod skipping, conditional requests."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3

import pytest

from crawler.runtime.incremental import StoredPostings
from tests.conftest import MIRROR

SEPTEMBER = {"LIFECYCLE_NOW": "2026-09-25T00:00:00Z"}  # before the fixtures' validThrough
SLUGS = [
    "code-infra-engineer",
    "software-engineer-web-crawling",
    "senior-automation-qa-engineer-140084",
]
CHANGED = "software-engineer-web-crawling"


def ok(result):
    assert result.returncode == 0, result.output
    return result


def crawl_row(result, crawl_id):
    return result.rows("SELECT * FROM crawls WHERE id = ?", crawl_id)[0]


@pytest.fixture
def wlb(tmp_path, make_replay):
    root = tmp_path / "mirror"
    shutil.copytree(MIRROR / "remotewlb.com", root / "remotewlb.com")
    return root, make_replay(root)


def page_hits(server) -> dict[str, int]:
    return {slug: server.count(f"/remotewlb.com/job/{slug}") for slug in SLUGS}


def move_lastmod(root, slug: str, lastmod: str) -> None:
    shard = root / "remotewlb.com" / "sitemaps" / "jobs" / "2026-09-1"
    text, n = re.subn(
        rf"(<loc>https://remotewlb.com/job/{slug}</loc><lastmod>)[^<]+(</lastmod>)",
        rf"\g<1>{lastmod}\g<2>",
        shard.read_text(),
    )
    assert n == 1
    shard.write_text(text)


def test_a_second_crawl_with_one_changed_lastmod_fetches_one_job_page(crawl, wlb):
    root, server = wlb
    first = ok(crawl("remotewlb", server=server, settings=SEPTEMBER))
    assert page_hits(server) == dict.fromkeys(SLUGS, 1)
    seen_first = {r["source_id"]: r["last_seen_at"] for r in first.rows("SELECT * FROM jobs")}

    move_lastmod(root, CHANGED, "2026-09-28T08:00:00+00:00")
    second = ok(crawl("remotewlb", server=server, settings=SEPTEMBER))
    assert page_hits(server) == {slug: 2 if slug == CHANGED else 1 for slug in SLUGS}
    row = crawl_row(second, 2)
    assert row["pages_skipped"] == 2
    assert row["requests"] == crawl_row(second, 1)["requests"] - 2
    # The skipped postings are still seen: the sitemap lists them.
    jobs = {r["source_id"]: r for r in second.rows("SELECT * FROM jobs")}
    assert {r["last_crawl_id"] for r in jobs.values()} == {2}
    assert all(jobs[s]["last_seen_at"] >= seen_first[s] for s in SLUGS)
    assert jobs[CHANGED]["lastmod"] == "2026-09-28T08:00:00Z"
    assert (row["items_unchanged"], row["items_scraped"]) == (3, 3)
    assert {r["status"] for r in jobs.values()} == {"open"}

    # -a full=1 fetches every page again.
    full = ok(crawl("remotewlb", server=server, args=["-a", "full=1"], settings=SEPTEMBER))
    assert page_hits(server) == {slug: 3 if slug == CHANGED else 2 for slug in SLUGS}
    assert crawl_row(full, 3)["pages_skipped"] == 0


def test_a_page_without_lastmod_is_always_fetched(crawl, wlb):
    root, server = wlb
    ok(crawl("remotewlb", server=server, settings=SEPTEMBER))
    shard = root / "remotewlb.com" / "sitemaps" / "jobs" / "2026-08-1"
    shard.write_text(re.sub(r"<lastmod>[^<]+</lastmod>", "", shard.read_text()))
    second = ok(crawl("remotewlb", server=server, settings=SEPTEMBER))
    assert page_hits(server)["code-infra-engineer"] == 2
    assert crawl_row(second, 2)["pages_skipped"] == 2


@pytest.fixture
def api(tmp_path, make_replay):
    root = tmp_path / "mirror"
    shutil.copytree(MIRROR / "remoteok.com", root / "remoteok.com")

    def answers(*sequence):
        meta = root / "remoteok.com" / "api.meta.json"
        meta.write_text(json.dumps({"sequence": list(sequence)}))

    return answers, make_replay(root)


ETAG = {"headers": {"ETag": '"v1"'}}
NOT_MODIFIED = {"status": 304, "body": "", "headers": {"ETag": '"v1"'}}


def test_an_api_answering_304_reuses_the_stored_copy_and_full_refetches(crawl, api):
    answers, server = api
    answers(ETAG, NOT_MODIFIED, ETAG)
    first = ok(crawl("remoteok"))  # the default replay server: no ETag, nothing stored
    assert crawl_row(first, 1)["pages_not_modified"] == 0

    db = first.db.with_name("conditional.db")
    ok(crawl("remoteok", server=server, db=db))
    second = ok(crawl("remoteok", server=server, db=db))
    row = crawl_row(second, 2)
    assert row["pages_not_modified"] == 1
    assert (row["items_unchanged"], row["items_new"]) == (97, 0)
    assert json.loads(row["stats"])["httpcache/revalidate"] == 1
    assert (db.parent / "httpcache" / "remoteok").is_dir()  # the cache sits beside the db

    third = ok(crawl("remoteok", server=server, db=db, args=["-a", "full=1"]))
    stats = json.loads(crawl_row(third, 3)["stats"])
    assert "httpcache/revalidate" not in stats and stats["httpcache/full_refetch"] >= 1
    assert crawl_row(third, 3)["items_unchanged"] == 97
    assert server.count("/remoteok.com/api") == 3


def test_a_server_error_is_never_answered_from_the_cache(crawl, api, tmp_path):
    answers, server = api
    answers(ETAG, {"status": 503, "body": "upstream down"})
    db = tmp_path / "errors.db"
    ok(crawl("remoteok", server=server, db=db))
    failed = crawl("remoteok", server=server, db=db, settings={"RETRY_ENABLED": "0"})
    row = crawl_row(failed, 2)
    stats = json.loads(row["stats"])
    assert stats.get("httpcache/revalidate") is None
    assert stats["downloader/response_status_count/503"] == 1
    assert (row["items_scraped"], row["items_closed"]) == (0, 0)
    assert "no_items" in json.loads(row["closing_problems"])


def test_stored_postings_answer_per_board_by_url(tmp_path):
    db = tmp_path / "jobs.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE jobs (source TEXT, url TEXT, lastmod TEXT)")
    conn.executemany(
        "INSERT INTO jobs VALUES (?, ?, ?)",
        [
            ("remotewlb", "https://remotewlb.com/job/a", "2026-09-10"),
            ("remotewlb", "https://remotewlb.com/job/b", "2026-09-10"),
            ("remotewlb", "https://remotewlb.com/job/c", None),
            ("other", "https://remotewlb.com/job/d", "2026-09-12"),
        ],
    )
    conn.commit()
    conn.close()
    stored = StoredPostings(db)
    assert stored.lookup("remotewlb", "https://remotewlb.com/job/a") == (True, "2026-09-10")
    assert stored.lookup("remotewlb", "https://remotewlb.com/job/c") == (True, None)
    assert stored.lookup("remotewlb", "https://remotewlb.com/job/d") == (False, None)
    assert stored.lookup("remotewlb", "https://remotewlb.com/job/a/") == (False, None)
    assert stored.lookup("other", "https://remotewlb.com/job/d") == (True, "2026-09-12")
    assert StoredPostings(tmp_path / "missing.db").lookup("remotewlb", "x") == (False, None)

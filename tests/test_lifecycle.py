"""Posting lifecycle and change history across sequences of replayed crawls.

Each test copies the real recorded boards into a mirror folder in ``tmp_path``,
changes it between crawls (a posting removed, a company failing, a salary raised)
and runs the real engine against it, always into the same database.
"""

from __future__ import annotations

import json
import shutil

import pytest

from crawler.store.lifecycle import (
    LifecycleRules,
    ListingFacts,
    closing_problems,
    listing_problems,
)
from tests.conftest import FIXTURES, MIRROR, load_json

LEVER = MIRROR / "api.lever.co" / "v0" / "postings"
COMPANIES = ["-a", "companies=matchgroup,palantir"]
# The matchgroup posting the tests make disappear (real id from the recorded board).
GONE_ID = "matchgroup/4004a95b-ed89-4193-ad1a-a2ed5d4703d5"
REMOTEOK_DAY = {"LIFECYCLE_NOW": "2026-03-16T12:00:00Z"}  # the day api.json was recorded


@pytest.fixture
def board(tmp_path, make_replay):
    """A Lever mirror in tmp_path, its replay server, and helpers to change it."""
    root = tmp_path / "mirror"
    shutil.copytree(LEVER.parents[1], root / "api.lever.co")
    postings = root / "api.lever.co" / "v0" / "postings"

    class Board:
        server = make_replay(root)
        records = {site: load_json(LEVER / site) for site in ("matchgroup", "palantir")}

        def publish(self, site, records=None, *, status=None, body=None):
            path = postings / site
            path.write_text(json.dumps(self.records[site] if records is None else records))
            meta = path.with_name(site + ".meta.json")
            meta.unlink(missing_ok=True)
            if status is not None or body is not None:
                answer = {"status": status or 200}
                if body is not None:
                    answer["body"] = body
                meta.write_text(json.dumps(answer))

        def without(self, site, posting_id):
            return [r for r in self.records[site] if f"{site}/{r['id']}" != posting_id]

    return Board()


def jobs(result) -> dict:
    return {r["source_id"]: r for r in result.rows("SELECT * FROM jobs")}


def last_crawl(result):
    return result.rows("SELECT * FROM crawls ORDER BY id DESC LIMIT 1")[0]


def ok(result):
    assert result.returncode == 0, result.output
    return result


def test_absent_once_stays_open_twice_is_closed_and_on_return_is_reopened(crawl, board):
    first = ok(crawl("lever", server=board.server, args=COMPANIES))
    assert first.scalar("SELECT COUNT(*) FROM jobs WHERE status = 'open'") == 4

    board.publish("matchgroup", board.without("matchgroup", GONE_ID))
    once = ok(crawl("lever", server=board.server, args=COMPANIES))
    job = jobs(once)[GONE_ID]
    assert (job["status"], job["missed_listings"], job["closed_at"]) == ("open", 1, None)
    assert last_crawl(once)["items_closed"] == 0

    twice = ok(crawl("lever", server=board.server, args=COMPANIES))
    job = jobs(twice)[GONE_ID]
    assert (job["status"], job["closed_reason"], job["missed_listings"]) == ("closed", "absent", 2)
    assert job["closed_at"].endswith("Z")
    assert last_crawl(twice)["items_closed"] == 1
    others = [r for sid, r in jobs(twice).items() if sid != GONE_ID]
    assert {(r["status"], r["missed_listings"]) for r in others} == {("open", 0)}
    listing = twice.rows(
        "SELECT * FROM crawl_listings WHERE crawl_id = 3 AND listing = 'matchgroup'"
    )[0]
    assert (listing["healthy"], listing["seen"], listing["missed"], listing["closed"]) == (
        1,
        1,
        1,
        1,
    )

    board.publish("matchgroup")
    back = ok(crawl("lever", server=board.server, args=COMPANIES))
    job = jobs(back)[GONE_ID]
    assert (job["status"], job["reopened_count"], job["closed_at"], job["closed_reason"]) == (
        "open",
        1,
        None,
        None,
    )
    assert job["id"] == jobs(first)[GONE_ID]["id"]  # the same row, not a duplicate
    assert back.scalar("SELECT COUNT(*) FROM jobs") == 4
    assert last_crawl(back)["items_reopened"] == 1


def test_a_company_that_failed_closes_nothing_while_the_other_closes(crawl, board):
    ok(crawl("lever", server=board.server, args=COMPANIES))
    board.publish("matchgroup", board.without("matchgroup", GONE_ID))
    # Palantir's board answers "Document not found" on the next two crawls.
    board.publish("palantir", status=404, body='{"ok":false,"error":"Document not found"}')
    for _ in range(2):
        result = ok(crawl("lever", server=board.server, args=COMPANIES))
    rows = jobs(result)
    assert rows[GONE_ID]["status"] == "closed"
    palantir = [r for sid, r in rows.items() if sid.startswith("palantir/")]
    assert len(palantir) == 2
    assert {(r["status"], r["missed_listings"]) for r in palantir} == {("open", 0)}
    listings = {
        r["listing"]: r for r in result.rows("SELECT * FROM crawl_listings WHERE crawl_id = 3")
    }
    assert listings["matchgroup"]["healthy"] == 1
    assert listings["palantir"]["healthy"] == 0
    assert "1 requests failed (HTTP 404)" in json.loads(listings["palantir"]["problems"])
    assert json.loads(last_crawl(result)["closing_problems"]) == {}


def test_a_listing_that_is_not_json_closes_nothing(crawl, board):
    ok(crawl("lever", server=board.server, args=COMPANIES))
    board.publish("matchgroup", body="<html><body>Service temporarily unavailable</body></html>")
    for _ in range(2):
        result = ok(crawl("lever", server=board.server, args=COMPANIES))
    assert {r["status"] for r in jobs(result).values()} == {"open"}
    problems = json.loads(
        result.scalar(
            "SELECT problems FROM crawl_listings WHERE crawl_id = 3 AND listing = 'matchgroup'"
        )
    )
    assert problems[0] == "1 records could not be read"


def test_a_crawl_cut_short_closes_nothing(crawl, board):
    ok(crawl("lever", server=board.server, args=COMPANIES))
    board.publish("matchgroup", board.without("matchgroup", GONE_ID))
    for _ in range(2):
        result = crawl(
            "lever", server=board.server, args=COMPANIES, settings={"CLOSESPIDER_ITEMCOUNT": "1"}
        )
    assert last_crawl(result)["finish_reason"] == "closespider_itemcount"
    assert "unfinished" in json.loads(last_crawl(result)["closing_problems"])
    job = jobs(result)[GONE_ID]
    assert (job["status"], job["missed_listings"]) == ("open", 0)


def test_a_collapsed_listing_closes_nothing(crawl, board):
    ok(crawl("lever", server=board.server, args=COMPANIES))
    board.publish("matchgroup", [])  # 200 and an empty board: the classic silent breakage
    for _ in range(2):
        result = ok(crawl("lever", server=board.server, args=COMPANIES))
    assert {r["status"] for r in jobs(result).values()} == {"open"}
    problems = json.loads(
        result.scalar(
            "SELECT problems FROM crawl_listings WHERE crawl_id = 3 AND listing = 'matchgroup'"
        )
    )
    assert problems == ["collapsed: 0 postings, under 0.5 x the 2 of its last healthy listing"]


def remoteok_root(tmp_path):
    root = tmp_path / "mirror"
    shutil.copytree(MIRROR / "remoteok.com", root / "remoteok.com")
    return root


def test_remoteok_absence_closes_nothing_but_the_age_limit_does(crawl, make_replay, tmp_path):
    root = remoteok_root(tmp_path)
    server = make_replay(root)
    records = load_json(root / "remoteok.com" / "api")
    ok(crawl("remoteok", server=server, settings=REMOTEOK_DAY))
    dropped = [r["id"] for r in records[1:11]]  # the ten newest jobs leave the window
    (root / "remoteok.com" / "api").write_text(
        json.dumps([r for r in records if r.get("id") not in dropped])
    )
    for _ in range(2):
        result = ok(crawl("remoteok", server=server, settings=REMOTEOK_DAY))
    assert result.scalar("SELECT COUNT(*) FROM jobs WHERE status = 'closed'") == 0
    assert result.scalar("SELECT COUNT(*) FROM crawl_listings") == 0  # no complete listing

    # Eleven weeks later the ten unseen ones are past the 60-day age limit; the jobs the
    # API still shows stay open however old they are.
    later = ok(crawl("remoteok", server=server, settings={"LIFECYCLE_NOW": "2026-06-01T00:00:00Z"}))
    closed = later.rows("SELECT source_id, closed_reason FROM jobs WHERE status = 'closed'")
    assert sorted(r["source_id"] for r in closed) == sorted(dropped)
    assert {r["closed_reason"] for r in closed} == {"age_limit"}


def remotewlb_root(tmp_path):
    root = tmp_path / "mirror"
    shutil.copytree(MIRROR / "remotewlb.com", root / "remotewlb.com")
    return root


def test_remotewlb_closes_by_valid_through_and_by_absence_from_the_sitemap(
    crawl, make_replay, tmp_path
):
    root = remotewlb_root(tmp_path)
    server = make_replay(root)
    september = {"LIFECYCLE_NOW": "2026-09-25T00:00:00Z"}
    first = ok(crawl("remotewlb", server=server, settings=september))
    assert first.scalar("SELECT COUNT(*) FROM jobs WHERE status = 'open'") == 3

    # The code-infra shard no longer lists its job; two healthy sitemap crawls close it.
    (root / "remotewlb.com" / "sitemaps" / "jobs" / "2026-08-1").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n</urlset>\n'
    )
    for _ in range(2):
        result = ok(crawl("remotewlb", server=server, settings=september))
    rows = jobs(result)
    assert (
        rows["code-infra-engineer"]["status"],
        rows["code-infra-engineer"]["closed_reason"],
    ) == (
        "closed",
        "absent",
    )
    assert rows["senior-automation-qa-engineer-140084"]["status"] == "open"

    # Past validThrough (2026-10-03) the QA job closes; the web-crawling one (10-21) stays.
    october = ok(
        crawl("remotewlb", server=server, settings={"LIFECYCLE_NOW": "2026-10-10T00:00:00Z"})
    )
    rows = jobs(october)
    qa = rows["senior-automation-qa-engineer-140084"]
    assert (qa["status"], qa["closed_reason"], qa["valid_through"]) == (
        "closed",
        "valid_through",
        "2026-10-03T00:00:00Z",
    )
    assert rows["software-engineer-web-crawling"]["status"] == "open"


def test_a_posting_page_that_answers_404_is_closed_as_gone(crawl, make_replay, tmp_path):
    root = remotewlb_root(tmp_path)
    server = make_replay(root)
    now = {"LIFECYCLE_NOW": "2026-09-25T00:00:00Z"}
    ok(crawl("remotewlb", server=server, settings=now))
    page = root / "remotewlb.com" / "job" / "software-engineer-web-crawling"
    page.with_name(page.name + ".meta.json").write_text(json.dumps({"status": 404}))
    result = ok(crawl("remotewlb", server=server, args=["-a", "full=1"], settings=now))
    rows = jobs(result)
    gone = rows["software-engineer-web-crawling"]
    assert (gone["status"], gone["closed_reason"]) == ("closed", "gone")
    assert {rows[s]["status"] for s in rows if s != "software-engineer-web-crawling"} == {"open"}


def test_a_changed_salary_is_kept_as_a_version_and_an_unchanged_recrawl_writes_none(crawl, board):
    ok(crawl("lever", server=board.server, args=COMPANIES))
    raised = [dict(r) for r in board.records["matchgroup"]]
    raised[0]["salaryRange"] = {**raised[0]["salaryRange"], "max": 195000}
    board.publish("matchgroup", raised)
    changed = ok(crawl("lever", server=board.server, args=COMPANIES))
    key = f"matchgroup/{raised[0]['id']}"
    job = jobs(changed)[key]
    assert job["salary_max"] == 195000.0
    versions = changed.rows("SELECT * FROM job_versions")
    assert len(versions) == 1
    version = versions[0]
    assert version["job_id"] == job["id"] and version["crawl_id"] == 2
    assert version["previous_crawl_id"] == 1 and version["changed_at"].endswith("Z")
    diff = json.loads(version["changes"])
    assert diff["salary_max"] == {"old": 180000.0, "new": 195000}
    assert set(json.loads(version["changed_fields"])) == {
        "salary_max",
        "salary_raw",
        "salary_year_max",
    }
    assert last_crawl(changed)["versions_written"] == 1
    raises = changed.rows(
        "SELECT source_id, old_value, new_value FROM job_changes WHERE field = 'salary_max'"
        " AND CAST(new_value AS REAL) > CAST(old_value AS REAL)"
    )
    assert [tuple(r) for r in raises] == [(key, 180000.0, 195000)]

    again = ok(crawl("lever", server=board.server, args=COMPANIES))
    assert again.scalar("SELECT COUNT(*) FROM job_versions") == 1
    assert last_crawl(again)["items_unchanged"] == 4


# -- the rules without the engine ---------------------------------------------------------------


def crawl_row(**overrides):
    row = {"id": 2, "finish_reason": "finished", "items_scraped": 10, "items_rejected": 0}
    row["stats"] = json.dumps({"downloader/request_count": 2})
    return {**row, **overrides}


def test_a_failed_request_stops_only_its_listing_when_listings_are_complete():
    stats = {"downloader/request_count": 2, "downloader/response_status_count/404": 1}
    row = crawl_row(stats=json.dumps(stats))
    assert closing_problems(row, None, stats, per_listing=True) == {}
    assert "http_errors" in closing_problems(row, None, stats, per_listing=False)


def test_callback_errors_and_unreadable_sitemaps_stop_the_whole_crawl():
    stats = {"spider_exceptions/KeyError": 1, "jobcrawl/bad_sitemap": 2}
    problems = closing_problems(crawl_row(), None, stats, per_listing=True)
    assert set(problems) == {"spider_exceptions", "bad_sitemap"}
    unfinished = closing_problems(crawl_row(finish_reason="shutdown"), None, {}, per_listing=True)
    assert set(unfinished) == {"unfinished"}


def test_listing_problems_name_every_reason():
    rules = LifecycleRules()
    healthy = ListingFacts("lever", "acme", responses=1)
    assert listing_problems(healthy, seen=10, baseline_seen=12, rules=rules) == []
    assert listing_problems(healthy, seen=5, baseline_seen=11, rules=rules) == [
        "collapsed: 5 postings, under 0.5 x the 11 of its last healthy listing"
    ]
    broken = ListingFacts("lever", "acme", failures=1, rejects=2, why=["HTTP 500"])
    assert listing_problems(broken, seen=0, baseline_seen=None, rules=rules) == [
        "no answer received",
        "1 requests failed (HTTP 500)",
        "2 records could not be read",
    ]


def test_date_rules_follow_the_pinned_clock():
    rules = LifecycleRules(max_age_days=60, now="2026-06-01T00:00:00Z")
    assert rules.now_iso() == "2026-06-01T00:00:00Z"
    assert rules.age_cutoff() == "2026-04-02T00:00:00Z"
    assert LifecycleRules(max_age_days=0).age_cutoff() is None


def test_an_archive_import_neither_reopens_nor_closes(crawl, make_replay, tmp_path):
    root = remotewlb_root(tmp_path)
    server = make_replay(root)
    september = {"LIFECYCLE_NOW": "2026-09-25T00:00:00Z"}
    ok(crawl("remotewlb", server=server, settings=september))
    qa = "senior-automation-qa-engineer-140084"
    shard = root / "remotewlb.com" / "sitemaps" / "jobs" / "2026-09-1"
    shard.write_text("\n".join(line for line in shard.read_text().splitlines() if qa not in line))
    for _ in range(2):
        closed = ok(crawl("remotewlb", server=server, settings=september))
    assert jobs(closed)[qa]["status"] == "closed"
    archived = FIXTURES / "archive" / f"mirror_{qa}.md"
    result = ok(crawl("archive", args=["-a", f"path={archived}"], settings=september))
    job = jobs(result)[qa]
    # The archived copy leaves the live row alone...
    assert job["last_crawl_id"] == jobs(closed)[qa]["last_crawl_id"]
    assert (job["status"], job["closed_reason"], job["reopened_count"]) == ("closed", "absent", 0)
    assert "no_evidence" in json.loads(last_crawl(result)["closing_problems"])

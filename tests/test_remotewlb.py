"""RemoteWLB crawled end to end: sitemap index -> monthly shards -> /job/<slug> JSON-LD pages.

The mirror under data/mirror/remotewlb.com is ../shared/samples/remotewlb/site laid
out as the replay server serves it (sitemaps at their path without ``.xml``).
"""

from __future__ import annotations

import json
import shutil

import pytest

from crawler.sources.structured import extract_jobpostings
from spiders.remotewlb import parse_posting
from tests.conftest import MIRROR

SITE = MIRROR / "remotewlb.com"
SLUGS = {"code-infra-engineer", "software-engineer-web-crawling",
         "senior-automation-qa-engineer-140084"}  # fmt: skip


def test_sitemap_to_rows_with_slug_identity_apply_link_and_lastmod(crawl, replay):
    result = crawl("remotewlb")
    assert result.returncode == 0, result.output
    rows = {r["source_id"]: r for r in result.rows("SELECT * FROM jobs")}
    assert set(rows) == SLUGS
    assert {r["source"] for r in rows.values()} == {"remotewlb"}

    job = rows["senior-automation-qa-engineer-140084"]
    assert job["url"] == "https://remotewlb.com/job/senior-automation-qa-engineer-140084"
    assert (
        job["apply_url"] == "https://www.remotewlb.com/apply/senior-automation-qa-engineer-140084"
    )
    assert job["title"] == "Senior Automation QA Engineer"
    assert job["company"] == "Welltech"
    assert job["remote_raw"] == "TELECOMMUTE"
    assert job["employment_type_raw"] == "FULL_TIME"
    assert job["posted_raw"] == "2026-09-03" and job["posted_at"] == "2026-09-03T00:00:00Z"
    assert job["valid_through"] == "2026-10-03T00:00:00Z"
    assert job["lastmod"] == "2026-09-04T10:00:00Z"  # the sitemap's, not the page's date
    assert "Minimum 4 years of experience" in job["description_text"]
    assert json.loads(job["extras"]) == {"directApply": False}

    crawling = rows["software-engineer-web-crawling"]
    assert crawling["location_raw"] == "United States"  # applicantLocationRequirements
    assert crawling["lastmod"] == "2026-09-21T06:12:44Z"

    unknown = rows["code-infra-engineer"]
    assert unknown["company"] is None  # hiringOrganization.name is the literal "None"
    assert unknown["valid_through"] is None
    assert unknown["lastmod"] == "2026-08-28T18:01:00Z"

    # The pages shard is not a job shard: never fetched.
    assert replay.count("/remotewlb.com/sitemaps/pages") == 0
    assert result.scalar("SELECT COUNT(*) FROM rejects") == 0


def test_a_second_crawl_adds_no_row(crawl):
    assert crawl("remotewlb").returncode == 0
    second = crawl("remotewlb")
    assert second.returncode == 0, second.output
    crawls = second.rows("SELECT items_new, items_unchanged FROM crawls ORDER BY id")
    assert [tuple(c) for c in crawls] == [(3, 0), (0, 3)]
    assert second.scalar("SELECT COUNT(*) FROM jobs") == 3


def test_since_limits_the_shards_crawled(crawl, make_replay, tmp_path):
    server = make_replay(MIRROR)  # its own request counts
    result = crawl("remotewlb", server=server, args=["-a", "since=2026-09"])
    assert result.returncode == 0, result.output
    assert {r[0] for r in result.rows("SELECT source_id FROM jobs")} == SLUGS - {
        "code-infra-engineer"
    }
    assert server.count("/remotewlb.com/sitemaps/jobs/2026-08-1") == 0
    assert server.count("/remotewlb.com/sitemaps/jobs/2026-09-1") == 1


def test_a_malformed_since_stops_the_crawl_before_any_request(crawl):
    result = crawl("remotewlb", args=["-a", "since=September"])
    assert result.returncode != 0
    assert "since must be YYYY-MM" in result.output


def test_www_host_in_the_sitemap_gives_the_same_identities(crawl, make_replay, tmp_path):
    # The sitemaps use remotewlb.com and apply links www.remotewlb.com; pages listed under
    # www must land on the same rows.
    root = tmp_path / "mirror"
    shutil.copytree(SITE, root / "remotewlb.com")
    shutil.copytree(SITE, root / "www.remotewlb.com")
    for shard in (root / "remotewlb.com" / "sitemaps" / "jobs").iterdir():
        text = shard.read_text().replace(
            "https://remotewlb.com/job/", "https://www.remotewlb.com/job/"
        )
        shard.write_text(text)
    result = crawl("remotewlb", server=make_replay(root))
    assert result.returncode == 0, result.output
    rows = result.rows("SELECT source_id, url, apply_url FROM jobs")
    assert {r["source_id"] for r in rows} == SLUGS
    assert all(r["url"].startswith("https://www.remotewlb.com/job/") for r in rows)
    assert all(r["apply_url"].startswith("https://www.remotewlb.com/apply/") for r in rows)


def test_a_job_page_without_jsonld_is_rejected_and_the_others_land(crawl, make_replay, tmp_path):
    root = tmp_path / "mirror"
    shutil.copytree(SITE, root / "remotewlb.com")
    page = root / "remotewlb.com" / "job" / "code-infra-engineer"
    page.write_text(page.read_text().split('<script type="application/ld+json">')[0] + "</html>")
    result = crawl("remotewlb", server=make_replay(root))
    assert result.returncode == 0, result.output
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 2
    reject = result.rows("SELECT source, url, reason FROM rejects")
    assert [tuple(r) for r in reject] == [
        ("remotewlb", "https://remotewlb.com/job/code-infra-engineer",
         "no JobPosting JSON-LD on the page"),
    ]  # fmt: skip


def test_a_missing_shard_is_logged_as_an_error(crawl, make_replay, tmp_path):
    root = tmp_path / "mirror"
    shutil.copytree(SITE, root / "remotewlb.com")
    (root / "remotewlb.com" / "sitemaps" / "jobs" / "2026-08-1").unlink()
    result = crawl("remotewlb", server=make_replay(root))
    assert result.returncode == 0, result.output
    assert "sitemap https://remotewlb.com/sitemaps/jobs/2026-08-1 failed" in result.output
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 2


@pytest.mark.parametrize("body", ["<html><body>Service busy</body></html>", "Service busy"])
def test_a_sitemap_that_is_not_xml_is_an_error_not_a_crash(crawl, make_replay, tmp_path, body):
    root = tmp_path / "mirror"
    shutil.copytree(SITE, root / "remotewlb.com")
    (root / "remotewlb.com" / "sitemap.xml").write_text(body)
    result = crawl("remotewlb", server=make_replay(root))
    assert result.returncode == 0, result.output
    assert "https://remotewlb.com/sitemap.xml is not a sitemap" in result.output
    assert "Traceback" not in result.output
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 0


def test_mapper_on_a_saved_page_is_pure():
    page = {"url": "https://remotewlb.com/job/code-infra-engineer", "count": 1, "index": 0}
    html = (SITE / "job" / "code-infra-engineer").read_text(encoding="utf-8")
    (posting,), _ = extract_jobpostings(html)
    item = parse_posting(posting, page)
    assert item.source_id == "code-infra-engineer"
    assert item.apply_url == "https://www.remotewlb.com/apply/code-infra-engineer"
    assert item.company is None
    assert item.description_html == "<p>https://mui.com/careers/code-infra-engineer/</p>"
    assert parse_posting(posting, page) == item

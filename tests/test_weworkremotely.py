"""We Work Remotely, the HTML base spider on a real board: its recorded listing page
(``weworkremotely.com/remote-jobs``, fetched by a plain client on 2026-07-03, trimmed to six
postings and the two adverts; provenance in ``tests/fixtures/PROVENANCE.md``) crawled through
the real engine against the replay server."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from parsel import Selector

from crawler.sources.html import select_fields
from spiders.weworkremotely import WeWorkRemotelySpider, parse_fields
from tests.conftest import MIRROR

LISTING = MIRROR / "weworkremotely.com" / "remote-jobs" / "index"


def test_listing_lands_every_posting_field_by_field_and_skips_the_adverts(crawl):
    result = crawl("weworkremotely")
    assert result.returncode == 0, result.output
    rows = {r["source_id"]: r for r in result.rows("SELECT * FROM jobs")}
    assert len(rows) == 6
    job = rows["toggl-senior-product-manager-4"]
    assert job["source"] == "weworkremotely"
    assert job["url"] == "https://weworkremotely.com/remote-jobs/toggl-senior-product-manager-4"
    assert (job["title"], job["company"]) == ("Senior Product Manager", "Toggl")
    assert job["employment_type"] == "full_time"
    assert job["salary_raw"] == "$75,000 - $99,999 USD"
    assert (job["salary_min"], job["salary_max"], job["salary_currency"]) == (75000, 99999, "USD")
    assert job["location_raw"] == "Anywhere in the World"
    assert json.loads(job["regions"]) == ["worldwide"] and json.loads(job["countries"]) == []
    assert job["remote"] == "remote"
    # The headquarters line is the company's, not the job's place: kept aside.
    assert json.loads(job["extras"])["company_headquarters"] == "Tallinn, Estonia"
    assert json.loads(job["tags"]) == ["featured", "top 100"]
    # An age of "3d" is measured from the crawl's own clock.
    qventus = rows["qventus-senior-lead-product-manager-agentic-ai-platform"]
    assert qventus["posted_raw"] == "3d ago"
    scraped = datetime.fromisoformat(qventus["scraped_at"].replace("Z", "+00:00"))
    posted = datetime.fromisoformat(qventus["posted_at"].replace("Z", "+00:00"))
    assert abs(scraped - posted - timedelta(days=3)) <= timedelta(minutes=5)
    kodify = rows["kodify-media-group-software-development-engineer-in-test-sdet-1"]
    assert len(json.loads(kodify["countries"])) == 22
    # The two advert rows carry no posting link: skipped and counted, never a posting.
    stats = json.loads(result.scalar("SELECT stats FROM crawls"))
    assert stats["jobcrawl/html/rows_without_link"] == 2
    assert stats["jobcrawl/html/postings"] == 6


def test_chips_are_sorted_into_type_pay_places_and_tags():
    row = Selector(text=LISTING.read_text(encoding="utf-8")).css(WeWorkRemotelySpider.listing_item)[
        0
    ]
    fields = select_fields(
        row, WeWorkRemotelySpider.listing_fields, WeWorkRemotelySpider.list_fields
    )
    assert fields["categories"] == [
        "Featured", "Top 100", "Full-Time", "$75,000 - $99,999 USD", "Anywhere in the World"
    ]  # fmt: skip
    fields["url"] = "https://weworkremotely.com" + fields["url"]
    item = parse_fields(fields, {"url": "https://weworkremotely.com/remote-jobs"})
    assert item.employment_type_raw == "Full-Time"
    assert item.salary_raw == "$75,000 - $99,999 USD"
    assert item.location_raw == "Anywhere in the World"
    assert item.tags == ["Featured", "Top 100"]
    assert item.posted_raw == "New"  # read as the crawl's day by the date rules
    assert item == parse_fields(fields, {"url": "https://weworkremotely.com/remote-jobs"})


def test_country_and_region_chips_are_places_and_several_are_kept_apart():
    fields = {
        "url": "https://weworkremotely.com/remote-jobs/x-1",
        "title": "T",
        "categories": [
            "Contract",
            "North America Only",
            "EMEA Only",
            "🇺🇸 United States of America",
        ],  # fmt: skip
        "age": "28d",
    }
    item = parse_fields(fields, {"url": "https://weworkremotely.com/remote-jobs"})
    assert item.source_id == "x-1"
    assert item.location_raw == "North America Only | EMEA Only | 🇺🇸 United States of America"
    assert item.employment_type_raw == "Contract" and item.salary_raw is None
    assert item.posted_raw == "28d ago"

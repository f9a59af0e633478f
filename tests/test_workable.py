"""Workable crawled end to end from a real recorded widget response (kroo, 2024-08-08)."""

from __future__ import annotations

import json

from spiders.workable import parse_record
from tests.conftest import MIRROR, load_json

KROO = MIRROR / "apply.workable.com" / "api" / "v1" / "widget" / "accounts" / "kroo"


def test_default_board_list_lands_kroo_field_by_field(crawl):
    result = crawl("workable")
    assert result.returncode == 0, result.output
    rows = {r["source_id"]: r for r in result.rows("SELECT * FROM jobs")}
    assert len(rows) == 7 and all(key.startswith("kroo/") for key in rows)
    job = rows["kroo/C4002EDABE"]
    assert job["source"] == "workable"
    assert job["url"] == "https://apply.workable.com/j/C4002EDABE"
    assert job["apply_url"] == "https://apply.workable.com/j/C4002EDABE/apply"
    assert job["title"] == "Senior Security Engineer"
    assert job["company"] == "Kroo Bank Ltd"  # the account name the widget publishes
    assert job["company_slug"] == "kroo"
    assert job["location_raw"] == "London, England, United Kingdom"
    assert json.loads(job["countries"]) == ["GB"]
    # telecommuting true, but the text says "a mix of remote and office work" (gold: hybrid)
    assert job["remote_raw"] == "telecommute" and job["remote"] == "hybrid"
    assert job["employment_type"] == "full_time"
    assert job["posted_raw"] == "2024-06-13" and job["posted_at"] == "2024-06-13T00:00:00Z"
    assert job["description_text"].startswith("At Kroo Bank, we are charting the future")
    assert json.loads(job["extras"])["industry"] == "Information Technology and Services"
    # telecommuting false says nothing: no structured value, the text decides.
    assert rows["kroo/83183A94A5"]["remote_raw"] is None


def test_hidden_locations_are_not_where_the_job_is():
    jobs = load_json(KROO)["jobs"]
    hidden = next(j for j in jobs if j["shortcode"] == "F53433C12B")
    assert hidden["locations"][0]["hidden"] is True
    item = parse_record(hidden, {"company_slug": "kroo"})
    # Only the job's own city/state/country remain (the same place here).
    assert item.location_raw == "Manchester, England, United Kingdom"
    assert item.countries == []
    assert item == parse_record(hidden, {"company_slug": "kroo"})  # pure


def test_configured_name_wins_over_the_published_one():
    job = load_json(KROO)["jobs"][0]
    board = {"company_slug": "kroo", "company_name": "Kroo", "published_name": "Kroo Bank Ltd"}
    assert parse_record(job, board).company == "Kroo"
    assert parse_record(job, {"company_slug": "kroo"}).company == "Kroo"  # derived

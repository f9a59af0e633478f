"""Recruitee crawled end to end from a real recorded offers response (manual, 2024-08-08)."""

from __future__ import annotations

import json

import pytest

from spiders.recruitee import parse_record
from tests.conftest import MIRROR, load_json

OFFERS = MIRROR / "manual.recruitee.com" / "api" / "offers" / "index"


def test_default_board_list_lands_manual_field_by_field(crawl):
    result = crawl("recruitee")
    assert result.returncode == 0, result.output
    rows = {r["source_id"]: r for r in result.rows("SELECT * FROM jobs")}
    assert len(rows) == 7
    job = rows["manual/1704099"]
    assert job["url"] == "https://manual.recruitee.com/o/hair-transplant-sales-specialist"
    assert job["apply_url"].endswith("/o/hair-transplant-sales-specialist/c/new")
    assert job["title"] == "Hair Transplant - Sales Specialist"
    assert job["company"] == "Manual"  # each offer's company_name
    assert job["location_raw"] == "London, Greater London, United Kingdom"
    assert json.loads(job["countries"]) == ["GB"]
    # Amounts come as text ("28000"): read as numbers, currency and period as given.
    assert (job["salary_min"], job["salary_max"]) == (28000, 32000)
    assert (job["salary_currency"], job["salary_period"]) == ("GBP", "year")
    assert job["salary_source"] == "structured"
    assert job["remote_raw"] is None  # remote and hybrid both ticked: the text decides
    assert job["employment_type_raw"] == "fulltime_permanent"
    assert job["employment_type"] == "full_time"
    assert job["posted_at"] == "2024-05-08T10:38:09Z"  # "2024-05-08 10:38:09 UTC"
    assert "Requirements" in job["description_text"]
    assert rows["manual/1478673"]["employment_type"] == "part_time"


def test_offer_with_a_currency_but_no_amounts_has_no_pay():
    offer = next(o for o in load_json(OFFERS)["offers"] if o["id"] == 1675404)
    assert offer["salary"] == {"max": None, "min": None, "period": "month", "currency": "BRL"}
    item = parse_record(offer, {"company_slug": "manual"})
    assert item.salary_min is None and item.salary_source is None


def test_unpublished_offer_is_skipped_and_bad_amount_raises():
    offer = load_json(OFFERS)["offers"][0]
    assert parse_record({**offer, "status": "closed"}, {"company_slug": "manual"}) is None
    broken = {**offer, "salary": {**offer["salary"], "min": "a lot"}}
    with pytest.raises(TypeError):
        parse_record(broken, {"company_slug": "manual"})

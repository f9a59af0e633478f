"""Pinpoint crawled end to end from a real recorded postings.json (auroraer, 2024-08-08)."""

from __future__ import annotations

import json

from spiders.pinpoint import parse_record
from tests.conftest import MIRROR, load_json

POSTINGS = MIRROR / "auroraer.pinpointhq.com" / "postings.json"


def test_default_board_list_lands_auroraer_field_by_field(crawl):
    result = crawl("pinpoint")
    assert result.returncode == 0, result.output
    rows = {r["source_id"]: r for r in result.rows("SELECT * FROM jobs")}
    assert len(rows) == 5
    job = rows["auroraer/189382"]
    assert job["url"] == (
        "https://auroraer.pinpointhq.com/en/postings/b8c4ebc7-3759-4e5b-8e8e-ba1e5abe1b8f"
    )
    assert job["title"] == "Graduate Analyst Program"
    assert job["company"] == "Aurora Energy Research"  # name= in the board list
    assert job["department"] == "Early Careers"
    assert job["location_raw"] == "Sydney, Australia"
    assert json.loads(job["countries"]) == ["AU"]
    assert job["remote"] == "hybrid"
    # Pay is read only when the employer made it visible; salary_raw is spelled like every
    # board's structured pay, and the sentence the board shows is kept in extras.
    assert (job["salary_min"], job["salary_max"]) == (79000, 86000)
    assert (job["salary_currency"], job["salary_period"]) == ("AUD", "year")
    assert job["salary_raw"] == "79000-86000 AUD year"
    assert json.loads(job["extras"])["compensation"] == "$79,000 - $86,000 / year"
    assert job["valid_through"] == "2024-09-01T22:59:59Z"  # deadline_at, +01:00
    assert job["posted_at"] is None  # the list carries no posting date
    # Sections come with the employer's headings.
    assert "Key responsibilities" in job["description_text"]
    assert "What we offer" in job["description_text"]
    assert rows["auroraer/192560"]["employment_type"] == "internship"
    assert rows["auroraer/116449"]["employment_type"] == "full_time"  # "Permanent - Full Time"
    assert rows["auroraer/120101"]["remote"] == "onsite"


def test_hidden_compensation_is_not_read():
    posting = next(p for p in load_json(POSTINGS)["data"] if p["id"] == "189382")
    hidden = {**posting, "compensation_visible": False}
    assert parse_record(hidden, {"company_slug": "auroraer"}).salary_min is None
    assert parse_record(posting, {"company_slug": "auroraer"}).salary_min == 79000

"""The normalise step on real records: each field beside its raw twin, through the engine too."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from crawler.sources.items import JobPosting
from pipelines.clean import clean_item
from pipelines.normalize import normalize_item
from spiders.remoteok import parse_record
from tests.conftest import MIRROR, load_json

NOW = datetime(2026, 3, 16, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def remoteok():
    records = {r["id"]: r for r in load_json(MIRROR / "remoteok.com" / "api") if "id" in r}

    def item(source_id: str) -> JobPosting:
        posting = parse_record(records[source_id], {})
        posting.source = "remoteok"
        clean_item(posting)
        normalize_item(posting, NOW)
        return posting

    return item


def test_structured_usd_gives_way_to_the_currency_the_description_states(remoteok):
    job = remoteok("1130779")  # Gdańsk: "Salary Range: PLN 350,700 - 474,400"
    assert (job.salary_min, job.salary_max, job.salary_currency, job.salary_period) == (
        350700,
        474400,
        "PLN",
        "year",
    )
    assert job.salary_source == "text" and "PLN 350,700" in job.salary_raw
    assert job.countries == ["PL"]


def test_pay_read_from_the_description_keeps_its_sentence(remoteok):
    job = remoteok("1130745")  # "Canada (Remote)": "$130,000 - $150,000 a year"
    assert (job.salary_min, job.salary_max, job.salary_currency) == (130000, 150000, "CAD")
    assert (job.salary_year_min, job.salary_year_max) == (130000, 150000)
    assert job.salary_source == "text" and job.salary_raw == "$130,000 - $150,000 a year"
    assert (job.remote, job.countries) == ("remote", ["CA"])


def test_hourly_structured_pay_is_annualised(remoteok):
    job = remoteok("1130733")
    assert (job.salary_min, job.salary_max, job.salary_period) == (25, 27, "hour")
    assert (job.salary_year_min, job.salary_year_max) == (25 * 2080, 27 * 2080)
    assert job.salary_source == "structured"
    assert job.employment_type == "full_time"  # "Remote (Full Time)"


def test_a_statement_about_the_role_beats_the_boards_remote_label(remoteok):
    assert remoteok("1130786").remote == "onsite"  # "Work Location: Onsite (Pine Bluff ...)"
    assert remoteok("1130771").remote == "hybrid"  # "within commuting distance of our Tokyo hub"
    assert remoteok("1130768").remote == "remote"  # "a hands-on, hybrid creative" is a person


def test_perks_are_not_pay_and_titles_name_places(remoteok):
    job = remoteok("1130774")  # "$200K+ perk marketplace"
    assert job.salary_min is None and job.salary_source is None
    assert job.countries == ["PH"] and job.employment_type == "full_time"
    assert job.seniority == "senior" and job.experience_years_min == 2


def test_time_zone_window_and_region(remoteok):
    job = remoteok("1130686")  # "You live in the EMEA Region (UTC 0 to UTC +4 time zones)"
    assert (job.regions, job.tz_min, job.tz_max) == (["EMEA"], 0, 4)


def test_relative_dates_are_read_against_the_items_crawl_time():
    item = JobPosting(source="x", source_id="1", url="https://x", posted_raw="5 hours ago")
    normalize_item(item, datetime(2026, 3, 16, 12, tzinfo=UTC))
    assert item.posted_at == "2026-03-16T07:00:00Z" and item.posted_raw == "5 hours ago"


def test_a_pay_line_without_amounts_split_out_is_read():
    item = JobPosting(source="x", source_id="1", url="https://x", salary_raw="$80 - $140 per hour")
    normalize_item(item, NOW)
    assert (item.salary_min, item.salary_max, item.salary_currency, item.salary_period) == (
        80,
        140,
        "USD",
        "hour",
    )
    assert item.salary_source == "structured"


def test_implausible_structured_pay_is_null_with_its_raw_kept():
    item = JobPosting(
        source="x",
        source_id="1",
        url="https://x",
        salary_min=5,
        salary_max=9,
        salary_period="per-year-salary",
        salary_currency="USD",
        salary_raw="5-9 USD per-year-salary",
        salary_source="structured",
    )
    notes = normalize_item(item, NOW)
    assert item.salary_min is None and item.salary_max is None and item.salary_source is None
    assert item.salary_raw == "5-9 USD per-year-salary"
    assert any("implausible" in note for note in notes)


def test_crawled_rows_carry_the_normalised_fields(crawl):
    result = crawl("remoteok")
    assert result.returncode == 0, result.output
    rows = {r["source_id"]: r for r in result.rows("SELECT * FROM jobs")}
    assert len(rows) == 97
    assert {r["remote"] for r in rows.values()} == {"remote", "hybrid", "onsite"}
    assert sum(r["salary_source"] == "text" for r in rows.values()) >= 15
    job = rows["1130737"]  # London, "£57,000-£70,000"
    assert (job["salary_currency"], job["salary_min"], job["salary_source"]) == (
        "GBP",
        57000,
        "text",
    )
    assert json.loads(job["countries"]) == ["GB"]
    assert rows["1130756"]["employment_type"] == "contract"
    assert json.loads(rows["1130756"]["regions"]) == ["EU"]
    assert rows["1130710"]["seniority"] == "intern"


# --- issue 19: hollow records ----------------------------------------------------------------


def test_a_record_naming_no_title_company_or_location_is_flagged_hollow():
    # The real RemoteOK record with only an id, a date and a link.
    record = next(r for r in load_json(MIRROR / "remoteok.com" / "api") if r.get("id") == "1130784")
    job = parse_record(record, {})
    job.source = "remoteok"
    clean_item(job)
    notes = normalize_item(job, NOW)
    assert (job.title, job.company, job.location_raw) == (None, None, None)
    assert "hollow record: no title, company or location" in notes


@pytest.mark.parametrize(
    "fields",
    [{"title": "Data Engineer"}, {"company": "Acme"}, {"location_raw": "Remote, EU"}],
)
def test_one_named_field_is_enough_not_to_be_hollow(fields):
    item = JobPosting(source="x", source_id="1", url="https://x.test/1", **fields)
    assert not any("hollow" in note for note in normalize_item(item, NOW))

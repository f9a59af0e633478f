"""Ashby crawled end to end from the real recorded boards (linear, openevidence)."""

from __future__ import annotations

import copy
import json
import shutil

import pytest

from spiders.ashby import parse_record, remote_value, salary_fields
from tests.conftest import MIRROR, load_json

BOARDS = MIRROR / "api.ashbyhq.com" / "posting-api" / "job-board"

# Neither recorded board shows pay. This is the ``compensation`` object of a real
# Ashby posting that does (a public capture of the mercor board, "Administrative
# Generalist"): salary, bonus and equity components side by side.
SHOWN_COMPENSATION = {
    "compensationTierSummary": "$100K – $120K • Offers Equity • Offers Bonus",
    "scrapeableCompensationSalarySummary": "$100K - $120K",
    "compensationTiers": [],
    "summaryComponents": [
        {"compensationType": "EquityPercentage", "interval": "NONE", "currencyCode": None,
         "minValue": None, "maxValue": None},
        {"compensationType": "Bonus", "interval": "1 YEAR", "currencyCode": "USD",
         "minValue": None, "maxValue": None},
        {"compensationType": "Salary", "interval": "1 YEAR", "currencyCode": "USD",
         "minValue": 100000, "maxValue": 120000},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def linear():
    return load_json(BOARDS / "linear")


@pytest.fixture(scope="module")
def openevidence():
    return load_json(BOARDS / "openevidence")["jobs"]


def by_id(result) -> dict:
    return {r["source_id"]: r for r in result.rows("SELECT * FROM jobs")}


def test_default_board_list_lands_linear_field_by_field(crawl):
    result = crawl("ashby")
    assert result.returncode == 0, result.output
    rows = by_id(result)
    assert len(rows) == 2
    job = rows["linear/d3bc1ced-3ce4-4086-a050-555055dbb1ff"]
    assert job["source"] == "ashby"
    assert job["url"] == "https://jobs.ashbyhq.com/linear/d3bc1ced-3ce4-4086-a050-555055dbb1ff"
    assert job["apply_url"] == job["url"] + "/application"
    assert job["title"] == "Senior / Staff Fullstack Engineer"
    assert job["company"] == "Linear" and job["company_slug"] == "linear"
    assert job["department"] == "Product"
    assert job["employment_type_raw"] == "FullTime"
    assert job["location_raw"] == "Europe"
    assert job["remote_raw"] == "Remote"
    assert job["posted_raw"] == "2021-04-27T20:13:45.158+00:00"
    assert job["posted_at"] == "2021-04-27T20:13:45Z"
    assert job["salary_min"] is None and job["salary_source"] is None  # pay hidden
    extras = json.loads(job["extras"])
    assert extras["team"] == "Engineering" and extras["is_remote"] is True
    assert extras["address"] == {"addressCountry": "European Union"}
    assert job["description_text"].startswith("At Linear, we're building")
    assert rows["linear/cd5ae036-0223-427a-b038-ba16ef9dcb32"]["location_raw"] == "North America"


def test_secondary_locations_and_onsite(crawl):
    result = crawl("ashby", args=["-a", "companies=openevidence name=OpenEvidence"])
    assert result.returncode == 0, result.output
    job = by_id(result)["openevidence/4c577aae-1ad0-444b-9e15-2ad994333de4"]
    assert job["company"] == "OpenEvidence"
    assert job["title"] == "Member of Technical Staff"
    assert job["location_raw"] == "San Francisco | Miami"
    assert job["remote_raw"] == "OnSite"
    assert job["posted_at"] == "2026-01-22T21:44:44Z"


def test_unlisted_jobs_are_skipped_and_shown_pay_is_kept(crawl, make_replay, tmp_path, linear):
    board = copy.deepcopy(linear)
    board["jobs"][0]["isListed"] = False
    board["jobs"][1]["compensation"] = SHOWN_COMPENSATION
    root = tmp_path / "mirror"
    shutil.copytree(MIRROR / "api.ashbyhq.com", root / "api.ashbyhq.com")
    (root / "api.ashbyhq.com" / "posting-api" / "job-board" / "linear").write_text(
        json.dumps(board)
    )
    result = crawl("ashby", server=make_replay(root))
    assert result.returncode == 0, result.output
    rows = by_id(result)
    assert list(rows) == ["linear/cd5ae036-0223-427a-b038-ba16ef9dcb32"]
    stats = json.loads(result.scalar("SELECT stats FROM crawls"))
    assert stats["jobcrawl/records_skipped"] == 1
    assert result.scalar("SELECT COUNT(*) FROM rejects") == 0
    job = rows["linear/cd5ae036-0223-427a-b038-ba16ef9dcb32"]
    assert (job["salary_min"], job["salary_max"]) == (100000.0, 120000.0)
    assert job["salary_currency"] == "USD"
    assert job["salary_period"] == "year"  # "1 YEAR", read by the normaliser
    assert job["salary_raw"] == "100000-120000 USD 1 YEAR"
    assert job["salary_source"] == "structured"
    summary = json.loads(job["extras"])["compensation_summary"]
    assert summary == "$100K – $120K • Offers Equity • Offers Bonus"


def test_mapper_skips_unlisted_and_is_pure(linear):
    record = linear["jobs"][0]
    board = {"company_slug": "linear", "company_name": None}
    assert parse_record(record, board) == parse_record(record, board)
    assert parse_record(dict(record, isListed=False), board) is None
    assert parse_record({k: v for k, v in record.items() if k != "isListed"}, board) is not None


def test_mapper_reads_secondary_locations_as_objects_or_strings(openevidence):
    board = {"company_slug": "openevidence"}
    record = openevidence[0]
    assert parse_record(record, board).location_raw == "San Francisco | Miami"
    as_strings = dict(record, secondaryLocations=["New York City", "London", "san francisco"])
    assert parse_record(as_strings, board).location_raw == "San Francisco | New York City | London"


def test_remote_value_prefers_workplace_type(linear):
    record = linear["jobs"][0]
    assert remote_value(record) == "Remote"
    assert remote_value(dict(record, workplaceType=None)) == "true"
    assert remote_value(dict(record, workplaceType=None, isRemote=False)) is None
    assert remote_value(dict(record, workplaceType="Hybrid", isRemote=False)) == "Hybrid"


def test_salary_takes_the_salary_component_with_currency_and_interval_as_given():
    assert salary_fields(SHOWN_COMPENSATION)["salary_min"] == 100000
    assert salary_fields({"summaryComponents": []}) == {}
    assert salary_fields(None) == {}
    # Only a bonus: no pay range.
    assert salary_fields({"summaryComponents": SHOWN_COMPENSATION["summaryComponents"][:2]}) == {}
    salary = SHOWN_COMPENSATION["summaryComponents"][2]
    no_currency = {k: v for k, v in salary.items() if k not in ("currencyCode", "interval")}
    pay = salary_fields({"summaryComponents": [no_currency]})
    assert pay["salary_currency"] is None and pay["salary_period"] is None  # never assumed
    assert pay["salary_raw"] == "100000-120000"
    hourly = dict(salary, interval="1 HOUR", currencyCode="EUR", minValue=38, maxValue=44)
    assert salary_fields({"summaryComponents": [hourly]})["salary_period"] == "1 HOUR"
    with pytest.raises(TypeError):
        salary_fields({"summaryComponents": [{"compensationType": "Salary", "minValue": "lots"}]})


@pytest.mark.parametrize(
    "location, country, expected",
    [
        ("Remote", "Canada", ["CA"]),
        ("Fully Remote", "DE", ["DE"]),
        ("Remote", "European Union", []),  # a region, read from the text as such
        ("Toronto", "Canada", []),  # the text names the place: it is read as usual
        ("Remote", None, []),
    ],
)
def test_the_address_country_counts_when_the_location_is_just_remote(location, country, expected):
    record = {
        "id": "x", "title": "Engineer", "isListed": True, "location": location,
        "address": {"postalAddress": {"addressCountry": country} if country else {}},
    }  # fmt: skip
    assert parse_record(record, {"company_slug": "acme"}).countries == expected

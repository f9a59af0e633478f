"""Personio crawled end to end from real recorded XML feeds (three companies, captured
2026-09-27; provenance in ``tests/fixtures/PROVENANCE.md``), and its XML reading."""

from __future__ import annotations

import json

import pytest

from crawler.sources.jsonapi import load_xml_body
from spiders.personio import parse_record
from tests.conftest import MIRROR

FEED = MIRROR / "bauhauserde.jobs.personio.de" / "xml"


def test_default_board_list_lands_every_position_field_by_field(crawl):
    result = crawl("personio")
    assert result.returncode == 0, result.output
    rows = {r["source_id"]: r for r in result.rows("SELECT * FROM jobs")}
    assert len(rows) == 6
    assert {r["company_slug"] for r in rows.values()} == {
        "alpha-industries-gmbh-co-kg", "bauhauserde", "dhme"
    }  # fmt: skip
    job = rows["dhme/2811482"]
    assert job["url"] == "https://dhme.jobs.personio.de/job/2811482"  # built: the feed has none
    assert job["title"] == "Assistent teamleider assemblage"
    # No name= for dhme in the board list: the position's subcompany names the employer.
    assert job["company"] == "Daiwa House Modular Europe Jan Snel BV"
    assert job["department"] == "1030681_Productie Woningbouw (assemblage)"
    assert (job["salary_min"], job["salary_max"]) == (3500, 4000)
    assert (job["salary_currency"], job["salary_period"]) == ("EUR", "month")
    assert job["employment_type_raw"] == "permanent, full-time"
    assert job["employment_type"] == "full_time"
    assert job["posted_at"] == "2026-09-23T16:25:48Z"
    assert job["description_html"] is None  # an empty <jobDescriptions/>
    lead = rows["bauhauserde/2816168"]
    assert lead["company"] == "Bauhaus Erde"  # name= in the board list
    assert lead["location_raw"] == "Berlin | Remote"  # office and additionalOffices
    assert lead["remote"] == "remote"
    minijob = rows["alpha-industries-gmbh-co-kg/1613939"]
    assert (minijob["salary_min"], minijob["salary_max"]) == (14.5, None)
    assert minijob["salary_period"] == "hour"
    assert "Deine Aufgaben" in minijob["description_text"]  # sections with their headings
    assert json.loads(minijob["extras"])["recruitingCategory"] == "Minijobber"
    pool = rows["bauhauserde/1320952"]
    assert pool["salary_min"] is None and pool["employment_type"] == "temporary"
    assert pool["posted_at"] == "2018-07-31T09:25:04Z"


def test_the_feed_reads_as_data_and_maps_purely():
    data = load_xml_body(FEED.read_bytes())
    positions = data["workzag-jobs"]
    assert [p["id"] for p in positions] == ["2816170", "2816168", "1320952"]
    assert positions[0]["jobDescriptions"] == ""  # empty container
    assert positions[1]["additionalOffices"] == ["Remote"]  # one child, plural container
    assert positions[0]["salaryInformation"]["currencyCode"] == "IDR"
    assert positions[0]["name"] == "Local Research & Implementation Manager - Indonesia (m/w/x)"
    item = parse_record(positions[0], {"company_slug": "bauhauserde"})
    assert item.salary_raw == "47000000 IDR monthly" and item.salary_max is None
    assert item == parse_record(positions[0], {"company_slug": "bauhauserde"})
    with pytest.raises(ValueError):
        parse_record({**positions[0], "id": ""}, {"company_slug": "bauhauserde"})


def test_a_broken_feed_is_a_reject_and_entities_are_never_expanded():
    with pytest.raises(ValueError):
        load_xml_body(b"<workzag-jobs><position><id>1</id></workzag-jobs>")
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<workzag-jobs><position><id>&b;</id></position></workzag-jobs>"
    )
    data = load_xml_body(bomb)
    assert "aaaaaaaaaa" not in json.dumps(data)
    assert load_xml_body(b"<workzag-jobs></workzag-jobs>") == {"workzag-jobs": ""}

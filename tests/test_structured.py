"""The schema.org JobPosting reader and mapper (crawler/sources/structured.py), without the engine.

Postings here are trimmed from the fixture pages under data/mirror (RemoteWLB's
pages and the careers.example.test site built around real Lever/Ashby/Greenhouse records).
"""

from __future__ import annotations

import json

import pytest
from scrapy import Request
from scrapy.http import XmlResponse
from scrapy.utils.test import get_crawler

from crawler.sources.items import JobPosting
from crawler.sources.structured import (
    StructuredDataSpider,
    extract_jobpostings,
    find_jobpostings,
    load_jsonld,
    map_jobposting,
)
from tests.conftest import MIRROR

PAGE = {"url": "https://careers.example.test/jobs/1", "count": 1, "index": 0}
WELLTECH = MIRROR / "remotewlb.com" / "job" / "senior-automation-qa-engineer-140084"
HINGE = MIRROR / "careers.example.test" / "jobs" / "3414ba28-35f7-45d3-8e13-35c883959635"
OPENEVIDENCE = MIRROR / "careers.example.test" / "jobs" / "4c577aae-1ad0-444b-9e15-2ad994333de4"
GITLAB = MIRROR / "careers.example.test" / "jobs" / "8565469002"


def html_with(*blocks: str) -> str:
    scripts = "".join(f'<script type="application/ld+json">{b}</script>' for b in blocks)
    return f"<html><head>{scripts}</head><body><h1>x</h1></body></html>"


def posting_of(path) -> dict:
    postings, _errors = extract_jobpostings(path.read_text(encoding="utf-8"))
    assert len(postings) == 1
    return postings[0]


# --- finding JobPostings in pages -------------------------------------------------------------


def test_reads_the_jsonld_of_a_real_page():
    postings, errors = extract_jobpostings(WELLTECH.read_text(encoding="utf-8"))
    assert errors == []
    assert [p["title"] for p in postings] == ["Senior Automation QA Engineer"]


def test_a_broken_block_is_reported_and_the_other_block_still_read():
    postings, errors = extract_jobpostings(GITLAB.read_text(encoding="utf-8"))
    assert [p["title"] for p in postings] == ["AI Engineer"]
    assert len(errors) == 1 and errors[0].startswith("JSON-LD block 1 is not JSON")


def test_two_jobposting_blocks_on_one_page_give_two_postings():
    a = json.dumps({"@context": "https://schema.org", "@type": "JobPosting", "title": "A"})
    b = json.dumps({"@type": "JobPosting", "title": "B"})
    postings, errors = extract_jobpostings(html_with(a, b))
    assert [p["title"] for p in postings] == ["A", "B"] and errors == []


def test_graph_lists_iri_types_and_nesting_are_all_searched():
    data = [
        {"@graph": [{"@type": "WebSite"}, {"@type": ["JobPosting", "Thing"], "title": "in graph"}]},
        {"@type": "http://schema.org/JobPosting", "title": "iri"},
        {"@type": "WebPage", "mainEntity": {"@type": "JobPosting", "title": "nested"}},
        {"@type": "ItemList", "itemListElement": [{"item": {"@type": "JobPosting", "title": "i"}}]},
        {"@type": "Organization", "name": "not a job"},
    ]
    assert [p["title"] for p in find_jobpostings(data)] == ["in graph", "iri", "nested", "i"]


def test_graph_references_to_the_organisation_are_inlined():
    posting = posting_of(OPENEVIDENCE)
    assert posting["hiringOrganization"]["name"] == "OpenEvidence"
    assert map_jobposting(posting, PAGE).company == "OpenEvidence"


def test_common_non_json_wrappers_are_repaired_and_garbage_is_an_error():
    assert load_jsonld('<!-- {"@type": "JobPosting", "title": "x",} -->')["title"] == "x"
    assert load_jsonld('// generated\n{"a": [1, 2,],}') == {"a": [1, 2]}
    assert load_jsonld('{"description": "line one\nline two"}')["description"].count("\n") == 1
    with pytest.raises(ValueError):
        load_jsonld('{"@type": "JobPosting", "title": ')
    postings, errors = extract_jobpostings(html_with("not json at all", ""))
    assert postings == [] and len(errors) == 1


# --- mapping one JobPosting -------------------------------------------------------------------


def test_maps_a_full_posting_with_structured_salary():
    item = map_jobposting(posting_of(HINGE), PAGE)
    assert isinstance(item, JobPosting)
    assert item.source_id == "3414ba28-35f7-45d3-8e13-35c883959635"  # identifier.value
    assert item.title == "Android Engineer III"
    assert item.company == "Hinge"
    assert item.location_raw == "New York, New York, US"
    assert item.countries == ["US"]  # addressCountry is an ISO code: structural
    assert item.employment_type_raw == "FULL_TIME"
    assert item.posted_raw == "2026-05-19T20:38:11.267Z"
    assert (item.salary_min, item.salary_max) == (150000.0, 180000.0)
    assert (item.salary_currency, item.salary_period) == ("USD", "YEAR")
    assert item.salary_raw == "150000-180000 USD per YEAR"
    assert item.salary_source == "structured"
    assert item.description_html.startswith("<div><b")
    assert item.remote_raw is None  # nothing said: the normaliser decides
    assert map_jobposting(posting_of(HINGE), PAGE) == item  # pure: same input, same output


def test_telecommute_applicant_location_and_escaped_description():
    item = map_jobposting(posting_of(GITLAB), PAGE)
    assert item.remote_raw == "TELECOMMUTE"
    assert item.location_raw == "US" and item.countries == ["US"]
    assert item.source_id == "8565469002"  # a bare numeric identifier
    assert item.description_html.startswith('<div class="content-intro"><p>GitLab is')


def test_several_job_locations_are_joined_and_country_names_are_not_codes():
    item = map_jobposting(posting_of(OPENEVIDENCE), PAGE)
    assert item.location_raw == (
        "San Francisco, California, United States | Miami, Florida, United States"
    )
    assert item.countries == []  # names are text for the normaliser, not structured codes


def test_a_posting_with_only_a_title_maps_with_empty_fields():
    item = map_jobposting({"@type": "JobPosting", "title": "Cook"}, PAGE)
    assert item.title == "Cook" and item.source_id == PAGE["url"] and item.url == PAGE["url"]
    assert item.company is None and item.location_raw is None and item.posted_raw is None
    assert item.salary_min is None and item.salary_raw is None and item.salary_source is None
    assert item.extras == {} and item.countries == []


def test_identity_falls_back_to_the_postings_url_then_page_position():
    own = {"@type": "JobPosting", "url": "https://careers.example.test/jobs/7?ref=ld"}
    item = map_jobposting(own, PAGE)
    assert item.source_id == "https://careers.example.test/jobs/7?ref=ld"
    assert item.url == PAGE["url"]  # the page it was read from: the sitemap's URL
    listing = {"url": "https://careers.example.test/jobs", "count": 2, "index": 1}
    assert map_jobposting(own, listing).url == "https://careers.example.test/jobs/7?ref=ld"
    item = map_jobposting({"@type": "JobPosting", "title": "x"}, listing)
    assert item.source_id == "https://careers.example.test/jobs#1"
    assert item.url == "https://careers.example.test/jobs"


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        (
            {"@type": "MonetaryAmount", "currency": "EUR",
             "value": {"@type": "QuantitativeValue", "value": 25, "unitText": "HOUR"}},
            (25.0, 25.0, "EUR", "HOUR", "25 EUR per HOUR"),
        ),
        (
            {"@type": "MonetaryAmount", "value": "55,000", "unitText": "YEAR"},
            (55000.0, 55000.0, None, "YEAR", "55000 per YEAR"),
        ),
        (
            [{"@type": "MonetaryAmount", "currency": "GBP",
              "value": {"minValue": "40000", "unitText": "YEAR"}}],
            (40000.0, None, "GBP", "YEAR", "40000 GBP per YEAR"),
        ),
    ],
)  # fmt: skip
def test_salary_shapes(base, expected):
    item = map_jobposting({"@type": "JobPosting", "baseSalary": base}, PAGE)
    got = (item.salary_min, item.salary_max, item.salary_currency, item.salary_period)
    assert (*got, item.salary_raw) == expected


def test_salary_without_numbers_is_kept_as_text_only():
    item = map_jobposting({"@type": "JobPosting", "baseSalary": "Competitive"}, PAGE)
    assert item.salary_raw == "Competitive" and item.salary_min is None
    assert item.salary_source is None


def test_lists_of_values_are_joined_as_given():
    posting = {
        "@type": "JobPosting",
        "employmentType": ["FULL_TIME", "CONTRACTOR"],
        "jobLocationType": ["TELECOMMUTE"],
        "hiringOrganization": "Acme",
        "applicantLocationRequirements": [
            {"@type": "Country", "name": "DE"},
            {"@type": "Country", "name": "France"},
        ],
    }
    item = map_jobposting(posting, PAGE)
    assert item.employment_type_raw == "FULL_TIME, CONTRACTOR"
    assert item.remote_raw == "TELECOMMUTE"
    assert item.company == "Acme"
    assert item.location_raw == "DE | France" and item.countries == ["DE"]


def test_a_posting_that_is_not_an_object_cannot_be_mapped():
    with pytest.raises(TypeError):
        map_jobposting(["not", "an", "object"], PAGE)


# --- sitemap discovery keeps lastmod in request meta -----------------------------------------


def test_sitemap_requests_carry_the_entry_and_its_lastmod_in_meta():
    crawler = get_crawler(StructuredDataSpider)
    spider = StructuredDataSpider.from_crawler(crawler, name="t")
    crawler.stats.open_spider()
    url = "https://remotewlb.com/sitemaps/jobs/2026-09-1"
    body = (MIRROR / "remotewlb.com" / "sitemaps" / "jobs" / "2026-09-1").read_bytes()
    response = XmlResponse(url, body=body, request=Request(url, meta={"board": {}}))
    requests = list(spider._parse_sitemap(response))
    assert [r.url for r in requests] == [
        "https://remotewlb.com/job/software-engineer-web-crawling",
        "https://remotewlb.com/job/senior-automation-qa-engineer-140084",
    ]
    assert [r.meta["lastmod"] for r in requests] == ["2026-09-21T06:12:44Z", "2026-09-04T10:00:00Z"]
    assert requests[0].meta["sitemap_entry"] == {
        "loc": "https://remotewlb.com/job/software-engineer-web-crawling",
        "lastmod": "2026-09-21T06:12:44+00:00",
    }

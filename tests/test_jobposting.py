"""Any JobPosting site by configuration: spiders/jobposting.py + a [[site]] entry.

The replayed sites (data/mirror/careers.example.test and jobs.example.test) were
built around real records from ../shared/samples: careers.example.test/jobs/<id> pages embed
Lever matchgroup's Android Engineer III (with its salaryRange as a MonetaryAmount), Ashby
openevidence's Member of Technical Staff (in a Yoast-style @graph) and Greenhouse gitlab's AI
Engineer (entity-escaped description, after a truncated breadcrumb block); its
Account Executive - Italy page is kept as a closed job (no JobPosting left). jobs.example.test
lists Ashby linear's two postings on a listing page.
"""

from __future__ import annotations

import json

import pytest

from spiders.jobposting import JobPostingSpider, load_sites
from tests.conftest import FIXTURES, ROOT

CONFIG = FIXTURES / "jobposting.toml"


def test_configured_sites_land_rows_under_their_names(crawl, replay):
    result = crawl("jobposting", args=["-a", f"config={CONFIG}"])
    assert result.returncode == 0, result.output
    rows = {(r["source"], r["source_id"]): r for r in result.rows("SELECT * FROM jobs")}
    assert sorted(rows) == [
        ("examplecareers", "3414ba28-35f7-45d3-8e13-35c883959635"),
        ("examplecareers", "4c577aae-1ad0-444b-9e15-2ad994333de4"),
        ("examplecareers", "8565469002"),
        ("examplelisting", "https://jobs.example.test/openings/cd5ae036-0223-427a-b038-ba16ef9dcb32"),
        ("examplelisting", "https://jobs.example.test/openings/d3bc1ced-3ce4-4086-a050-555055dbb1ff"),
    ]  # fmt: skip

    hinge = rows[("examplecareers", "3414ba28-35f7-45d3-8e13-35c883959635")]
    assert hinge["title"] == "Android Engineer III" and hinge["company"] == "Hinge"
    assert hinge["url"] == "https://careers.example.test/jobs/3414ba28-35f7-45d3-8e13-35c883959635"
    assert (hinge["salary_min"], hinge["salary_max"], hinge["salary_currency"]) == (
        150000.0,
        180000.0,
        "USD",
    )
    assert hinge["salary_period"] == "year" and hinge["salary_source"] == "structured"
    assert hinge["posted_at"] == "2026-05-19T20:38:11Z"
    assert hinge["lastmod"] == "2026-05-19T20:38:11Z"
    assert json.loads(hinge["countries"]) == ["US"]

    gitlab = rows[("examplecareers", "8565469002")]
    assert gitlab["company"] == "GitLab" and gitlab["remote_raw"] == "TELECOMMUTE"
    assert gitlab["lastmod"] == "2026-07-16T12:40:10Z"  # -04:00 in the sitemap
    assert gitlab["description_text"].startswith("GitLab is the intelligent orchestration")
    assert "&lt;" not in gitlab["description_html"]

    evidence = rows[("examplecareers", "4c577aae-1ad0-444b-9e15-2ad994333de4")]
    assert evidence["company"] == "OpenEvidence"  # resolved through @graph's @id
    assert evidence["location_raw"] == (
        "San Francisco, California, United States | Miami, Florida, United States"
    )

    listed = [r for (source, _), r in rows.items() if source == "examplelisting"]
    assert {r["location_raw"] for r in listed} == {"European Union", "United States"}
    assert all(r["company"] == "Linear" and r["lastmod"] is None for r in listed)

    # The closed job page is kept as a reject; /about (listed, but not a job URL) never fetched.
    rejects = result.rows("SELECT source, url, reason FROM rejects")
    assert [tuple(r) for r in rejects] == [
        ("examplecareers", "https://careers.example.test/jobs/8503792002",
         "no JobPosting JSON-LD on the page"),
    ]  # fmt: skip
    assert replay.count("/careers.example.test/about") == 0
    assert replay.count("/jobs.example.test/about") == 0
    assert "JSON-LD block 1 is not JSON" in result.output


def test_the_shipped_config_crawls_nothing_unless_a_site_is_named(crawl):
    idle = crawl("jobposting")
    assert idle.returncode == 0, idle.output
    assert "no JobPosting site enabled" in idle.output
    assert idle.scalar("SELECT COUNT(*) FROM jobs") == 0

    demo = crawl("jobposting", args=["-a", "sites=demo"])
    assert demo.returncode == 0, demo.output
    assert demo.scalar("SELECT COUNT(*) FROM jobs WHERE source = 'demo'") == 3


def test_an_unknown_site_name_stops_the_crawl(crawl):
    result = crawl("jobposting", args=["-a", "sites=nosuchsite"])
    assert result.returncode != 0
    assert "unknown sites ['nosuchsite']" in result.output


def test_the_shipped_config_is_valid_and_its_demo_is_disabled():
    sites = load_sites(ROOT / "data" / "boards" / "jobposting.toml")
    assert [(s["name"], s["enabled"]) for s in sites] == [("demo", False)]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('name = "a"\nsitemap = "https://a.test/s.xml"\nsitemaps = []', "unknown keys"),
        ('name = "A b"\nsitemap = "https://a.test/s.xml"', "name must be"),
        ('name = "a"', "give a sitemap or listing_urls"),
        ('name = "a"\nsitemap = "a.test/sitemap.xml"', "not an http(s) URL"),
        ('name = "a"\nlisting_urls = ["https://a.test/"]\njob_url_pattern = "("', "not a regex"),
        ('name = "a"\nsitemap = "https://a.test/s.xml"\nenabled = "yes"', "enabled must be"),
    ],
)
def test_a_bad_entry_is_named_in_the_error(tmp_path, entry, message):
    path = tmp_path / "sites.toml"
    path.write_text(f"[[site]]\n{entry}\n")
    with pytest.raises(ValueError, match="sites.toml") as error:
        load_sites(path)
    assert message in str(error.value)


def test_a_name_used_twice_is_an_error(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text('[[site]]\nname = "a"\nsitemap = "https://a.test/s.xml"\n' * 2)
    with pytest.raises(ValueError, match="used twice"):
        load_sites(path)


def test_allowed_domains_are_the_sites_domains_without_www(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text(
        '[[site]]\nname = "a"\nsitemap = "https://www.acme.test/sitemap.xml"\n'
        '[[site]]\nname = "b"\nlisting_urls = ["https://jobs.other.test/open"]\n'
        'job_url_pattern = "/open/"\nenabled = false\n'
    )
    assert JobPostingSpider(config=str(path)).allowed_domains == ["acme.test"]
    both = JobPostingSpider(config=str(path), sites="a,b")
    assert both.allowed_domains == ["acme.test", "jobs.other.test"]

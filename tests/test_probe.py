"""``scrapy probe``: a careers page's platform (and board-list line), its JSON-LD (and
``jobposting.toml`` entry), or neither and why; on recorded pages and through the command."""

from __future__ import annotations

import shutil
import tomllib

import pytest

from crawler.commands.probe import candidates
from crawler.sources.probe import examine, platform_of_url, platforms_in
from tests.conftest import FIXTURES, MIRROR, run_scrapy

FRONTPAGE = FIXTURES / "html" / "remoteok_frontpage.html"
JOB_PAGE = MIRROR / "careers.example.test" / "jobs" / "8565469002"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CRAWL_DELAY_ENABLED=0"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://jobs.lever.co/matchgroup", ("lever", "matchgroup")),
        ("https://jobs.eu.lever.co/someeuco/abc", ("lever", "someeuco")),
        ("https://job-boards.greenhouse.io/gitlab/jobs/8503792002", ("greenhouse", "gitlab")),
        ("https://boards.greenhouse.io/embed/job_board?for=gitlab", ("greenhouse", "gitlab")),
        ("https://jobs.ashbyhq.com/linear", ("ashby", "linear")),
        ("https://apply.workable.com/kroo/", ("workable", "kroo")),
        ("https://manual.recruitee.com/o/data-analyst", ("recruitee", "manual")),
        ("https://avidbots.bamboohr.com/careers/693", ("bamboohr", "avidbots")),
        ("https://auroraer.pinpointhq.com/en/postings/0e0d81c3", ("pinpoint", "auroraer")),
        ("https://dhme.jobs.personio.de/job/2811482", ("personio", "dhme")),
        (
            "https://jobs.smartrecruiters.com/Gousto1/744000005631445",
            ("smartrecruiters", "Gousto1"),
        ),
        ("https://apply.workable.com/j/83183A94A5", None),  # a job link names no account
        ("https://careers.example.test/jobs/1", None),
        ("https://www.recruitee.com/pricing", None),  # the platform's own site
    ],
)
def test_platform_from_the_address(url, expected):
    assert platform_of_url(url) == expected


@pytest.mark.parametrize(
    ("recorded", "expected"),
    [
        ("boards-api.greenhouse.io/v1/boards/gitlab/jobs", ("greenhouse", "gitlab")),
        ("api.lever.co/v0/postings/matchgroup", ("lever", "matchgroup")),
        ("api.ashbyhq.com/posting-api/job-board/linear", ("ashby", "linear")),
        ("manual.recruitee.com/api/offers/index", ("recruitee", "manual")),
        ("auroraer.pinpointhq.com/postings.json", ("pinpoint", "auroraer")),
        ("api.smartrecruiters.com/v1/companies/Gousto1/postings", ("smartrecruiters", "Gousto1")),
        # Their answers link jobs by id only: recognised from the address, never guessed.
        ("apply.workable.com/api/v1/widget/accounts/kroo", None),
        ("avidbots.bamboohr.com/careers/list", None),
    ],
)
def test_platform_named_in_recorded_pages(recorded, expected):
    found = platforms_in((MIRROR / recorded).read_text(encoding="utf-8"))
    assert (found[0] if found else None) == expected


def test_jsonld_page_gets_a_ready_site_entry():
    finding = examine("https://careers.example.test/jobs/8565469002", JOB_PAGE.read_text())
    assert finding.kind == "jsonld" and finding.postings == 1
    entry = tomllib.loads(finding.lines[-1])["site"][0]
    assert entry["listing_urls"] == ["https://careers.example.test/jobs/8565469002"]
    assert entry["job_url_pattern"] == "/jobs/" and entry["name"] == "example"


def test_remoteok_front_page_is_neither_and_says_why():
    finding = examine("https://remoteok.com/", FRONTPAGE.read_text(encoding="utf-8"))
    assert finding.kind == "neither"
    text = "\n".join(finding.lines)
    assert "no JobPosting JSON-LD (JSON-LD of type Organization, Product only)" in text
    assert "filled by JavaScript" in text and "looked for ashby, bamboohr" in text


def test_domain_candidates():
    assert candidates("acme.com") == [
        "https://acme.com/careers", "https://acme.com/jobs", "https://acme.com/",
    ]  # fmt: skip
    assert candidates("acme.com/join-us") == ["https://acme.com/join-us"]


def probe(target, server):
    return run_scrapy(["probe", target, "-s", f"MIRROR_URL={server.url}", *FAST])


def test_command_platform_page_is_confirmed_by_its_api(replay):
    proc = probe("https://job-boards.greenhouse.io/gitlab", replay)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "data/boards/greenhouse.txt:  gitlab" in proc.stdout
    assert "answers with 2 posting(s)" in proc.stdout
    unknown = probe("https://jobs.lever.co/nosuchcompany", replay)
    assert "answers HTTP 404: the platform does not know it" in unknown.stdout, unknown.stdout


def test_command_jsonld_site_and_saved_page(replay):
    proc = probe("https://careers.example.test/jobs/8565469002", replay)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "carries 1 schema.org JobPosting(s)" in proc.stdout and "[[site]]" in proc.stdout
    saved = run_scrapy(["probe", str(FRONTPAGE)])
    assert saved.returncode == 1 and "neither holds" in saved.stdout


def test_command_domain_tries_careers_pages_then_home(tmp_path, make_replay):
    (tmp_path / "remoteok.com").mkdir()
    shutil.copy(FRONTPAGE, tmp_path / "remoteok.com" / "index")
    server = make_replay(tmp_path)
    proc = probe("remoteok.com", server)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "https://remoteok.com/: neither holds" in proc.stdout
    assert server.count("/remoteok.com/careers") == 1 and server.count("/remoteok.com/jobs") == 1

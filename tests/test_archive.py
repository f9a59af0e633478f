"""Markdown archive import: ``scrapy crawl archive -a path=DIR``.

tests/fixtures/archive holds the real archived pages from ../shared/samples (archive/*.md and
RemoteWLB's own mirror, remotewlb/mirror_*.md) plus plain_10x-team_go-to-market-strategist.md,
a "Key: value" document derived from RemoteOK API record 1130756 (no real sample of that layout
exists): its header lines render that record's fields, its body is the record's description.
"""

from __future__ import annotations

import json
import shutil

import pytest

from crawler.sources.archive import board_ref, parse_markdown, repair_macroman
from tests.conftest import FIXTURES

ARCHIVE = FIXTURES / "archive"
REF = {"url": "file:///archive/x.md", "name": "x.md"}
FIELDS = ("source", "source_id", "title", "company", "location_raw", "salary_raw", "posted_raw",
          "posted_at", "url", "apply_url")  # fmt: skip

EXPECTED = {
    "lever_vitaminsoftware_backend-engineer.md": (
        "lever", "vitaminsoftware/04b9eeb5-31f9-4dc0-8328-cf7d70cb00da",
        "Backend Software Engineer", "Vitamin Software", "Remote-EU", None, "1607472000000",
        "2020-12-09T00:00:00Z",
        "https://jobs.lever.co/vitaminsoftware/04b9eeb5-31f9-4dc0-8328-cf7d70cb00da",
        "https://jobs.lever.co/vitaminsoftware/04b9eeb5-31f9-4dc0-8328-cf7d70cb00da/apply",
    ),
    "remoteok_heetch_engineering-manager.md": (
        "remoteok", "71314", "Engineering Manager", "Heetch", None, None,
        "2019-02-21T09:29:14-08:00", "2019-02-21T17:29:14Z",
        "https://remoteok.com/remote-jobs/71314", None,
    ),
    "remotewlb_qonto_backend-team-lead.md": (
        "remotewlb", "backend-team-lead-remote-83114", "Backend Team Lead - remote", "Qonto",
        "Portugal", None, None, None,
        "https://remotewlb.com/job/backend-team-lead-remote-83114",
        "https://www.remotewlb.com/apply/backend-team-lead-remote-83114",
    ),
    "mirror_code-infra-engineer.md": (
        "remotewlb", "code-infra-engineer", "Code infra engineer", None, None, None, None, None,
        "https://remotewlb.com/job/code-infra-engineer",
        "https://www.remotewlb.com/apply/code-infra-engineer",
    ),
    "mirror_senior-automation-qa-engineer-140084.md": (
        "remotewlb", "senior-automation-qa-engineer-140084", "Senior Automation QA Engineer",
        None, None, None, None, None,
        "https://remotewlb.com/job/senior-automation-qa-engineer-140084",
        "https://www.remotewlb.com/apply/senior-automation-qa-engineer-140084",
    ),
    "mirror_software-engineer-web-crawling.md": (
        "remotewlb", "software-engineer-web-crawling", "Software Engineer – Web Crawling", None,
        None, None, None, None,
        "https://remotewlb.com/job/software-engineer-web-crawling",
        "https://www.remotewlb.com/apply/software-engineer-web-crawling",
    ),
    "plain_10x-team_go-to-market-strategist.md": (
        "archive", None, "Go To Market Strategist AI Trainer Freelance 8 20 hrs week", "10x Team",
        "London", "$80 - $140 per hour", "2026-03-13", "2026-03-13T00:00:00Z", None, None,
    ),
}  # fmt: skip


@pytest.fixture
def imported(crawl):
    result = crawl("archive", args=["-a", f"path={ARCHIVE}"])
    assert result.returncode == 0, result.output
    return result


def test_every_file_lands_with_its_fields(imported):
    rows = {json.loads(r["extras"])["archive_file"]: r for r in imported.rows("SELECT * FROM jobs")}
    assert sorted(rows) == sorted(EXPECTED)
    for name, expected in EXPECTED.items():
        got = tuple(rows[name][f] for f in FIELDS)
        if name.startswith("plain_"):  # no link to a board: a hashed id and the file's URL
            assert got[1].startswith("md-") and got[8] == (ARCHIVE / name).resolve().as_uri()
            got = (*got[:1], None, *got[2:8], None, *got[9:])
        assert got == expected, name
    assert imported.scalar("SELECT COUNT(*) FROM rejects") == 0


def test_bodies_become_clean_html_and_text(imported):
    rows = {json.loads(r["extras"])["archive_file"]: r for r in imported.rows("SELECT * FROM jobs")}
    qonto = rows["remotewlb_qonto_backend-team-lead.md"]
    # The file went through a Mac Roman round trip (üåè for 🌏, ‚Ä¢ for •): repaired.
    assert qonto["description_text"].startswith("🌏 Location: You can choose to work")
    assert "Manage a team of 3 to 5 Backend Engineers" in qonto["description_text"]
    assert "‚Ä" not in qonto["description_text"] and "üå" not in qonto["description_text"]
    # RemoteWLB's closing "CLICK TO APPLY" link is not part of the description.
    crawling = rows["mirror_software-engineer-web-crawling.md"]
    assert "CLICK TO" not in crawling["description_text"]
    assert "<h2><strong>About the Role</strong></h2>" in crawling["description_html"]
    lever = rows["lever_vitaminsoftware_backend-engineer.md"]
    assert "<h2>Responsibilities</h2>" in lever["description_html"]
    assert json.loads(lever["tags"])[:3] == ["aws", "azure", "monitoring"]
    assert lever["company_slug"] == "vitaminsoftware"
    heetch = rows["remoteok_heetch_engineering-manager.md"]
    assert heetch["description_text"].startswith("Marketplace team @ Heetch")
    assert json.loads(heetch["tags"]) == ["exec", "engineer"]
    plain = rows["plain_10x-team_go-to-market-strategist.md"]
    assert plain["employment_type_raw"] == "Freelance, part-time"
    assert plain["description_text"].startswith("Updated: 12 March 2026")
    assert "<iframe" not in plain["description_html"]  # sanitised like any board's HTML


def test_reimport_adds_no_duplicate(crawl, tmp_path):
    # Re-importing from another folder (a fresh checkout of the archive) is still no new row.
    first = crawl("archive", args=["-a", f"path={ARCHIVE}"])
    moved = tmp_path / "elsewhere"
    shutil.copytree(ARCHIVE, moved / "nested")
    second = crawl("archive", args=["-a", f"path=file://{moved}"])
    assert first.returncode == 0 and second.returncode == 0, second.output
    assert second.scalar("SELECT COUNT(*) FROM jobs") == len(EXPECTED)
    crawls = second.rows("SELECT items_new, items_updated, items_unchanged FROM crawls")
    # Only the plain file's row changes: its URL is the file's own location.
    assert [tuple(c) for c in crawls] == [(7, 0, 0), (0, 1, 6)]


def test_a_missing_path_stops_the_import(crawl, tmp_path):
    result = crawl("archive", args=["-a", f"path={tmp_path / 'nope'}"])
    assert result.returncode != 0 and "does not exist" in result.output
    result = crawl("archive")
    assert result.returncode != 0 and "archive needs -a path=DIR" in result.output


def test_a_file_that_cannot_be_read_is_rejected_and_the_rest_land(crawl, tmp_path):
    folder = tmp_path / "archive"
    shutil.copytree(ARCHIVE, folder)
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n")
    (folder / "latin1.md").write_bytes("# Café\nLocation: Zürich\n".encode("latin-1"))
    result = crawl("archive", args=["-a", f"path={folder}"])
    assert result.returncode == 0, result.output
    assert result.scalar("SELECT COUNT(*) FROM jobs") == len(EXPECTED)
    reasons = [r["reason"] for r in result.rows("SELECT reason FROM rejects ORDER BY url")]
    assert len(reasons) == 2
    assert "broken.md" in reasons[0] and "front matter is not YAML" in reasons[0]
    assert "latin1.md" in reasons[1] and "UnicodeDecodeError" in reasons[1]


# --- the parser, without the engine ---------------------------------------------------------


def test_plain_document_with_bold_keys_links_and_a_body_that_starts_with_a_colon():
    text = (
        "# Payroll Analyst\n\n"
        "**Company:** Whatnot\n"
        "**Location**: New York\n"
        "Salary: 95000-105000 USD/year\n"
        "Visa: no\n"
        "Apply: [apply here](https://jobs.example.test/payroll)\n\n"
        "Note: this role sits in Finance.\n"
    )
    item = parse_markdown(text, REF)
    assert (item.title, item.company, item.location_raw) == (
        "Payroll Analyst",
        "Whatnot",
        "New York",
    )
    assert item.salary_raw == "95000-105000 USD/year"
    assert item.apply_url == "https://jobs.example.test/payroll"
    assert item.extras["Visa"] == "no"
    assert item.description_html == "<p>Note: this role sits in Finance.</p>"
    assert item.source == "archive" and item.url == REF["url"]
    assert parse_markdown(text, REF) == item


def test_a_body_line_is_not_taken_for_a_key_before_any_known_key():
    item = parse_markdown("# Chef\nNote: we cook.\nLocation: Paris\n", REF)
    assert item.location_raw is None
    assert "Location: Paris" in item.description_html


def test_identity_is_stable_and_does_not_depend_on_the_file():
    text = (ARCHIVE / "plain_10x-team_go-to-market-strategist.md").read_text(encoding="utf-8")
    a = parse_markdown(text, {"url": "file:///a/one.md", "name": "one.md"})
    b = parse_markdown(text, {"url": "file:///b/two.md", "name": "two.md"})
    assert a.source_id == b.source_id and a.source_id.startswith("md-")
    other = parse_markdown(text.replace("10x Team", "11x Team"), REF)
    assert other.source_id != a.source_id


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://jobs.lever.co/matchgroup/3414ba28-35f7-45d3-8e13-35c883959635/apply",
         ("lever", "matchgroup/3414ba28-35f7-45d3-8e13-35c883959635", "matchgroup")),
        ("https://job-boards.greenhouse.io/gitlab/jobs/8565469002",
         ("greenhouse", "gitlab/8565469002", "gitlab")),
        ("https://jobs.ashbyhq.com/linear/d3bc1ced-3ce4-4086-a050-555055dbb1ff/application",
         ("ashby", "linear/d3bc1ced-3ce4-4086-a050-555055dbb1ff", "linear")),
        ("https://remoteOK.com/remote-jobs/remote-benefits-advisor-fisher-agencies-1130788",
         ("remoteok", "1130788", None)),
        ("https://www.remotewlb.com/apply/code-infra-engineer",
         ("remotewlb", "code-infra-engineer", None)),
        ("https://careers.example.test/jobs/1", None),
    ],
)  # fmt: skip
def test_board_links_give_the_ids_the_board_spiders_use(url, expected):
    assert board_ref(url) == expected


def test_macroman_repair_leaves_correct_utf8_alone():
    assert repair_macroman("Zürich – 🌎 café") == "Zürich – 🌎 café"
    assert repair_macroman("\uf8ffüåé Portugal ‚Ä¢ x") == "🌎 Portugal • x"


def test_an_archived_copy_never_overwrites_the_live_posting(crawl):
    live = crawl("remotewlb")
    assert live.returncode == 0, live.output
    slug = "senior-automation-qa-engineer-140084"
    before = live.rows("SELECT * FROM jobs WHERE source = 'remotewlb' AND source_id = ?", slug)[0]
    archived = crawl("archive", args=["-a", f"path={ARCHIVE}"])
    assert archived.returncode == 0, archived.output
    after = archived.rows("SELECT * FROM jobs WHERE source = 'remotewlb' AND source_id = ?", slug)
    assert len(after) == 1
    # RemoteWLB's own mirror says company "None": the live page's name stays.
    assert after[0]["company"] == before["company"] and before["company"]
    assert after[0]["content_hash"] == before["content_hash"]
    assert after[0]["last_crawl_id"] == before["last_crawl_id"]
    assert archived.scalar("SELECT COUNT(*) FROM job_versions") == 0


# --- issue 19: archive layouts ----------------------------------------------------------------


def test_a_list_pages_heading_is_not_the_job_title():
    page = (
        "# NordicDev Careers\n"
        "Open positions\n"
        "Senior Data Engineer\n"
        "Location : Remote (Europe)\n"
        "Salary : €60k-€80k/year\n"
        "Job Type : Full-time\n"
        "\n"
        "You will build our pipelines.\n"
    )
    item = parse_markdown(page, REF)
    assert item.title == "Senior Data Engineer"
    assert item.location_raw == "Remote (Europe)"
    assert item.salary_raw == "€60k-€80k/year"
    assert item.employment_type_raw == "Full-time"
    assert item.extras["archive_list"] == "NordicDev Careers"
    assert "pipelines" in item.description_html


def test_a_caption_line_marks_the_heading_as_a_list_even_without_list_words():
    page = "# remote.example\nLatest openings\nQA Analyst\nLocation: Remote, Canada\n\nBody.\n"
    item = parse_markdown(page, REF)
    assert (item.title, item.location_raw) == ("QA Analyst", "Remote, Canada")


def test_a_job_heading_with_a_company_line_stays_a_job_heading():
    # "Acme Corp" under a job title is no list caption: the plain layout is unchanged.
    page = "# Backend Engineer\nLocation: Remote\nSalary: $100k\n\nBody.\n"
    item = parse_markdown(page, REF)
    assert (item.title, item.location_raw) == ("Backend Engineer", "Remote")
    assert "archive_list" not in item.extras


def test_remotewlb_pay_and_location_chips_are_read_apart():
    page = (
        "# [Staff Engineer](https://www.remotewlb.com/apply/staff-engineer-1)  \n"
        "### Example Co  \n"
        "#### `💰 $150,000-171,000` `🌎 remote,Remote US Canada`  \n"
        "\n"
        "Body.\n"
    )
    item = parse_markdown(page, REF)
    assert item.location_raw == "remote,Remote US Canada"
    assert item.salary_raw == "$150,000-171,000"  # the currency sign is the value's

"""Greenhouse crawled end to end from the real recorded boards (gitlab, smarterdx)."""

from __future__ import annotations

import json

import pytest

from spiders.greenhouse import parse_record
from tests.conftest import MIRROR, load_json

BOARDS = MIRROR / "boards-api.greenhouse.io" / "v1" / "boards"


@pytest.fixture(scope="module")
def gitlab():
    return load_json(BOARDS / "gitlab" / "jobs")["jobs"]


def by_id(result) -> dict:
    return {r["source_id"]: r for r in result.rows("SELECT * FROM jobs")}


def test_default_board_list_lands_gitlab_field_by_field(crawl):
    result = crawl("greenhouse")
    assert result.returncode == 0, result.output
    rows = by_id(result)
    assert set(rows) == {"gitlab/8503792002", "gitlab/8565469002"}

    job = rows["gitlab/8503792002"]
    assert job["source"] == "greenhouse"
    assert job["url"] == "https://job-boards.greenhouse.io/gitlab/jobs/8503792002"
    assert job["title"] == "Account Executive - Italy"
    assert job["company"] == "GitLab"  # the board's own company_name
    assert job["company_slug"] == "gitlab"
    assert job["department"] == "EMEA - Commercial"
    assert job["location_raw"] == "Remote, Italy | Italy"  # location.name, then the office
    assert job["posted_raw"] == "2026-04-17T05:58:03-04:00"  # first_published
    assert job["posted_at"] == "2026-04-17T09:58:03Z"
    extras = json.loads(job["extras"])
    assert extras["updated_at"] == "2026-07-17T08:48:22-04:00"
    assert extras["offices"] == ["Italy"] and extras["requisition_id"] == "6263"
    # content was entity-escaped HTML: unescaped once, then sanitised like any description.
    assert job["description_html"].startswith("<div><p>GitLab is the intelligent")
    assert "&lt;" not in job["description_html"] and "&quot;" not in job["description_html"]
    assert "<div" not in job["description_text"]
    assert "Equity Compensation & Employee Stock Purchase Plan" in job["description_text"]
    assert job["remote_raw"] is None and job["employment_type_raw"] is None

    ai = rows["gitlab/8565469002"]
    assert ai["title"] == "AI Engineer"
    assert ai["location_raw"] == "Remote, US | United States of America"
    # No pay field on Greenhouse: the range is only in the text.
    assert "$129,600 USD" in ai["description_text"]
    assert ai["salary_source"] != "structured"


def test_configured_name_wins_and_departments_are_trimmed(crawl):
    result = crawl("greenhouse", args=["-a", 'companies=smarterdx name="SmarterDx Inc"'])
    assert result.returncode == 0, result.output
    rows = by_id(result)
    assert set(rows) == {"smarterdx/5193736007", "smarterdx/5099964007"}
    job = rows["smarterdx/5193736007"]
    assert job["company"] == "SmarterDx Inc"
    assert job["department"] == "Customer Success"  # published as "Customer Success "
    assert job["location_raw"] == "Remote (United States) | Remote"
    assert rows["smarterdx/5099964007"]["title"] == "Clinical Coding Specialist"


def test_unknown_board_is_counted_and_the_others_go_on(crawl):
    result = crawl("greenhouse", args=["-a", "companies=nosuchboard,gitlab"])
    assert result.returncode == 0, result.output
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 2
    stats = json.loads(result.scalar("SELECT stats FROM crawls"))
    assert stats["jobcrawl/unknown_company/nosuchboard"] == 1


def test_mapper_unescapes_content_exactly_once(gitlab):
    record = dict(gitlab[0], content="&lt;p&gt;R&amp;amp;D &amp;lt;team&amp;gt;&lt;/p&gt;")
    item = parse_record(record, {"company_slug": "gitlab"})
    # Once: the markup becomes tags, and entities meant as text stay entities.
    assert item.description_html == "<p>R&amp;D &lt;team&gt;</p>"


def test_mapper_is_pure_and_reads_the_structured_fields(gitlab):
    board = {"company_slug": "gitlab", "company_name": None}
    item = parse_record(gitlab[1], board)
    assert item == parse_record(gitlab[1], board)
    assert item.source_id == "gitlab/8565469002"
    assert item.company == "GitLab"
    assert item.department == "Enterprise Applications"
    assert item.posted_raw == "2026-05-29T07:49:29-04:00"
    assert item.valid_through_raw is None  # application_deadline is null
    assert item.salary_min is None and item.salary_source is None
    deadline = dict(gitlab[1], application_deadline="2026-09-01T00:00:00-04:00")
    assert parse_record(deadline, board).valid_through_raw == "2026-09-01T00:00:00-04:00"
    nameless = {k: v for k, v in gitlab[1].items() if k != "company_name"}
    assert parse_record(nameless, board).company == "Gitlab"  # derived from the token

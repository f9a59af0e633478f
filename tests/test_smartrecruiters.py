"""SmartRecruiters crawled end to end from a real recorded postings list (Gousto1, 2024-08-08)."""

from __future__ import annotations

import json

from spiders.smartrecruiters import parse_record
from tests.conftest import MIRROR, load_json

POSTINGS = MIRROR / "api.smartrecruiters.com" / "v1" / "companies" / "Gousto1" / "postings"


def test_default_board_list_lands_gousto_field_by_field(crawl):
    result = crawl("smartrecruiters")
    assert result.returncode == 0, result.output
    rows = {r["source_id"]: r for r in result.rows("SELECT * FROM jobs")}
    assert len(rows) == 15
    job = rows["Gousto1/744000005227870"]
    assert job["url"] == "https://jobs.smartrecruiters.com/Gousto1/744000005227870"
    assert job["title"].startswith("Food Technical Administrator (12m Fixed")
    assert job["company"] == "Gousto"  # company.name of the posting
    assert job["location_raw"] == "London"
    assert json.loads(job["countries"]) == ["GB"]  # lower-case "gb" on the board
    assert job["remote_raw"] == "remote"
    assert job["employment_type_raw"] == "Full-time"
    assert job["posted_at"] == "2024-08-06T11:59:20Z"
    assert json.loads(job["extras"])["ref_number"] == "000000000580"
    assert rows["Gousto1/744000002567175"]["location_raw"] == "Spalding, England"


def test_pages_are_followed_until_total_found(crawl, make_replay, tmp_path):
    """The recorded list (15 postings, one page) split into pages of 7, 7 and 1 (derived)."""
    data = load_json(POSTINGS)
    folder = tmp_path / "mirror" / "api.smartrecruiters.com" / "v1" / "companies" / "Gousto1"
    folder.mkdir(parents=True)
    for offset in (0, 7, 14):
        page = {
            **data,
            "offset": offset,
            "limit": 7,
            "content": data["content"][offset : offset + 7],
        }
        (folder / f"postings?offset={offset}&limit=100").write_text(json.dumps(page))
    server = make_replay(tmp_path / "mirror")
    result = crawl("smartrecruiters", server=server)
    assert result.returncode == 0, result.output
    assert result.scalar("SELECT COUNT(DISTINCT source_id) FROM jobs") == 15
    assert (
        server.count("/api.smartrecruiters.com/v1/companies/Gousto1/postings?offset=14&limit=100")
        == 1
    )


def test_hybrid_flag_wins_and_bad_id_raises():
    record = load_json(POSTINGS)["content"][0]
    board = {"company_slug": "Gousto1"}
    hybrid = {**record, "location": {**record["location"], "hybrid": True}}
    assert parse_record(hybrid, board).remote_raw == "hybrid"
    assert parse_record(record, board).remote_raw is None  # remote: false says nothing
    try:
        parse_record({**record, "id": None}, board)
    except ValueError as exc:
        assert "not an id" in str(exc)
    else:
        raise AssertionError("a posting without an id must not map")

"""RemoteOK crawled end to end from the real recorded API response."""

from __future__ import annotations

import json
import shutil

import pytest

from crawler.sources.items import JobPosting
from spiders.remoteok import parse_record
from tests.conftest import MIRROR, load_json

API = MIRROR / "remoteok.com" / "api"


@pytest.fixture(scope="module")
def records():
    return load_json(API)


def by_id(records, source_id):
    return next(r for r in records if r.get("id") == source_id)


def test_real_response_lands_97_rows_and_a_rerun_adds_none(crawl):
    first = crawl("remoteok")
    assert first.returncode == 0, first.output
    assert first.scalar("SELECT COUNT(*) FROM jobs") == 97
    assert first.scalar("SELECT COUNT(DISTINCT source_id) FROM jobs WHERE source='remoteok'") == 97

    second = crawl("remoteok")
    assert second.returncode == 0, second.output
    assert second.scalar("SELECT COUNT(*) FROM jobs") == 97
    crawls = second.rows("SELECT * FROM crawls ORDER BY id")
    assert len(crawls) == 2
    assert [c["items_new"] for c in crawls] == [97, 0]
    assert [c["items_unchanged"] for c in crawls] == [0, 97]
    assert all(c["finish_reason"] == "finished" and c["finished_at"] for c in crawls)
    assert second.scalar("SELECT COUNT(*) FROM jobs WHERE last_crawl_id = 2") == 97


def test_fields_are_clean_and_typed(crawl):
    result = crawl("remoteok")
    rows = {r["source_id"]: r for r in result.rows("SELECT * FROM jobs")}
    job = rows["1130788"]
    assert job["title"] == "Benefits Advisor Leadership Training Program"
    assert job["company"] == "Fisher Agencies"
    assert job["posted_at"] == "2026-03-16T00:00:03Z"
    assert job["posted_raw"] == "2026-03-16T00:00:03+00:00"
    # Host case normalised, the link back to Remote OK kept (its API terms).
    assert job["url"] == (
        "https://remoteok.com/remote-jobs/"
        "remote-benefits-advisor-leadership-training-program-fisher-agencies-1130788"
    )
    assert json.loads(job["tags"]) == ["training", "support", "growth", "management"]
    # No anti-spam line anywhere; no double-encoded UTF-8 left anywhere.
    for row in rows.values():
        for text in (row["description_text"] or "", row["description_html"] or ""):
            assert "Please mention the word" not in text
            assert "â€" not in text and "Ã" not in text
        assert row["company"] is None or row["company"] == row["company"].strip()
        assert row["posted_at"].endswith("Z")
    # "â€™" repaired to the typographic apostrophe it was, not flattened to "'".
    assert sum("’" in (r["description_text"] or "") for r in rows.values()) > 10
    assert "Zócalo Health" in rows["1130733"]["description_text"]  # was "ZÃ³calo"
    assert "Hørsholm" in rows["1130713"]["description_text"]  # was "HÃ¸rsholm"


def test_structured_salary_is_usd_and_small_values_are_hourly(crawl):
    result = crawl("remoteok")
    rows = "SELECT * FROM jobs WHERE salary_source = 'structured'"
    pay = {r["source_id"]: r for r in result.rows(rows)}
    # 18 records give pay (79 have 0/0: "not given", not zero pay); 2 of them state the same
    # pay in another currency in their description (PLN, EUR), which then wins.
    assert len(pay) == 16
    assert all(r["salary_currency"] == "USD" for r in pay.values())
    periods = {(r["salary_min"], r["salary_max"]): r["salary_period"] for r in pay.values()}
    assert periods[(30.0, 30.0)] == "hour"
    assert periods[(80.0, 140.0)] == "hour"
    assert periods[(180000.0, 210000.0)] == "year"
    assert result.scalar("SELECT COUNT(*) FROM jobs WHERE salary_max = 0 OR salary_min = 0") == 0


def test_malformed_records_are_rejected_with_reasons_and_the_rest_land(
    crawl, make_replay, tmp_path, records
):
    root = tmp_path / "mirror"
    shutil.copytree(MIRROR / "remoteok.com", root / "remoteok.com")
    broken = [dict(r) for r in records]
    broken[1] = {k: v for k, v in broken[1].items() if k != "id"}  # no identity
    broken[2]["salary_min"] = "lots"  # wrong type
    broken[3]["url"] = None  # no link back
    broken.append("not even an object")
    (root / "remoteok.com" / "api").write_text(json.dumps(broken))
    result = crawl("remoteok", server=make_replay(root))
    assert result.returncode == 0, result.output
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 97 - 3
    rejects = result.rows("SELECT source, url, reason, raw FROM rejects")
    assert len(rejects) == 4
    assert all(r["source"] == "remoteok" and r["url"] and r["reason"] for r in rejects)
    reasons = " | ".join(r["reason"] for r in rejects)
    assert "KeyError" in reasons and "salary_min/max not numbers" in reasons
    assert "missing url" in reasons
    assert result.scalar("SELECT items_rejected FROM crawls") == 4


def test_non_json_body_is_rejected_not_crashed(crawl, make_replay, tmp_path):
    root = tmp_path / "mirror"
    (root / "remoteok.com").mkdir(parents=True)
    (root / "remoteok.com" / "api").write_text("<html><body>Cloudflare says no</body></html>")
    result = crawl("remoteok", server=make_replay(root))
    assert result.returncode == 0
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 0
    assert "body is not JSON" in result.scalar("SELECT reason FROM rejects")


def test_mapper_is_pure_and_strips_quirks(records):
    item = parse_record(by_id(records, "1130785"), {})
    assert isinstance(item, JobPosting)
    assert item.source_id == "1130785"
    assert item.url.startswith("https://remoteok.com/")
    assert "Please mention the word" not in item.description_html
    assert item.location_raw == "Remote, USA"
    assert parse_record(by_id(records, "1130785"), {}) == item  # same input, same output


def test_mapper_reads_zero_salary_as_not_given(records):
    item = parse_record(by_id(records, "1130788"), {})
    assert item.salary_min is None and item.salary_max is None and item.salary_currency is None

"""BambooHR crawled end to end from a real recorded careers list (avidbots, 2024-08-08)."""

from __future__ import annotations

import json

from spiders.bamboohr import parse_record
from tests.conftest import MIRROR, load_json

LIST = MIRROR / "avidbots.bamboohr.com" / "careers" / "list"


def test_default_board_list_lands_avidbots_field_by_field(crawl):
    result = crawl("bamboohr")
    assert result.returncode == 0, result.output
    rows = {r["source_id"]: r for r in result.rows("SELECT * FROM jobs")}
    assert len(rows) == 15
    job = rows["avidbots/800"]
    assert job["url"] == "https://avidbots.bamboohr.com/careers/800"
    assert job["title"] == "Strategic Account Executive"
    assert job["company"] == "Avidbots"  # derived: the list never names the company
    assert job["department"] == "Sales"
    # Remote jobs carry their place in atsLocation, with the country.
    assert job["location_raw"] == "Chicago, Illinois, United States"
    assert json.loads(job["countries"]) == ["US"]
    assert job["remote"] == "remote" and job["employment_type"] == "full_time"
    assert job["posted_at"] is None and job["description_html"] is None
    onsite = rows["avidbots/808"]
    assert onsite["location_raw"] == "Kitchener, Ontario"  # location, not atsLocation
    assert onsite["remote"] == "hybrid"
    assert rows["avidbots/795"]["employment_type_raw"] == "Contract - Full-Time"


def test_location_type_codes_and_is_remote():
    record = load_json(LIST)["result"][0]
    board = {"company_slug": "avidbots"}
    assert parse_record({**record, "locationType": "0"}, board).remote_raw == "onsite"
    assert parse_record({**record, "locationType": "9"}, board).remote_raw is None
    assert parse_record({**record, "isRemote": True}, board).remote_raw == "true"

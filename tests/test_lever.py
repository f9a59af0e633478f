"""Lever crawled end to end from the real recorded postings (matchgroup, palantir)."""

from __future__ import annotations

import copy
import json
import shutil

import pytest

from spiders.lever import description_html, next_page, parse_record, postings_url
from tests.conftest import MIRROR, load_json

POSTINGS = MIRROR / "api.lever.co" / "v0" / "postings"
MATCH = {"company_slug": "matchgroup", "company_name": "Match Group"}


@pytest.fixture(scope="module")
def matchgroup():
    return load_json(POSTINGS / "matchgroup")


@pytest.fixture(scope="module")
def palantir():
    return load_json(POSTINGS / "palantir")


def stats_of(result) -> dict:
    return json.loads(result.scalar("SELECT stats FROM crawls ORDER BY id DESC LIMIT 1"))


def by_id(result) -> dict:
    return {r["source_id"]: r for r in result.rows("SELECT * FROM jobs")}


def test_default_board_list_lands_both_companies_field_by_field(crawl):
    result = crawl("lever")
    assert result.returncode == 0, result.output
    rows = by_id(result)
    assert len(rows) == 4
    assert {r["company_slug"] for r in rows.values()} == {"matchgroup", "palantir"}

    job = rows["matchgroup/3414ba28-35f7-45d3-8e13-35c883959635"]
    assert job["source"] == "lever"
    assert job["url"] == "https://jobs.lever.co/matchgroup/3414ba28-35f7-45d3-8e13-35c883959635"
    assert job["apply_url"] == job["url"] + "/apply"
    assert job["title"] == "Android Engineer III"
    assert job["company"] == "Match Group"  # configured name=, the API has none
    assert job["company_slug"] == "matchgroup"
    assert job["department"] == "Hinge"
    assert job["employment_type_raw"] == "Full-time"
    assert job["location_raw"] == "New York, New York"
    assert job["remote_raw"] == "hybrid"
    assert json.loads(job["countries"]) == ["US"]
    assert job["posted_raw"] == "1779223091267"  # epoch milliseconds
    assert job["posted_at"] == "2026-05-19T20:38:11Z"
    assert (job["salary_min"], job["salary_max"]) == (150000.0, 180000.0)
    assert job["salary_currency"] == "USD"
    assert job["salary_period"] == "year"  # per-year-salary, read by the normaliser
    assert job["salary_raw"] == "150000-180000 USD per-year-salary"
    assert job["salary_source"] == "structured"
    extras = json.loads(job["extras"])
    assert extras["team"] == "Engineering" and extras["department"] == "Hinge"
    assert extras["salary_description"].startswith("Factors such as scope")

    text = job["description_text"]
    assert text.startswith("Hinge is the dating app designed to be deleted")
    assert text.count("About the Role") == 1  # descriptionBody is not appended twice
    assert "Responsibilities" in text and "What We're Looking For" in text  # list headings
    assert "Kotlin Proficiency" in text  # list items
    assert "As a member of our team, you’ll enjoy" in text  # additional
    assert text.index("About the Role") < text.index("Responsibilities") < text.index("401(k)")
    assert job["description_html"].count("<ul>") == 2

    korean = rows["matchgroup/4004a95b-ed89-4193-ad1a-a2ed5d4703d5"]
    assert korean["location_raw"] == "Seoul, South Korea"
    assert json.loads(korean["countries"]) == ["KR"]
    assert "Android 개발 경력 9년 이상" in korean["description_text"]
    assert korean["salary_min"] is None and korean["salary_currency"] is None
    assert korean["salary_source"] is None

    london = rows["palantir/ac978161-6f46-4f6b-ad9e-a258e642751c"]
    assert london["company"] == "Palantir"  # derived from the slug
    assert london["department"] == "Administrative"  # no department: the team
    assert london["title"] == "Administrative Business Partner"
    assert london["posted_at"] == "2024-03-25T21:50:16Z"
    assert json.loads(london["countries"]) == ["GB"]
    assert "Palantir builds the world’s leading software" in london["description_text"]


def test_eu_company_is_fetched_from_the_eu_host(crawl, make_replay, tmp_path, palantir):
    root = tmp_path / "mirror"
    shutil.copytree(MIRROR / "api.lever.co", root / "api.lever.co")
    eu = root / "api.eu.lever.co" / "v0" / "postings"
    eu.mkdir(parents=True)
    (eu / "palantir").write_text(json.dumps(palantir))
    (root / "api.lever.co" / "v0" / "postings" / "palantir").unlink()  # only the EU host has it
    server = make_replay(root)
    result = crawl("lever", server=server, args=["-a", "companies=palantir region=eu,matchgroup"])
    assert result.returncode == 0, result.output
    assert server.count("/api.eu.lever.co/v0/postings/palantir?mode=json") == 1
    assert server.count("/api.lever.co/v0/postings/palantir?mode=json") == 0
    assert server.count("/api.lever.co/v0/postings/matchgroup?mode=json") == 1
    rows = by_id(result)
    assert len(rows) == 4
    assert rows["palantir/0bbfd4f4-41ff-4ec6-b73f-5200efd5d4d3"]["company_slug"] == "palantir"
    assert stats_of(result).get("jobcrawl/unknown_company") is None


def test_skip_limit_pagination_walks_three_pages(
    crawl, make_replay, tmp_path, matchgroup, palantir
):
    # A 5-posting board: the 4 real records plus one derived from them with a new id,
    # served only as skip/limit pages of 2 (2 + 2 + 1): no whole-board file exists.
    derived = copy.deepcopy(matchgroup[0])
    derived["id"] = "3414ba28-35f7-45d3-8e13-000000000005"
    derived["text"] = "Android Engineer IV"
    board = [*matchgroup, *palantir, derived]
    folder = tmp_path / "mirror" / "api.lever.co" / "v0" / "postings"
    folder.mkdir(parents=True)
    for skip in (0, 2, 4):
        page = board[skip : skip + 2]
        (folder / f"matchgroup?mode=json&skip={skip}&limit=2").write_text(json.dumps(page))
    server = make_replay(tmp_path / "mirror")
    result = crawl("lever", server=server, args=["-a", "companies=matchgroup", "-a", "page_size=2"])
    assert result.returncode == 0, result.output
    for skip in (0, 2, 4):
        assert (
            server.count(f"/api.lever.co/v0/postings/matchgroup?mode=json&skip={skip}&limit=2") == 1
        )
    assert server.count("/api.lever.co/v0/postings/matchgroup?mode=json&skip=6&limit=2") == 0
    assert server.count("/api.lever.co/v0/postings/matchgroup?mode=json") == 0
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 5
    titles = {r["title"] for r in result.rows("SELECT title FROM jobs")}
    assert "Android Engineer IV" in titles
    assert stats_of(result).get("jobcrawl/http_error/404") is None


def test_unknown_company_is_logged_and_counted_and_the_others_go_on(crawl):
    result = crawl("lever", args=["-a", "companies=nosuchcompany,matchgroup"])
    assert result.returncode == 0, result.output
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 2
    assert result.scalar("SELECT COUNT(*) FROM jobs WHERE company_slug = 'matchgroup'") == 2
    stats = stats_of(result)
    assert stats["jobcrawl/unknown_company"] == 1
    assert stats["jobcrawl/unknown_company/nosuchcompany"] == 1
    assert "unknown company 'nosuchcompany'" in result.output
    assert "Document not found" in result.output
    crawl_row = result.rows("SELECT * FROM crawls")[0]
    assert crawl_row["finish_reason"] == "finished" and crawl_row["errors"] == 1


def test_empty_board_is_a_finished_crawl_with_no_rows(crawl):
    result = crawl("lever", args=["-a", "companies=emptyco"])
    assert result.returncode == 0, result.output
    assert result.scalar("SELECT COUNT(*) FROM jobs") == 0
    assert result.scalar("SELECT COUNT(*) FROM rejects") == 0
    assert stats_of(result)["jobcrawl/empty_board"] == 1
    assert result.scalar("SELECT finish_reason FROM crawls") == "finished"
    assert "emptyco has no open postings" in result.output


def test_a_bad_board_list_stops_the_crawl_before_it_starts(crawl, tmp_path):
    board_list = tmp_path / "lever.txt"
    board_list.write_text("matchgroup\npalantir regoin=eu\n")
    db = tmp_path / "bad.db"
    result = crawl("lever", db=db, args=["-a", f"board_list={board_list}"])
    assert result.returncode == 1
    assert f"{board_list}:2: unknown option 'regoin' for lever" in result.output
    assert not db.exists()  # no crawl row, no request: it never started


def test_a_bad_spider_argument_stops_the_crawl_before_it_starts(crawl, tmp_path):
    result = crawl("lever", db=tmp_path / "bad.db", args=["-a", "page_size=lots"])
    assert result.returncode == 1
    assert "-a: page_size='lots' must be a whole number" in result.output


# --- the pure mapper ------------------------------------------------------------------


def test_mapper_builds_text_from_description_lists_and_additional(matchgroup):
    record = matchgroup[0]
    markup = description_html(record)
    assert markup.startswith(record["description"])
    assert markup.endswith(record["additional"])
    assert markup.count(record["descriptionBody"][:80]) == 1
    # List content is bare <li> elements: each list gets its heading and its <ul>.
    assert "<h3>Responsibilities</h3><ul><li><strong>Cross-Disciplinary" in markup
    assert markup.count("<ul>") == markup.count("</ul>") == len(record["lists"])


def test_mapper_without_description_uses_opening_and_body_once(matchgroup):
    record = {k: v for k, v in matchgroup[0].items() if k != "description"}
    markup = description_html(record)
    assert markup.startswith(record["opening"] + record["descriptionBody"])


def test_mapper_keeps_workplace_type_and_salary_as_given(palantir):
    record = copy.deepcopy(palantir[0])
    for value in ("on-site", "onsite", "remote", "unspecified"):
        record["workplaceType"] = value
        assert parse_record(record, {"company_slug": "palantir"}).remote_raw == value
    record["salaryRange"] = {"min": 40, "max": 55, "currency": "GBP", "interval": "per-hour-wage"}
    item = parse_record(record, {"company_slug": "palantir"})
    assert (item.salary_min, item.salary_max) == (40, 55)
    assert (item.salary_currency, item.salary_period) == ("GBP", "per-hour-wage")
    assert item.salary_raw == "40-55 GBP per-hour-wage"


def test_mapper_never_assumes_a_currency(palantir):
    record = copy.deepcopy(palantir[0])
    record["salaryRange"] = {"min": 90000, "max": None, "interval": "per-year-salary"}
    item = parse_record(record, {"company_slug": "palantir"})
    assert item.salary_currency is None
    assert (item.salary_min, item.salary_max) == (90000, None)
    record["salaryRange"] = {"min": None, "max": None, "currency": "USD"}
    assert parse_record(record, {"company_slug": "palantir"}).salary_source is None
    record["salaryRange"] = {"min": "lots", "max": 2}
    with pytest.raises(TypeError):
        parse_record(record, {"company_slug": "palantir"})


def test_mapper_is_pure_and_keeps_the_slug(matchgroup):
    first = parse_record(matchgroup[0], MATCH)
    assert first == parse_record(matchgroup[0], MATCH)
    assert first.source_id == "matchgroup/3414ba28-35f7-45d3-8e13-35c883959635"
    assert first.company_slug == "matchgroup" and first.company == "Match Group"
    assert parse_record(matchgroup[0], {"company_slug": "match-group"}).company == "Match Group"
    assert first.countries == ["US"] and first.posted_raw == "1779223091267"


def test_a_record_without_id_cannot_be_mapped(matchgroup):
    record = {k: v for k, v in matchgroup[0].items() if k != "id"}
    with pytest.raises(KeyError):
        parse_record(record, MATCH)


def test_urls_and_page_logic():
    assert postings_url("acme") == "https://api.lever.co/v0/postings/acme?mode=json"
    assert postings_url("acme", "eu") == "https://api.eu.lever.co/v0/postings/acme?mode=json"
    assert postings_url("acme", skip=4, limit=2).endswith("acme?mode=json&skip=4&limit=2")
    board = {"company_slug": "acme", "page_size": 2}
    assert next_page(board, 2) == {"company_slug": "acme", "page_size": 2, "skip": 2}
    assert next_page({**board, "skip": 2}, 2)["skip"] == 4
    assert next_page(board, 1) is None  # a short page is the last
    assert next_page(board, 0) is None
    assert next_page(board, 7) is None  # the API ignored the limit: do not loop
    assert next_page({"company_slug": "acme"}, 100) is None  # whole-board mode


# --- issue 19: one account, several brands --------------------------------------------------


def _posting(department, team, text):
    return {
        "id": "p1", "text": "Backend Engineer", "hostedUrl": "https://jobs.lever.co/x/p1",
        "categories": {"department": department, "team": team}, "description": text,
    }  # fmt: skip


@pytest.mark.parametrize(
    "department, team, text, expected",
    [
        ("Tinder", "Engineering", "<p>Tinder brings people together.</p>", "Tinder"),
        (
            "Product",
            "Plenty of Fish",
            "<p>Join Plenty Of Fish, a dating app.</p>",
            "Plenty of Fish",
        ),
        ("Engineering", "Platform", "<p>Our engineering platform team.</p>", None),
        ("Hinge", "Engineering", "<p>No brand named here.</p>", None),
        ("Acme Group", "Sales", "<p>Acme Group sells.</p>", None),  # the account itself
    ],
)
def test_a_brand_named_by_department_or_team_and_the_text_is_kept(department, team, text, expected):
    item = parse_record(_posting(department, team, text), {"company_slug": "acmegroup"})
    assert item.company == "Acmegroup"  # company stays the account's name
    assert item.extras.get("brand") == expected


def test_the_recorded_multi_brand_account_keeps_its_brands():
    brands = {
        parse_record(r, {"company_slug": "matchgroup"}).extras.get("brand")
        for r in load_json(MIRROR / "api.lever.co" / "v0" / "postings" / "matchgroup")
    }
    assert brands == {"Hinge", "Hyperconnect"}  # "#Hinge"; career.hyperconnect.com

"""Datasette with jobcrawl's generated metadata, checked with Datasette's own test client on a
database the project's store built (crawler/tools/bench/analyst.py)."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from datasette.app import Datasette

from crawler.analysis.explore import DEFAULT_COLUMNS, SETTINGS, canned_queries, metadata
from crawler.analysis.search import fts_quote
from crawler.store.schema import VIEWS
from crawler.tools.bench import analyst
from crawler.tools.bench.corpus import JSON_SHAPES

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("explore") / "jobs.db"
    # Two crawls of each board the bench derives postings for (crawler/tools/registry.py).
    analyst.build(path, 900, crawls=2 * len(JSON_SHAPES), log=lambda *_: None)
    return path


@pytest.fixture(scope="module")
def get(db_path):
    """``get(path)`` -> Datasette test client response (one Datasette for the module)."""
    # Time limits raised: on a loaded test machine a facet may take over 400 ms, and a facet
    # that timed out is left out of the page (what is checked here is the configuration).
    settings = {**SETTINGS, "facet_time_limit_ms": 20_000, "sql_time_limit_ms": 20_000}
    ds = Datasette([str(db_path)], metadata=metadata("jobs"), settings=settings)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(ds.invoke_startup())

    def fetch(path: str, **kwargs):
        return loop.run_until_complete(ds.client.get(path, **kwargs))

    yield fetch
    loop.close()


def direct(db_path, sql: str, params: dict) -> list[list]:
    conn = sqlite3.connect(db_path)
    conn.create_function("fts_quote", 1, fts_quote, deterministic=True)
    try:
        return [list(r) for r in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


def test_the_jobcrawl_plugin_is_loaded(get):
    plugins = get("/-/plugins.json").json()
    assert any(p["name"] == "jobcrawl" for p in plugins)


def test_every_table_view_and_column_has_a_title_or_description(get, db_path):
    meta = get("/-/metadata.json").json()["databases"]["jobs"]["tables"]
    conn = sqlite3.connect(db_path)
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
        " AND name NOT LIKE 'jobs_fts%' AND name NOT LIKE 'sqlite_%'")]  # fmt: skip
    for name in names:
        assert meta[name].get("description"), name
        if name == "data_dictionary":
            continue
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({name})")]
        described = meta[name]["columns"]
        assert set(columns) <= set(described), (name, set(columns) - set(described))
        assert all(described[c] for c in columns)
    conn.close()


def test_metadata_is_the_data_dictionary(db_path):
    """Generated from the same declarations, so they cannot drift apart."""
    meta = metadata("jobs")["databases"]["jobs"]["tables"]
    conn = sqlite3.connect(db_path)
    for table, column, description in conn.execute(
        "SELECT table_name, column_name, description FROM data_dictionary"
    ):
        assert meta[table]["columns"][column] == description
    conn.close()


@pytest.mark.parametrize("name", list(canned_queries()))
def test_every_canned_query_runs_in_datasette_and_returns_the_rows_sql_returns(get, db_path, name):
    query = canned_queries()[name]
    params = "&".join(f"{k}={v}" for k, v in query["example"].items())
    response = get(f"/jobs/{name}.json?_shape=arrays&{params}")
    assert response.status_code == 200, response.text[:500]
    body = response.json()
    expected = direct(db_path, query["sql"], query["example"])
    assert body["rows"] == expected
    if name not in ("duplicates_across_boards",):  # the build has no cross-board duplicates
        assert expected, f"{name} returned no rows on the fixture database"


def test_no_canned_query_hides_a_table_or_view(db_path):
    conn = sqlite3.connect(db_path)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert not names & set(canned_queries())


def test_canned_queries_have_titles_and_descriptions(get):
    page = get("/jobs").text
    for name, query in canned_queries().items():
        assert query["title"] in page
        assert query["description"]
        assert f"/jobs/{name}" in page


@pytest.mark.parametrize("term", ["c++", "c#", ".net", "node.js"])
def test_the_search_query_and_the_search_box_accept_symbols(get, db_path, term):
    response = get("/jobs/search.json", params={"q": term, "_shape": "arrays"})
    assert response.status_code == 200, response.text[:300]
    assert response.json()["rows"] == direct(db_path, canned_queries()["search"]["sql"],
                                             {"q": term})  # fmt: skip
    box = get("/jobs/jobs.json", params={"_search": term, "_shape": "objects"})
    assert box.status_code == 200, box.text[:300]


def test_search_for_node_js_finds_node_postings(get):
    rows = get("/jobs/search.json", params={"q": "node.js", "_shape": "objects"}).json()["rows"]
    assert rows


def test_the_jobs_page_opens_on_title_company_location_and_pay(get):
    response = get("/jobs/jobs")
    assert response.status_code == 302
    target = urlparse(response.headers["location"])
    assert parse_qs(target.query)["_col"] == DEFAULT_COLUMNS["jobs"]
    page = get(response.headers["location"]).text
    headers = [c for c in DEFAULT_COLUMNS["jobs"]]
    positions = [page.index(f'data-column="{c}"') for c in headers[:5]]
    assert positions == sorted(positions)
    for noisy in ("content_hash", "description_html", "source_id", "last_crawl_id"):
        assert f'data-column="{noisy}"' not in page
    # "Show all columns" (Datasette drops _col) keeps every column: no redirect loop.
    everything = get("/jobs/jobs?_jobcrawl=columns")
    assert everything.status_code == 200
    assert 'data-column="content_hash"' in everything.text


def test_the_jobs_page_is_newest_first_with_array_and_date_facets(get):
    body = get("/jobs/jobs.json?_jobcrawl=columns&_shape=objects&_size=20").json()
    posted = [r["posted_at"] for r in body["rows"]]
    assert posted == sorted(posted, reverse=True)
    facets = body["facet_results"]
    facets = facets.get("results", facets)  # 0.65 nests them, 1.0 does not
    for name in ("tags", "countries", "source", "status", "posted_at"):
        assert any(key.startswith(name) for key in facets), (name, list(facets))
    assert facets["tags"]["type"] == "array"


def test_descriptions_do_not_fill_the_first_screen(get):
    page = get("/jobs/jobs?_jobcrawl=columns&_size=5").text
    assert "…" in page or "&hellip;" in page  # long cells are cut at truncate_cells_html


@pytest.mark.parametrize("view", list(VIEWS))
def test_every_view_page_renders_with_its_description(get, view):
    response = get(f"/jobs/{view}?_jobcrawl=columns")
    assert response.status_code == 200, response.text[:300]
    assert metadata("jobs")["databases"]["jobs"]["tables"][view]["description"][:40] in (
        response.text.replace("&#39;", "'").replace("&#34;", '"')
    )


def test_rollup_tables_are_hidden_from_the_database_page(get):
    page = get("/jobs").text
    assert 'href="/jobs/board_summary"' in page
    assert 'href="/jobs/weekly_stats"' not in page


def test_make_explore_writes_the_metadata_for_the_database(tmp_path, db_path):
    copy = tmp_path / "jobs.db"
    with sqlite3.connect(db_path) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.analysis.explore", str(copy), "--write-only"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    written = (tmp_path / "jobs.db.datasette.json").read_text()
    assert '"search"' in written and '"board_summary"' in written

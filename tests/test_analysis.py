"""The analysis views, their rollup tables, their indexes and full-text search that accepts
what people type, on a database the project's own store built (crawler/tools/bench/analyst.py:
real derived postings over 9 crawls, some closed by the real lifecycle)."""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections import Counter, defaultdict

import pytest

from crawler.analysis.explore import canned_queries
from crawler.analysis.search import fts_quote, search
from crawler.store import rollups
from crawler.store.schema import VIEW_DOCS, VIEWS, open_db, view_columns
from crawler.tools.bench import analyst
from crawler.tools.bench.corpus import JSON_SHAPES


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("analysis") / "jobs.db"
    # Three crawls of each board the bench derives postings for (crawler/tools/registry.py).
    analyst.build(path, 1500, crawls=3 * len(JSON_SHAPES), log=lambda *_: None)
    return path


@pytest.fixture
def conn(db_path):
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    conn.create_function("fts_quote", 1, fts_quote, deterministic=True)
    yield conn
    conn.close()


def rows(conn, sql, *params):
    return [dict(r) for r in conn.execute(sql, params).fetchall()]


def nearest_rank(values: list[float], p: float) -> float:
    """The smallest value with at least p of the values at or below it."""
    values = sorted(values)
    for i, v in enumerate(values, start=1):
        if i >= p * len(values):
            return v
    raise AssertionError("empty")


def test_the_build_has_closed_postings_pay_tags_and_several_weeks(conn):
    assert conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 1500
    assert conn.execute("SELECT COUNT(*) FROM jobs WHERE status = 'closed'").fetchone()[0] > 50
    assert conn.execute("SELECT COUNT(DISTINCT week) FROM weekly_postings").fetchone()[0] >= 4
    assert conn.execute("SELECT COUNT(*) FROM pay_percentiles").fetchone()[0] > 3
    assert conn.execute("SELECT COUNT(*) FROM top_tags").fetchone()[0] > 10


def test_every_view_has_exactly_its_documented_columns(conn):
    documented = view_columns()
    for name in VIEWS:
        real = [r[1] for r in conn.execute(f"PRAGMA table_info({name})")]
        if name == "unique_jobs":  # j.* comes in the table's physical column order
            assert set(real) == set(documented[name])
        else:
            assert real == list(documented[name]), name
        listed = {
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM data_dictionary WHERE table_name = ?", (name,)
            )
        }
        assert listed == set(real), name
        assert all(doc for _t, doc in documented[name].values())
        assert VIEW_DOCS[name][0]


def test_rollups_equal_a_fresh_computation_after_the_store_wrote_and_closed(conn):
    assert rollups.check(conn) == dict.fromkeys((r.table for r in rollups.ROLLUPS), 0)


def test_rollups_follow_updates_reopening_and_deletes(db_path, tmp_path):
    copy = tmp_path / "copy.db"
    with sqlite3.connect(db_path) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    conn = sqlite3.connect(copy)
    with conn:
        conn.execute("UPDATE jobs SET status = 'open', closed_at = NULL WHERE id % 3 = 0")
        conn.execute(
            "UPDATE jobs SET title = 'Senior Data Engineer', salary_min = salary_min * 2,"
            " tags = '[\"rust\", \"go\"]', remote = 'hybrid', posted_at = '2025-06-01T00:00:00Z'"
            " WHERE id % 5 = 0"
        )
        conn.execute(
            "UPDATE jobs SET status = 'closed', closed_at = '2026-03-01T00:00:00Z',"
            " company = 'Acme' WHERE id % 7 = 0"
        )
        conn.execute("DELETE FROM duplicate_groups WHERE job_id % 11 = 0")
        conn.execute("DELETE FROM jobs WHERE id % 11 = 0")
    assert rollups.check(conn) == dict.fromkeys((r.table for r in rollups.ROLLUPS), 0)
    assert conn.execute("SELECT open FROM top_companies WHERE company = 'Acme'").fetchone() == (0,)
    conn.close()


def test_rollups_match_after_real_crawls_of_the_recorded_boards(crawl):
    first = crawl("remoteok")
    assert first.returncode == 0, first.output[-2000:]
    second = crawl("greenhouse")
    assert second.returncode == 0, second.output[-2000:]
    conn = sqlite3.connect(second.db)
    assert conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] > 50
    assert rollups.check(conn) == dict.fromkeys((r.table for r in rollups.ROLLUPS), 0)
    summary = {r[0]: r[1] for r in conn.execute("SELECT source, postings FROM board_summary")}
    assert summary == dict(conn.execute("SELECT source, COUNT(*) FROM jobs GROUP BY source"))
    conn.close()


def test_board_summary_equals_sql_on_jobs(conn):
    view = {r["source"]: r for r in rows(conn, "SELECT * FROM board_summary")}
    raw = rows(
        conn,
        "SELECT source, COUNT(*) AS postings, SUM(status = 'open') AS open,"
        " SUM(status = 'closed') AS closed,"
        " SUM(salary_min IS NOT NULL OR salary_max IS NOT NULL) AS with_salary,"
        " SUM(posted_at IS NOT NULL) AS with_posted_at, MIN(posted_at) AS oldest_posted_at,"
        " MAX(posted_at) AS newest_posted_at, MAX(last_seen_at) AS last_seen_at"
        " FROM jobs GROUP BY source",
    )
    assert len(view) == len(raw) == len(JSON_SHAPES)
    for r in raw:
        v = view[r["source"]]
        assert {k: v[k] for k in r} == r
        last = conn.execute(
            "SELECT id, healthy FROM crawls WHERE spider = ? ORDER BY id DESC LIMIT 1",
            (r["source"],),
        ).fetchone()
        assert (v["last_crawl_id"], v["last_crawl_healthy"]) == tuple(last)


def test_recent_crawls_has_health_and_closing_columns(conn):
    first = rows(conn, "SELECT * FROM recent_crawls LIMIT 1")[0]
    assert first["id"] == conn.execute("SELECT MAX(id) FROM crawls").fetchone()[0]
    for col in ("healthy", "health_problems", "closing_problems", "items_closed", "seconds"):
        assert col in first
    assert (
        sum(r["items_closed"] for r in rows(conn, "SELECT * FROM recent_crawls"))
        == (conn.execute("SELECT COUNT(*) FROM jobs WHERE status = 'closed'").fetchone()[0])
    )


def test_weekly_postings_equal_sql_on_jobs(conn):
    week = "date({}, 'weekday 0', '-6 days')"
    posted = {
        (r["source"], r["w"]): r["n"]
        for r in rows(
            conn,
            f"SELECT source, {week.format('COALESCE(posted_at, first_seen_at)')} AS w,"
            " COUNT(*) AS n FROM jobs GROUP BY 1, 2",
        )
    }
    closed = {
        (r["source"], r["w"]): r["n"]
        for r in rows(
            conn,
            f"SELECT source, {week.format('closed_at')} AS w, COUNT(*) AS n FROM jobs"
            " WHERE status = 'closed' GROUP BY 1, 2",
        )
    }
    view = rows(conn, "SELECT * FROM weekly_postings")
    assert {(r["source"], r["week"]): r["posted"] for r in view if r["posted"]} == posted
    assert {(r["source"], r["week"]): r["closed"] for r in view if r["closed"]} == closed
    assert sum(r["first_seen"] for r in view) == 1500


def test_time_to_close_equals_python_over_jobs(conn):
    days = defaultdict(list)
    for r in rows(
        conn,
        "SELECT source, MAX(0, CAST(julianday(closed_at) - julianday(COALESCE(posted_at,"
        " first_seen_at)) AS INTEGER)) AS d FROM jobs WHERE status = 'closed'",
    ):
        days[r["source"]].append(r["d"])
    view = {r["source"]: r for r in rows(conn, "SELECT * FROM time_to_close")}
    assert set(view) == set(days)
    for source, values in days.items():
        v = view[source]
        assert v["closed"] == len(values)
        assert v["median_days"] == nearest_rank(values, 0.5)
        assert v["p90_days"] == nearest_rank(values, 0.9)
        assert v["mean_days"] == pytest.approx(statistics.mean(values), abs=0.05 + 1e-9)
        assert v["within_7_days"] == sum(d <= 7 for d in values)


def test_pay_percentiles_equal_python_over_jobs(conn):
    family = rollups.role_family_sql("title")
    groups = defaultdict(list)
    for r in rows(
        conn,
        f"SELECT salary_currency AS c, salary_period AS p, seniority AS s, {family} AS f,"
        " (COALESCE(salary_min, salary_max) + COALESCE(salary_max, salary_min)) / 2.0 AS a"
        " FROM jobs WHERE salary_currency IS NOT NULL AND salary_period IS NOT NULL"
        " AND (salary_min IS NOT NULL OR salary_max IS NOT NULL)",
    ):
        groups[(r["c"], r["p"], r["s"], r["f"])].append(r["a"])
    view = rows(conn, "SELECT * FROM pay_percentiles")
    assert len(view) == len(groups) > 3
    for v in view:
        values = groups[(v["salary_currency"], v["salary_period"], v["seniority"],
                         v["role_family"])]  # fmt: skip
        assert v["postings"] == len(values)
        for col, p in (("p10", 0.1), ("p25", 0.25), ("median", 0.5), ("p75", 0.75), ("p90", 0.9)):
            assert v[col] == pytest.approx(nearest_rank(values, p)), (v, col)


def test_pay_by_region_counts_each_region_and_postings_with_none(conn):
    counts = Counter()
    for r in rows(
        conn,
        "SELECT regions FROM jobs WHERE salary_currency = 'USD' AND salary_period = 'year'"
        " AND (salary_min IS NOT NULL OR salary_max IS NOT NULL)",
    ):
        for region in json.loads(r["regions"] or "[]") or [None]:
            counts[region] += 1
    view = rows(conn, "SELECT region, postings FROM pay_by_region WHERE salary_currency = 'USD'"
                      " AND salary_period = 'year'")  # fmt: skip
    assert {r["region"]: r["postings"] for r in view} == dict(counts)


def test_remote_share_top_tags_and_companies_equal_sql_on_jobs(conn):
    share = rows(conn, "SELECT * FROM remote_share_weekly")
    assert sum(r["postings"] for r in share) == 1500
    assert (
        sum(r["remote"] for r in share)
        == (conn.execute("SELECT COUNT(*) FROM jobs WHERE remote = 'remote'").fetchone()[0])
    )
    tags = rows(
        conn,
        "SELECT t.value AS tag, SUM(j.status = 'open') AS open, COUNT(*) AS postings"
        " FROM jobs j, json_each(j.tags) t GROUP BY t.value",
    )
    view = {r["tag"]: r for r in rows(conn, "SELECT * FROM top_tags")}
    assert {r["tag"]: (r["open"], r["postings"]) for r in tags} == {
        k: (v["open"], v["postings"]) for k, v in view.items()
    }
    top = rows(conn, "SELECT * FROM top_companies LIMIT 5")
    for r in top:
        assert (
            r["open"]
            == conn.execute(
                "SELECT COUNT(*) FROM jobs WHERE company = ? AND status = 'open'", (r["company"],)
            ).fetchone()[0]
        )
    assert [r["open"] for r in top] == sorted((r["open"] for r in top), reverse=True)


def test_role_families_read_titles_coarsely(conn):
    cases = {
        "Senior Data Engineer": "data",
        "Staff Software Engineer, Payments": "engineering",
        "Product Designer": "design",
        "Senior Product Manager": "product",
        "Account Executive, EMEA": "sales",
        "Customer Success Manager": "support",
        "Technical Recruiter": "people",
        "Head of Growth Marketing": "marketing",
        "Chef": "other",
    }
    sql = rollups.role_family_sql("?")
    for title, family in cases.items():
        got = conn.execute(f"SELECT {sql.replace('?', ':t')}", {"t": title}).fetchone()[0]
        assert got == family, title


# Plans may read these whole: small tables, or a page of rows (LIMIT) of a big one.
PAGED_SCANS = {"view unique_jobs", "view job_changes", "page jobs, newest first"}


def plan(conn, sql: str, params: dict) -> str:
    return "\n".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


@pytest.mark.parametrize("name,sql,params", analyst.cases(), ids=lambda v: str(v)[:40])
def test_no_view_or_canned_query_reads_all_of_jobs_without_an_index(conn, name, sql, params):
    text = plan(conn, sql, params)
    full_scans = [
        line for line in text.splitlines()
        # a SCAN of jobs reads every row, through an index or not; only SEARCH is bounded
        if line.startswith("SCAN") and line.split()[1] in ("jobs", "j", "a", "b", "m")
    ]  # fmt: skip
    if name in PAGED_SCANS:
        return
    assert not full_scans, f"{name} scans jobs:\n{text}"


@pytest.mark.parametrize(
    "name,index",
    [
        ("new_postings", "jobs_first_seen_at"),
        ("closed_postings", "jobs_closed_at"),
        ("open_postings_at_company", "jobs_company_status"),
        ("tag_over_time", "sqlite_autoindex_facet_monthly_1"),
    ],
)
def test_canned_queries_use_their_index(conn, name, index):
    query = canned_queries()[name]
    assert f"USING INDEX {index}" in plan(conn, query["sql"], query["example"]) or (
        f"USING COVERING INDEX {index}" in plan(conn, query["sql"], query["example"])
    )


def test_board_summary_reads_dates_through_the_board_indexes(conn):
    text = plan(conn, "SELECT * FROM board_summary", {})
    assert "jobs_source_posted_at" in text
    assert "jobs_source_last_seen_at" in text
    assert "SCAN weekly_stats" in text  # the rollup, not jobs


def test_latest_postings_page_sorts_through_the_posted_at_index(conn):
    text = plan(conn, "SELECT * FROM jobs ORDER BY posted_at DESC LIMIT 50", {})
    assert "jobs_posted_at" in text and "TEMP B-TREE" not in text


@pytest.mark.parametrize("term", ["c++", "c#", ".net", "node.js", 'say "hello', "NOT", "", "-"])
def test_search_accepts_what_people_type(conn, term):
    found = search(conn, term)  # no error for any of them
    assert isinstance(found, list)
    if term in ("c++", "c#"):
        with pytest.raises(sqlite3.OperationalError):
            conn.execute("SELECT COUNT(*) FROM jobs_fts WHERE jobs_fts MATCH ?", (term,))


def test_search_finds_postings_that_mention_the_term(conn):
    found = search(conn, "node.js")
    assert found
    for row in found[:10]:
        text = conn.execute(
            "SELECT lower(title || ' ' || COALESCE(description_text, '') || ' ' || tags)"
            " FROM jobs WHERE id = ?",
            (row["id"],),
        ).fetchone()[0]
        assert "node" in text and "js" in text
    assert search(conn, "c++")
    assert fts_quote("c++ node.js") == '"c++" "node.js"'


def test_opening_an_old_database_adds_indexes_and_fills_the_rollups(tmp_path, db_path):
    old = tmp_path / "old.db"
    with sqlite3.connect(db_path) as src, sqlite3.connect(old) as dst:
        src.backup(dst)
    conn = sqlite3.connect(old)
    for name in ("jobs_rollup_ai", "jobs_rollup_ad", "jobs_rollup_au"):
        conn.execute(f"DROP TRIGGER {name}")
    for r in rollups.ROLLUPS:
        conn.execute(f"DROP TABLE {r.table}")
    for index in ("jobs_posted_at", "jobs_first_seen_at", "jobs_closed_at", "jobs_company_status"):
        conn.execute(f"DROP INDEX {index}")
    conn.execute("PRAGMA user_version = 4")
    for view in VIEWS:
        conn.execute(f"DROP VIEW {view}")
    conn.commit()
    conn.close()
    db = open_db(old)
    indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"jobs_posted_at", "jobs_first_seen_at", "jobs_closed_at"} <= indexes
    assert rollups.check(db.conn) == dict.fromkeys((r.table for r in rollups.ROLLUPS), 0)
    assert db.execute("SELECT SUM(postings) FROM board_summary").fetchone()[0] == 1500
    db.close()


def test_make_bench_analyst_scale_prints_every_view_and_canned_query(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    args = ["--only-analyst", "--analyst-scale", "300", "--analyst-crawls", "3"]
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.tools.bench", *args, "--out", str(tmp_path)],
        cwd=root, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name, _sql, _params in analyst.cases():
        assert name in proc.stdout
    assert "fts count" in proc.stdout and "analyst queries on 300 postings" in proc.stdout
    report = json.loads((tmp_path / "analyst-latest.json").read_text())
    assert report["built"]["postings"] == 300
    assert len(report["queries"]) == len(analyst.cases()) + len(analyst.BASELINES) + 1
    assert "before: board_summary over jobs" in proc.stdout

"""``make report``: one offline HTML file whose numbers equal SQL run on the same database."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import lxml.html
import pytest

from crawler.analysis.report import pay_basis, report_data
from crawler.store import rollups
from crawler.tools.bench import analyst
from crawler.tools.bench.corpus import JSON_SHAPES

ROOT = Path(__file__).resolve().parent.parent
WEEK = "date({}, 'weekday 0', '-6 days')"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The database and the report ``python -m crawler.analysis.report`` wrote from it."""
    folder = tmp_path_factory.mktemp("report")
    db, out = folder / "jobs.db", folder / "report.html"
    analyst.build(db, 900, crawls=2 * len(JSON_SHAPES), log=lambda *_: None)
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.analysis.report", str(db), "-o", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return db, out


@pytest.fixture
def conn(built):
    conn = sqlite3.connect(built[0])
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def page_tables(path: Path) -> dict[str, list[dict]]:
    """Each section's table as rows of text, read back from the HTML."""
    doc = lxml.html.parse(str(path)).getroot()
    out = {}
    for section in doc.iter("section"):
        head = [th.text_content() for th in section.iter("th")]
        out[section.get("id")] = [
            dict(zip(head, [td.text_content() for td in tr.iter("td")], strict=True))
            for tr in section.xpath(".//tbody/tr")
        ]
    return out


def text(value) -> str:
    return "" if value is None else (value if isinstance(value, str) else f"{value:,}")


def test_the_report_is_one_offline_file_with_a_chart_per_question(built):
    html = built[1].read_text(encoding="utf-8")
    doc = lxml.html.fromstring(html)
    assert not doc.xpath("//script | //link | //img | //iframe")  # nothing to fetch or run
    assert not [a for a in doc.xpath("//@src | //@href") if not a.startswith("#")]
    sections = {s.get("id"): s for s in doc.iter("section")}
    charts = ["weekly_by_board", "new_and_closed", "time_to_close", "pay_by_role"]
    charts += ["remote_share", "top_tags", "top_companies", "tag_trends", "board_health"]
    for key in charts:
        svg = sections[key].xpath(".//*[local-name()='svg']")
        assert len(svg) == 1, key
        marks = svg[0].xpath(".//*[local-name()='g'][starts-with(@id, 'mark')]")
        assert marks, key
        # every mark has a hover tooltip with its numbers
        assert all(m.xpath("./*[local-name()='title']") for m in marks), key


def test_the_tables_beside_the_charts_are_what_report_data_read(built, conn):
    tables = page_tables(built[1])
    for key, chart in report_data(conn).items():
        assert [{k: text(v) for k, v in r.items()} for r in chart["rows"]] == tables[key], key


def test_weekly_numbers_equal_sql_on_jobs(conn):
    data = report_data(conn)
    posted = Counter({
        (r["source"], r["w"]): r["n"] for r in conn.execute(
            f"SELECT source, {WEEK.format('COALESCE(posted_at, first_seen_at)')} AS w,"
            " COUNT(*) AS n FROM jobs GROUP BY 1, 2")
    })  # fmt: skip
    for r in data["weekly_by_board"]["rows"]:
        assert r["posted"] == posted[(r["source"], r["week"])]
    first_sql = f"SELECT {WEEK.format('first_seen_at')}, COUNT(*) FROM jobs GROUP BY 1"
    first = Counter(dict(conn.execute(first_sql).fetchall()))
    closed = Counter(dict(conn.execute(
        f"SELECT {WEEK.format('closed_at')}, COUNT(*) FROM jobs WHERE status = 'closed'"
        " GROUP BY 1").fetchall()))  # fmt: skip
    rows = data["new_and_closed"]["rows"]
    assert rows
    for r in rows:
        assert (r["new"], r["closed"]) == (first[r["week"]], closed[r["week"]])
    assert sum(r["new"] for r in rows) == sum(first.values())  # every week is in the window


def test_top_tags_companies_and_remote_share_equal_sql_on_jobs(conn):
    data = report_data(conn)
    tags = {r["tag"]: r["n"] for r in conn.execute(
        "SELECT t.value AS tag, COUNT(*) AS n FROM jobs j, json_each(j.tags) t"
        " WHERE j.status = 'open' GROUP BY 1")}  # fmt: skip
    shown = data["top_tags"]["rows"]
    assert shown and all(r["open"] == tags[r["tag"]] for r in shown)
    assert shown[0]["open"] == max(tags.values())
    for r in data["top_companies"]["rows"]:
        assert (
            r["open"]
            == conn.execute(
                "SELECT COUNT(*) FROM jobs WHERE company = ? AND status = 'open'", (r["company"],)
            ).fetchone()[0]
        )
    for r in data["remote_share"]["rows"]:
        counts = dict(conn.execute(
            f"SELECT remote, COUNT(*) FROM jobs WHERE"
            f" {WEEK.format('COALESCE(posted_at, first_seen_at)')} = ? GROUP BY remote",
            (r["week"],)).fetchall())  # fmt: skip
        stated = sum(counts.get(k, 0) for k in ("remote", "hybrid", "onsite"))
        assert r["remote"] == counts.get("remote", 0)
        assert r["remote_share"] == (round(counts.get("remote", 0) / stated, 3) if stated else None)


def test_pay_and_time_to_close_equal_sql_on_jobs(conn):
    data = report_data(conn)
    currency, period = pay_basis(conn)
    family = rollups.role_family_sql("title")
    for r in data["pay_by_role"]["rows"]:
        values = sorted(v[0] for v in conn.execute(
            "SELECT (COALESCE(salary_min, salary_max) + COALESCE(salary_max, salary_min)) / 2.0"
            f" FROM jobs WHERE salary_currency = ? AND salary_period = ? AND {family} IS ?"
            " AND seniority IS ? AND (salary_min IS NOT NULL OR salary_max IS NOT NULL)",
            (currency, period, r["role_family"], r["seniority"])))  # fmt: skip
        assert r["postings"] == len(values)
        median = next(v for i, v in enumerate(values, 1) if i >= 0.5 * len(values))
        assert r["median"] == pytest.approx(median)
    for r in data["time_to_close"]["rows"]:
        assert (
            r["closed"]
            == conn.execute(
                "SELECT COUNT(*) FROM jobs WHERE source = ? AND status = 'closed'", (r["source"],)
            ).fetchone()[0]
        )


def test_board_health_equals_the_crawls_table(conn):
    rows = report_data(conn)["board_health"]["rows"]
    assert (
        sum(r["crawls"] for r in rows) == conn.execute("SELECT COUNT(*) FROM crawls").fetchone()[0]
    )
    assert sum(r["items_scraped"] for r in rows) == 900
    assert json.dumps(rows)  # plain values

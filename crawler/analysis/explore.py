"""Datasette for analysts: metadata generated from the schema, canned queries, ``make explore``.

``metadata(database)`` builds Datasette's metadata from the same declarations as
``DATA_FORMAT.md`` and the ``data_dictionary`` table (``crawler/sources/items.py``,
``crawler/store/schema.py``, ``crawler/store/rollups.py``), so it cannot drift from the schema:

* a title and description for every table and view, and every column's description;
* the jobs pages open on the columns an analyst reads first (``DEFAULT_COLUMNS``, applied
  by crawler/analysis/datasette_plugin.py), newest posting first; the rollup tables are hidden;
* facets, with array facets on ``tags``, ``countries`` and ``regions`` and date facets;
* ``canned_queries()``: the market questions (postings per week by board and role, new
  and closed postings, time to close, pay by role, level, region and currency, remote share,
  top tags and companies now and over time, cross-board duplicates, board health) and a
  full-text search that accepts ``c++`` (crawler/analysis/search.py).

``python -m crawler.analysis.explore [DB]`` (``make explore``) writes the metadata next to the
database (``<db>.datasette.json``) and starts ``datasette`` on it. Datasette is the
optional ``explore`` extra: ``pip install -e '.[explore]'``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from crawler.store.schema import (
    TABLE_DESCRIPTIONS,
    TABLE_DOCS,
    VIEW_DOCS,
    job_columns,
    view_columns,
)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = ROOT / "data" / "jobs.db"
# Datasette settings for make explore and the tests: a long description is cut in the list.
SETTINGS = {"truncate_cells_html": 120, "facet_time_limit_ms": 400}

# What an analyst reads first; the rest is one "Show all columns" away.
DEFAULT_COLUMNS = {
    "jobs": [
        "title", "company", "location_raw", "salary_min", "salary_max", "salary_currency",
        "salary_period", "remote", "seniority", "employment_type", "posted_at", "source",
        "status", "tags", "countries", "url", "id",
    ],
}  # fmt: skip
DEFAULT_COLUMNS["unique_jobs"] = [*DEFAULT_COLUMNS["jobs"], "duplicate_count", "duplicate_sources"]

JOB_FACETS = [
    "source", "status", "remote", "seniority", "employment_type", "salary_currency",
    {"array": "tags"}, {"array": "countries"}, {"array": "regions"},
    {"date": "posted_at"}, {"date": "first_seen_at"},
]  # fmt: skip

_ROW_COLUMNS = (
    "j.title, j.company, j.location_raw, j.salary_min, j.salary_max, j.salary_currency,"
    " j.salary_period, j.remote, j.seniority, j.source, j.url"
)


def canned_queries() -> dict[str, dict]:
    """Datasette canned queries: name -> {title, description, sql, example}. ``example``
    holds parameter values the tests and ``make bench`` run the query with. A name must not
    be a table's or view's: Datasette would serve the query at the view's address."""
    from crawler.analysis.search import SEARCH_SQL

    return {
        "search": {
            "title": "Search postings (c++, c#, .net, node.js work)",
            "description": "Full-text search over title, company, description, location and"
            " tags; every term is quoted (fts_quote), so any text is accepted. The 100 most"
            " recently stored matches.",
            "sql": SEARCH_SQL.strip(),
            "example": {"q": "python"},
        },
        "search_count": {
            "title": "How many postings mention a term",
            "description": "Count of full-text matches, any text accepted.",
            "sql": "SELECT COUNT(*) AS postings FROM jobs_fts WHERE jobs_fts MATCH fts_quote(:q)",
            "example": {"q": "python"},
        },
        "postings_per_week": {
            "title": "Postings per week, by board",
            "description": "Posted, first seen and closed each week; board '' = every board.",
            "sql": "SELECT week, source, posted, first_seen, closed FROM weekly_postings"
            " WHERE :board = '' OR source = :board ORDER BY week DESC, source",
            "example": {"board": ""},
        },
        "postings_per_week_by_role": {
            "title": "Postings per week, by role family",
            "description": "Posted, first seen and closed each week per coarse role family"
            " (from the title); role '' = every family.",
            "sql": "SELECT week, role_family, posted, first_seen, closed FROM weekly_roles"
            " WHERE :role = '' OR role_family = :role ORDER BY week DESC, posted DESC",
            "example": {"role": ""},
        },
        "new_postings": {
            "title": "New postings since a date",
            "description": "Postings first seen on or after :since (YYYY-MM-DD), newest first"
            " (500 at most).",
            "sql": f"SELECT j.first_seen_at, {_ROW_COLUMNS} FROM jobs j"
            " WHERE j.first_seen_at >= :since ORDER BY j.first_seen_at DESC LIMIT 500",
            "example": {"since": "2026-01-10"},
        },
        "closed_postings": {
            "title": "Postings closed since a date",
            "description": "Postings closed on or after :since (YYYY-MM-DD), with why and how"
            " long they were open (500 at most).",
            "sql": f"SELECT j.closed_at, j.closed_reason, {_ROW_COLUMNS},"
            " CAST(julianday(j.closed_at) - julianday(COALESCE(j.posted_at, j.first_seen_at))"
            " AS INTEGER) AS days_open"
            " FROM jobs j WHERE j.closed_at >= :since ORDER BY j.closed_at DESC LIMIT 500",
            "example": {"since": "2026-01-10"},
        },
        "days_open_by_board": {
            "title": "How long postings stay open",
            "description": "Per board: median, 90th percentile and mean days from posting to"
            " closing.",
            "sql": "SELECT * FROM time_to_close ORDER BY closed DESC",
            "example": {},
        },
        "pay_by_role": {
            "title": "Pay by role family and level",
            "description": "Percentiles of pay (range midpoint) for one currency and period,"
            " e.g. USD / year.",
            "sql": "SELECT role_family, seniority, postings, open, p10, p25, median, p75, p90"
            " FROM pay_percentiles WHERE salary_currency = :currency"
            " AND salary_period = :period ORDER BY postings DESC",
            "example": {"currency": "USD", "period": "year"},
        },
        "pay_by_region_for_currency": {
            "title": "Pay by region",
            "description": "Percentiles of pay (range midpoint) per region for one currency and"
            " period.",
            "sql": "SELECT region, postings, open, p10, p25, median, p75, p90 FROM pay_by_region"
            " WHERE salary_currency = :currency AND salary_period = :period"
            " ORDER BY postings DESC",
            "example": {"currency": "USD", "period": "year"},
        },
        "pay_by_currency": {
            "title": "Postings with pay, per currency and period",
            "description": "Which currencies and periods postings state, with median pay.",
            "sql": "SELECT salary_currency, salary_period, SUM(postings) AS postings,"
            " SUM(open) AS open FROM pay_percentiles GROUP BY 1, 2 ORDER BY postings DESC",
            "example": {},
        },
        "remote_share": {
            "title": "Remote share over time",
            "description": "Per posted week: remote, hybrid, on-site and unknown postings.",
            "sql": "SELECT * FROM remote_share_weekly ORDER BY week",
            "example": {},
        },
        "top_tags_now": {
            "title": "Top skills (tags) now",
            "description": "Tags by open postings (50).",
            "sql": "SELECT * FROM top_tags LIMIT 50",
            "example": {},
        },
        "top_companies_now": {
            "title": "Companies hiring now",
            "description": "Companies by open postings (50).",
            "sql": "SELECT * FROM top_companies LIMIT 50",
            "example": {},
        },
        "tag_over_time": {
            "title": "A tag over time",
            "description": "Postings per posted month with a tag, e.g. python.",
            "sql": "SELECT month, postings FROM tag_trends WHERE tag = :tag ORDER BY month",
            "example": {"tag": "python"},
        },
        "company_over_time": {
            "title": "A company over time",
            "description": "Postings per posted month of one company.",
            "sql": "SELECT month, postings FROM company_trends WHERE company = :company"
            " ORDER BY month",
            "example": {"company": "GitLab"},
        },
        "open_postings_at_company": {
            "title": "Open postings of a company",
            "description": "Every open posting of :company, newest first.",
            "sql": f"SELECT j.posted_at, {_ROW_COLUMNS} FROM jobs j"
            " WHERE j.company = :company AND j.status = 'open' ORDER BY j.posted_at DESC LIMIT 500",
            "example": {"company": "GitLab"},
        },
        "duplicates_across_boards": {
            "title": "The same jobs on several boards",
            "description": "Pairs of boards and the duplicate groups they share.",
            "sql": "SELECT * FROM cross_board_duplicates ORDER BY groups DESC",
            "example": {},
        },
        "board_health_by_day": {
            "title": "Board health over time",
            "description": "Per board and day: crawls, healthy and unhealthy verdicts, items.",
            "sql": "SELECT * FROM board_health ORDER BY day DESC, spider LIMIT 500",
            "example": {},
        },
    }


def _columns(cols: dict[str, tuple[str, str]]) -> dict[str, str]:
    return {name: doc for name, (_type, doc) in cols.items()}


def metadata(database: str = "jobs") -> dict:
    """Datasette metadata for a jobcrawl database opened under the name ``database``."""
    tables: dict[str, dict] = {
        "jobs": {
            "title": "Job postings",
            "description": TABLE_DESCRIPTIONS["jobs"],
            "columns": _columns(job_columns()),
            "facets": JOB_FACETS,
            "sort_desc": "posted_at",
            "size": 50,
            "label_column": "title",
            "plugins": {"jobcrawl": {"default_columns": DEFAULT_COLUMNS["jobs"]}},
        },
        "jobs_fts": {"hidden": True},
    }
    for name, cols in TABLE_DOCS.items():
        tables[name] = {
            "title": name.replace("_", " ").capitalize(),
            "description": TABLE_DESCRIPTIONS.get(name, ""),
            "columns": _columns(cols),
        }
        if TABLE_DESCRIPTIONS.get(name, "").startswith("Rollup"):
            tables[name]["hidden"] = True
    tables["crawls"].update(sort_desc="id", facets=["spider", "healthy", "finish_reason"])
    tables["rejects"].update(sort_desc="id", facets=["source", "reason"])
    tables["data_dictionary"] = {
        "title": "Data dictionary",
        "description": TABLE_DESCRIPTIONS["data_dictionary"],
        "facets": ["table_name"],
    }
    views = view_columns()
    for name, (description, _sql, _cols) in VIEW_DOCS.items():
        tables[name] = {
            "title": name.replace("_", " ").capitalize(),
            "description": description,
            "columns": _columns(views[name]),
        }
    tables["unique_jobs"].update(
        facets=JOB_FACETS,
        plugins={"jobcrawl": {"default_columns": DEFAULT_COLUMNS["unique_jobs"]}},
    )
    queries = {
        name: {k: v for k, v in q.items() if k != "example"} for name, q in canned_queries().items()
    }
    return {
        "title": "jobcrawl: job postings",
        "description": "Job postings crawled from job boards, cleaned and normalised. Every"
        " column is described (hover a column's heading, or see the data_dictionary table);"
        " the canned queries answer the common market questions.",
        "databases": {
            database: {
                "description": "One row per posting per board in `jobs`; trend views read"
                " rollup tables kept exact by triggers.",
                "tables": tables,
                "queries": queries,
            }
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", nargs="?", type=Path, default=DEFAULT_DB)
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--write-only", action="store_true", help="write the metadata, exit")
    args, rest = parser.parse_known_args(argv)
    if not args.db.exists():
        print(f"{args.db} does not exist: run `make crawl` (or `make demo`) first", file=sys.stderr)
        return 2
    from crawler.store.schema import open_db

    open_db(args.db).close()  # bring an older database to the current schema and views
    meta_path = args.db.with_name(args.db.name + ".datasette.json")
    meta_path.write_text(json.dumps(metadata(args.db.stem), indent=1), encoding="utf-8")
    print(f"wrote {meta_path}")
    if args.write_only:
        return 0
    datasette = shutil.which("datasette", path=str(Path(sys.executable).parent)) or shutil.which(
        "datasette"
    )
    if datasette is None:
        print("Datasette is not installed: pip install -e '.[explore]'", file=sys.stderr)
        return 2
    cmd = [datasette, "serve", str(args.db), "--metadata", str(meta_path), "--port",
           str(args.port)]  # fmt: skip
    for key, value in SETTINGS.items():
        cmd += ["--setting", key, str(value)]
    os.execv(datasette, [*cmd, *rest])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())

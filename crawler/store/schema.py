"""The SQLite schema: created and upgraded here, and nowhere else.

``open_db(path)`` opens (or creates) a database in WAL mode with a busy
timeout and brings it to the current schema:

* numbered ``MIGRATIONS`` run in order, tracked by ``PRAGMA user_version``;
  each runs in its own transaction, so a failed upgrade leaves the old schema;
* then every ``JobPosting`` field missing from ``jobs`` is added as a column, so
  the table cannot drift from the item;
* then the ``data_dictionary`` table, views and full-text index are refreshed.

Conventions analysts can rely on: lists and objects are JSON text, timestamps
are UTC ISO 8601 text (``YYYY-MM-DDTHH:MM:SSZ``), one ``jobs`` row per
(``source``, ``source_id``).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import sqlite_utils

from crawler.sources.items import item_fields
from crawler.store import rollups

BUSY_TIMEOUT_MS = 30_000

# Columns the store keeps beside the item's fields.
JOB_BOOKKEEPING = {
    "id": ("INTEGER", "Row id (stable; referenced by other tables)."),
    "first_seen_at": ("TEXT", "When jobcrawl first stored this posting, UTC ISO 8601."),
    "last_seen_at": ("TEXT", "The last crawl that saw this posting, UTC ISO 8601."),
    "content_hash": ("TEXT", "Hash of the content fields; changes when the posting changes."),
    "last_crawl_id": ("INTEGER", "crawls.id of the last crawl that saw this posting."),
    # Lifecycle (crawler/store/lifecycle.py documents the rules).
    "status": ("TEXT", "`open` or `closed`; closed only on evidence (see `closed_reason`)."),
    "closed_at": ("TEXT", "When jobcrawl closed the posting, UTC ISO 8601; null while open."),
    "closed_reason": (
        "TEXT",
        "`absent` (missing from K healthy complete listings), `gone` (its page answered "
        "404/410), `valid_through` (closing date passed) or `age_limit` (window boards).",
    ),
    "reopened_count": ("INTEGER", "How many times a closed posting was seen again and reopened."),
    "missed_listings": (
        "INTEGER",
        "Consecutive healthy complete listings of its board the posting was absent from.",
    ),
    "match_key": (
        "TEXT",
        "Normalised `company|title` that cross-board duplicate candidates share "
        "(crawler/store/dedupe.py).",
    ),
}

CRAWL_COLUMNS = {
    "id": ("INTEGER", "Crawl id."),
    "spider": ("TEXT", "Board (spider name) crawled."),
    "started_at": ("TEXT", "Start, UTC ISO 8601."),
    "finished_at": ("TEXT", "End, UTC ISO 8601; null if the crawl never finished (killed)."),
    "finish_reason": ("TEXT", "Scrapy's finish reason (`finished`, `shutdown`, ...)."),
    "items_scraped": ("INTEGER", "Postings stored (new + updated + unchanged)."),
    "items_new": ("INTEGER", "Postings seen for the first time."),
    "items_updated": ("INTEGER", "Postings whose content changed."),
    "items_unchanged": ("INTEGER", "Postings seen again unchanged."),
    "items_rejected": ("INTEGER", "Records written to `rejects`."),
    "errors": ("INTEGER", "Errors logged during the crawl."),
    "requests": ("INTEGER", "HTTP requests sent."),
    "stats": ("JSON", "Scrapy's final crawl stats (JSON object)."),
    "healthy": (
        "INTEGER",
        "1 if the crawl passed every health check (crawler/store/health.py), 0 if not;"
        " null: not judged.",
    ),
    "health_problems": (
        "JSON",
        "Failing health checks, check name -> reason (JSON object; {} when healthy).",
    ),
    "fill_rates": (
        "JSON",
        "Per field, the fraction of stored postings with a value; `given:<field>`: of postings "
        "as the spider handed them over (JSON object).",
    ),
    "items_closed": ("INTEGER", "Postings this crawl closed (any `closed_reason`)."),
    "items_reopened": ("INTEGER", "Closed postings this crawl saw again and reopened."),
    "versions_written": ("INTEGER", "Rows written to `job_versions` (postings that changed)."),
    "pages_skipped": (
        "INTEGER",
        "Sitemap job pages not fetched because their `lastmod` had not moved.",
    ),
    "pages_not_modified": (
        "INTEGER",
        "Requests answered 304 Not Modified (the stored copy was reused).",
    ),
    "closing_problems": (
        "JSON",
        "Why this crawl could close nothing (JSON object, check -> reason; {} = it could).",
    ),
}

CRAWL_LISTING_COLUMNS = {
    "crawl_id": ("INTEGER", "crawls.id."),
    "source": ("TEXT", "Board (the postings' `source`)."),
    "listing": (
        "TEXT",
        "Company handle on a platform board (`company_slug`); '' for a whole board.",
    ),
    "responses": ("INTEGER", "Requests of this listing answered 2xx/304."),
    "failures": ("INTEGER", "Requests of this listing that finally failed."),
    "rejects": ("INTEGER", "Records of this listing that could not be read."),
    "seen": ("INTEGER", "Postings of this listing the crawl saw."),
    "missed": ("INTEGER", "Open postings of this listing the crawl did not see (counted)."),
    "closed": ("INTEGER", "Postings closed as `absent` after this listing."),
    "healthy": ("INTEGER", "1: a healthy complete listing (absences counted); 0: not."),
    "problems": ("JSON", "Why the listing was not healthy and complete (JSON array)."),
}

JOB_VERSION_COLUMNS = {
    "id": ("INTEGER", "Row id."),
    "job_id": ("INTEGER", "jobs.id of the posting that changed."),
    "crawl_id": ("INTEGER", "crawls.id of the crawl that saw the new content."),
    "changed_at": ("TEXT", "When the change was seen, UTC ISO 8601."),
    "changed_fields": ("JSON", "Names of the fields that changed (JSON array)."),
    "changes": (
        "JSON",
        'Per changed field, its previous and new value: {"field": {"old": .., "new": ..}}.',
    ),
    "previous_hash": ("TEXT", "content_hash of the previous content."),
    "previous_crawl_id": ("INTEGER", "The last crawl that saw the previous content."),
    "previous_seen_at": ("TEXT", "When the previous content was last seen, UTC ISO 8601."),
}

DUPLICATE_GROUP_COLUMNS = {
    "group_id": ("INTEGER", "Group id (the id of the group's oldest posting when it formed)."),
    "job_id": ("INTEGER", "jobs.id of a posting in the group (at most one group per posting)."),
    "matched_job_id": ("INTEGER", "The posting it was matched with."),
    "reason": (
        "TEXT",
        "Why: the shared company+title key, the location check and the description similarity.",
    ),
    "score": ("REAL", "Description similarity with the matched posting, 0..1."),
    "canonical": ("INTEGER", "1 for the group's canonical posting (shown in `unique_jobs`)."),
    "grouped_at": ("TEXT", "When the posting joined the group, UTC ISO 8601."),
    "crawl_id": ("INTEGER", "crawls.id of the crawl that grouped it."),
}

REJECT_COLUMNS = {
    "id": ("INTEGER", "Row id."),
    "crawl_id": ("INTEGER", "crawls.id of the crawl that met the record."),
    "source": ("TEXT", "Board (spider name)."),
    "url": ("TEXT", "URL of the record, or of the response that carried it."),
    "reason": ("TEXT", "Why it could not be stored."),
    "raw": ("TEXT", "The raw record (JSON or text), truncated to 20,000 characters."),
    "created_at": ("TEXT", "When it was rejected, UTC ISO 8601."),
}


def _migration_1(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            source_id TEXT NOT NULL,
            first_seen_at TEXT,
            last_seen_at TEXT,
            content_hash TEXT,
            last_crawl_id INTEGER,
            UNIQUE (source, source_id)
        )"""
    )
    db.execute(
        """
        CREATE TABLE crawls (
            id INTEGER PRIMARY KEY,
            spider TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            finish_reason TEXT,
            items_scraped INTEGER DEFAULT 0,
            items_new INTEGER DEFAULT 0,
            items_updated INTEGER DEFAULT 0,
            items_unchanged INTEGER DEFAULT 0,
            items_rejected INTEGER DEFAULT 0,
            errors INTEGER DEFAULT 0,
            requests INTEGER DEFAULT 0,
            stats TEXT
        )"""
    )
    db.execute(
        """
        CREATE TABLE rejects (
            id INTEGER PRIMARY KEY,
            crawl_id INTEGER REFERENCES crawls(id),
            source TEXT,
            url TEXT,
            reason TEXT NOT NULL,
            raw TEXT,
            created_at TEXT
        )"""
    )
    db.execute("CREATE INDEX rejects_crawl ON rejects (crawl_id)")
    db.execute("CREATE INDEX crawls_spider ON crawls (spider, started_at)")


def _migration_2(db: sqlite_utils.Database) -> None:
    # Health verdict per crawl (crawler/store/health.py), written when the crawl's engine stops.
    db.execute("ALTER TABLE crawls ADD COLUMN healthy INTEGER")
    db.execute("ALTER TABLE crawls ADD COLUMN health_problems TEXT")
    db.execute("ALTER TABLE crawls ADD COLUMN fill_rates TEXT")
    db.execute("CREATE INDEX crawls_spider_healthy ON crawls (spider, healthy, id)")


def _migration_3(db: sqlite_utils.Database) -> None:
    # Lifecycle, change history, cross-board duplicates, incremental crawls (issue 6).
    if "url" not in db["jobs"].columns_dict:
        # Item columns are normally added after the migrations; the index below needs this one.
        db.execute("ALTER TABLE jobs ADD COLUMN url TEXT")
    for sql in (
        "ALTER TABLE jobs ADD COLUMN status TEXT NOT NULL DEFAULT 'open'",
        "ALTER TABLE jobs ADD COLUMN closed_at TEXT",
        "ALTER TABLE jobs ADD COLUMN closed_reason TEXT",
        "ALTER TABLE jobs ADD COLUMN reopened_count INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE jobs ADD COLUMN missed_listings INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE jobs ADD COLUMN match_key TEXT",
        "CREATE INDEX jobs_match_key ON jobs (match_key)",
        "CREATE INDEX jobs_source_url ON jobs (source, url)",
        "CREATE INDEX jobs_source_status ON jobs (source, status)",
        "ALTER TABLE crawls ADD COLUMN items_closed INTEGER DEFAULT 0",
        "ALTER TABLE crawls ADD COLUMN items_reopened INTEGER DEFAULT 0",
        "ALTER TABLE crawls ADD COLUMN versions_written INTEGER DEFAULT 0",
        "ALTER TABLE crawls ADD COLUMN pages_skipped INTEGER DEFAULT 0",
        "ALTER TABLE crawls ADD COLUMN pages_not_modified INTEGER DEFAULT 0",
        "ALTER TABLE crawls ADD COLUMN closing_problems TEXT",
        """CREATE TABLE crawl_listings (
               crawl_id INTEGER NOT NULL REFERENCES crawls(id),
               source TEXT NOT NULL,
               listing TEXT NOT NULL,
               responses INTEGER, failures INTEGER, rejects INTEGER,
               seen INTEGER, missed INTEGER, closed INTEGER,
               healthy INTEGER NOT NULL,
               problems TEXT,
               PRIMARY KEY (crawl_id, source, listing))""",
        "CREATE INDEX crawl_listings_baseline ON crawl_listings (source, listing, healthy)",
        """CREATE TABLE job_versions (
               id INTEGER PRIMARY KEY,
               job_id INTEGER NOT NULL REFERENCES jobs(id),
               crawl_id INTEGER REFERENCES crawls(id),
               changed_at TEXT NOT NULL,
               changed_fields TEXT NOT NULL,
               changes TEXT NOT NULL,
               previous_hash TEXT,
               previous_crawl_id INTEGER,
               previous_seen_at TEXT)""",
        "CREATE INDEX job_versions_job ON job_versions (job_id, id)",
        """CREATE TABLE duplicate_groups (
               group_id INTEGER NOT NULL,
               job_id INTEGER PRIMARY KEY REFERENCES jobs(id),
               matched_job_id INTEGER,
               reason TEXT NOT NULL,
               score REAL,
               canonical INTEGER NOT NULL DEFAULT 0,
               grouped_at TEXT,
               crawl_id INTEGER)""",
        "CREATE INDEX duplicate_groups_group ON duplicate_groups (group_id)",
    ):
        db.execute(sql)
    columns = set(db["jobs"].columns_dict)
    if {"company", "company_slug", "title", "location_raw"} <= columns:
        # Postings stored before this migration get their duplicate-candidate key now.
        from crawler.store.dedupe import match_key

        rows = db.execute("SELECT id, company, company_slug, title, location_raw FROM jobs")
        db.conn.executemany(
            "UPDATE jobs SET match_key = ? WHERE id = ?",
            [(match_key(c, s, t, loc), i) for i, c, s, t, loc in rows.fetchall()],
        )


def _migration_4(db: sqlite_utils.Database) -> None:
    # Duplicate candidates are "same match key, another board" (crawler/store/dedupe.py). With the
    # key alone indexed, every posting of the *same* board under that key was read from the
    # table to be skipped: a board listing one title per office made each new posting cost
    # hundreds of row reads. The board in the index skips them there; the old index is its
    # prefix, so it goes.
    db.execute("CREATE INDEX jobs_match_key_source ON jobs (match_key, source)")
    db.execute("DROP INDEX jobs_match_key")


def _migration_5(db: sqlite_utils.Database) -> None:
    # Analysts at a million postings (issue 17). Indexes for the canned queries' filters and
    # sorts (latest postings, new/closed since a date, a company's open postings, a board's
    # date range and last sighting), and the rollup tables the trend views read, kept exact
    # by triggers (crawler/store/rollups.py) and filled here from the rows already stored.
    _add_item_columns(db)  # the triggers read item columns, normally added after migrating
    for sql in (
        "CREATE INDEX IF NOT EXISTS jobs_posted_at ON jobs (posted_at)",
        "CREATE INDEX IF NOT EXISTS jobs_source_posted_at ON jobs (source, posted_at)",
        "CREATE INDEX IF NOT EXISTS jobs_source_last_seen_at ON jobs (source, last_seen_at)",
        "CREATE INDEX IF NOT EXISTS jobs_first_seen_at ON jobs (first_seen_at)",
        "CREATE INDEX IF NOT EXISTS jobs_closed_at ON jobs (closed_at)",
        "CREATE INDEX IF NOT EXISTS jobs_company_status ON jobs (company, status, posted_at)",
    ):
        db.execute(sql)
    rollups.install(db.conn)
    db.execute("CREATE INDEX IF NOT EXISTS facet_counts_open ON facet_counts (facet, open)")


DISTRIBUTED_CRAWL_COLUMNS = {
    "run_id": ("TEXT", "The distributed run (`scrapy enqueue` prints it)."),
    "spider": ("TEXT", "A spider crawled in that run."),
    "crawl_id": ("INTEGER", "crawls.id of that spider's crawl in the run."),
}

DISTRIBUTED_UNIT_COLUMNS = {
    "run_id": ("TEXT", "The distributed run (`scrapy enqueue` prints it)."),
    "unit_id": ("TEXT", "The work unit: `<spider>/<listing>`, e.g. `lever/palantir`."),
    "spider": ("TEXT", "The spider that crawled the unit."),
    "crawl_id": ("INTEGER", "crawls.id of the spider's crawl in this run."),
    "attempt": ("INTEGER", "Which lease of the unit the writer applied (1 = the first)."),
    "stage": (
        "TEXT",
        "`listed` (sitemap refreshes applied), `done` (items applied), `failed` (never reported).",
    ),
    "stats": ("JSON", "The unit's Scrapy stats, merged into `crawls.stats` at the end."),
    "gone": ("JSON", "[source, url] of posting pages that answered 404/410 in the unit."),
    "applied_at": ("TEXT", "When the writer committed the unit, UTC ISO 8601."),
}


def _migration_distributed(db: sqlite_utils.Database) -> None:
    # The distributed writer (crawler/distributed/writer.py): which run's spider is which crawl,
    # and which work units it applied, written in the same transaction as the unit's rows so
    # that a writer killed after its commit but before acknowledging the stream applies
    # nothing twice.
    db.execute(
        "CREATE TABLE IF NOT EXISTS distributed_crawls (run_id TEXT NOT NULL,"
        " spider TEXT NOT NULL, crawl_id INTEGER NOT NULL REFERENCES crawls(id),"
        " PRIMARY KEY (run_id, spider))"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS distributed_units (run_id TEXT NOT NULL,"
        " unit_id TEXT NOT NULL, spider TEXT NOT NULL, crawl_id INTEGER, attempt INTEGER,"
        " stage TEXT NOT NULL, stats TEXT, gone TEXT, applied_at TEXT,"
        " PRIMARY KEY (run_id, unit_id))"
    )


# Append only: never edit a migration that has shipped.
MIGRATIONS = [_migration_1, _migration_2, _migration_3, _migration_4, _migration_5,
              _migration_distributed]  # fmt: skip

# Extra tables documented in the data dictionary: name -> {column: (type, doc)}.
# Later features register their tables here too.
TABLE_DOCS: dict[str, dict[str, tuple[str, str]]] = {
    "crawls": CRAWL_COLUMNS,
    "rejects": REJECT_COLUMNS,
    "crawl_listings": CRAWL_LISTING_COLUMNS,
    "job_versions": JOB_VERSION_COLUMNS,
    "duplicate_groups": DUPLICATE_GROUP_COLUMNS,
    **rollups.ROLLUP_DOCS,
    "distributed_crawls": DISTRIBUTED_CRAWL_COLUMNS,
    "distributed_units": DISTRIBUTED_UNIT_COLUMNS,
}

FTS_COLUMNS = ["title", "company", "description_text", "location_raw", "tags"]

# Views analysts query: name -> (description, SQL, {column: (type, doc)}). The columns are
# documented in data_dictionary and DATA_FORMAT.md; tests/test_analysis.py checks each view's
# real columns against these. The trend views read the rollup tables (crawler/store/rollups.py),
# so they answer at once at a million postings.
_PCT = "MIN(CASE WHEN cum >= {p} * total THEN {x} END)"  # nearest-rank percentile


def _pct(p: float, x: str) -> str:
    return _PCT.format(p=p, x=x)


VIEW_DOCS: dict[str, tuple[str, str, dict[str, tuple[str, str]]]] = {
    "board_summary": (
        "One row per board: postings, open and closed, fill of pay and posted date, the newest"
        " posting and the board's last crawl.",
        """
        SELECT s.source, s.postings, s.postings - s.closed AS open, s.closed, s.with_salary,
               s.with_posted_at,
               (SELECT MIN(posted_at) FROM jobs WHERE source = s.source) AS oldest_posted_at,
               (SELECT MAX(posted_at) FROM jobs WHERE source = s.source) AS newest_posted_at,
               (SELECT MAX(last_seen_at) FROM jobs WHERE source = s.source) AS last_seen_at,
               c.id AS last_crawl_id, c.started_at AS last_crawl_at,
               c.healthy AS last_crawl_healthy
        FROM (SELECT source, SUM(posted) AS postings, SUM(closed) AS closed,
                     SUM(with_salary) AS with_salary, SUM(with_posted_at) AS with_posted_at
              FROM weekly_stats GROUP BY source HAVING SUM(posted) > 0) s
        LEFT JOIN crawls c ON c.id = (SELECT MAX(id) FROM crawls WHERE spider = s.source)""",
        {
            "source": ("TEXT", "Board."),
            "postings": ("INTEGER", "Postings stored (open and closed)."),
            "open": ("INTEGER", "Postings open now (`status` = 'open')."),
            "closed": ("INTEGER", "Postings closed (`status` = 'closed')."),
            "with_salary": ("INTEGER", "Postings with a salary bound."),
            "with_posted_at": ("INTEGER", "Postings with a posting date."),
            "oldest_posted_at": ("TEXT", "Earliest `posted_at`."),
            "newest_posted_at": ("TEXT", "Latest `posted_at`."),
            "last_seen_at": ("TEXT", "Latest `last_seen_at`: when a crawl last saw a posting."),
            "last_crawl_id": ("INTEGER", "crawls.id of the board's latest crawl (spider = board)."),
            "last_crawl_at": ("TEXT", "When that crawl started."),
            "last_crawl_healthy": ("INTEGER", "Its `healthy` verdict (1, 0, null: not judged)."),
        },
    ),
    "recent_crawls": (
        "Crawls, newest first, with their health verdict, problems and counts.",
        """
        SELECT id, spider, started_at, finished_at, finish_reason, items_scraped, items_new,
               items_updated, items_unchanged, items_rejected, errors, healthy, health_problems,
               closing_problems, items_closed, items_reopened, requests,
               CAST(ROUND((julianday(finished_at) - julianday(started_at)) * 86400) AS INTEGER)
                   AS seconds
        FROM crawls ORDER BY id DESC""",
        {
            **{
                c: CRAWL_COLUMNS[c]
                for c in (
                    "id",
                    "spider",
                    "started_at",
                    "finished_at",
                    "finish_reason",
                    "items_scraped",
                    "items_new",
                    "items_updated",
                    "items_unchanged",
                    "items_rejected",
                    "errors",
                    "healthy",
                    "health_problems",
                    "closing_problems",
                    "items_closed",
                    "items_reopened",
                    "requests",
                )
            },  # fmt: skip
            "seconds": ("INTEGER", "How long the crawl ran; null if it never finished."),
        },
    ),
    "weekly_postings": (
        "Per board and week: postings posted, first seen by jobcrawl, and closed.",
        """
        SELECT source, week, SUM(posted) AS posted, SUM(first_seen) AS first_seen,
               SUM(closed) AS closed
        FROM weekly_stats GROUP BY source, week
        HAVING SUM(posted) != 0 OR SUM(first_seen) != 0 OR SUM(closed) != 0""",
        {
            "source": ("TEXT", "Board."),
            "week": ("TEXT", "Monday of the week, `YYYY-MM-DD` (UTC)."),
            "posted": ("INTEGER", "Postings posted that week (`posted_at`, else first seen)."),
            "first_seen": ("INTEGER", "Postings jobcrawl saw for the first time that week."),
            "closed": ("INTEGER", "Postings closed that week (and still closed)."),
        },
    ),
    "weekly_roles": (
        "Per week and role family, all boards: postings posted, first seen and closed.",
        """
        SELECT week, NULLIF(role_family, '') AS role_family, SUM(posted) AS posted,
               SUM(first_seen) AS first_seen, SUM(closed) AS closed
        FROM weekly_stats GROUP BY week, role_family
        HAVING SUM(posted) != 0 OR SUM(first_seen) != 0 OR SUM(closed) != 0""",
        {
            "week": ("TEXT", "Monday of the week, `YYYY-MM-DD` (UTC)."),
            "role_family": ("TEXT", "Coarse role family from the title (see `pay_percentiles`)."),
            "posted": ("INTEGER", "Postings posted that week (`posted_at`, else first seen)."),
            "first_seen": ("INTEGER", "Postings jobcrawl saw for the first time that week."),
            "closed": ("INTEGER", "Postings closed that week (and still closed)."),
        },
    ),
    "time_to_close": (
        "Per board: how long closed postings stayed open, from `posted_at` (else first seen)"
        " to `closed_at`.",
        f"""
        WITH d AS (
            SELECT source, days_open, closed,
                   SUM(closed) OVER (PARTITION BY source ORDER BY days_open) AS cum,
                   SUM(closed) OVER (PARTITION BY source) AS total
            FROM close_durations WHERE closed > 0)
        SELECT source, MAX(total) AS closed, {_pct(0.5, "days_open")} AS median_days,
               {_pct(0.9, "days_open")} AS p90_days,
               ROUND(SUM(days_open * closed) * 1.0 / MAX(total), 1) AS mean_days,
               SUM(CASE WHEN days_open <= 7 THEN closed ELSE 0 END) AS within_7_days,
               SUM(CASE WHEN days_open <= 30 THEN closed ELSE 0 END) AS within_30_days
        FROM d GROUP BY source""",
        {
            "source": ("TEXT", "Board."),
            "closed": ("INTEGER", "Closed postings."),
            "median_days": ("INTEGER", "Median whole days open (nearest rank)."),
            "p90_days": ("INTEGER", "90th percentile of whole days open (nearest rank)."),
            "mean_days": ("REAL", "Mean days open."),
            "within_7_days": ("INTEGER", "Closed postings open 7 days or fewer."),
            "within_30_days": ("INTEGER", "Closed postings open 30 days or fewer."),
        },
    ),
    "pay_percentiles": (
        "Pay per currency, period, seniority and role family: percentiles of the pay range's"
        " midpoint over every posting with a currency, a period and an amount.",
        f"""
        WITH h AS (
            SELECT *, SUM(postings) OVER (PARTITION BY salary_currency, salary_period,
                                          seniority, role_family ORDER BY amount) AS cum,
                      SUM(postings) OVER (PARTITION BY salary_currency, salary_period,
                                          seniority, role_family) AS total
            FROM pay_stats WHERE postings > 0)
        SELECT salary_currency, salary_period, NULLIF(seniority, '') AS seniority,
               NULLIF(role_family, '') AS role_family, MAX(total) AS postings,
               SUM(open) AS open, {_pct(0.1, "amount")} AS p10, {_pct(0.25, "amount")} AS p25,
               {_pct(0.5, "amount")} AS median, {_pct(0.75, "amount")} AS p75,
               {_pct(0.9, "amount")} AS p90
        FROM h GROUP BY salary_currency, salary_period, seniority, role_family""",
        {
            "salary_currency": ("TEXT", "ISO 4217 currency."),
            "salary_period": ("TEXT", "`hour`, `day`, `week`, `month` or `year`."),
            "seniority": ("TEXT", "`seniority` of the title; null: the title names none."),
            "role_family": (
                "TEXT",
                "Coarse role family from the title: engineering, data, design, product, sales,"
                " marketing, support, people, finance, operations or other"
                " (crawler/store/rollups.py).",
            ),
            "postings": ("INTEGER", "Postings in the group."),
            "open": ("INTEGER", "Of them, open now."),
            "p10": ("REAL", "10th percentile of pay per `salary_period` (nearest rank)."),
            "p25": ("REAL", "25th percentile."),
            "median": ("REAL", "Median."),
            "p75": ("REAL", "75th percentile."),
            "p90": ("REAL", "90th percentile."),
        },
    ),
    "pay_by_region": (
        "Pay per currency, period and region: percentiles of the pay range's midpoint (a"
        " posting naming several regions counts in each; one naming none, under a null region).",
        f"""
        WITH h AS (
            SELECT *, SUM(postings) OVER (PARTITION BY salary_currency, salary_period, region
                                          ORDER BY amount) AS cum,
                      SUM(postings) OVER (PARTITION BY salary_currency, salary_period, region)
                          AS total
            FROM pay_region_stats WHERE postings > 0)
        SELECT salary_currency, salary_period, NULLIF(region, '') AS region,
               MAX(total) AS postings, SUM(open) AS open, {_pct(0.1, "amount")} AS p10,
               {_pct(0.25, "amount")} AS p25, {_pct(0.5, "amount")} AS median,
               {_pct(0.75, "amount")} AS p75, {_pct(0.9, "amount")} AS p90
        FROM h GROUP BY salary_currency, salary_period, region""",
        {
            "salary_currency": ("TEXT", "ISO 4217 currency."),
            "salary_period": ("TEXT", "`hour`, `day`, `week`, `month` or `year`."),
            "region": ("TEXT", "One of `jobs.regions`; null: postings naming no region."),
            "postings": ("INTEGER", "Postings in the group."),
            "open": ("INTEGER", "Of them, open now."),
            "p10": ("REAL", "10th percentile of pay per `salary_period` (nearest rank)."),
            "p25": ("REAL", "25th percentile."),
            "median": ("REAL", "Median."),
            "p75": ("REAL", "75th percentile."),
            "p90": ("REAL", "90th percentile."),
        },
    ),
    "remote_share_weekly": (
        "Per posted week, all boards: postings by remote mode and the remote share.",
        """
        SELECT week, SUM(posted) AS postings, SUM(remote) AS remote, SUM(hybrid) AS hybrid,
               SUM(onsite) AS onsite, SUM(posted) - SUM(remote) - SUM(hybrid) - SUM(onsite)
                   AS unknown,
               ROUND(1.0 * SUM(remote) / NULLIF(SUM(remote) + SUM(hybrid) + SUM(onsite), 0), 3)
                   AS remote_share
        FROM weekly_stats GROUP BY week HAVING SUM(posted) > 0""",
        {
            "week": ("TEXT", "Monday of the posted week, `YYYY-MM-DD`."),
            "postings": ("INTEGER", "Postings posted that week."),
            "remote": ("INTEGER", "Of them, `remote` = 'remote'."),
            "hybrid": ("INTEGER", "Of them, `remote` = 'hybrid'."),
            "onsite": ("INTEGER", "Of them, `remote` = 'onsite'."),
            "unknown": ("INTEGER", "Of them, `remote` null (the posting does not say)."),
            "remote_share": ("REAL", "remote / (remote + hybrid + onsite); null if none says."),
        },
    ),
    "top_tags": (
        "Tags (skills) by open postings now, with all postings ever.",
        """
        SELECT value AS tag, open, postings FROM facet_counts
        WHERE facet = 'tag' AND postings > 0 ORDER BY open DESC, postings DESC""",
        {
            "tag": ("TEXT", "Tag, as in `jobs.tags`."),
            "open": ("INTEGER", "Open postings with the tag."),
            "postings": ("INTEGER", "All postings with the tag."),
        },
    ),
    "top_companies": (
        "Companies by open postings now (hiring now), with all postings ever.",
        """
        SELECT value AS company, open, postings FROM facet_counts
        WHERE facet = 'company' AND postings > 0 ORDER BY open DESC, postings DESC""",
        {
            "company": ("TEXT", "Company, as in `jobs.company`."),
            "open": ("INTEGER", "Open postings."),
            "postings": ("INTEGER", "All postings."),
        },
    ),
    "tag_trends": (
        "Postings per tag per posted month.",
        """
        SELECT month, value AS tag, postings FROM facet_monthly
        WHERE facet = 'tag' AND postings > 0""",
        {
            "month": ("TEXT", "Posted month (`posted_at`, else first seen), `YYYY-MM`."),
            "tag": ("TEXT", "Tag."),
            "postings": ("INTEGER", "Postings with the tag posted that month."),
        },
    ),
    "company_trends": (
        "Postings per company per posted month.",
        """
        SELECT month, value AS company, postings FROM facet_monthly
        WHERE facet = 'company' AND postings > 0""",
        {
            "month": ("TEXT", "Posted month (`posted_at`, else first seen), `YYYY-MM`."),
            "company": ("TEXT", "Company."),
            "postings": ("INTEGER", "Postings of the company posted that month."),
        },
    ),
    "cross_board_duplicates": (
        "Pairs of boards listing the same jobs: duplicate groups they share (read from"
        " duplicate_groups, CROSS JOIN keeping the planner from scanning all of jobs).",
        """
        SELECT a.source, b.source AS other_source, COUNT(DISTINCT da.group_id) AS groups,
               COUNT(*) AS postings
        FROM duplicate_groups da CROSS JOIN jobs a ON a.id = da.job_id
        CROSS JOIN duplicate_groups db ON db.group_id = da.group_id AND db.job_id != da.job_id
        CROSS JOIN jobs b ON b.id = db.job_id
        WHERE a.source != b.source GROUP BY a.source, b.source""",
        {
            "source": ("TEXT", "Board."),
            "other_source": ("TEXT", "Another board with postings in the same groups."),
            "groups": ("INTEGER", "Duplicate groups with postings on both boards."),
            "postings": ("INTEGER", "Pairs of postings (one per board) in those groups."),
        },
    ),
    "board_health": (
        "Per board and day: crawls, their health verdicts and what they did.",
        """
        SELECT spider, date(started_at) AS day, COUNT(*) AS crawls,
               SUM(CASE WHEN healthy = 1 THEN 1 ELSE 0 END) AS healthy,
               SUM(CASE WHEN healthy = 0 THEN 1 ELSE 0 END) AS unhealthy,
               SUM(healthy IS NULL) AS not_judged, SUM(finished_at IS NULL) AS unfinished,
               SUM(items_scraped) AS items_scraped,
               SUM(items_new) AS items_new, SUM(items_closed) AS items_closed,
               SUM(items_rejected) AS items_rejected, SUM(errors) AS errors
        FROM crawls GROUP BY spider, date(started_at)""",
        {
            "spider": ("TEXT", "Board (spider) crawled."),
            "day": ("TEXT", "Day the crawls started, `YYYY-MM-DD` (UTC)."),
            "crawls": ("INTEGER", "Crawls that day."),
            "healthy": ("INTEGER", "Crawls judged healthy."),
            "unhealthy": ("INTEGER", "Crawls judged unhealthy (see `crawls.health_problems`)."),
            "not_judged": ("INTEGER", "Crawls with no health verdict (`healthy` null)."),
            "unfinished": ("INTEGER", "Crawls that never finished (killed)."),
            "items_scraped": ("INTEGER", "Postings stored."),
            "items_new": ("INTEGER", "Postings seen for the first time."),
            "items_closed": ("INTEGER", "Postings closed."),
            "items_rejected": ("INTEGER", "Records rejected."),
            "errors": ("INTEGER", "Errors logged."),
        },
    ),
    # One row per distinct job: ungrouped postings plus the canonical posting of each
    # duplicate group (crawler/store/dedupe.py), with the group's size and boards. Hollow
    # postings (no title, company or location; flagged in value_problems) are left out.
    "unique_jobs": (
        "One row per distinct job: postings in no duplicate group, and each group's canonical"
        " posting, with every `jobs` column and the group's size and boards; hollow postings"
        " (no title, company or location) are left out.",
        """
        SELECT j.*, d.group_id AS duplicate_group, COALESCE(g.members, 1) AS duplicate_count,
               COALESCE(g.sources, j.source) AS duplicate_sources,
               COALESCE(g.open_members, j.status = 'open') > 0 AS open_anywhere
        FROM jobs j
        LEFT JOIN duplicate_groups d ON d.job_id = j.id
        LEFT JOIN (SELECT dg.group_id, COUNT(*) AS members,
                          group_concat(DISTINCT m.source) AS sources,
                          SUM(m.status = 'open') AS open_members
                   FROM duplicate_groups dg JOIN jobs m ON m.id = dg.job_id
                   GROUP BY dg.group_id) g ON g.group_id = d.group_id
        WHERE (d.job_id IS NULL OR d.canonical = 1)
          AND (COALESCE(j.title, '') <> '' OR COALESCE(j.company, '') <> ''
               OR COALESCE(j.location_raw, '') <> '')""",
        {
            "duplicate_group": ("INTEGER", "duplicate_groups.group_id; null: no duplicate."),
            "duplicate_count": ("INTEGER", "Postings in the group (1 with no duplicate)."),
            "duplicate_sources": ("TEXT", "Boards of the group, comma-separated."),
            "open_anywhere": ("INTEGER", "1 if any posting of the group is open."),
        },
    ),
    # One row per changed field of each version: "salary raised", "went remote"...
    "job_changes": (
        "One row per changed field of each posting version: previous and new value.",
        """
        SELECT v.id AS version_id, v.job_id, j.source, j.source_id, j.title, v.crawl_id,
               v.changed_at, c.key AS field,
               json_extract(c.value, '$.old') AS old_value,
               json_extract(c.value, '$.new') AS new_value
        FROM job_versions v JOIN jobs j ON j.id = v.job_id, json_each(v.changes) c""",
        {
            "version_id": ("INTEGER", "job_versions.id."),
            "job_id": ("INTEGER", "jobs.id."),
            "source": ("TEXT", "Board."),
            "source_id": ("TEXT", "The board's id of the posting."),
            "title": ("TEXT", "Title now."),
            "crawl_id": ("INTEGER", "Crawl that saw the change."),
            "changed_at": ("TEXT", "When, UTC ISO 8601."),
            "field": ("TEXT", "Changed field."),
            "old_value": ("TEXT", "Previous value."),
            "new_value": ("TEXT", "New value."),
        },
    ),
}

VIEWS = {name: sql for name, (_desc, sql, _cols) in VIEW_DOCS.items()}

# Table descriptions (Datasette's metadata and DATA_FORMAT.md).
TABLE_DESCRIPTIONS = {
    "jobs": "One row per posting per board (`source`, `source_id`): the posting's fields, raw"
    " beside normalised, and its lifecycle.",
    "crawls": "One row per crawl: when, counts, health verdict and closing evidence.",
    "rejects": "Records that could not be stored, with the reason and the raw record.",
    "crawl_listings": "Per crawl and listing (a company board, a sitemap): what was answered,"
    " seen, missed and closed.",
    "job_versions": "Previous values of postings whose content changed.",
    "duplicate_groups": "The same job on several boards, grouped with a reason and a score.",
    "data_dictionary": "Every column of every table and view, with its type and meaning.",
    "weekly_stats": "Rollup kept by triggers (crawler/store/rollups.py): per board and week.",
    "close_durations": "Rollup kept by triggers: closed postings per board by days open.",
    "pay_stats": "Rollup kept by triggers: postings per pay group and amount.",
    "pay_region_stats": "Rollup kept by triggers: postings per currency, period, region and"
    " pay amount.",
    "facet_counts": "Rollup kept by triggers: postings and open postings per tag and company.",
    "facet_monthly": "Rollup kept by triggers: postings per tag and company per posted month.",
    "distributed_crawls": "Distributed mode (docs/distributed.md): the crawls row of each"
    " spider in each run.",
    "distributed_units": "Distributed mode: each work unit the writer applied, with its stage"
    " and stats.",
}


def job_columns() -> dict[str, tuple[str, str]]:
    """Every ``jobs`` column: bookkeeping plus one per item field, with type and doc."""
    cols = dict(JOB_BOOKKEEPING)
    for name, sqltype, doc in item_fields():
        cols.setdefault(name, (sqltype, doc))
    return cols


def view_columns() -> dict[str, dict[str, tuple[str, str]]]:
    """Every view's columns with type and doc (``unique_jobs`` has every ``jobs`` column too)."""
    out = {}
    for name, (_desc, _sql, cols) in VIEW_DOCS.items():
        out[name] = {**job_columns(), **cols} if name == "unique_jobs" else dict(cols)
    return out


def open_db(path: str | Path, *, fts: bool = True) -> sqlite_utils.Database:
    """Open ``path`` (creating folders and file), set pragmas, and migrate to the current schema."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread=False: the store pipeline runs its calls in worker threads, one at a
    # time (crawler/runtime/storethread.py), so that a busy wait never blocks the reactor.
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
    )
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _use_wal(conn)
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    migrate(db, fts=fts)
    return db


def _use_wal(conn: sqlite3.Connection, wait_s: float = BUSY_TIMEOUT_MS / 1000) -> None:
    """Switch the file to WAL, waiting while another process holds it.

    Changing the journal mode needs the file to itself, and SQLite answers "database is
    locked" at once, without its busy wait, while another connection is in a transaction
    (another process migrating an older file). A file already in WAL needs no switch.
    """
    deadline = time.monotonic() + wait_s
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def migrate(db: sqlite_utils.Database, *, fts: bool = True) -> None:
    """Bring the schema up to date in **one** ``BEGIN IMMEDIATE`` transaction.

    The version is read *inside* the transaction: two processes opening a new or older
    database at once (two ``scrapy crawl``, a crawl and ``make demo``) take turns, and the
    second finds the work done. Everything here runs as plain statements in that
    transaction (sqlite-utils' ``enable_fts`` would commit part-way through a script), so
    a failed upgrade leaves the old schema whole.
    """
    with db.conn:
        db.execute("BEGIN IMMEDIATE")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        for number, step in enumerate(MIGRATIONS, start=1):
            if number <= version:
                continue
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
        _add_item_columns(db)
        _refresh_views_and_docs(db)
        if fts and not db["jobs"].detect_fts():
            _create_fts(db)
        if fts:
            _narrow_fts_update_trigger(db)


def _create_fts(db: sqlite_utils.Database) -> None:
    """The full-text index over ``FTS_COLUMNS`` as sqlite-utils' ``enable_fts`` makes it
    (same table and trigger names, so sqlite-utils and Datasette find it), in the caller's
    transaction; the update trigger is created narrow (``_narrow_fts_update_trigger``)."""
    cols = ", ".join(f'"{c}"' for c in FTS_COLUMNS)
    new = ", ".join(f'new."{c}"' for c in FTS_COLUMNS)
    old = ", ".join(f'old."{c}"' for c in FTS_COLUMNS)
    db.execute(
        f'CREATE VIRTUAL TABLE "jobs_fts" USING FTS5 ({cols}, tokenize=\'porter\', content="jobs")'
    )
    db.execute(
        f'CREATE TRIGGER "jobs_ai" AFTER INSERT ON "jobs" BEGIN'
        f' INSERT INTO "jobs_fts" (rowid, {cols}) VALUES (new.rowid, {new}); END'
    )
    delete = (
        f'INSERT INTO "jobs_fts" ("jobs_fts", rowid, {cols}) VALUES(\'delete\', old.rowid, {old});'
    )
    db.execute(f'CREATE TRIGGER "jobs_ad" AFTER DELETE ON "jobs" BEGIN {delete} END')
    db.execute(
        f'CREATE TRIGGER "jobs_au" AFTER UPDATE OF {cols} ON "jobs" BEGIN {delete}'
        f' INSERT INTO "jobs_fts" (rowid, {cols}) VALUES (new.rowid, {new}); END'
    )
    db.execute(f'INSERT INTO "jobs_fts" (rowid, {cols}) SELECT rowid, {cols} FROM "jobs"')


def _add_item_columns(db: sqlite_utils.Database) -> None:
    existing = set(db["jobs"].columns_dict)
    for name, (sqltype, _doc) in job_columns().items():
        if name not in existing:
            coltype = "TEXT" if sqltype == "JSON" else sqltype
            db.execute(f'ALTER TABLE jobs ADD COLUMN "{name}" {coltype}')


def _narrow_fts_update_trigger(db: sqlite_utils.Database) -> None:
    """Re-index a row only when an indexed column is updated.

    sqlite-utils' ``jobs_au`` trigger deletes and re-inserts a row's full-text entry on
    *any* update, and a recrawl touches every unchanged posting (``last_seen_at``...): that
    re-tokenised each description twice and was half the cost of an unchanged posting
    (``make bench``). ``AFTER UPDATE OF <indexed columns>`` keeps the index exact, since
    every statement that changes indexed text names those columns. Idempotent; runs in the
    caller's transaction.
    """
    row = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'jobs_au'"
    ).fetchone()
    if row is None or 'AFTER UPDATE ON "jobs"' not in row[0]:
        return
    columns = ", ".join(f'"{c}"' for c in FTS_COLUMNS)
    sql = row[0].replace('AFTER UPDATE ON "jobs"', f'AFTER UPDATE OF {columns} ON "jobs"', 1)
    db.execute('DROP TRIGGER "jobs_au"')
    db.execute(sql)


def _refresh_views_and_docs(db: sqlite_utils.Database) -> None:
    for name, sql in VIEWS.items():
        db.execute(f"DROP VIEW IF EXISTS {name}")
        db.execute(f"CREATE VIEW {name} AS {sql}")
    db.execute(
        """CREATE TABLE IF NOT EXISTS data_dictionary (
               table_name TEXT, column_name TEXT, type TEXT, description TEXT,
               PRIMARY KEY (table_name, column_name))"""
    )
    db.execute("DELETE FROM data_dictionary")
    rows = [("jobs", n, t, d) for n, (t, d) in job_columns().items()]
    for table, cols in TABLE_DOCS.items():
        rows += [(table, n, t, d) for n, (t, d) in cols.items()]
    for view, cols in view_columns().items():
        rows += [(view, n, t, d) for n, (t, d) in cols.items()]
    db.conn.executemany("INSERT INTO data_dictionary VALUES (?, ?, ?, ?)", rows)

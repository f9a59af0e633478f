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
from pathlib import Path

import sqlite_utils

from crawler.items import item_fields

BUSY_TIMEOUT_MS = 30_000

# Columns the store keeps beside the item's fields.
JOB_BOOKKEEPING = {
    "id": ("INTEGER", "Row id (stable; referenced by other tables)."),
    "first_seen_at": ("TEXT", "When jobcrawl first stored this posting, UTC ISO 8601."),
    "last_seen_at": ("TEXT", "The last crawl that saw this posting, UTC ISO 8601."),
    "content_hash": ("TEXT", "Hash of the content fields; changes when the posting changes."),
    "last_crawl_id": ("INTEGER", "crawls.id of the last crawl that saw this posting."),
    # Lifecycle (crawler/lifecycle.py documents the rules).
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
        "(crawler/dedupe.py).",
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
        "1 if the crawl passed every health check (crawler/health.py), 0 if not; null: not judged.",
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
    # Health verdict per crawl (crawler/health.py), written when the crawl's engine stops.
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
        from crawler.dedupe import match_key

        rows = db.execute("SELECT id, company, company_slug, title, location_raw FROM jobs")
        db.conn.executemany(
            "UPDATE jobs SET match_key = ? WHERE id = ?",
            [(match_key(c, s, t, loc), i) for i, c, s, t, loc in rows.fetchall()],
        )


def _migration_4(db: sqlite_utils.Database) -> None:
    # Duplicate candidates are "same match key, another board" (crawler/dedupe.py). With the
    # key alone indexed, every posting of the *same* board under that key was read from the
    # table to be skipped: a board listing one title per office made each new posting cost
    # hundreds of row reads. The board in the index skips them there; the old index is its
    # prefix, so it goes.
    db.execute("CREATE INDEX jobs_match_key_source ON jobs (match_key, source)")
    db.execute("DROP INDEX jobs_match_key")


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
MIGRATIONS = [_migration_1, _migration_2, _migration_3, _migration_4, _migration_distributed]

# Extra tables documented in the data dictionary: name -> {column: (type, doc)}.
# Later features register their tables here too.
TABLE_DOCS: dict[str, dict[str, tuple[str, str]]] = {
    "crawls": CRAWL_COLUMNS,
    "rejects": REJECT_COLUMNS,
    "crawl_listings": CRAWL_LISTING_COLUMNS,
    "job_versions": JOB_VERSION_COLUMNS,
    "duplicate_groups": DUPLICATE_GROUP_COLUMNS,
    "distributed_units": DISTRIBUTED_UNIT_COLUMNS,
}

FTS_COLUMNS = ["title", "company", "description_text", "location_raw", "tags"]

VIEWS = {
    "board_summary": """
        SELECT source, COUNT(*) AS postings,
               SUM(salary_min IS NOT NULL OR salary_max IS NOT NULL) AS with_salary,
               SUM(posted_at IS NOT NULL) AS with_posted_at,
               MIN(posted_at) AS oldest_posted_at, MAX(posted_at) AS newest_posted_at,
               MAX(last_seen_at) AS last_seen_at
        FROM jobs GROUP BY source""",
    "recent_crawls": """
        SELECT id, spider, started_at, finished_at, finish_reason, items_scraped, items_new,
               items_updated, items_unchanged, items_rejected, errors
        FROM crawls ORDER BY id DESC""",
    # One row per distinct job: ungrouped postings plus the canonical posting of each
    # duplicate group (crawler/dedupe.py), with the group's size and boards.
    "unique_jobs": """
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
        WHERE d.job_id IS NULL OR d.canonical = 1""",
    # One row per changed field of each version: "salary raised", "went remote"...
    "job_changes": """
        SELECT v.id AS version_id, v.job_id, j.source, j.source_id, j.title, v.crawl_id,
               v.changed_at, c.key AS field,
               json_extract(c.value, '$.old') AS old_value,
               json_extract(c.value, '$.new') AS new_value
        FROM job_versions v JOIN jobs j ON j.id = v.job_id, json_each(v.changes) c""",
}


def job_columns() -> dict[str, tuple[str, str]]:
    """Every ``jobs`` column: bookkeeping plus one per item field, with type and doc."""
    cols = dict(JOB_BOOKKEEPING)
    for name, sqltype, doc in item_fields():
        cols.setdefault(name, (sqltype, doc))
    return cols


def open_db(path: str | Path, *, fts: bool = True) -> sqlite_utils.Database:
    """Open ``path`` (creating folders and file), set pragmas, and migrate to the current schema."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    migrate(db, fts=fts)
    return db


def migrate(db: sqlite_utils.Database, *, fts: bool = True) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, step in enumerate(MIGRATIONS, start=1):
        if number <= version:
            continue
        with db.conn:
            db.execute("BEGIN IMMEDIATE")
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
    with db.conn:
        db.execute("BEGIN IMMEDIATE")
        existing = set(db["jobs"].columns_dict)
        for name, (sqltype, _doc) in job_columns().items():
            if name not in existing:
                coltype = "TEXT" if sqltype == "JSON" else sqltype
                db.execute(f'ALTER TABLE jobs ADD COLUMN "{name}" {coltype}')
        _refresh_views_and_docs(db)
    if fts and not db["jobs"].detect_fts():
        db["jobs"].enable_fts(FTS_COLUMNS, create_triggers=True, tokenize="porter")
    if fts:
        _narrow_fts_update_trigger(db)


def _narrow_fts_update_trigger(db: sqlite_utils.Database) -> None:
    """Re-index a row only when an indexed column is updated.

    sqlite-utils' ``jobs_au`` trigger deletes and re-inserts a row's full-text entry on
    *any* update, and a recrawl touches every unchanged posting (``last_seen_at``...): that
    re-tokenised each description twice and was half the cost of an unchanged posting
    (``make bench``). ``AFTER UPDATE OF <indexed columns>`` keeps the index exact, since
    every statement that changes indexed text names those columns. Idempotent.
    """
    row = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'jobs_au'"
    ).fetchone()
    if row is None or 'AFTER UPDATE ON "jobs"' not in row[0]:
        return
    columns = ", ".join(f'"{c}"' for c in FTS_COLUMNS)
    sql = row[0].replace('AFTER UPDATE ON "jobs"', f'AFTER UPDATE OF {columns} ON "jobs"', 1)
    with db.conn:
        db.execute("BEGIN IMMEDIATE")
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
    db.conn.executemany("INSERT INTO data_dictionary VALUES (?, ?, ?, ?)", rows)

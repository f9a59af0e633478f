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
        "Per field, the fraction of stored postings that had a value (JSON object).",
    ),
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


# Append only: never edit a migration that has shipped.
MIGRATIONS = [_migration_1, _migration_2]

# Extra tables documented in the data dictionary: name -> {column: (type, doc)}.
# Later features register their tables here too.
TABLE_DOCS: dict[str, dict[str, tuple[str, str]]] = {
    "crawls": CRAWL_COLUMNS,
    "rejects": REJECT_COLUMNS,
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

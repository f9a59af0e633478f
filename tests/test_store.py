"""The SQLite store and schema, without Scrapy."""

from __future__ import annotations

import sqlite3

from crawler.sources.items import JobPosting, Reject, item_fields
from crawler.store.schema import MIGRATIONS, open_db
from crawler.store.store import Store


def posting(n: int, **changes) -> JobPosting:
    base = {
        "source": "board",
        "source_id": str(n),
        "url": f"https://board.example/{n}",
        "title": f"Job {n}",
        "tags": ["a", "b"],
        "scraped_at": "2026-11-01T00:00:00Z",
    }
    return JobPosting(**{**base, **changes})


def test_upsert_counts_new_changed_and_unchanged(tmp_path):
    store = Store(tmp_path / "jobs.db", "board")
    assert store.write_batch([posting(1), posting(2)], []) == {
        "new": 2, "updated": 0, "unchanged": 0, "rejected": 0,
    }  # fmt: skip
    later = "2026-11-02T00:00:00Z"
    counts = store.write_batch([posting(1, scraped_at=later), posting(2, title="Job 2b")], [])
    assert counts == {"new": 0, "updated": 1, "unchanged": 1, "rejected": 0}
    rows = {r["source_id"]: r for r in store.db["jobs"].rows}
    assert len(rows) == 2
    assert rows["1"]["last_seen_at"] == later and rows["1"]["first_seen_at"] != later
    assert rows["2"]["title"] == "Job 2b"
    assert rows["1"]["tags"] == '["a", "b"]'
    store.close()


def test_rejects_keep_source_url_reason_and_truncated_raw(tmp_path):
    store = Store(tmp_path / "jobs.db", "board")
    store.write_batch([], [Reject("board", "https://board.example/x", "bad", "x" * 50_000)])
    (row,) = store.db["rejects"].rows
    assert row["crawl_id"] == store.crawl_id and row["reason"] == "bad"
    assert len(row["raw"]) == 20_000
    store.close()


def test_crawl_row_is_open_until_finished(tmp_path):
    store = Store(tmp_path / "jobs.db", "board")
    (row,) = store.db["crawls"].rows
    assert row["finished_at"] is None
    store.finish("finished", {"log_count/ERROR": 2, "downloader/request_count": 3})
    (row,) = store.db["crawls"].rows
    assert row["finish_reason"] == "finished" and row["errors"] == 2 and row["requests"] == 3
    store.close()


def test_schema_is_documented_and_has_a_column_per_item_field(tmp_path):
    db = open_db(tmp_path / "jobs.db")
    columns = db["jobs"].columns_dict
    for name, _type, _doc in item_fields():
        assert name in columns
    documented = {(r["table_name"], r["column_name"]) for r in db["data_dictionary"].rows}
    assert {("jobs", name) for name in columns} <= documented
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db["jobs"].detect_fts() == "jobs_fts"
    db.close()


def test_opening_an_older_database_upgrades_it(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    # A version-1 database from before later item fields existed.
    conn.execute(
        "CREATE TABLE jobs (id INTEGER PRIMARY KEY, source TEXT NOT NULL, source_id TEXT NOT NULL,"
        " first_seen_at TEXT, last_seen_at TEXT, content_hash TEXT, last_crawl_id INTEGER,"
        " title TEXT, UNIQUE (source, source_id))"
    )
    conn.execute("CREATE TABLE crawls (id INTEGER PRIMARY KEY, spider TEXT NOT NULL,"
                 " started_at TEXT NOT NULL, finished_at TEXT, finish_reason TEXT,"
                 " items_scraped INTEGER DEFAULT 0, items_new INTEGER DEFAULT 0,"
                 " items_updated INTEGER DEFAULT 0, items_unchanged INTEGER DEFAULT 0,"
                 " items_rejected INTEGER DEFAULT 0, errors INTEGER DEFAULT 0,"
                 " requests INTEGER DEFAULT 0, stats TEXT)")  # fmt: skip
    conn.execute(
        "CREATE TABLE rejects (id INTEGER PRIMARY KEY, crawl_id INTEGER, source TEXT, url TEXT,"
        " reason TEXT NOT NULL, raw TEXT, created_at TEXT)"
    )
    conn.execute("INSERT INTO jobs (source, source_id, title) VALUES ('board', '1', 'Old')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    db = open_db(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert "salary_year_min" in db["jobs"].columns_dict
    assert next(db["jobs"].rows)["title"] == "Old"
    db.close()


def test_a_raw_integer_beyond_sqlite_range_is_kept_as_text(tmp_path):
    store = Store(tmp_path / "jobs.db", "board")
    store.write_batch([posting(1, posted_raw=2**63)], [])  # hypothesis found such an epoch
    (row,) = store.db["jobs"].rows
    assert row["posted_raw"] == str(2**63)
    store.close()

"""Unchanged postings cost almost nothing (issue 15): a posting the board sends exactly as
last time is fingerprinted, found unchanged and only marked seen; everything that counts
comes out as if it had been processed in full. Real crawls through the replay server."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.normalize import rules
from crawler.store.rows import job_row
from tests.conftest import MIRROR

ROOT = Path(__file__).resolve().parents[1]
DIGEST = ROOT / "tests" / "gold" / "rules_digest.json"
# Columns that say when a posting was seen, which a recrawl moves by design.
MOVES = {"last_seen_at", "last_crawl_id", "scraped_at"}


def _stats(result, crawl_id: int) -> dict:
    return json.loads(result.scalar("SELECT stats FROM crawls WHERE id = ?", crawl_id))


def _crawl_row(result, crawl_id: int) -> dict:
    return dict(result.rows("SELECT * FROM crawls WHERE id = ?", crawl_id)[0])


def _jobs(result) -> dict:
    return {
        (r["source"], r["source_id"]): {k: r[k] for k in r.keys() if k not in MOVES}
        for r in result.rows("SELECT * FROM jobs")
    }


def _lever(crawl, **kw):
    result = crawl("lever", args=["-a", "companies=matchgroup"], **kw)
    assert result.returncode == 0, result.output[-3000:]
    return result


def test_a_recrawl_of_an_unchanged_board_cleans_and_normalises_nothing(crawl):
    first = crawl("remoteok")
    assert first.returncode == 0, first.output[-3000:]
    again = crawl("remoteok")
    assert again.returncode == 0, again.output[-3000:]
    one, two = _stats(again, 1), _stats(again, 2)
    postings = one["jobcrawl/stored/new"]
    assert postings > 50
    assert one["jobcrawl/cleaned"] == one["jobcrawl/normalized_items"] == postings
    assert "jobcrawl/unchanged_skipped" not in one
    # The recrawl: every posting fingerprinted and skipped; the clean and normalise steps
    # never ran (their counters did not move).
    assert two["jobcrawl/fingerprinted"] == two["jobcrawl/unchanged_skipped"] == postings
    assert "jobcrawl/cleaned" not in two and "jobcrawl/normalized_items" not in two
    assert not any(key.startswith("jobcrawl/normalized/") for key in two)
    row = _crawl_row(again, 2)
    assert (row["items_unchanged"], row["items_skipped"]) == (postings, postings)
    assert row["items_new"] == 0
    assert (row["items_updated"], row["versions_written"], row["items_scraped"]) == (0, 0, postings)
    # Fill rates (given and stored) and health: the same as the first crawl's.
    first_row = _crawl_row(again, 1)
    assert json.loads(row["fill_rates"]) == json.loads(first_row["fill_rates"])
    for name in ("healthy", "health_problems"):
        assert row[name] == first_row[name]
    counted = ("jobcrawl/fill/", "jobcrawl/given/")
    fill = {k: v for k, v in one.items() if k.startswith(counted)}
    assert fill == {k: v for k, v in two.items() if k.startswith(counted)}
    # Every row is as it was, only seen again by the second crawl.
    assert _jobs(first) == _jobs(again)
    assert again.scalar("SELECT COUNT(*) FROM jobs WHERE last_crawl_id = 2") == postings


def test_lifecycle_and_listing_accounting_are_the_same_on_a_skipped_recrawl(crawl):
    _lever(crawl)
    again = _lever(crawl)
    one, two = _crawl_row(again, 1), _crawl_row(again, 2)
    assert _stats(again, 2)["jobcrawl/unchanged_skipped"] == one["items_new"] > 0
    listings = again.rows(
        "SELECT crawl_id, listing, seen, missed, closed, healthy FROM crawl_listings"
        " ORDER BY crawl_id, listing"
    )
    by_crawl = {c: [tuple(r)[1:] for r in listings if r[0] == c] for c in (1, 2)}
    assert json.loads(two["fill_rates"]) == json.loads(one["fill_rates"])
    assert by_crawl[1] == by_crawl[2] and by_crawl[1]
    assert (two["healthy"], two["items_closed"], two["closing_problems"]) == (
        one["healthy"], one["items_closed"], one["closing_problems"])  # fmt: skip
    assert (
        again.scalar("SELECT COUNT(*) FROM jobs WHERE status != 'open' OR missed_listings != 0")
        == 0
    )


def test_in_crawl_repeats_are_still_dropped_when_unchanged(crawl, tmp_path, make_replay):
    root = tmp_path / "mirror"
    shutil.copytree(MIRROR / "remoteok.com", root / "remoteok.com")
    api = root / "remoteok.com" / "api"
    records = json.loads(api.read_text())
    api.write_text(json.dumps([*records, records[1], records[2]]))
    server = make_replay(root)
    first = crawl("remoteok", server=server)
    again = crawl("remoteok", server=server)
    assert first.returncode == again.returncode == 0
    one, two = _stats(again, 1), _stats(again, 2)
    assert one["jobcrawl/duplicates_in_crawl"] == two["jobcrawl/duplicates_in_crawl"] == 2
    assert _crawl_row(again, 2)["items_scraped"] == _crawl_row(again, 1)["items_scraped"]
    assert _jobs(first) == _jobs(again)


def test_a_changed_posting_is_processed_in_full_and_its_version_is_a_board_change(
    crawl, tmp_path, make_replay
):
    root = tmp_path / "mirror"
    shutil.copytree(MIRROR / "remoteok.com", root / "remoteok.com")
    server = make_replay(root)
    first = crawl("remoteok", server=server)
    assert first.returncode == 0
    api = root / "remoteok.com" / "api"
    records = json.loads(api.read_text())
    changed = records[1]
    changed["position"] = "  Principal   Widget Engineer "
    api.write_text(json.dumps(records))
    again = crawl("remoteok", server=server)
    assert again.returncode == 0, again.output[-3000:]
    one, two = _stats(again, 1), _stats(again, 2)
    postings = one["jobcrawl/stored/new"]
    assert two["jobcrawl/unchanged_skipped"] == postings - 1
    assert two["jobcrawl/cleaned"] == two["jobcrawl/normalized_items"] == 1
    row = _crawl_row(again, 2)
    assert (row["items_updated"], row["items_skipped"], row["versions_written"]) == (
        1,
        postings - 1,
        1,
    )
    # Cleaned as any new posting is, and reported as the board's change.
    assert again.scalar("SELECT title FROM jobs WHERE source_id = ?", str(changed["id"])) == (
        "Principal Widget Engineer"
    )
    assert again.scalar("SELECT cause FROM job_versions") == "board"
    changes = again.rows("SELECT field, new_value FROM job_changes")
    assert ("title", "Principal Widget Engineer") in [tuple(r) for r in changes]


def test_a_rules_version_bump_reprocesses_each_posting_once_as_a_rules_change(crawl, monkeypatch):
    first = _lever(crawl)
    postings = _crawl_row(first, 1)["items_new"]
    # A new rule (every title reads as principal) shipped with its version bump.
    monkeypatch.setattr("crawler.normalize.posting.seniority", lambda title: "principal")
    monkeypatch.setattr(rules, "RULES_VERSION", rules.RULES_VERSION + 1)
    bumped = _lever(crawl)
    stats = _stats(bumped, 2)
    assert "jobcrawl/unchanged_skipped" not in stats
    assert stats["jobcrawl/cleaned"] == stats["jobcrawl/normalized_items"] == postings
    row = _crawl_row(bumped, 2)
    assert row["items_updated"] == row["versions_written"] == postings
    versions = bumped.rows("SELECT cause, changed_fields FROM job_versions WHERE crawl_id = 2")
    assert len(versions) == postings
    assert {(v["cause"], v["changed_fields"]) for v in versions} <= {("rules", '["seniority"]')}
    # Not reported as the boards' changes.
    assert bumped.scalar("SELECT COUNT(*) FROM job_changes") == 0
    assert (
        bumped.scalar(
            "SELECT COUNT(*) FROM jobs WHERE rules_version = ? AND seniority = 'principal'",
            rules.RULES_VERSION,
        )
        == postings
    )
    # Once: the next crawl under the same rules skips them all again.
    settled = _lever(crawl)
    stats = _stats(settled, 3)
    assert stats["jobcrawl/unchanged_skipped"] == postings
    assert "jobcrawl/cleaned" not in stats
    assert _crawl_row(settled, 3)["versions_written"] == 0


def test_an_older_database_fingerprints_its_rows_on_the_next_crawl(crawl):
    first = crawl("remoteok")
    assert first.returncode == 0
    import sqlite3

    with sqlite3.connect(first.db) as conn:  # as a database stored before fingerprints
        conn.execute("UPDATE jobs SET raw_fingerprint = NULL, rules_version = NULL")
    again = crawl("remoteok")
    stats = _stats(again, 2)
    assert "jobcrawl/unchanged_skipped" not in stats
    row = _crawl_row(again, 2)
    assert row["versions_written"] == 0 and row["items_unchanged"] == row["items_scraped"]
    assert again.scalar("SELECT COUNT(*) FROM jobs WHERE raw_fingerprint IS NULL") == 0
    third = crawl("remoteok")
    assert _stats(third, 3)["jobcrawl/unchanged_skipped"] == row["items_scraped"]


def test_exported_items_are_never_skipped(crawl, tmp_path):
    assert crawl("remoteok").returncode == 0
    out = tmp_path / "out.jsonl"
    again = crawl("remoteok", args=["-O", str(out)])
    assert again.returncode == 0
    assert "jobcrawl/unchanged_skipped" not in _stats(again, 2)
    exported = [json.loads(line) for line in out.read_text().splitlines()]
    assert exported and all("countries" in item for item in exported)


def rules_output_digest() -> str:
    """The digest of what the cleaning and normalising rules make of every recorded board's
    postings (the ``make accuracy`` inputs), as the rows the store would write."""
    from crawler.tools.accuracy import BOARDS
    from pipelines.clean import clean_item
    from pipelines.normalize import normalize_item

    now = datetime(2026, 11, 23, tzinfo=UTC)
    # An archived page's url is its file's: the same in every checkout, wherever it is.
    checkout = Path(__file__).resolve().parent.parent.as_uri()
    hashes = []
    for source, load in sorted(BOARDS.items()):
        for item in load():
            item.source, item.scraped_at = item.source or source, "2026-11-23T00:00:00Z"
            if item.url and item.url.startswith(checkout):
                item.url = "file:///checkout" + item.url[len(checkout) :]
            clean_item(item)
            item.value_problems = normalize_item(item, now)
            hashes.append(job_row(item)["content_hash"])
    return hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()


def test_rules_output_is_pinned_to_the_rules_version():
    """A change of the rules' output on the fixtures needs a RULES_VERSION bump (see
    crawler/normalize/rules.py); then refresh the pin with
    ``python -c "from tests.test_unchanged import pin; pin()"``."""
    pinned = json.loads(DIGEST.read_text())
    digest = rules_output_digest()
    if pinned["rules_version"] == rules.RULES_VERSION:
        assert digest == pinned["digest"], (
            "the cleaning/normalising rules now store other values for the recorded postings,"
            " but RULES_VERSION is unchanged: bump it in crawler/normalize/rules.py (stored"
            " postings would otherwise keep the old reading), then re-pin (this test's doc)"
        )
    else:
        pytest.fail(
            f"RULES_VERSION is {rules.RULES_VERSION}, the pin {pinned['rules_version']}:"
            " re-pin tests/gold/rules_digest.json (this test's doc)"
        )


def pin() -> None:
    DIGEST.write_text(
        json.dumps(
            {"rules_version": rules.RULES_VERSION, "digest": rules_output_digest()}, indent=1
        )
        + "\n"
    )


def test_a_skipped_posting_whose_row_changed_meanwhile_is_handed_back(tmp_path):
    """Another process may write a posting between the lookup and the batch: the store then
    writes nothing of it and hands it back to be processed in full (pipelines/store.py)."""
    import sqlite3

    from crawler.sources.items import JobPosting
    from crawler.store.fingerprint import Fingerprints
    from crawler.store.store import Store

    db = tmp_path / "jobs.db"
    store = Store(db, "board")

    def posting(n: int) -> JobPosting:
        return JobPosting(source="board", source_id=str(n), url=f"https://b.example/{n}",
                          title=f"Job {n}")  # fmt: skip

    fingerprints = Fingerprints(db)
    first = [posting(1), posting(2)]
    assert not any(fingerprints.see(item).unchanged for item in first)
    assert store.write_batch(first, [])["new"] == 2
    again = [posting(1), posting(2)]
    assert all(fingerprints.see(item).unchanged for item in again)
    with sqlite3.connect(db) as conn:  # meanwhile, another process rewrote posting 2
        conn.execute("UPDATE jobs SET raw_fingerprint = 'other' WHERE source_id = '2'")
    counts = store.write_batch(again, [])
    assert (counts["unchanged"], counts["skipped"]) == (1, 1)
    assert store.take_stale() == [again[1]] and store.take_stale() == []
    scraped = sqlite3.connect(db).execute("SELECT items_scraped FROM crawls").fetchone()[0]
    assert scraped == 3
    fingerprints.close()
    store.close()

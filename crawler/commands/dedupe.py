"""``scrapy dedupe``: regroup every stored posting with the current ``DEDUPE_*`` settings.

The store groups new postings as it writes them (``crawler/store/dedupe.py``); after a
change of thresholds, or of the normalisation behind ``match_key``, this command
recomputes every posting's ``match_key`` and rebuilds ``duplicate_groups`` from
scratch. Only postings whose key is shared by two boards can be grouped, so only
those are compared, in memory; the new groups then replace the old ones in one
short transaction (a crawl writing meanwhile just waits for it). No ``jobs`` row
is changed except its ``match_key``.
"""

from __future__ import annotations

import argparse
import sqlite3

from scrapy.commands import ScrapyCommand

from crawler.store.dedupe import DedupeRules, DuplicateGroups, match_key
from crawler.store.schema import open_db

_COLUMNS = (
    "id, source, title, company, location_raw, remote, countries, regions, description_text,"
    " first_seen_at, match_key"
)
_GROUP_COLUMNS = "group_id, job_id, matched_job_id, reason, score, canonical, grouped_at, crawl_id"


def rebuild(conn: sqlite3.Connection, rules: DedupeRules) -> dict[str, int]:
    """Recompute keys and groups; return counts (postings, rekeyed, compared, grouped, groups)."""
    rows = conn.execute(
        "SELECT id, company, company_slug, title, location_raw, match_key FROM jobs"
    ).fetchall()
    keys = [(match_key(c, s, t, loc), i) for i, c, s, t, loc, _old in rows]
    rekeyed = [(key, i) for (key, i), row in zip(keys, rows, strict=True) if key != row[5]]
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("UPDATE jobs SET match_key = ? WHERE id = ?", rekeyed)
    shared = conn.execute(
        f"SELECT {_COLUMNS} FROM jobs WHERE match_key IN (SELECT match_key FROM jobs"
        " WHERE match_key IS NOT NULL GROUP BY match_key HAVING COUNT(DISTINCT source) > 1)"
        " ORDER BY id"
    ).fetchall()
    work = sqlite3.connect(":memory:")
    work.execute(f"CREATE TABLE jobs ({_COLUMNS})")
    work.execute(
        "CREATE TABLE duplicate_groups (group_id, job_id PRIMARY KEY, matched_job_id, reason,"
        " score, canonical, grouped_at, crawl_id)"
    )
    work.execute("CREATE INDEX jobs_key ON jobs (match_key)")
    work.executemany(f"INSERT INTO jobs VALUES ({','.join('?' * 11)})", shared)
    grouped = DuplicateGroups(work, rules).assign([row[0] for row in shared])
    groups = work.execute(f"SELECT {_GROUP_COLUMNS} FROM duplicate_groups").fetchall()
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM duplicate_groups")
        conn.executemany(f"INSERT INTO duplicate_groups ({_GROUP_COLUMNS}) VALUES "
                         f"({','.join('?' * 8)})", groups)  # fmt: skip
    return {
        "postings": len(rows),
        "rekeyed": len(rekeyed),
        "compared": len(shared),
        "grouped": grouped,
        "groups": len({g[0] for g in groups}),
    }


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def short_desc(self) -> str:
        return "Regroup cross-board duplicates of every stored posting with the DEDUPE_* settings"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        settings = self.settings
        assert settings is not None
        db = open_db(settings.get("JOBS_DB"))
        try:
            counts = rebuild(db.conn, DedupeRules.from_settings(settings))
        finally:
            db.close()
        print(
            "dedupe: {postings} postings, {rekeyed} new keys, {compared} compared, "
            "{grouped} grouped into {groups} groups".format(**counts)
        )

"""Posting lifecycle: a posting is ``open`` until there is evidence that it closed.

``jobs.status`` is ``open`` or ``closed``; ``closed_at`` says when jobcrawl decided,
``closed_reason`` why, ``reopened_count`` how often a closed posting came back, and
``missed_listings`` how many healthy complete listings in a row it was absent from.

**Evidence that closes a posting** (``closed_reason``):

``absent``
    The posting was missing from ``LIFECYCLE_MISSES_TO_CLOSE`` (K, default 2)
    consecutive *healthy complete listings* of its board. Only spiders that declare
    ``complete_listing = True`` produce complete listings: a Lever, Greenhouse or
    Ashby company board (one listing per company, ``jobs.company_slug``) and the
    RemoteWLB sitemap list every open job. A listing is complete in a crawl when all
    of its requests were answered (HTTP 2xx, or 304 confirming the stored copy) and
    none of its records was rejected; a company whose request failed is not complete
    and counts neither for nor against its postings, while the other companies of the
    same crawl still count. A listing that *collapsed* (it saw fewer than
    ``LIFECYCLE_LISTING_MIN_FRACTION`` of the postings its last healthy listing saw)
    closes nothing.
``gone``
    The posting's own page answered HTTP 404 or 410 (sitemap boards fetch it).
``valid_through``
    The board's own closing date (``valid_through``) has passed.
``age_limit``
    Boards whose listing is a window (RemoteOK's API shows only the latest ~100
    jobs: dropping out of it means nothing) close a posting that this crawl did not
    see and that was posted (else first seen) more than ``LIFECYCLE_MAX_AGE_DAYS``
    (default 60; 0 turns it off) ago.

**A crawl that is not healthy closes nothing, by any rule**: one that did not end
with ``finished`` (killed, shut down, closespider limits), raised in a callback,
or that ``crawler.store.health.evaluate`` finds empty, short against its baseline or
with a collapsed field. Request failures and rejects do not stop a whole crawl
from closing: they make their own listing incomplete (per company). The one
place that decides is ``closing_problems()`` (crawl level) and
``listing_problems()`` (per listing); their findings are stored on the crawl:
``crawls.closing_problems`` and one ``crawl_listings`` row per listing.

Spiders whose records say nothing about what is open *now* (an archive import)
declare ``lifecycle_evidence = False``: their crawls neither close nor reopen.

**Reopening**: a closed posting that is seen again (its record or page read by a
crawl) is reopened, ``reopened_count`` + 1, unless its ``valid_through`` has
passed; a sitemap listing it again reopens a posting closed as ``absent``. The
row is the same row: nothing is duplicated. Seen postings get
``missed_listings = 0``.

Date rules use the clock, or ``LIFECYCLE_NOW`` (UTC ISO 8601) when set, e.g. to
replay recordings of a past day.

Everything above ``-- database --`` is pure.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.store import health

CLOSED_ABSENT = "absent"
CLOSED_GONE = "gone"
CLOSED_VALID_THROUGH = "valid_through"
CLOSED_AGE_LIMIT = "age_limit"

# crawl stats key of the per-listing facts (a dict "<source>/<listing>" -> counts) that the
# listing middlewares (``crawler/runtime/listings.py``) and the store fill in during a crawl.
LISTINGS_STAT = "jobcrawl/listings"

# Checks of ``health.evaluate`` that per-listing completeness answers more precisely when
# deciding what to close: a failed request or a rejected record only stops its own listing,
# and a listing that shrank is caught by its own collapse check (so one failed company of
# two does not stop the other from closing its postings). An unreadable listing answer is
# that listing's reject; an unreadable sitemap is caught by ``UNATTRIBUTED_LOSSES`` below.
LISTING_LEVEL_CHECKS = frozenset(
    {"http_errors", "unreachable", "rejects", "count_drop", "unreadable"}
)
# Crawl stats that mean something was lost that no listing can be blamed for.
UNATTRIBUTED_LOSSES = {
    "jobcrawl/bad_sitemap": "a sitemap could not be read",
    "jobcrawl/sitemap_errors": "a sitemap could not be fetched",
}


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class LifecycleRules:
    """Thresholds; each is the setting ``LIFECYCLE_<FIELD NAME IN CAPITALS>``."""

    misses_to_close: int = 2
    listing_min_fraction: float = 0.5
    max_age_days: float = 60
    now: str = ""

    @classmethod
    def from_settings(cls, settings) -> LifecycleRules:
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f"LIFECYCLE_{f.name.upper()}"
            if settings.get(name) is None:
                continue
            getter = {"int": settings.getint, "float": settings.getfloat}.get(f.type, settings.get)
            values[f.name] = getter(name)
        if values.get("misses_to_close", 1) < 1:
            raise ValueError("LIFECYCLE_MISSES_TO_CLOSE must be at least 1")
        return cls(**values)

    def now_iso(self) -> str:
        if self.now:
            moment = datetime.fromisoformat(self.now.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return utc_iso(moment)
        return utc_iso(datetime.now(UTC))

    def age_cutoff(self) -> str | None:
        """Postings (posted, else first seen) before this instant are past the age limit."""
        if not self.max_age_days or self.max_age_days <= 0:
            return None
        now = datetime.fromisoformat(self.now_iso().replace("Z", "+00:00"))
        return utc_iso(now - timedelta(days=self.max_age_days))


@dataclass
class ListingFacts:
    """What one crawl saw of one listing (a company board, a sitemap)."""

    source: str
    listing: str = ""
    responses: int = 0
    failures: int = 0
    rejects: int = 0
    why: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return listing_key(self.source, self.listing)


def listing_key(source: str, listing: str | None) -> str:
    """``lever/matchgroup``; ``remotewlb/`` for a board that is one listing."""
    return f"{source}/{listing or ''}"


def split_listing_key(key: str) -> tuple[str, str]:
    source, _, listing = key.partition("/")
    return source, listing


def note_listing(
    stats, source: str, listing: str | None, what: str, why: str | None = None
) -> None:
    """Count a fact (``responses``, ``failures`` or ``rejects``) for a listing in the crawl
    stats; keep up to 5 explanations per listing."""
    listings = stats.get_value(LISTINGS_STAT)
    if listings is None:
        listings = {}
        stats.set_value(LISTINGS_STAT, listings)
    facts = listings.setdefault(
        listing_key(source, listing), {"responses": 0, "failures": 0, "rejects": 0, "why": []}
    )
    facts[what] = facts.get(what, 0) + 1
    if why and len(facts["why"]) < 5:
        facts["why"].append(why)


def listings_from_stats(stats: Mapping[str, Any]) -> list[ListingFacts]:
    found = []
    for key, facts in sorted((stats.get(LISTINGS_STAT) or {}).items()):
        source, listing = split_listing_key(key)
        found.append(
            ListingFacts(
                source,
                listing,
                int(facts.get("responses", 0)),
                int(facts.get("failures", 0)),
                int(facts.get("rejects", 0)),
                list(facts.get("why", [])),
            )
        )
    return found


def closing_problems(
    crawl_row: Mapping[str, Any],
    baseline: Mapping[str, Any] | None,
    stats: Mapping[str, Any],
    health_rules: health.HealthRules | None = None,
    *,
    per_listing: bool = False,
) -> dict[str, str]:
    """Why this crawl may close nothing at all (name -> explanation); empty means it may.

    The crawl-level "healthy for closing" rule: every ``crawler.store.health`` check, plus
    callback errors and losses no listing can be blamed for. With ``per_listing`` (the
    spider has complete listings, each judged by ``listing_problems``) the checks in
    ``LISTING_LEVEL_CHECKS`` are left to the listings.
    """
    problems = {
        name: why
        for name, why in health.evaluate(crawl_row, baseline, health_rules).items()
        if not (per_listing and name in LISTING_LEVEL_CHECKS)
    }
    raised = sum(int(v or 0) for k, v in stats.items() if k.startswith("spider_exceptions/"))
    if raised:
        problems["spider_exceptions"] = f"{raised} callback errors: records may be lost"
    for key, why in UNATTRIBUTED_LOSSES.items():
        if stats.get(key):
            problems[key.rsplit("/", 1)[-1]] = f"{why} ({stats[key]}x)"
    return problems


def listing_problems(
    facts: ListingFacts, seen: int, baseline_seen: int | None, rules: LifecycleRules
) -> list[str]:
    """Why this listing is not a healthy complete listing; empty means it is one."""
    problems = []
    if facts.responses == 0:
        problems.append("no answer received")
    if facts.failures:
        detail = "; ".join(facts.why[:3])
        problems.append(f"{facts.failures} requests failed" + (f" ({detail})" if detail else ""))
    if facts.rejects:
        problems.append(f"{facts.rejects} records could not be read")
    if baseline_seen and seen < rules.listing_min_fraction * baseline_seen:
        problems.append(
            f"collapsed: {seen} postings, under {rules.listing_min_fraction:g} x the "
            f"{baseline_seen} of its last healthy listing"
        )
    return problems


# -- database ---------------------------------------------------------------------------------

# The listing a posting belongs to: its company board on a platform, else the whole board.
LISTING_SQL = "COALESCE(company_slug, '')"


def _chunks(values: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def reopen_seen(conn: sqlite3.Connection, ids: list[int], now: str) -> int:
    """Reopen the closed postings among ``ids`` (read by this crawl) unless their closing date
    has passed; reset their missed-listing count. Returns how many were reopened."""
    reopened = 0
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        cur = conn.execute(
            "UPDATE jobs SET status = 'open', closed_at = NULL, closed_reason = NULL,"
            " reopened_count = reopened_count + 1"
            f" WHERE id IN ({marks}) AND status = 'closed'"
            " AND (valid_through IS NULL OR valid_through >= ?)",
            [*chunk, now],
        )
        reopened += cur.rowcount
        conn.execute(
            f"UPDATE jobs SET missed_listings = 0 WHERE id IN ({marks}) AND missed_listings != 0",
            chunk,
        )
    return reopened


def touch_listed(
    conn: sqlite3.Connection,
    crawl_id: int,
    listed: list[tuple[str, str]],
    seen_at: str,
    skipped: set[tuple[str, str]] | None = None,
) -> tuple[list[int], int]:
    """Postings a sitemap still lists, by (source, url): refresh ``last_seen_at``, reset
    missed listings, reopen those closed as ``absent``. Those whose page is ``skipped``
    (unchanged ``lastmod``) also get ``last_crawl_id``: they count as seen by this crawl.
    A listed page that is fetched gets its crawl id when its posting is stored, so that
    the rows carrying a crawl's id are always the postings it counted (a kill in between
    leaves no row claimed and uncounted); its fresh ``last_seen_at`` already keeps it from
    being counted missed. ``skipped`` None: every listed posting is treated as skipped.
    Returns (ids found, reopened)."""
    found_ids: list[tuple[int, bool]] = []
    for source, url in listed:
        found = conn.execute(
            "SELECT id FROM jobs WHERE source = ? AND url = ?", (source, url)
        ).fetchall()
        skip = skipped is None or (source, url) in skipped
        found_ids.extend((row[0], skip) for row in found)
    ids = [i for i, _skip in found_ids]
    reopened = 0
    for claim in (True, False):
        chosen = [i for i, skip in found_ids if skip is claim]
        for chunk in _chunks(chosen):
            marks = ",".join("?" * len(chunk))
            if claim:
                conn.execute(
                    f"UPDATE jobs SET last_seen_at = ?, last_crawl_id = ?, missed_listings = 0"
                    f" WHERE id IN ({marks})",
                    [seen_at, crawl_id, *chunk],
                )
            else:
                conn.execute(
                    f"UPDATE jobs SET last_seen_at = ?, missed_listings = 0 WHERE id IN ({marks})",
                    [seen_at, *chunk],
                )
            cur = conn.execute(
                "UPDATE jobs SET status = 'open', closed_at = NULL, closed_reason = NULL,"
                f" reopened_count = reopened_count + 1 WHERE id IN ({marks})"
                f" AND status = 'closed' AND closed_reason = '{CLOSED_ABSENT}'",
                chunk,
            )
            reopened += cur.rowcount
    return ids, reopened


def _close(conn: sqlite3.Connection, where: str, params: list, now: str, reason: str) -> int:
    cur = conn.execute(
        f"UPDATE jobs SET status = 'closed', closed_at = ?, closed_reason = ?"
        f" WHERE status = 'open' AND {where}",
        [now, reason, *params],
    )
    return cur.rowcount


def _row(conn: sqlite3.Connection, sql: str, params: Iterable[Any]) -> dict[str, Any] | None:
    cur = conn.execute(sql, list(params))
    found = cur.fetchone()
    if found is None:
        return None
    return dict(zip([c[0] for c in cur.description], found, strict=True))


def crawl_baseline(
    conn: sqlite3.Connection, spider: str, crawl_id: int, memory: int = 5
) -> dict | None:
    """The last crawl of ``spider`` judged healthy (``crawls.healthy``), if that is recorded."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(crawls)")}
    if "healthy" not in columns:
        return None
    return health.previous_healthy_crawl(conn, spider, crawl_id, memory)


@dataclass
class LifecycleOutcome:
    closed: dict[str, int] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    listings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def closed_total(self) -> int:
        return sum(self.closed.values())


def apply_closing(
    conn: sqlite3.Connection,
    crawl_id: int,
    *,
    complete_listing: bool,
    rules: LifecycleRules,
    evidence: bool = True,
    gone: Iterable[tuple[str, str]] = (),
    health_rules: health.HealthRules | None = None,
) -> LifecycleOutcome:
    """Decide what crawl ``crawl_id`` (whose ``crawls`` row is finished) closes, close it, and
    record the evidence (``crawls.closing_problems``, ``crawl_listings``). One transaction."""
    row = _row(conn, "SELECT * FROM crawls WHERE id = ?", [crawl_id])
    if row is None:
        raise LookupError(f"no crawls row {crawl_id}")
    stats = health.crawl_stats(row)
    spider = row["spider"]
    now = rules.now_iso()
    outcome = LifecycleOutcome()
    memory = (health_rules or health.HealthRules()).baseline_crawls
    outcome.problems = closing_problems(
        row,
        crawl_baseline(conn, spider, crawl_id, memory),
        stats,
        health_rules,
        per_listing=complete_listing,
    )
    if not evidence:
        outcome.problems["no_evidence"] = (
            f"{spider} reads records that say nothing about what is open now"
        )
    may_close = not outcome.problems
    seen_sources = conn.execute(
        "SELECT DISTINCT source FROM jobs WHERE last_crawl_id = ?", [crawl_id]
    ).fetchall()
    sources = {spider} | {r[0] for r in seen_sources}
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        overlap = concurrent_crawls(conn, row, now=utc_iso(datetime.now(UTC)))
        if complete_listing:
            for facts in listings_from_stats(stats):
                sources.add(facts.source)
                outcome.listings.append(
                    _judge_listing(
                        conn,
                        row,
                        facts,
                        rules,
                        may_close,
                        outcome,
                        now,
                        memory=memory,
                        overlap=overlap,
                    )  # fmt: skip
                )
        if may_close:
            for source, url in gone:
                n = _close(conn, "source = ? AND url = ?", [source, url], now, CLOSED_GONE)
                outcome.closed[CLOSED_GONE] = outcome.closed.get(CLOSED_GONE, 0) + n
            marks = ",".join("?" * len(sources))
            outcome.closed[CLOSED_VALID_THROUGH] = _close(
                conn,
                f"source IN ({marks}) AND valid_through IS NOT NULL AND valid_through < ?",
                [*sorted(sources), now],
                now,
                CLOSED_VALID_THROUGH,
            )
            cutoff = rules.age_cutoff()
            if not complete_listing and cutoff:
                # Only postings this spider's own crawls saw: another spider storing the same
                # source (an archive import) says nothing about this board's window.
                outcome.closed[CLOSED_AGE_LIMIT] = _close(
                    conn,
                    f"source IN ({marks}) AND last_crawl_id != ?"
                    " AND last_crawl_id IN (SELECT id FROM crawls WHERE spider = ?)"
                    " AND COALESCE(posted_at, first_seen_at) < ?",
                    [*sorted(sources), crawl_id, spider, cutoff],
                    now,
                    CLOSED_AGE_LIMIT,
                )
        outcome.closed = {k: v for k, v in outcome.closed.items() if v}
        conn.execute(
            "UPDATE crawls SET items_closed = ?, closing_problems = ? WHERE id = ?",
            [outcome.closed_total, json.dumps(outcome.problems, sort_keys=True), crawl_id],
        )
    return outcome


def concurrent_crawls(conn: sqlite3.Connection, crawl: Mapping[str, Any], now: str) -> list[int]:
    """Other crawls of the same spider that finished while ``crawl`` ran.

    Two crawls of one board at once (two ``scrapy crawl`` processes, outside ``crawlall``'s
    lock) would count each absence twice: one moment's evidence taken for two. Of such a
    pair, the first to finish counts the absences and the other, which sees it finish
    during its own run, counts none. A killed crawl (never finished) is not counted.
    """
    started = crawl.get("started_at") or now
    rows = conn.execute(
        "SELECT id FROM crawls WHERE spider = ? AND id != ?"
        " AND finished_at IS NOT NULL AND finished_at > ? AND finished_at <= ?",
        [crawl["spider"], crawl["id"], started, now],
    ).fetchall()
    return [r[0] for r in rows]


def _judge_listing(
    conn: sqlite3.Connection,
    crawl: Mapping[str, Any],
    facts: ListingFacts,
    rules: LifecycleRules,
    may_close: bool,
    outcome: LifecycleOutcome,
    now: str,
    *,
    memory: int = 5,
    overlap: list[int] = (),
) -> dict[str, Any]:
    crawl_id = crawl["id"]
    where = f"source = ? AND {LISTING_SQL} = ?"
    params = [facts.source, facts.listing]
    seen = conn.execute(
        f"SELECT COUNT(*) FROM jobs WHERE {where} AND last_crawl_id = ?", [*params, crawl_id]
    ).fetchone()[0]
    # The largest of its last healthy listings: a listing shrinking in stages (20, 11, 6...)
    # collapses against the 20, not against the 11 before it.
    base = conn.execute(
        "SELECT MAX(seen) FROM (SELECT seen FROM crawl_listings WHERE source = ? AND listing = ?"
        " AND healthy = 1 AND crawl_id < ? ORDER BY crawl_id DESC LIMIT ?)",
        [*params, crawl_id, max(int(memory), 1)],
    ).fetchone()
    problems = listing_problems(facts, seen, base[0] if base else None, rules)
    if not may_close:
        problems.append("crawl not healthy: " + ", ".join(sorted(outcome.problems)))
    if overlap:
        problems.append(
            "another crawl of this board ran at the same time (crawl "
            + ", ".join(map(str, overlap))
            + "): its absences are not independent evidence"
        )
    missed = closed = 0
    if not problems:
        # Unseen by this crawl *and* by any other since it started: a crawl of the same board
        # running at the same time (another process) takes over ``last_crawl_id`` of the
        # postings both saw, and they must not look missed.
        unseen = (
            f"{where} AND (last_crawl_id IS NULL OR last_crawl_id != ?)"
            " AND (last_seen_at IS NULL OR last_seen_at < ?)"
        )
        started = crawl.get("started_at") or "9999"  # no start recorded: no clause
        cur = conn.execute(
            f"UPDATE jobs SET missed_listings = missed_listings + 1"
            f" WHERE status = 'open' AND {unseen}",
            [*params, crawl_id, started],
        )
        missed = cur.rowcount
        closed = _close(
            conn,
            f"{unseen} AND missed_listings >= ?",
            [*params, crawl_id, started, rules.misses_to_close],
            now,
            CLOSED_ABSENT,
        )
        outcome.closed[CLOSED_ABSENT] = outcome.closed.get(CLOSED_ABSENT, 0) + closed
    record = {
        "crawl_id": crawl_id,
        "source": facts.source,
        "listing": facts.listing,
        "responses": facts.responses,
        "failures": facts.failures,
        "rejects": facts.rejects,
        "seen": seen,
        "missed": missed,
        "closed": closed,
        "healthy": int(not problems),
        "problems": json.dumps(problems),
    }
    cols = ", ".join(record)
    conn.execute(
        f"INSERT OR REPLACE INTO crawl_listings ({cols}) VALUES ({', '.join('?' * len(record))})",
        list(record.values()),
    )
    return record

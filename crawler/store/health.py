"""Is a crawl healthy? Rules over ``crawls`` rows, stored on the row and reflected in exit codes.

A board can break silently: the API still answers 200 but with nothing in it,
with half the postings, or with a field renamed so that every posting now lacks
its salary. Each finished crawl is therefore checked against the **last healthy
crawl of the same board** (its *baseline*; an unhealthy crawl never becomes one,
so a board that stays broken keeps being reported). The checks, named as they
appear in ``crawls.health_problems``, the ``crawlall`` summary and the log:

``unfinished``
    the crawl ended for another reason than ``finished`` (shut down, killed, a
    closespider limit): whatever it saw is incomplete.
``no_items``
    it stored no posting at all.
``count_drop``
    it stored fewer than ``HEALTH_MIN_COUNT_FRACTION`` (0.5) times the postings
    of the baseline. The count compared with is the *largest* of the last
    ``HEALTH_BASELINE_CRAWLS`` (5) healthy crawls, so that a board shrinking in
    stages (20, then 11, then 6 postings) is caught at the second stage instead
    of each stage passing against the one before it.
``given:<field>``
    a field the spider handed over on at least ``HEALTH_FILL_MIN_PREVIOUS``
    (10 %) of the baseline's postings is now given on less than
    ``HEALTH_FILL_DROP_FRACTION`` (0.25) times that rate (e.g. RemoteOK's
    structured salary on 19 % last time, 0 % now: the board changed its format).
    Measured *before* the pipelines, because the normaliser may fill the same
    field from the description and hide the break.
``fill:<field>``
    the same for the stored postings, *after* normalisation (e.g. ``posted_at``
    falls to 0 % because the board's dates changed to a format nobody reads).
    Both are skipped when fewer than ``HEALTH_FILL_MIN_EXPECTED`` (5) of the
    postings measured would have been expected to have the field, so small boards
    (and recrawls of sitemap boards that skip unchanged pages) do not flap.
``http_errors``
    requests that finally failed with an error status (or a download error that
    is not a network failure) after the retries (robots.txt and retried attempts
    are not counted) exceed ``HEALTH_MAX_ERROR_FRACTION`` (0.1) of the requests.
``unreachable``
    the same for requests that never got an answer: the host could not be
    reached (DNS lookup failed, connection refused, timed out, TLS handshake
    failed, connection lost), e.g. ``2 of 2 requests could not connect (DNS
    lookup failed x2)``. Counted by ``crawler/runtime/network.py``.
``rejects``
    records written to ``rejects`` exceed ``HEALTH_MAX_REJECT_FRACTION`` (0.1)
    of all records.
``unreadable``
    a listing answered but could not be read (a JSON API answer that is not
    JSON: an HTML error page, an empty or truncated body; a sitemap that is
    empty, cut short or not XML), or a sitemap could not be fetched. Any one is
    enough: a listing hides every posting in it, so one lost listing among
    hundreds of healthy pages stays under the ``http_errors`` and ``rejects``
    fractions and would otherwise pass unnoticed. A listing redirected away from
    itself (to another company's board, a login page) counts here too.
``store_errors``
    a batch could not be written to the database even after its retries (a full
    disk, a lock held by another connection past ``STORE_BUSY_TIMEOUT_MS``): its
    postings are not stored, so their absence proves nothing. The crawl is failed.
``spider_exceptions``
    a callback raised: what its response held is neither stored nor rejected.
``bounds``
    the crawl hit one of its size bounds (``CRAWL_MAX_*`` settings, or Scrapy's
    ``CLOSESPIDER_*``): what it did not read is unknown.
Fill rates come from the stats ``pipelines/fillrates.py`` counts: ``jobcrawl/given/*``
on the postings as spiders hand them over, ``jobcrawl/fill/*`` on the postings
about to be stored. They are kept per crawl in ``crawls.fill_rates`` (JSON
object: ``<field>`` and ``given:<field>`` -> fraction of postings with a value).

**For the posting lifecycle** (closing postings a crawl no longer sees): close
only after a crawl for which ``is_healthy(crawl_row, baseline)`` is true, where
``baseline = previous_healthy_crawl(conn, spider, crawl_id)``. A crawl that came
back empty, short, or with a collapsed field must not close anything. The row
needs ``finish_reason``, ``items_scraped``, ``items_rejected`` and ``stats`` (the
store writes them all in ``Store.finish``), so the decision can be taken as soon
as the store has finished the row, before ``crawls.healthy`` is written.

Everything above ``-- database --`` is pure (rows in, answers out). A board
that really shrank for good stays ``count_drop`` until someone accepts its last
crawl as the new baseline: ``UPDATE crawls SET healthy = 1 WHERE id = <id>``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from crawler.signals import BOUNDS_PREFIX, UNREACHABLE, UNREACHABLE_ROBOTS
from crawler.sources.items import item_fields

# Fields that say when/where we saw a posting, or what we could not read, not what the board
# published (fewer unreadable values is no collapse).
NOT_MEASURED = {"source", "scraped_at", "value_problems"}
FILL_FIELDS = [name for name, _t, _d in item_fields() if name not in NOT_MEASURED]
FILL_PREFIX = "jobcrawl/fill/"  # stored postings, after the pipelines
GIVEN_PREFIX = "jobcrawl/given/"  # postings as the spider handed them over
ITEMS = "_items"  # the count of postings, under each prefix


def has_value(value: Any) -> bool:
    """The fill-rate rule: a field is filled when it holds a value (not None, not a blank
    string, not an empty list or object)."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | dict | tuple | set):
        return bool(value)
    return True


def filled_mask(item) -> int:
    """The filled ``FILL_FIELDS`` of ``item`` as a bit mask (bit i = ``FILL_FIELDS[i]``),
    stored as ``jobs.filled_mask``: an unchanged posting's fill counts come from it."""
    values = item.__dict__
    return sum(1 << i for i, name in enumerate(FILL_FIELDS) if has_value(values.get(name)))


def filled_from_mask(mask: int) -> list[str]:
    return [name for i, name in enumerate(FILL_FIELDS) if mask >> i & 1]


FILL_ITEMS = FILL_PREFIX + ITEMS
GIVEN_ITEMS = GIVEN_PREFIX + ITEMS
GIVEN = "given:"  # key prefix of the as-given rates in ``fill_rates``
# Crawl stats counting listings that answered but could not be read, or could not be fetched.
UNREADABLE = {
    "jobcrawl/bad_json": "listing answers not JSON",
    "jobcrawl/bad_shape": "listing answers of an unexpected shape",
    "jobcrawl/bad_sitemap": "sitemaps not readable",
    "jobcrawl/sitemap_errors": "sitemaps not fetched",
    "jobcrawl/redirected_away": "listings redirected away from themselves",
}


@dataclass(frozen=True)
class HealthRules:
    """Thresholds of the checks; each is the setting ``HEALTH_<FIELD NAME IN CAPITALS>``."""

    min_count_fraction: float = 0.5
    fill_drop_fraction: float = 0.25
    fill_min_previous: float = 0.1
    fill_min_expected: int = 5
    max_error_fraction: float = 0.1
    max_reject_fraction: float = 0.1
    baseline_crawls: int = 5

    @classmethod
    def from_settings(cls, settings) -> HealthRules:
        """Read ``HEALTH_*`` from Scrapy settings (a spider's ``custom_settings`` may tune them)."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f"HEALTH_{f.name.upper()}"
            if settings.get(name) is not None:
                getter = settings.getint if f.type == "int" else settings.getfloat
                values[f.name] = getter(name)
        return cls(**values)


def as_dict(row: Mapping[str, Any] | sqlite3.Row | None) -> dict[str, Any]:
    """A ``crawls`` row (``sqlite3.Row`` or dict) as a dict; ``{}`` for None."""
    if row is None:
        return {}
    return {key: row[key] for key in row.keys()}


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str | bytes) and value:
        try:
            loaded = json.loads(value)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return {}


def crawl_stats(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row's final Scrapy stats (the ``stats`` JSON column), as a dict."""
    return _json(row.get("stats"))


def fill_rates_from_stats(stats: Mapping[str, Any]) -> dict[str, float]:
    """``field`` (stored) and ``given:field`` (as handed over) -> fraction with a value.

    A view whose postings were not counted is left out; ``{}`` when neither was.
    """
    rates: dict[str, float] = {}
    for prefix, key in ((FILL_PREFIX, ""), (GIVEN_PREFIX, GIVEN)):
        total = int(stats.get(prefix + ITEMS) or 0)
        if total > 0:
            for name in FILL_FIELDS:
                rates[key + name] = round(int(stats.get(prefix + name) or 0) / total, 4)
    return rates


def fill_rates(row: Mapping[str, Any]) -> dict[str, float]:
    """A crawl's fill rates: its ``fill_rates`` column if set, else computed from its stats."""
    stored = _json(row.get("fill_rates"))
    return stored or fill_rates_from_stats(crawl_stats(row))


def _count(stats: Mapping[str, Any], prefix: str, *, min_status: int | None = None) -> int:
    total = 0
    for key, value in stats.items():
        if not key.startswith(prefix):
            continue
        if min_status is not None:
            code = key[len(prefix) :]
            if not code.isdigit() or int(code) < min_status:
                continue
        total += int(value or 0)
    return total


def request_outcomes(stats: Mapping[str, Any]) -> tuple[int, int]:
    """(requests, failed) of the board's own requests, from Scrapy's stats.

    ``requests`` leaves out robots.txt and retried attempts; ``failed`` counts the
    requests whose *last* attempt ended in an HTTP status >= 400 or a download
    error. A 429 retried into a 200 is one request and no failure; a 500 given up
    after three retries is one request and one failure. ``failed`` includes the
    requests that never got an answer (``unreachable_requests``).
    """
    sent = int(stats.get("downloader/request_count") or 0)
    retries = int(stats.get("retry/count") or 0)
    robots = int(stats.get("robotstxt/request_count") or 0)
    bad = _count(stats, "downloader/response_status_count/", min_status=400)
    bad += int(stats.get("downloader/exception_count") or 0)
    robots_bad = _count(stats, "robotstxt/response_status_count/", min_status=400)
    robots_bad += _count(stats, "robotstxt/exception_count/")
    robots_bad += int(stats.get(UNREACHABLE_ROBOTS) or 0)  # ended by NetworkErrorMiddleware
    return max(sent - retries - robots, 0), max(bad - retries - robots_bad, 0)


def unreachable_requests(stats: Mapping[str, Any]) -> dict[str, int]:
    """Requests (not robots.txt) that never got an answer, by kind: ``{"DNS lookup failed": 2}``.

    Counted by ``crawler/runtime/network.py`` once a request's retries are spent.
    """
    prefix = UNREACHABLE + "/"
    return {
        key.removeprefix(prefix).replace("_", " "): int(value)
        for key, value in stats.items()
        if key.startswith(prefix) and int(value or 0) > 0
    }


def evaluate(
    crawl: Mapping[str, Any] | sqlite3.Row,
    previous: Mapping[str, Any] | sqlite3.Row | None = None,
    rules: HealthRules | None = None,
) -> dict[str, str]:
    """The failing checks of ``crawl`` against its baseline ``previous`` (or None): name -> why.

    An empty dict means healthy. Pure: reads only the two rows.
    """
    rules = rules or HealthRules()
    row, base = as_dict(crawl), as_dict(previous)
    stats = crawl_stats(row)
    problems: dict[str, str] = {}
    reason = row.get("finish_reason") or stats.get("finish_reason")
    if reason != "finished":
        problems["unfinished"] = f"finish reason {reason or 'none'!r}, not 'finished'"
    items = int(row.get("items_scraped") or 0)
    if items == 0:
        problems["no_items"] = "no posting stored"
    # The largest count among the recent healthy crawls (``baseline_items``, set by
    # ``previous_healthy_crawl``), else the baseline's own.
    base_items = int(base.get("baseline_items") or base.get("items_scraped") or 0)
    if base and items and items < rules.min_count_fraction * base_items:
        whose = f"healthy crawl {base.get('id')}"
        if base_items != int(base.get("items_scraped") or 0):
            whose = f"its recent healthy crawls (the latest is crawl {base.get('id')})"
        problems["count_drop"] = (
            f"{items} postings stored, under {rules.min_count_fraction:g} x the "
            f"{base_items} of {whose}"
        )
    if base and items:
        now, before = fill_rates(row), fill_rates(base)
        # Postings each view measured: fewer than stored when a sitemap board skipped
        # unchanged pages (they are stored as seen without passing the pipelines).
        measured = {
            view: int(stats[prefix + ITEMS]) if prefix + ITEMS in stats else items
            for view, prefix in (("", FILL_PREFIX), (GIVEN, GIVEN_PREFIX))
        }
        for name, was in before.items():
            if name not in now or was < rules.fill_min_previous:
                continue
            view = GIVEN if name.startswith(GIVEN) else ""
            if was * measured[view] < rules.fill_min_expected:
                continue
            if now[name] < was * rules.fill_drop_fraction:
                field, verb, check = name, "filled", f"fill:{name}"
                if name.startswith(GIVEN):
                    field = name.removeprefix(GIVEN)
                    verb, check = "given by the board", name
                problems[check] = (
                    f"{field} {verb} on {now[name]:.0%} of postings, "
                    f"{was:.0%} in healthy crawl {base.get('id')}"
                )
    requests, failed = request_outcomes(stats)
    unreachable = unreachable_requests(stats)
    no_answer = sum(unreachable.values())
    failed -= min(no_answer, failed)  # error statuses (and other download errors) only
    if failed and failed > rules.max_error_fraction * requests:
        problems["http_errors"] = f"{failed} of {requests} requests failed"
    if no_answer and no_answer > rules.max_error_fraction * requests:
        kinds = ", ".join(
            f"{kind} x{n}" if n > 1 else kind for kind, n in sorted(unreachable.items())
        )
        problems["unreachable"] = f"{no_answer} of {requests} requests could not connect ({kinds})"
    rejected = int(row.get("items_rejected") or 0)
    if rejected and rejected > rules.max_reject_fraction * (rejected + items):
        problems["rejects"] = f"{rejected} of {rejected + items} records rejected"
    unreadable = {
        what: int(stats.get(key) or 0)
        for key, what in UNREADABLE.items()
        if int(stats.get(key) or 0) > 0
    }
    if unreadable:
        problems["unreadable"] = "; ".join(f"{n} {what}" for what, n in unreadable.items())
    lost = int(stats.get("jobcrawl/store_errors") or 0)
    if lost:
        problems["store_errors"] = (
            f"{lost} writes failed after their retries; "
            f"{int(stats.get('jobcrawl/store_lost') or 0)} records not stored"
        )
    raised = sum(int(v or 0) for k, v in stats.items() if k.startswith("spider_exceptions/"))
    if raised:
        problems["spider_exceptions"] = f"{raised} callback errors: records may be lost"
    bounds = sorted(k.removeprefix(BOUNDS_PREFIX) for k in stats if k.startswith(BOUNDS_PREFIX))
    if bounds:
        problems["bounds"] = "stopped at " + ", ".join(
            f"{name} ({stats[BOUNDS_PREFIX + name]})" for name in bounds
        )
    return problems


def is_healthy(
    crawl_row: Mapping[str, Any] | sqlite3.Row,
    previous: Mapping[str, Any] | sqlite3.Row | None = None,
    rules: HealthRules | None = None,
) -> bool:
    """True when ``crawl_row`` passes every check against ``previous``, its baseline.

    The "healthy enough to close postings it did not see" decision: see the module doc.
    """
    return not evaluate(crawl_row, previous, rules)


# -- database ---------------------------------------------------------------------------------


def previous_healthy_crawl(
    conn: sqlite3.Connection, spider: str, before_id: int, memory: int = 5
) -> dict | None:
    """The last crawl of ``spider`` before crawl ``before_id`` that was judged healthy, with
    ``baseline_items``: the most postings among the last ``memory`` healthy crawls, back to
    the newest one a person *accepted* (``healthy`` set to 1 by hand over its problems: it
    starts a new memory, so that accepting a board that really shrank takes one update)."""
    cur = conn.execute(
        "SELECT * FROM crawls WHERE spider = ? AND id < ? AND healthy = 1 ORDER BY id DESC LIMIT ?",
        (spider, before_id, max(int(memory), 1)),
    )
    names = [c[0] for c in cur.description]
    rows = [dict(zip(names, found, strict=True)) for found in cur.fetchall()]
    if not rows:
        return None
    recent = []
    for row in rows:
        recent.append(row)
        if _json(row.get("health_problems")):  # accepted by hand: older counts are forgotten
            break
    baseline = rows[0]
    baseline["baseline_items"] = max(int(r.get("items_scraped") or 0) for r in recent)
    return baseline


def record_health(
    conn: sqlite3.Connection, crawl_id: int, rules: HealthRules | None = None
) -> tuple[dict, dict[str, str]]:
    """Judge crawl ``crawl_id`` and store ``healthy``, ``health_problems`` and ``fill_rates``.

    Returns the crawl row (before the update) and its problems.
    """
    cur = conn.execute("SELECT * FROM crawls WHERE id = ?", (crawl_id,))
    found = cur.fetchone()
    if found is None:
        raise LookupError(f"no crawls row {crawl_id}")
    row = dict(zip([c[0] for c in cur.description], found, strict=True))
    rules = rules or HealthRules()
    baseline = previous_healthy_crawl(conn, row["spider"], crawl_id, rules.baseline_crawls)
    problems = evaluate(row, baseline, rules)
    rates = fill_rates_from_stats(crawl_stats(row))
    with conn:
        conn.execute(
            "UPDATE crawls SET healthy = ?, health_problems = ?, fill_rates = ? WHERE id = ?",
            (int(not problems), json.dumps(problems), json.dumps(rates, sort_keys=True), crawl_id),
        )
    return row, problems

"""Where an item's time goes: each stage's pure function timed on the same derived postings.

For every JSON board shape, ``count`` derived records (``crawler.tools.bench.corpus``) are
taken, one stage at a time, through what the crawl runs for each posting:

* ``map``: the spider's pure mapper (raw record -> ``JobPosting``), part of bare Scrapy;
* ``validate`` / ``clean`` / ``normalize``: the pipelines' pure functions;
* ``fingerprint``: the digest of the raw posting an unchanged posting costs instead of
  cleaning, normalising and its row (``crawler/store/fingerprint.py``);
* ``row``: the store's ``job_row`` (the SQL row, its content hash and match key).

The SQLite write itself is ``crawler.tools.bench.upsert``. One warm-up pass over other
records loads every lazy table first, so the figures are steady-state µs per item.
Figures only: nothing passes or fails.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from crawler.normalize.posting import clean_item, normalize_item
from crawler.sources.items import problems
from crawler.store.fingerprint import raw_fingerprint
from crawler.store.rows import job_row
from crawler.tools.bench.corpus import JSON_SHAPES, SHAPES, derived_records

STAGES = ("map", "validate", "fingerprint", "clean", "normalize", "row")


def _items(shape: str, records: list[dict]) -> tuple[list, float]:
    mapper = SHAPES[shape].recorded.spider.map_record  # the board's own (registry)
    board = {"company_slug": f"bench-{shape}", "company_name": None}
    started = time.perf_counter()
    items = [mapper(record, board) for record in records]
    elapsed = time.perf_counter() - started
    for item in items:
        item.source = f"bench_{shape}"
    return items, elapsed


def _pass(shape: str, records: list[dict]) -> dict[str, float]:
    now = datetime.now(UTC)
    seconds = dict.fromkeys(STAGES, 0.0)
    items, seconds["map"] = _items(shape, records)
    clock = time.perf_counter
    started = clock()
    items = [item for item in items if not problems(item)]
    seconds["validate"] = clock() - started
    started = clock()
    for item in items:
        raw_fingerprint(item)
    seconds["fingerprint"] = clock() - started
    started = clock()
    items = [clean_item(item) for item in items]
    seconds["clean"] = clock() - started
    started = clock()
    for item in items:
        normalize_item(item, now)
    seconds["normalize"] = clock() - started
    started = clock()
    for item in items:
        job_row(item)
    seconds["row"] = clock() - started
    return seconds


def run(count: int = 1000, seed: int = 11, log=print) -> dict[str, dict[str, float]]:
    """µs per item of each stage, per JSON board shape and for all shapes together."""
    out: dict[str, dict[str, float]] = {}
    totals = dict.fromkeys(STAGES, 0.0)
    n_total = 0
    for shape in JSON_SHAPES:
        _pass(shape, derived_records(shape, min(count, 200), seed + 1000))  # warm-up
        records = derived_records(shape, count, seed)
        seconds = _pass(shape, records)
        out[shape] = {stage: s / count * 1e6 for stage, s in seconds.items()}
        for stage, s in seconds.items():
            totals[stage] += s
        n_total += count
        log(f"  {shape}: " + ", ".join(f"{k} {v:,.0f}" for k, v in out[shape].items()) + " µs")
    out["all"] = {stage: s / n_total * 1e6 for stage, s in totals.items()}
    return out

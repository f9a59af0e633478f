"""Upsert cost per item as the database grows: ``Store.write_batch`` on prebuilt databases.

Items are real derived postings (``crawler.tools.bench.corpus``) taken through the pure mapper,
validate, clean and normalise functions, so rows have real sizes. At each level
(e.g. 0, 100k and 1M rows already stored) the same measurement runs:

* ``new``: batches of fresh postings (insert path, FTS triggers included);
* ``unchanged``: the same batches again (hash compare, ``last_seen_at`` touch);
* ``updated``: the same batches with a changed title (update path).

Filling the database to a level bypasses the pipeline (rows are written with one
``executemany`` per 20,000) and truncates descriptions to 500 characters, so that
a million rows take minutes and about a gigabyte rather than hours; the rows
measured carry their full text.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from crawler.normalize.posting import clean_item, normalize_item
from crawler.sources.items import JobPosting, problems
from crawler.store.rows import FIELDS, job_row
from crawler.store.store import Store
from crawler.tools.bench.corpus import JSON_SHAPES, SHAPES, derived_records

PREFILL_CHUNK = 20_000
PREFILL_TEXT = 500


def real_items(per_shape: int = 200, seed: int = 7) -> list[JobPosting]:
    """Derived postings of each JSON board, mapped, validated, cleaned and normalised."""
    now = datetime.now(UTC)
    items = []
    for shape in JSON_SHAPES:
        mapper = SHAPES[shape].recorded.spider.map_record  # the board's own (registry)
        board = {"company_slug": f"bench-{shape}", "company_name": None}
        for record in derived_records(shape, per_shape, seed):
            item = mapper(record, board)
            item.source, item.scraped_at = f"bench_{shape}", now.strftime("%Y-%m-%dT%H:%M:%SZ")
            if not problems(item):
                normalize_item(clean_item(item), now)
                items.append(item)
    return items


def prefill(store: Store, base: list[JobPosting], start: int, stop: int) -> None:
    """Insert rows ``start..stop`` (ids ``fill-N``) built from ``base`` without the pipeline."""
    templates = []
    for item in base:
        row = job_row(item)
        for key in ("description_html", "description_text"):
            if row[key]:
                row[key] = row[key][:PREFILL_TEXT]
        templates.append(row)
    cols = [*FIELDS, "content_hash", "first_seen_at", "last_seen_at", "last_crawl_id"]
    sid, url, digest = cols.index("source_id"), cols.index("url"), cols.index("content_hash")
    sql = f"INSERT INTO jobs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for chunk in range(start, stop, PREFILL_CHUNK):
        rows = []
        for n in range(chunk, min(chunk + PREFILL_CHUNK, stop)):
            template = templates[n % len(templates)]
            values = [template.get(c) for c in cols[: len(FIELDS) + 1]]
            values += [now, now, store.crawl_id]
            values[sid], values[url] = f"fill-{n}", f"https://bench.example/fill/{n}"
            values[digest] = f"{n:040x}"
            rows.append(values)
        with store.conn:
            store.conn.execute("BEGIN IMMEDIATE")
            store.conn.executemany(sql, rows)


def _timed(store: Store, batches: list[list[JobPosting]]) -> float:
    """Seconds per item to write ``batches`` with ``write_batch``."""
    started = time.perf_counter()
    for batch in batches:
        store.write_batch(batch, [])
    return (time.perf_counter() - started) / sum(len(b) for b in batches)


def measure(store: Store, base: list[JobPosting], level: int, batches: int, size: int) -> dict:
    fresh = [
        [
            replace(base[(b * size + i) % len(base)], source_id=f"m{level}-{b}-{i}")
            for i in range(size)
        ]
        for b in range(batches)
    ]
    changed = [[replace(item, title=f"{item.title} (updated)") for item in b] for b in fresh]
    rows = store.conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
    return {
        "level": level,
        "rows_before": rows,
        "new_us": _timed(store, fresh) * 1e6,
        "unchanged_us": _timed(store, fresh) * 1e6,
        "updated_us": _timed(store, changed) * 1e6,
    }


def run(path: Path, levels: list[int], batches: int = 10, size: int = 500, log=print) -> list:
    """Measure at each level (ascending), growing one database from 0 rows."""
    path.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    base = real_items()
    store = Store(path, "bench_upsert")
    results, stored = [], 0
    try:
        for level in sorted(levels):
            if level > stored:
                started = time.perf_counter()
                prefill(store, base, stored, level)
                log(f"  prefilled {level:,} rows in {time.perf_counter() - started:.0f} s")
                stored = level
            results.append(measure(store, base, level, batches, size))
            stored += batches * size
    finally:
        store.close()
    return results

"""Change history: when a posting's content changes, its previous values are kept.

The store compares each posting it sees again with the stored row by
``content_hash`` (every item field except ``source``, ``source_id``, ``scraped_at``
and ``lastmod``). When the hash differs, one ``job_versions`` row records the
crawl and time of the change, the names of the fields that changed and, for
each, the previous and the new value; the ``jobs`` row then holds the new
content. An unchanged re-crawl writes no version. The ``job_changes`` view has
one row per changed field, so "salary raised" is

    SELECT * FROM job_changes
    WHERE field = 'salary_max' AND CAST(new_value AS REAL) > CAST(old_value AS REAL);

Lists and objects (``tags``, ``countries``, ``extras``) are compared and kept as
the JSON text the ``jobs`` table holds.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def same_value(old: Any, new: Any) -> bool:
    """Equal as stored: ``180000`` (an item's int) equals ``180000.0`` (a REAL column)."""
    if old == new:
        return True
    numbers = (int, float)
    if isinstance(old, numbers) and isinstance(new, numbers) and not isinstance(old, bool):
        return float(old) == float(new)
    return False


def changes(old: Mapping[str, Any], new: Mapping[str, Any], names: Iterable[str]) -> dict:
    """``{field: {"old": .., "new": ..}}`` for the fields whose value differs."""
    found = {}
    for name in names:
        before, after = old.get(name), new.get(name)
        if not same_value(before, after):
            found[name] = {"old": before, "new": after}
    return found


def record_versions(
    conn: sqlite3.Connection,
    crawl_id: int,
    changed_at: str,
    pairs: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
    names: Sequence[str],
    diffs: Sequence[dict] | None = None,
) -> int:
    """Insert one ``job_versions`` row per (stored row, new row) pair whose fields differ.

    ``stored`` must hold ``id``, ``content_hash``, ``last_crawl_id`` and ``last_seen_at``
    as they were before the update. ``diffs``, when given, are the pairs' ``changes``
    already computed. Returns the number of versions written.
    """
    rows = []
    for n, (stored, new) in enumerate(pairs):
        diff = changes(stored, new, names) if diffs is None else diffs[n]
        if not diff:
            continue  # the hash moved (e.g. a field's JSON spelling) but no value did
        rows.append(
            (
                stored["id"],
                crawl_id,
                changed_at,
                json.dumps(sorted(diff)),
                json.dumps(diff, ensure_ascii=False, default=str),
                stored.get("content_hash"),
                stored.get("last_crawl_id"),
                stored.get("last_seen_at"),
            )
        )
    conn.executemany(
        "INSERT INTO job_versions (job_id, crawl_id, changed_at, changed_fields, changes,"
        " previous_hash, previous_crawl_id, previous_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)

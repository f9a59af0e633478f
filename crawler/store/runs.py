"""A board's outcome in a run of several boards (``scrapy crawlall``, the distributed
writer), read from its ``crawls`` row, and the summary table cron mails: one line a board,
then one line per failing check and per note."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The lifecycle work may name its count either way; shown as 0 until one exists.
CLOSED_COLUMNS = ("items_closed", "closed")


@dataclass
class BoardRun:
    """One board's outcome in a crawlall run."""

    board: str
    error: str | None = None
    row: dict[str, Any] = field(default_factory=dict)
    # What its process reported last: crawl_id, finish_reason, error (empty: it died first).
    result: dict[str, Any] = field(default_factory=dict)
    proc: subprocess.Popen | None = field(default=None, repr=False)
    readers: list[threading.Thread] = field(default_factory=list, repr=False)

    @property
    def problems(self) -> dict[str, str]:
        if self.error:
            return {"failed": self.error}
        if not self.row:
            return {"failed": "no crawls row (the crawl never opened its store)"}
        if self.row.get("healthy") is None:
            return {"failed": "crawl not judged (see the log)"}
        try:
            problems = json.loads(self.row.get("health_problems") or "{}")
        except ValueError:
            problems = {}
        if not self.row["healthy"] and not problems:
            problems = {"unhealthy": "see crawls.health_problems"}
        return problems

    @property
    def healthy(self) -> bool:
        return not self.problems

    def count(self, *columns: str) -> int:
        for column in columns:
            if self.row.get(column) is not None:
                return int(self.row[column])
        return 0


SUMMARY_COLUMNS = ("board", "items", "new", "updated", "closed", "rejected", "errors", "health")


def summary_lines(runs: Sequence[BoardRun], notes: Sequence[str] = ()) -> list[str]:
    """The summary table and, under it, one line per failing check and per note."""
    rows = []
    for run in runs:
        if run.healthy:
            health = "healthy"
        elif "failed" in run.problems:
            health = "FAILED"
        else:
            health = "UNHEALTHY: " + ", ".join(run.problems)
        rows.append(
            [
                run.board,
                *(
                    str(run.count(*c))
                    for c in (
                        ("items_scraped",),
                        ("items_new",),
                        ("items_updated",),
                        CLOSED_COLUMNS,
                        ("items_rejected",),
                        ("errors",),
                    )
                ),
                health,
            ]
        )
    widths = [max(len(cells[i]) for cells in [SUMMARY_COLUMNS, *rows]) for i in range(8)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        numbers = [c.rjust(w) for c, w in zip(cells[1:-1], widths[1:-1], strict=True)]
        return "  ".join([first, *numbers, cells[-1]]).rstrip()

    lines = [line(SUMMARY_COLUMNS), *(line(r) for r in rows)]
    for run in runs:
        for check, why in run.problems.items():
            lines.append(f"{run.board}: {check}: {why}")
    lines += list(notes)
    return lines


def read_crawl_row(db_path: str | Path, crawl_id: int | None) -> dict[str, Any]:
    if crawl_id is None:
        return {}
    conn = sqlite3.connect(db_path, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("SELECT * FROM crawls WHERE id = ?", (crawl_id,)).fetchone()
    finally:
        conn.close()
    return dict(row) if row else {}

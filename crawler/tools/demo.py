"""``make demo``: crawl recorded board responses offline into ``data/demo.db`` and summarise.

Starts the replay server (crawler/tools/replay.py) on 127.0.0.1 over the recorded responses in
``data/mirror``, runs the main job (``scrapy crawlall`` over every board with a
recorded fixture, ``crawler/tools/registry.py``; full pipeline) with ``MIRROR_URL`` pointing at it,
prints rows per board with this run's new/updated/unchanged counts, and stops the server.
No network is used.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
from pathlib import Path

from crawler.tools.replay import ReplayServer

ROOT = Path(__file__).resolve().parents[2]
MIRROR = ROOT / "data" / "mirror"
# The only server is our own replay server: no politeness delays or back-off needed.
LOCAL = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CRAWL_DELAY_ENABLED": "0",
    "RETRY_BACKOFF_BASE": "0",
}


def summary(db: Path, first_crawl: int) -> str:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            """SELECT c.spider, (SELECT COUNT(*) FROM jobs j WHERE j.source = c.spider),
                      SUM(c.items_new), SUM(c.items_updated), SUM(c.items_unchanged),
                      SUM(c.items_rejected)
               FROM crawls c WHERE c.id >= ? GROUP BY c.spider ORDER BY c.spider""",
            (first_crawl,),
        ).fetchall()
    finally:
        conn.close()
    head = ("board", "rows", "new", "updated", "unchanged", "rejected")
    lines = [head, *[tuple("" if v is None else v for v in row) for row in rows]]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    return "\n".join(
        "  ".join(str(v).ljust(w) if i == 0 else str(v).rjust(w) for i, (v, w) in
                  enumerate(zip(line, widths, strict=True)))
        for line in lines
    )  # fmt: skip


def last_crawl_id(db: Path) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COALESCE(MAX(id), 0) FROM crawls").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Offline demo on replayed boards.")
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "demo.db")
    args = parser.parse_args(argv)
    before = last_crawl_id(args.db)
    server = ReplayServer(MIRROR).start()
    print(f"replay server on {server.url} (recorded responses from {MIRROR.relative_to(ROOT)})")
    # The main job's own command, pointed at the replay server, over every board whose recorded
    # fixture crawls without arguments (derived from the spiders: tools/registry.py), enabled
    # or not, so that a new board shows up here without touching this file.
    from crawler.tools.registry import demo_boards

    boards = ",".join(demo_boards())
    cmd = [sys.executable, "-m", "scrapy", "crawlall", "--only", boards, "-L", "WARNING"]
    for key, value in {**LOCAL, "JOBS_DB": args.db, "MIRROR_URL": server.url}.items():
        cmd += ["-s", f"{key}={value}"]
    try:
        code = subprocess.run(cmd, cwd=ROOT).returncode
    finally:
        server.stop()
        print("replay server stopped")
    print(f"\n{args.db}: rows per board, and what this run did\n{summary(args.db, before + 1)}")
    if code != 0:
        print(f"crawlall exited {code}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
